//! The sign-in link's secrets (the `state` and the PKCE verifier), drawn from the session's
//! generator so that `update` stays a pure function of its inputs; the link itself is built by
//! `mastodon::oauth::authorize_url_with`.

use crate::mastodon::oauth::LinkSecrets;
use crate::secret::Secret;

use super::super::random::token;
use super::super::state::Session;

/// Fresh secrets from the session's generator; a verifier only when the server takes PKCE.
pub fn draw(session: &mut Session, pkce: bool) -> LinkSecrets {
    let state = token(session.random.as_mut(), 24);
    let verifier = pkce.then(|| Secret::new(token(session.random.as_mut(), 32)));
    LinkSecrets { state, verifier }
}
