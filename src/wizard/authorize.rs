//! Step 4, Authorize: the sign-in link in full, "Open in browser" (focused first; "Copy link"
//! over SSH), "Copy link", and the code field below, shown as typed. A paste anywhere on this
//! screen fills the field. While the field has the focus, every letter is text: the one-letter
//! commands (o, c, r, m, n, q, ?) work only while a button has it.

use crate::mastodon::callback::loopback_uri;
use crate::mastodon::oauth::{AuthorizeParams, AuthorizeRequest, parse_pasted_code};
use crate::mastodon::{ApiError, CallbackError, RegisteredApp};
use crate::secret::Secret;
use jiff::Timestamp;

use super::msg::{CallbackHandle, Copied, Effect, Key, Listen, Msg, PreparedApp, Stamp};
use super::outcome::{Exit, Granted, Outcome};
use super::redirect::OOB_REDIRECT;
use super::state::{NoticeKind, ServerPick, Session};
use super::text_field::TextField;
use super::view::sentence;

use crate::mastodon::oauth::{LinkSecrets, authorize_url_with as build_request};

mod link;
mod listen;
mod notes;
mod render;
mod reregister;

pub use link::credentials;
use link::loopback_of;
use notes::{CODE_FLOW_OFFER, NO_ANSWER_HINT, NO_LISTENER_NOTE, ONE_REDIRECT_NOTE, SSH_NOTE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Open,
    Copy,
    Code,
}

/// Where the server sends the browser after approval.
enum Redirect {
    /// The server shows the code; the user pastes it.
    Oob,
    /// A listener on 127.0.0.1 takes the code; `handle` is set once it listens, and dropping it
    /// (with this screen, or on a switch to `Oob`) closes the port.
    Loopback {
        stamp: Stamp,
        handle: Option<CallbackHandle>,
    },
}

// Independent facts about one screen, each read on its own: flags, not a state machine.
#[allow(clippy::struct_excessive_bools)]
pub struct AuthorizeScreen {
    server: ServerPick,
    scopes: Vec<String>,
    app: RegisteredApp,
    secrets: LinkSecrets,
    request: AuthorizeRequest,
    redirect: Redirect,
    force_login: bool,
    focus: Focus,
    code: TextField,
    error: Option<String>,
    /// Why the code must be pasted here (SSH, another device, no listener).
    note: Option<&'static str>,
    /// The code exchange in flight.
    busy: Option<Stamp>,
    /// A re-registration in flight after the server forgot the app.
    reregistering: Option<Stamp>,
    reregistered: bool,
    opened: bool,
    /// A link went to a browser or the clipboard at some point (a new app's link is then
    /// approved "again").
    link_given: bool,
    /// When the browser was opened on the loopback link, to say what to do if no answer comes.
    opened_at: Option<Timestamp>,
    /// Open was pressed before the listener ran: open the browser once it does.
    open_when_listening: bool,
    qr: bool,
}

