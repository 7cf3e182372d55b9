//! The sign-in link's secrets (the `state` and the PKCE verifier), drawn from the session's
//! generator so that `update` stays a pure function of its inputs; the link itself is built by
//! `mastodon::oauth::authorize_url_with`.

use jiff::SignedDuration;

use crate::mastodon::callback::loopback_port;
use crate::mastodon::oauth::LinkSecrets;
use crate::mastodon::{AppCredentials, RegisteredApp};
use crate::secret::Secret;

use super::super::msg::Listen;
use super::super::redirect::LOOPBACK_REDIRECT;

use super::super::random::token;
use super::super::state::Session;

/// Fresh secrets from the session's generator; a verifier only when the server takes PKCE.
pub fn draw(session: &mut Session, pkce: bool) -> LinkSecrets {
    let state = token(session.random.as_mut(), 24);
    let verifier = pkce.then(|| Secret::new(token(session.random.as_mut(), 32)));
    LinkSecrets { state, verifier }
}

/// The loopback listener an app allows: its exact URI's port (servers may match exactly, so
/// that port is bound), any port for the port-less URI of older versions (Mastodon ignores the
/// port), or `None` when the app has no loopback redirect.
pub(super) fn loopback_of(app: &RegisteredApp) -> Option<Listen> {
    if let Some(port) = app.redirect_uris.iter().find_map(|u| loopback_port(u)) {
        return Some(Listen::Port(port));
    }
    app.redirect_uris
        .iter()
        .any(|u| u == LOOPBACK_REDIRECT)
        .then_some(Listen::AnyPort)
}

pub fn credentials(app: &RegisteredApp) -> AppCredentials {
    AppCredentials {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
    }
}

pub(super) const SSH_NOTE: &str = "Over SSH a browser would open on the remote machine: open the link on your own device \
     (r shows a QR code), approve, and paste the code here.";
// The code field has the focus here, so `r` is a letter: the QR code is reached from a button.
pub(super) const DEVICE_NOTE: &str = "Sign in on another device: open the link there (or Tab, then r for a QR code), approve, and type the code here.";
pub(super) const NO_LISTENER_NOTE: &str = "Paste the code the server shows after you approve.";
pub(super) const ONE_REDIRECT_NOTE: &str = "This server takes one redirect address per app, so the sign-in uses \
     the code: paste the code the server shows after you approve.";
pub(super) const PORT_TAKEN_NOTE: &str = "The port mastokey registered with this server is in use, so the \
     sign-in uses the code instead: paste the code the server shows after you approve.";
/// How long the loopback sign-in may take before the screen says what to do if it went wrong in
/// the browser (an error page there never reaches mastokey).
pub(super) const NO_ANSWER_AFTER: SignedDuration = SignedDuration::from_secs(6);
pub(super) const NO_ANSWER_HINT: &str =
    "No answer from the browser yet. If it shows an error, press m to paste a code instead.";
pub(super) const CODE_FLOW_OFFER: &str = "Press m to sign in with a code to paste instead.";
