//! The authorize URL (state, PKCE) and reading what the user pasted back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use url::Url;

use super::{AuthorizeParams, AuthorizeRequest};
use crate::mastodon::base_url::BaseUrl;
use crate::mastodon::errors::CodeInputError;
use crate::mastodon::sanitize::sanitize_hint;
use crate::secret::Secret;

/// Longest `error_description` kept from a callback.
const DESCRIPTION_MAX: usize = 200;
/// The phrase on GoToSocial's out-of-band page ("Here's your out-of-band token with scope …:
/// CODE"), whose last word is the code.
const OOB_TOKEN_PHRASE: &str = "out-of-band token";

/// The per-link secrets: the `state` the answer must carry, and the PKCE verifier.
pub struct LinkSecrets {
    pub state: String,
    pub verifier: Option<Secret>,
}

impl LinkSecrets {
    /// Fresh ones from the operating system's generator (the wizard draws its own from an
    /// injected generator, so its screens are a pure function of their inputs).
    pub fn random() -> LinkSecrets {
        LinkSecrets {
            state: random_token(24),
            verifier: Some(Secret::new(random_token(32))),
        }
    }
}

/// Builds the authorize URL with a fresh random `state` and, when asked, a PKCE S256 pair.
pub fn authorize_url(base: &BaseUrl, params: &AuthorizeParams) -> AuthorizeRequest {
    authorize_url_with(base, params, &LinkSecrets::random())
}

/// Builds the authorize URL with these secrets; the verifier is used only when `params.pkce`.
pub fn authorize_url_with(
    base: &BaseUrl,
    params: &AuthorizeParams,
    secrets: &LinkSecrets,
) -> AuthorizeRequest {
    let state = secrets.state.clone();
    let pkce_verifier = secrets
        .verifier
        .as_ref()
        .filter(|_| params.pkce)
        .map(Secret::duplicate);
    let mut url = base.endpoint("/oauth/authorize");
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &params.client_id)
            .append_pair("redirect_uri", &params.redirect_uri)
            .append_pair("scope", &params.scopes.join(" "))
            .append_pair("state", &state);
        if let Some(verifier) = &pkce_verifier {
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
        state,
        redirect_uri: params.redirect_uri.clone(),
        pkce_verifier,
    }
}

/// `BASE64URL(SHA256(verifier))` without padding (RFC 7636 S256).
pub fn pkce_challenge(verifier: &Secret) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose().as_bytes()))
}

/// `bytes` random bytes from the OS, base64url-encoded (`bytes` ≥ 16 gives ≥ 128 bits).
fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // getrandom fails only where the OS offers no randomness source at all; then no state or
    // verifier can be made safely, and stopping is the only honest answer.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(&buf)
}

/// Reads what the user pasted: a bare code, or the whole callback URL (`…?code=…&state=…`,
/// whose `state` must match), or just its query. Whitespace and line breaks around it are
/// trimmed. The oob page's URL (`/oauth/authorize/native?code=…`) carries no state and is fine.
pub fn parse_pasted_code(input: &str, expected_state: &str) -> Result<Secret, CodeInputError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(CodeInputError::Empty);
    }
    let query = pasted_query(text)?;
    let Some(query) = query else {
        return match check_code(text) {
            Ok(code) => Ok(Secret::new(code)),
            Err(error) => oob_page_code(text).map(Secret::new).ok_or(error),
        };
    };
    // snac's out-of-band page is `CODE&state=STATE`: a copied query whose first part is the
    // bare code. Only for a paste that is a query itself, not an address.
    let bare_first = (!text.contains('?'))
        .then(|| query.split('&').next())
        .flatten()
        .filter(|first| !first.contains('=') && !first.is_empty());

    let mut code = None;
    // Every `state` must match, not just the last: a repeated parameter must not smuggle a
    // foreign answer past the check.
    let mut state_mismatch = false;
    let mut error: Option<String> = None;
    let mut description: Option<String> = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => state_mismatch |= value != expected_state,
            // Any `error` that is not a denial wins, so a repeated parameter cannot hide it.
            "error" if error.as_deref().is_none_or(|e| e == "access_denied") => {
                error = Some(value.into_owned());
            }
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    if let Some(error) = error {
        // Only `access_denied` is the user's "Deny"; anything else (GoToSocial's
        // `server_error` after a redirect mismatch) is the server's problem, said in its words.
        if error == "access_denied" {
            return Err(CodeInputError::Denied);
        }
        let text = description
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(error);
        let description = sanitize_hint(&text, DESCRIPTION_MAX);
        return Err(CodeInputError::ServerError {
            description: if description.is_empty() {
                "no description".into()
            } else {
                description
            },
        });
    }
    if state_mismatch {
        return Err(CodeInputError::StateMismatch);
    }
    let code = code
        .or_else(|| bare_first.map(str::to_owned))
        .ok_or(CodeInputError::MissingCode)?;
    check_code(&code).map(Secret::new)
}