impl AuthorizeScreen {
    pub fn start(
        server: ServerPick,
        scopes: Vec<String>,
        prepared: PreparedApp,
        session: &mut Session,
    ) -> (Self, Vec<Effect>) {
        let force_login = session.needs_force_login(server.caps.base.as_str());
        if !prepared.reused {
            session.notify(
                NoticeKind::Info,
                "mastokey registered itself with this server.",
            );
        }
        let secrets = link::draw(session, server.caps.pkce_s256);
        // The server refused a scope at registration: what is asked for is what the app has.
        let scopes = if prepared.substituted.is_empty() {
            scopes
        } else {
            let said: Vec<String> = prepared
                .substituted
                .iter()
                .map(|(asked, used)| format!("{asked} → {used}"))
                .collect();
            session.notify(
                NoticeKind::Info,
                format!(
                    "The server refused a scope; the one that covers it is asked for instead: {}.",
                    said.join(", ")
                ),
            );
            prepared.app.scopes.clone()
        };
        let loopback = loopback_of(&prepared.app);
        let oob_only = prepared.single_redirect.as_deref() == Some(OOB_REDIRECT);
        let mut effects = Vec::new();
        let (redirect, note) = if session.ssh {
            (Redirect::Oob, Some(SSH_NOTE))
        } else if let Some(listen) = loopback {
            let stamp = session.stamp();
            effects.push(Effect::ListenForCallback {
                stamp,
                state: secrets.state.clone(),
                port: match listen {
                    Listen::Port(port) => Some(port),
                    Listen::AnyPort | Listen::CodeOnly => None,
                },
            });
            (
                Redirect::Loopback {
                    stamp,
                    handle: None,
                },
                None,
            )
        } else if oob_only {
            (Redirect::Oob, Some(ONE_REDIRECT_NOTE))
        } else {
            // An app registered by an older mastokey, with the oob redirect only.
            (Redirect::Oob, Some(NO_LISTENER_NOTE))
        };
        // An app with an exact loopback URI has its link final at once (the listener binds that
        // very port). Otherwise the link starts out-of-band, so it can be shown at once, and
        // switches to the listener's address as soon as it runs.
        let first_uri = match (&redirect, loopback) {
            (Redirect::Loopback { .. }, Some(Listen::Port(port))) => loopback_uri(port),
            _ => OOB_REDIRECT.to_owned(),
        };
        let params = AuthorizeParams {
            client_id: prepared.app.client_id.clone(),
            redirect_uri: first_uri,
            scopes: scopes.clone(),
            pkce: server.caps.pkce_s256,
            force_login,
        };
        let request = build_request(&server.caps.base, &params, &secrets);
        // Over SSH a browser would open on the remote machine: copying is what helps.
        let focus = if session.ssh {
            Focus::Copy
        } else {
            Focus::Open
        };
        let screen = Self {
            server,
            scopes,
            app: prepared.app,
            secrets,
            request,
            redirect,
            force_login,
            focus,
            // Shown as typed: a code is useless without the PKCE verifier, and masking only
            // hides typos.
            code: TextField::new(""),
            error: None,
            note,
            busy: None,
            reregistering: None,
            reregistered: false,
            opened: false,
            link_given: false,
            opened_at: None,
            open_when_listening: false,
            qr: false,
        };
        (screen, effects)
    }

    #[cfg(test)]
    pub fn url(&self) -> &str {
        self.request.url.as_str()
    }

    pub fn code_focused(&self) -> bool {
        self.focus == Focus::Code
    }

    /// The sign-in link while it is on screen (not behind the QR view).
    pub fn shown_link(&self) -> Option<String> {
        // A dead loopback link is never made clickable (OSC 8).
        (!self.qr && !self.loopback_dead()).then(|| self.request.url.to_string())
    }

    /// True while the code field is empty (then `?` opens the help).
    pub fn code_empty(&self) -> bool {
        self.code.is_empty()
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some() || self.reregistering.is_some()
    }

    /// Whether the link on screen makes the server show a code to type here (rather than send
    /// it to the loopback listener).
    fn shows_code(&self) -> bool {
        self.request.redirect_uri == OOB_REDIRECT
    }

    fn listening(&self) -> bool {
        matches!(
            self.redirect,
            Redirect::Loopback {
                handle: Some(_),
                ..
            }
        )
    }

    /// A loopback link with no listener behind it (its port is taken, and the app has no
    /// out-of-band redirect): opening it would hand the code to whatever holds the port.
    fn loopback_dead(&self) -> bool {
        matches!(self.redirect, Redirect::Oob) && !self.shows_code()
    }

    fn open(&mut self, session: &mut Session) -> Vec<Effect> {
        if self.loopback_dead() {
            return self.code_flow(session);
        }
        // The code will have to be typed or pasted: the field takes the keys. A loopback sign-in
        // continues by itself, so the buttons (and `m`) keep the focus.
        if self.shows_code() {
            self.focus = Focus::Code;
        }
        self.opened = true;
        self.link_given = true;
        // The exact loopback link is final before its listener runs: the browser is opened as
        // soon as the port listens, or its redirect could meet a closed port.
        if matches!(self.redirect, Redirect::Loopback { handle: None, .. })
            && self.request.redirect_uri != OOB_REDIRECT
        {
            self.open_when_listening = true;
            return Vec::new();
        }
        vec![Effect::OpenBrowser {
            url: self.request.url.to_string(),
        }]
    }

