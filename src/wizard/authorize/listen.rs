//! The Authorize step's loopback listener coming up (or not): which link and note follow; and
//! the switches away from it to the out-of-band code (`m`, and the QR view).

use jiff::Timestamp;

use crate::mastodon::CallbackError;

use super::super::msg::{CallbackHandle, Effect, Stamp};
use super::super::redirect::OOB_REDIRECT;
use super::super::state::Session;
use super::super::view::sentence;
use super::notes::{DEVICE_NOTE, NO_ANSWER_AFTER, NO_LISTENER_NOTE, PORT_TAKEN_NOTE};
use super::{AuthorizeScreen, Focus, Redirect};

impl AuthorizeScreen {
    pub(super) fn callback_ready(
        &mut self,
        stamp: Stamp,
        result: Result<CallbackHandle, CallbackError>,
        session: &mut Session,
    ) -> Vec<Effect> {
        if !matches!(self.redirect, Redirect::Loopback { stamp: s, .. } if s == stamp) {
            // Not wanted any more: dropping the handle closes the port at once.
            return Vec::new();
        }
        let open_now = std::mem::take(&mut self.open_when_listening);
        match result {
            Ok(handle) if !self.opened || handle.redirect_uri == self.request.redirect_uri => {
                self.rebuild(&handle.redirect_uri);
                self.redirect = Redirect::Loopback {
                    stamp,
                    handle: Some(handle),
                };
                if open_now {
                    return vec![Effect::OpenBrowser {
                        url: self.request.url.to_string(),
                    }];
                }
            }
            // The out-of-band link is already open in a browser: keep it.
            Ok(_) => self.paste_instead(NO_LISTENER_NOTE),
            // The app's own port is taken (by another program, or not to be had): the code flow
            // needs no port, so the link and Enter move to it.
            Err(CallbackError::Bind { .. } | CallbackError::PortTaken { .. })
                if self.allows_code_flow() =>
            {
                self.paste_instead(PORT_TAKEN_NOTE);
                if self.request.redirect_uri != OOB_REDIRECT {
                    // A link opened already would end on the port that is taken.
                    self.rebuild(OOB_REDIRECT);
                    self.opened = false;
                    self.opened_at = None;
                    self.focus = Focus::Open;
                }
                if open_now {
                    return self.open(session);
                }
            }
            Err(error) => {
                self.paste_instead(NO_LISTENER_NOTE);
                self.error = Some(sentence(error));
                if self.allows_code_flow() {
                    self.rebuild(OOB_REDIRECT);
                    self.opened = false;
                }
                // Otherwise only the loopback link exists, and nothing listens for it: Enter
                // gets an app for the code flow instead (`open` does it), never this link.
                if open_now && self.allows_code_flow() {
                    return self.open(session);
                }
            }
        }
        Vec::new()
    }

    /// Back to the out-of-band code; dropping the listener's handle closes its port.
    pub(super) fn paste_instead(&mut self, note: &'static str) {
        self.redirect = Redirect::Oob;
        self.note = Some(note);
    }

    /// "Sign in on another device": the out-of-band redirect, whose code is typed here.
    pub(super) fn use_other_device(&mut self, session: &mut Session) {
        // Whatever was said about the loopback sign-in no longer holds.
        self.error = None;
        self.opened_at = None;
        session.notice = None;
        self.paste_instead(DEVICE_NOTE);
        self.rebuild(OOB_REDIRECT);
        self.opened = false;
        // The code is typed next: the field takes the keys, so its letters are never commands.
        self.focus = Focus::Code;
    }

    /// `r`: the QR code for a phone, which can only finish with the code the server shows, so
    /// the link becomes the out-of-band one and the field takes the typed code. An app without
    /// the out-of-band redirect has no such link: the view says so instead.
    pub(super) fn show_qr(&mut self, session: &mut Session) {
        self.qr = true;
        // The notice line would cover the view; what it said is about the screen left.
        session.notice = None;
        if !self.allows_code_flow() {
            return;
        }
        if matches!(self.redirect, Redirect::Loopback { .. }) {
            self.use_other_device(session);
        } else if !self.shows_code() {
            self.rebuild(OOB_REDIRECT);
            self.opened = false;
        }
        self.focus = Focus::Code;
    }

    pub(super) fn allows_code_flow(&self) -> bool {
        self.app.redirect_uris.iter().any(|u| u == OOB_REDIRECT)
    }

    /// `m`: the code flow; on an app without the out-of-band URI (a server that takes one
    /// redirect URI per app), an app for the code flow first: the one a former run registered
    /// if it still exists, else a new one.
    pub(super) fn code_flow(&mut self, session: &mut Session) -> Vec<Effect> {
        self.use_other_device(session);
        if self.allows_code_flow() {
            Vec::new()
        } else {
            self.prepare(session, false)
        }
    }

    /// The loopback sign-in has had its time and no answer came: the hint is on screen.
    pub fn no_answer_yet(&self, now: Timestamp) -> bool {
        self.listening()
            && self.busy.is_none()
            && self
                .opened_at
                .is_some_and(|at| now.duration_since(at) >= NO_ANSWER_AFTER)
    }

    /// Waiting for the moment the no-answer hint appears: the runner ticks until then.
    pub fn awaits_hint(&self, now: Timestamp) -> bool {
        self.listening()
            && self.busy.is_none()
            && self.opened_at.is_some()
            && !self.no_answer_yet(now)
    }
}