/// The code from GoToSocial's whole out-of-band page text, pasted as it is: the word after the
/// last `:`, when the text names an out-of-band token and that word is a code.
fn oob_page_code(text: &str) -> Option<&str> {
    if !text.to_ascii_lowercase().contains(OOB_TOKEN_PHRASE) {
        return None;
    }
    let (_, last) = text.rsplit_once(':')?;
    check_code(last.trim()).ok()
}

/// The query a pasted text carries, as `parse_pasted_code` reads it: the query of a callback
/// address (even one whose port the URL parser refuses), the part after a `?`, or a copied
/// query itself; `None` for a bare code. Public so the fuzz target checks the parser against
/// its own reading, not a copy.
pub fn pasted_query(text: &str) -> Result<Option<String>, CodeInputError> {
    let text = text.trim();
    Ok(if text.contains("://") {
        match Url::parse(text) {
            Ok(url) => Some(url.query().unwrap_or_default().to_owned()),
            // An address the URL parser refuses (a bad port, say) still carries its query.
            Err(_) => match text.split_once('?') {
                Some((_, rest)) => Some(rest.split('#').next().unwrap_or_default().to_owned()),
                None => return Err(CodeInputError::InvalidCharacters),
            },
        }
    } else if let Some((_, query)) = text.split_once('?') {
        Some(query.to_owned())
    } else if ["code=", "state=", "error="]
        .iter()
        .any(|key| text.starts_with(key) || text.contains(&format!("&{key}")))
    {
        // A copied query, in whatever order its parameters came (a bare code has no `&`).
        Some(text.to_owned())
    } else {
        None
    })
}