    /// The link to the clipboard. On the code flow the code is what comes next, so the field
    /// takes the keys (a code holds letters that are commands on the buttons).
    fn copy_link(&mut self, session: &mut Session) -> Vec<Effect> {
        // Nothing listens behind the loopback link: copying it would hand the code to whatever
        // holds the port. The code flow, as for Open.
        if self.loopback_dead() {
            return self.code_flow(session);
        }
        self.link_given = true;
        if self.shows_code() {
            self.focus = Focus::Code;
        }
        vec![session.copy(Copied::Url, Secret::new(self.request.url.as_str()))]
    }

    fn rebuild(&mut self, redirect_uri: &str) {
        let params = AuthorizeParams {
            client_id: self.app.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes: self.scopes.clone(),
            pkce: self.server.caps.pkce_s256,
            force_login: self.force_login,
        };
        self.request = build_request(&self.server.caps.base, &params, &self.secrets);
    }

    fn exchange(&mut self, code: Secret, session: &mut Session) -> Vec<Effect> {
        let stamp = session.stamp();
        self.busy = Some(stamp);
        self.error = None;
        vec![Effect::Exchange {
            stamp,
            base: self.server.caps.base.clone(),
            app: credentials(&self.app),
            code,
            redirect_uri: self.request.redirect_uri.clone(),
            verifier: self.request.pkce_verifier.as_ref().map(Secret::duplicate),
        }]
    }

    fn submit(&mut self, session: &mut Session) -> Vec<Effect> {
        if self.code.is_empty() {
            self.error = Some(
                "Paste the code the server showed after you approved, then press Enter.".into(),
            );
            return Vec::new();
        }
        match parse_pasted_code(self.code.value(), &self.request.state) {
            Ok(code) => self.exchange(code, session),
            Err(error) => {
                self.error = Some(sentence(error));
                Vec::new()
            }
        }
    }

