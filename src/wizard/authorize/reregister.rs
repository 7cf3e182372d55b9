//! Registering mastokey again from the Authorize step: after the server forgot the app (`n`, or
//! an "invalid client" answer), or for the code flow on a server that takes one redirect URI per
//! app (`m`); and what the screen says once the new app is there.

use crate::mastodon::ApiError;
use crate::mastodon::callback::loopback_port;

use super::super::msg::{Effect, Listen, PreparedApp};
use super::super::state::Session;
use super::super::view::sentence;
use super::{AuthorizeScreen, Focus, Redirect, link};

/// The code flow's app was there already (a former run registered it).
const CODE_APP_REUSED: &str = "Signing in with the code: open the link (Tab, then o) or copy it, \
     approve, then type the code here.";

impl AuthorizeScreen {
    /// A new app for this server and these scopes, for when the stored one is gone on the server
    /// (the browser then shows an "invalid client" page that never reaches mastokey).
    pub(super) fn register_again(&mut self, session: &mut Session) -> Vec<Effect> {
        self.reregistered = true;
        self.prepare(session, true)
    }

    /// An app for the redirect this screen uses now: a new one (`force_new`), or one stored
    /// already (the code flow's app on a server that takes one redirect URI per app, which a
    /// former run registered) where it still exists.
    pub(super) fn prepare(&mut self, session: &mut Session, force_new: bool) -> Vec<Effect> {
        // A running listener keeps its port: the new app is registered with that very URI.
        let listen = match &self.redirect {
            Redirect::Loopback {
                handle: Some(handle),
                ..
            } => loopback_port(&handle.redirect_uri).map_or(Listen::AnyPort, Listen::Port),
            Redirect::Loopback { handle: None, .. } => Listen::AnyPort,
            Redirect::Oob => Listen::CodeOnly,
        };
        let stamp = session.stamp();
        self.reregistering = Some(stamp);
        vec![Effect::PrepareApp {
            stamp,
            base: self.server.caps.base.clone(),
            scopes: self.scopes.clone(),
            force_new,
            listen,
        }]
    }

    pub(super) fn app_ready(
        &mut self,
        result: Result<PreparedApp, ApiError>,
        session: &mut Session,
    ) {
        match result {
            Ok(prepared) => {
                let reused = prepared.reused;
                self.app = prepared.app;
                // The new link has a new state: the listener waits for that one.
                self.secrets = link::draw(session, self.server.caps.pkce_s256);
                let redirect_uri = self.request.redirect_uri.clone();
                self.rebuild(&redirect_uri);
                if let Redirect::Loopback {
                    handle: Some(handle),
                    ..
                } = &self.redirect
                {
                    handle.expect(self.secrets.state.clone());
                }
                self.code.clear();
                self.opened = false;
                self.error = Some(if reused {
                    CODE_APP_REUSED.to_owned()
                } else {
                    self.new_app_said().to_owned()
                });
                // On the code flow the code is typed next, so the field keeps the keys (`o`
                // would be a letter there); otherwise the buttons take them.
                self.focus = if matches!(self.redirect, Redirect::Oob) {
                    Focus::Code
                } else {
                    Focus::Open
                };
            }
            Err(error) => self.error = Some(sentence(error.wording_at(&session.zoned_now()))),
        }
    }

    /// What to do with the new app's link. "Again" only when a link went to a browser already:
    /// the first app for the code flow (`m` before anything was opened) has had no approval.
    fn new_app_said(&self) -> &'static str {
        match (&self.redirect, self.link_given) {
            (Redirect::Oob, false) => {
                "mastokey registered an app for the code flow: open the link (Tab, then o) or \
                 copy it, approve, then type the code here."
            }
            (Redirect::Oob, true) => {
                "A new app was registered with the server: open the new link and approve again, \
                 then type the code here."
            }
            (Redirect::Loopback { .. }, false) => {
                "A new app was registered with the server: open the link (o) and approve."
            }
            (Redirect::Loopback { .. }, true) => {
                "A new app was registered with the server: open the new link (o) and approve \
                 again."
            }
        }
    }
}