/// Codes are URL-safe tokens (Mastodon: 43 characters of base64url). Anything with spaces or
/// other punctuation is a paste of the wrong thing.
fn check_code(code: &str) -> Result<&str, CodeInputError> {
    if code.is_empty() {
        return Err(CodeInputError::MissingCode);
    }
    let ok = code.len() <= 512
        && code.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
        });
    if ok {
        Ok(code)
    } else {
        Err(CodeInputError::InvalidCharacters)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn query(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn authorize_url_with_pkce_and_force_login() {
        let base = BaseUrl::parse("https://social.example/").unwrap();
        let params = AuthorizeParams {
            client_id: "cid".into(),
            redirect_uri: "http://127.0.0.1:45123/callback".into(),
            scopes: vec!["profile".into(), "write:statuses".into()],
            pkce: true,
            force_login: true,
        };
        let request = authorize_url(&base, &params);
        assert_eq!(request.url.path(), "/oauth/authorize");
        let pairs = query(&request.url);
        assert_eq!(param(&pairs, "response_type"), Some("code"));
        assert_eq!(param(&pairs, "client_id"), Some("cid"));
        assert_eq!(
            param(&pairs, "redirect_uri"),
            Some("http://127.0.0.1:45123/callback")
        );
        assert_eq!(param(&pairs, "scope"), Some("profile write:statuses"));
        assert_eq!(param(&pairs, "state"), Some(request.state.as_str()));
        assert_eq!(param(&pairs, "code_challenge_method"), Some("S256"));
        assert_eq!(param(&pairs, "force_login"), Some("true"));
        let verifier = request.pkce_verifier.as_ref().unwrap();
        assert_eq!(
            param(&pairs, "code_challenge"),
            Some(pkce_challenge(verifier).as_str())
        );
        assert!(!request.url.as_str().contains(verifier.expose()));
        assert!(request.state.len() >= 22, "at least 128 bits");
        assert_eq!(verifier.len(), 43);
        assert_eq!(request.redirect_uri, params.redirect_uri);
        // Fresh randomness every time.
        assert_ne!(authorize_url(&base, &params).state, request.state);
    }

    #[test]
    fn authorize_url_plain() {
        let base = BaseUrl::parse("http://127.0.0.1:3000/").unwrap();
        let params = AuthorizeParams {
            client_id: "cid".into(),
            redirect_uri: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: vec!["read:accounts".into()],
            pkce: false,
            force_login: false,
        };
        let request = authorize_url(&base, &params);
        assert!(
            request
                .url
                .as_str()
                .starts_with("http://127.0.0.1:3000/oauth/authorize?")
        );
        let pairs = query(&request.url);
        assert_eq!(param(&pairs, "code_challenge"), None);
        assert_eq!(param(&pairs, "force_login"), None);
        assert!(request.pkce_verifier.is_none());
    }

    #[test]
    fn pkce_matches_rfc_7636_example() {
        let verifier = Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn pasted_codes() {
        let code = "Qm9vbV9jb2RlX3dpdGhfNDNfY2hhcmFjdGVyc19sb25n";
        let ok = |input: &str| parse_pasted_code(input, "st4te").map(|s| s.expose().to_owned());
        assert_eq!(ok(code).as_deref(), Ok(code));
        assert_eq!(ok(&format!("  {code}\r\n")).as_deref(), Ok(code));
        // An address the URL parser refuses (port out of range) is still read for its query,
        // so a foreign state is still caught (found by tests/fuzz_props.rs).
        assert_eq!(
            ok(&format!("http://a:70218/cb?state=other&code={code}")).map(|_| ()),
            Err(CodeInputError::StateMismatch)
        );
        assert_eq!(
            ok(&format!("http://a:70218/cb?state=st4te&code={code}#x")).as_deref(),
            Ok(code)
        );
        assert_eq!(
            ok(&format!(
                "http://127.0.0.1:4711/callback?code={code}&state=st4te"
            ))
            .as_deref(),
            Ok(code)
        );
        assert_eq!(
            ok(&format!(
                "https://social.example/oauth/authorize/native?code={code}"
            ))
            .as_deref(),
            Ok(code)
        );
        assert_eq!(ok(&format!("code={code}&state=st4te")).as_deref(), Ok(code));
        assert_eq!(ok(""), Err(CodeInputError::Empty));
        assert_eq!(ok(" \n "), Err(CodeInputError::Empty));
        assert_eq!(
            ok(&format!(
                "http://127.0.0.1/callback?code={code}&state=other"
            )),
            Err(CodeInputError::StateMismatch)
        );
        assert_eq!(
            ok(
                "http://127.0.0.1/callback?error=access_denied&error_description=The+resource+owner+denied&state=st4te"
            ),
            Err(CodeInputError::Denied)
        );
        assert_eq!(
            ok("http://127.0.0.1/callback?state=st4te"),
            Err(CodeInputError::MissingCode)
        );
        // A repeated state: every one must match, not only the last.
        assert_eq!(
            ok(&format!(
                "http://127.0.0.1/callback?code={code}&state=other&state=st4te"
            )),
            Err(CodeInputError::StateMismatch)
        );
        // A copied query whose parameters come in another order.
        assert_eq!(ok(&format!("state=st4te&code={code}")).as_deref(), Ok(code));
        assert_eq!(
            ok(&format!("state=other&code={code}")),
            Err(CodeInputError::StateMismatch)
        );
        assert_eq!(ok("two words"), Err(CodeInputError::InvalidCharacters));
        assert_eq!(ok("abc<script>"), Err(CodeInputError::InvalidCharacters));
    }

    #[test]
    fn pasted_out_of_band_pages() {
        // snac: the page is `CODE&state=STATE`; the state is checked.
        assert_eq!(
            parse_pasted_code("abc-123_XY&state=st8\n", "st8")
                .unwrap()
                .expose(),
            "abc-123_XY"
        );
        assert_eq!(
            parse_pasted_code("abc-123_XY&state=old", "st8").unwrap_err(),
            CodeInputError::StateMismatch
        );
        // GoToSocial: the page's sentence, pasted whole.
        let gts =
            "Here's your out-of-band token with scope \"read\", use it wisely:\n  Zm9v-YmFy_0 ";
        assert_eq!(
            parse_pasted_code(gts, "st8").unwrap().expose(),
            "Zm9v-YmFy_0"
        );
        // Other sentences are not guessed at.
        assert_eq!(
            parse_pasted_code("my code is: abc", "st8").unwrap_err(),
            CodeInputError::InvalidCharacters
        );
        assert_eq!(
            parse_pasted_code("out-of-band token: not a code!", "st8").unwrap_err(),
            CodeInputError::InvalidCharacters
        );
    }

    #[test]
    fn only_access_denied_is_a_denial() {
        let url = "http://127.0.0.1:4000/callback?error=access_denied&state=st8";
        assert_eq!(
            parse_pasted_code(url, "st8").unwrap_err(),
            CodeInputError::Denied
        );
        let gts = "http://127.0.0.1:4000/callback?error=server_error&error_description=The+authorization+server+encountered+an+unexpected+condition&state=st8";
        assert_eq!(
            parse_pasted_code(gts, "st8").unwrap_err(),
            CodeInputError::ServerError {
                description: "The authorization server encountered an unexpected condition".into()
            }
        );
        // A denial cannot hide another error.
        let both = "error=server_error&error=access_denied&state=st8";
        assert!(matches!(
            parse_pasted_code(both, "st8").unwrap_err(),
            CodeInputError::ServerError { .. }
        ));
        let bare = "error=temporarily_unavailable&state=st8";
        assert_eq!(
            parse_pasted_code(bare, "st8").unwrap_err(),
            CodeInputError::ServerError {
                description: "temporarily_unavailable".into()
            }
        );
    }

    #[test]
    fn code_input_errors_never_hold_the_code() {
        // The error type is a plain enum without data: nothing to leak.
        let e = parse_pasted_code("http://x/cb?code=SECRET&state=bad", "good").unwrap_err();
        assert!(!format!("{e:?} {e}").contains("SECRET"));
    }
}