    fn exchanged(
        mut self,
        result: Result<crate::mastodon::TokenGrant, ApiError>,
        session: &mut Session,
    ) -> Outcome<Self> {
        let mut effects = Vec::new();
        match result {
            Ok(grant) => {
                return Outcome::exit(Exit::Granted(Granted {
                    server: self.server,
                    scopes: self.scopes,
                    app: self.app,
                    grant,
                }));
            }
            Err(ApiError::InvalidClient) if !self.reregistered => {
                effects = self.register_again(session);
            }
            // The code stays in the field: a typo can be fixed in place. A refused client needs a
            // new app (n), which the buttons' focus takes.
            Err(ApiError::InvalidClient) => {
                self.focus = Focus::Open;
                self.error = Some(
                    "The server still refuses mastokey's app. Press n to register a new \
                     one and sign in again, or try again later."
                        .into(),
                );
            }
            Err(error) => {
                self.focus = Focus::Code;
                self.error = Some(sentence(error));
            }
        }
        Outcome::Stay(self, effects)
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        let mut effects = Vec::new();
        match msg {
            Msg::Key(Key::Esc) if self.qr => {
                self.qr = false;
                // Nothing typed: back to the link, whose Copy button takes Enter (and `c`), as
                // the view that did not fit says.
                if self.allows_code_flow() && self.code.is_empty() {
                    self.focus = Focus::Copy;
                }
            }
            // The server may already have used the one-time code: wait for its answer rather
            // than drop it (it comes within the 30 s request timeout).
            Msg::Key(Key::Esc) if self.busy() => {
                session.notify(
                    NoticeKind::Info,
                    "Waiting for the server's answer; it comes within 30 seconds.",
                );
            }
            Msg::Key(Key::Esc) => {
                return Outcome::exit(Exit::ChangeScopes(self.server, self.scopes));
            }
            Msg::Key(_) | Msg::Paste(_) if self.busy() => {}
            Msg::Paste(text) => {
                // The QR view shows the field too, unless it shows why there is no code.
                self.qr &= self.allows_code_flow();
                self.focus = Focus::Code;
                self.code.set(text.expose().trim());
                self.error = None;
            }
            // The QR view has the field only: nothing to move to, and no buttons to press.
            Msg::Key(Key::Tab | Key::BackTab | Key::Up | Key::Down) if self.qr => {}
            Msg::Key(_) if self.qr && self.focus != Focus::Code => {}
            Msg::Key(Key::Tab | Key::Down) => self.focus = next_focus(self.focus, 1),
            Msg::Key(Key::BackTab | Key::Up) => self.focus = next_focus(self.focus, -1),
            Msg::Key(Key::Enter) => match self.focus {
                Focus::Open => effects = self.open(session),
                Focus::Copy => effects.extend(self.copy_link(session)),
                Focus::Code => effects = self.submit(session),
            },
            // In the field every letter is text; the one-letter commands below are for the
            // buttons only.
            Msg::Key(key) if self.focus == Focus::Code && self.code.handle(key) => {
                self.error = None;
            }
            Msg::Key(Key::Left | Key::Right) => {
                self.focus = if self.focus == Focus::Open {
                    Focus::Copy
                } else {
                    Focus::Open
                };
            }
            Msg::Key(Key::Char('o')) => effects = self.open(session),
            Msg::Key(Key::Char('c')) => effects.extend(self.copy_link(session)),
            Msg::Key(Key::Char('r')) => self.show_qr(session),
            Msg::Key(Key::Char('n')) => effects = self.register_again(session),
            Msg::Key(Key::Char('m')) => effects = self.code_flow(session),
            // Any other letter on a button is the start of a code: it goes to the field.
            Msg::Key(key @ Key::Char(_)) => {
                self.focus = Focus::Code;
                if self.code.handle(key) {
                    self.error = None;
                }
            }
            Msg::CallbackReady { stamp, result } => {
                effects = self.callback_ready(stamp, result, session);
            }
            Msg::CallbackReceived { stamp, result } => {
                // The listener keeps listening: a refused code can be approved again.
                if matches!(&self.redirect, Redirect::Loopback { stamp: s, .. } if *s == stamp) {
                    match result {
                        Ok(code) if self.busy.is_none() => {
                            effects.extend(self.exchange(code, session));
                        }
                        Ok(_) | Err(CallbackError::Closed) => {}
                        Err(error) => {
                            // "continues by itself" no longer holds: drop it with the error.
                            session.notice = None;
                            self.error = Some(match error {
                                // A server error's own wording already offers `m`.
                                CallbackError::Denied
                                | CallbackError::StateMismatch
                                | CallbackError::ServerError { .. } => sentence(error),
                                other => format!("{} {CODE_FLOW_OFFER}", sentence(other)),
                            });
                        }
                    }
                }
            }
            Msg::BrowserOpened(Ok(())) => {
                if self.listening() {
                    self.opened_at = Some(session.now);
                }
                self.browser_opened(session);
            }
            Msg::BrowserOpened(Err(error)) => {
                self.opened = false;
                self.error = Some(sentence(error));
            }
            Msg::Exchanged { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                return self.exchanged(result, session);
            }
            Msg::AppReady { stamp, result } if self.reregistering == Some(stamp) => {
                self.reregistering = None;
                self.app_ready(result, session);
            }
            _ => {}
        }
        Outcome::Stay(self, effects)
    }
}

fn next_focus(focus: Focus, delta: i8) -> Focus {
    const ORDER: [Focus; 3] = [Focus::Open, Focus::Copy, Focus::Code];
    let index = ORDER.iter().position(|f| *f == focus).unwrap_or(0);
    let next = (index + ORDER.len()).wrapping_add_signed(isize::from(delta)) % ORDER.len();
    ORDER[next]
}
