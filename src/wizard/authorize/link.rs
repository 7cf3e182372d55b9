//! The sign-in link: its secrets (the `state` and the PKCE verifier, drawn from the session's
//! generator) and the authorize URL built from them.

use url::Url;

use crate::mastodon::oauth::{AuthorizeParams, AuthorizeRequest, authorize_url, pkce_challenge};
use crate::secret::Secret;

use super::super::random::token;
use super::super::state::Session;

/// The per-link secrets: the `state` the answer must carry and the PKCE verifier. Drawn from
/// the session's generator, so `update` stays a pure function of its inputs.
pub struct LinkSecrets {
    pub state: String,
    pub verifier: Option<Secret>,
}

impl LinkSecrets {
    pub fn draw(session: &mut Session, pkce: bool) -> Self {
        let state = token(session.random.as_mut(), 24);
        let verifier = pkce.then(|| Secret::new(token(session.random.as_mut(), 32)));
        Self { state, verifier }
    }
}

/// The authorize link with the given `state` and verifier.
// Moves to mastodon::oauth at merge (an `authorize_url` that takes the state and verifier): the
// mastodon layer is being split in parallel. Until then the link is built without PKCE and its
// state is swapped for ours, keeping the parameters in the same order.
pub fn build_request(
    base: &Url,
    params: &AuthorizeParams,
    secrets: &LinkSecrets,
) -> AuthorizeRequest {
    let plain = authorize_url(
        base,
        &AuthorizeParams {
            pkce: false,
            force_login: false,
            ..params.clone()
        },
    );
    let mut url = plain.url.clone();
    {
        let pairs: Vec<(String, String)> = plain
            .url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    secrets.state.clone()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        if let Some(verifier) = secrets.verifier.as_ref().filter(|_| params.pkce) {
            query
                .append_pair("code_challenge", &pkce_challenge(verifier))
                .append_pair("code_challenge_method", "S256");
        }
        if params.force_login {
            query.append_pair("force_login", "true");
        }
    }
    AuthorizeRequest {
        url,
        state: secrets.state.clone(),
        redirect_uri: params.redirect_uri.clone(),
        pkce_verifier: secrets
            .verifier
            .as_ref()
            .filter(|_| params.pkce)
            .map(Secret::duplicate),
    }
}
