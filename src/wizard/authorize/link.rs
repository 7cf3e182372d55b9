//! The sign-in link's secrets (the `state` and the PKCE verifier), drawn from the session's
//! generator so that `update` stays a pure function of its inputs; the link itself is built by
//! `mastodon::oauth::authorize_url_with`.

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
