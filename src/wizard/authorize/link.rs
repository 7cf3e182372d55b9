//! The sign-in link: its secrets (the `state` and the PKCE verifier, drawn from the session's
//! generator) and the authorize URL built from them.

use url::Url;

use crate::mastodon::http::endpoint;
use crate::mastodon::oauth::{AuthorizeParams, AuthorizeRequest, pkce_challenge};
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

/// The authorize link with the given `state` and verifier: the same parameters, in the same
/// order, as `mastodon::oauth::authorize_url`, which draws its own from the OS (a test below
/// keeps the two in step).
// Moves to mastodon::oauth at merge, as an `authorize_url` that takes the state and verifier;
// the mastodon layer is being split in parallel.
pub fn build_request(
    base: &Url,
    params: &AuthorizeParams,
    secrets: &LinkSecrets,
) -> AuthorizeRequest {
    let verifier = secrets.verifier.as_ref().filter(|_| params.pkce);
    let mut url = endpoint(base, "/oauth/authorize");
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &params.client_id)
            .append_pair("redirect_uri", &params.redirect_uri)
            .append_pair("scope", &params.scopes.join(" "))
            .append_pair("state", &secrets.state);
        if let Some(verifier) = verifier {
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
        pkce_verifier: verifier.map(Secret::duplicate),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use url::Url;

    use super::{LinkSecrets, build_request};
    use crate::mastodon::oauth::{AuthorizeParams, authorize_url};
    use crate::secret::Secret;

    /// The query with the random values blanked, to compare the two builders.
    fn shape(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" || k == "code_challenge" {
                    String::new()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect()
    }

    #[test]
    fn the_link_matches_the_protocol_layers_apart_from_its_random_values() {
        let base = Url::parse("https://social.example/").unwrap();
        for (pkce, force_login) in [(false, false), (true, false), (true, true)] {
            let params = AuthorizeParams {
                client_id: "id".into(),
                redirect_uri: "urn:ietf:wg:oauth:2.0:oob".into(),
                scopes: vec!["profile".into(), "write:statuses".into()],
                pkce,
                force_login,
            };
            let secrets = LinkSecrets {
                state: "st".into(),
                verifier: Some(Secret::new("v".repeat(43))),
            };
            let ours = build_request(&base, &params, &secrets);
            let theirs = authorize_url(&base, &params);
            assert_eq!(ours.url.path(), theirs.url.path());
            assert_eq!(shape(&ours.url), shape(&theirs.url));
            assert_eq!(ours.state, "st");
            assert_eq!(ours.pkce_verifier.is_some(), pkce);
        }
    }
}
