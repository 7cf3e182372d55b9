//! The OAuth calls: register an app, build the authorize URL, read a pasted code, exchange it for
//! a token, revoke a token. Every POST goes through the client that never follows redirects.
//!
//! Each call is a thin request plus a pure classifier (`Raw` → value or `ApiError`) so every row
//! of the reference's tables is tested without a network.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use super::errors::{ApiError, CodeInputError};
use super::http::{Client, Raw, common_error, endpoint, fallback_error, host_of, success_json};
use crate::secret::Secret;

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRegistration {
    pub client_name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

/// A registered app. Servers before 4.3 do not echo scopes and redirect URIs: the requested
/// ones are filled in then.
#[derive(Debug)]
pub struct RegisteredApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
}

/// The app's client credentials, as the token and revoke endpoints need them.
#[derive(Debug)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// Send a PKCE S256 challenge (only where the metadata advertises S256).
    pub pkce: bool,
    /// Always show the consent screen, so the user can switch accounts.
    pub force_login: bool,
}

/// An authorize URL and what the later steps need to check and finish it.
#[derive(Debug)]
pub struct AuthorizeRequest {
    pub url: Url,
    pub state: String,
    pub redirect_uri: String,
    pub pkce_verifier: Option<Secret>,
}

/// The result of a code exchange. Mastodon tokens never expire and come without refresh token.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    pub scopes: Vec<String>,
    pub created_at: Option<i64>,
}

impl Client {
    /// `POST /api/v1/apps`, form-encoded, lists as whitespace-joined strings (arrays break
    /// servers before 4.3 and snac), `scope` beside `scopes` for snac (Mastodon ignores it).
    pub async fn register_app(
        &self,
        base: &Url,
        app: &AppRegistration,
    ) -> Result<RegisteredApp, ApiError> {
        let redirect_uris = app.redirect_uris.join("\n");
        let scopes = app.scopes.join(" ");
        let mut form = vec![
            ("client_name", app.client_name.as_str()),
            ("redirect_uris", redirect_uris.as_str()),
            ("scopes", scopes.as_str()),
            ("scope", scopes.as_str()),
        ];
        if let Some(website) = &app.website {
            form.push(("website", website.as_str()));
        }
        let request = self.direct.post(endpoint(base, "/api/v1/apps")).form(&form);
        let raw = self.send(request, &host_of(base)).await?;
        classify_register(&raw, app)
    }

    /// `POST /oauth/token` with `grant_type=authorization_code`. Client authentication goes in
    /// the body only (4.7 rejects Basic plus body); `code_verifier` only when a challenge was sent.
    pub async fn exchange_code(
        &self,
        base: &Url,
        app: &AppCredentials,
        code: &Secret,
        redirect_uri: &str,
        pkce_verifier: Option<&Secret>,
    ) -> Result<TokenGrant, ApiError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
        ];
        if let Some(verifier) = pkce_verifier {
            form.push(("code_verifier", verifier.expose()));
        }
        let request = self.direct.post(endpoint(base, "/oauth/token")).form(&form);
        let raw = self.send(request, &host_of(base)).await?;
        let mut secrets = vec![code.expose(), app.client_secret.expose()];
        secrets.extend(pkce_verifier.map(Secret::expose));
        classify_token(&raw, &secrets)
    }

    /// `POST /oauth/revoke`. A token unknown to the server is fine (200 `{}`); a token of another
    /// app, or bad client credentials, is `RevokeForbidden`.
    pub async fn revoke(
        &self,
        base: &Url,
        app: &AppCredentials,
        token: &Secret,
    ) -> Result<(), ApiError> {
        let form = [
            ("token", token.expose()),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
        ];
        let request = self
            .direct
            .post(endpoint(base, "/oauth/revoke"))
            .form(&form);
        let raw = self.send(request, &host_of(base)).await?;
        classify_revoke(&raw, &[token.expose(), app.client_secret.expose()])
    }
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Value::String(joined) => Some(joined.split_whitespace().map(str::to_owned).collect()),
        _ => None,
    }
}

fn classify_register(raw: &Raw, app: &AppRegistration) -> Result<RegisteredApp, ApiError> {
    match raw.status {
        200 | 201 => {
            let map = success_json(raw, "app registration")?;
            let text = |name: &str| {
                map.get(name)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let (Some(client_id), Some(client_secret)) = (text("client_id"), text("client_secret"))
            else {
                return Err(ApiError::Malformed {
                    what: "app registration",
                });
            };
            let redirect_uris = string_list(map.get("redirect_uris"))
                .or_else(|| string_list(map.get("redirect_uri")))
                .filter(|list| !list.is_empty())
                .unwrap_or_else(|| app.redirect_uris.clone());
            Ok(RegisteredApp {
                client_id,
                client_secret: Secret::new(client_secret),
                scopes: string_list(map.get("scopes")).unwrap_or_else(|| app.scopes.clone()),
                redirect_uris,
            })
        }
        422 => Err(ApiError::Rejected {
            status: 422,
            hint: raw.hint(&[]),
        }),
        _ => Err(fallback_error(raw, &[])),
    }
}

/// The RFC 6749 error code of a `/oauth/*` error body.
fn oauth_error(raw: &Raw) -> Option<ApiError> {
    match raw.json_error()?.as_str() {
        "invalid_client" => Some(ApiError::InvalidClient),
        "invalid_grant" => Some(ApiError::InvalidGrant),
        "invalid_scope" => Some(ApiError::InvalidScope),
        "invalid_request" => Some(ApiError::InvalidRequest),
        "unsupported_grant_type" => Some(ApiError::UnsupportedGrantType),
        "unauthorized_client" => Some(ApiError::RevokeForbidden),
        _ => None,
    }
}

fn classify_token(raw: &Raw, secrets: &[&str]) -> Result<TokenGrant, ApiError> {
    if raw.status == 200 {
        let map = success_json(raw, "token")?;
        let Some(token) = map
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(ApiError::Malformed { what: "token" });
        };
        return Ok(TokenGrant {
            access_token: Secret::new(token),
            scopes: string_list(map.get("scope")).unwrap_or_default(),
            created_at: map.get("created_at").and_then(Value::as_i64),
        });
    }
    if let Some(error) = common_error(raw, secrets) {
        return Err(error);
    }
    if let Some(error) = oauth_error(raw).filter(|e| *e != ApiError::RevokeForbidden) {
        return Err(error);
    }
    // A 401 from the token endpoint is always about the client, whatever the body says.
    if raw.status == 401 {
        return Err(ApiError::InvalidClient);
    }
    // A bare 400 (snac and other servers send no RFC 6749 body) means the grant was refused:
    // every parameter mastokey sends is present, so the code is what the server rejected.
    if raw.status == 400 && raw.json_error().is_none() {
        return Err(ApiError::InvalidGrant);
    }
    Err(fallback_error(raw, secrets))
}

fn classify_revoke(raw: &Raw, secrets: &[&str]) -> Result<(), ApiError> {
    match raw.status {
        // The body is `{}`; snac and others may send nothing at all.
        200 | 204 => Ok(()),
        // Mastodon: unauthorized_client; snac: 403 for an unknown token.
        403 => Err(ApiError::RevokeForbidden),
        _ => {
            if let Some(error) = common_error(raw, secrets) {
                return Err(error);
            }
            match oauth_error(raw) {
                Some(error) => Err(error),
                None if raw.status == 401 => Err(ApiError::InvalidClient),
                None => Err(fallback_error(raw, secrets)),
            }
        }
    }
}

/// Builds the authorize URL with a fresh random `state` and, when asked, a PKCE S256 pair.
pub fn authorize_url(base: &Url, params: &AuthorizeParams) -> AuthorizeRequest {
    let state = random_token(24);
    let pkce_verifier = params.pkce.then(|| Secret::new(random_token(32)));
    let mut url = endpoint(base, "/oauth/authorize");
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
    let query = if text.contains("://") {
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
    };
    let Some(query) = query else {
        return check_code(text).map(Secret::new);
    };

    let mut code = None;
    // Every `state` must match, not just the last: a repeated parameter must not smuggle a
    // foreign answer past the check.
    let mut state_mismatch = false;
    let mut error = false;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => state_mismatch |= value != expected_state,
            "error" => error = true,
            _ => {}
        }
    }
    if error {
        return Err(CodeInputError::Denied);
    }
    if state_mismatch {
        return Err(CodeInputError::StateMismatch);
    }
    let code = code.ok_or(CodeInputError::MissingCode)?;
    check_code(&code).map(Secret::new)
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
    use super::super::http::tests::raw;
    use super::*;

    fn app() -> AppRegistration {
        AppRegistration {
            client_name: "mastokey".into(),
            website: None,
            redirect_uris: vec![
                "http://127.0.0.1/callback".into(),
                "urn:ietf:wg:oauth:2.0:oob".into(),
            ],
            scopes: vec!["profile".into()],
        }
    }

    #[test]
    fn register_4_3_response() {
        let body = r#"{"id":"563419","name":"mastokey","website":null,"scopes":["profile"],
            "redirect_uris":["http://127.0.0.1/callback","urn:ietf:wg:oauth:2.0:oob"],
            "redirect_uri":"http://127.0.0.1/callback\nurn:ietf:wg:oauth:2.0:oob",
            "client_id":"cid","client_secret":"csecret","client_secret_expires_at":0}"#;
        let registered = classify_register(&raw(200, &[], body), &app()).unwrap();
        assert_eq!(registered.client_id, "cid");
        assert_eq!(registered.client_secret.expose(), "csecret");
        assert_eq!(registered.scopes, ["profile"]);
        assert_eq!(registered.redirect_uris, app().redirect_uris);
    }

    #[test]
    fn register_4_2_response_fills_in_the_request() {
        let body = r#"{"id":"1","name":"mastokey","website":null,
            "redirect_uri":"http://127.0.0.1/callback\nurn:ietf:wg:oauth:2.0:oob",
            "client_id":"cid","client_secret":"csecret","vapid_key":"B"}"#;
        let mut request = app();
        request.scopes = vec!["read:accounts".into()];
        let registered = classify_register(&raw(200, &[], body), &request).unwrap();
        assert_eq!(registered.scopes, ["read:accounts"]);
        assert_eq!(registered.redirect_uris, app().redirect_uris);
    }

    #[test]
    fn register_errors() {
        for text in [
            "Validation failed: Application name can't be blank",
            "Validation failed: Redirect URI must be an absolute URI.",
            "Validation failed: Scopes doesn't match configured on the server.",
            "Validation failed: Scopes doesn't match those configured on the server.",
        ] {
            let body = serde_json::json!({ "error": text }).to_string();
            assert_eq!(
                classify_register(&raw(422, &[], &body), &app()).unwrap_err(),
                ApiError::Rejected {
                    status: 422,
                    hint: Some(text.into())
                }
            );
        }
        let limited = raw(
            429,
            &[
                ("x-ratelimit-limit", "5"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "2026-08-21T12:40:00.000000Z"),
            ],
            r#"{"error":"Too many requests"}"#,
        );
        assert_eq!(
            classify_register(&limited, &app()).unwrap_err(),
            ApiError::RateLimited {
                reset: Some("2026-08-21T12:40:00Z".parse().unwrap())
            }
        );
        assert_eq!(
            classify_register(&raw(200, &[], r#"{"client_id":"x"}"#), &app()).unwrap_err(),
            ApiError::Malformed {
                what: "app registration"
            }
        );
        assert_eq!(
            classify_register(&raw(200, &[], "{\"client_id\":"), &app()).unwrap_err(),
            ApiError::Malformed {
                what: "app registration"
            }
        );
        assert!(matches!(
            classify_register(
                &raw(404, &[("content-type", "text/html")], "<html></html>"),
                &app()
            )
            .unwrap_err(),
            ApiError::NotMastodon { .. }
        ));
        assert!(matches!(
            classify_register(&raw(502, &[], "<html><title>502 Bad Gateway</title></html>"), &app()).unwrap_err(),
            ApiError::Server { status: 502, hint: Some(h) } if h == "502 Bad Gateway"
        ));
    }

    #[test]
    fn token_success() {
        let body = r#"{"access_token":"tok","token_type":"Bearer","scope":"read write","created_at":1755772800}"#;
        let grant = classify_token(
            &raw(200, &[("cache-control", "no-store, no-cache")], body),
            &[],
        )
        .unwrap();
        assert_eq!(grant.access_token.expose(), "tok");
        assert_eq!(grant.scopes, ["read", "write"]);
        assert_eq!(grant.created_at, Some(1_755_772_800));
        assert_eq!(
            classify_token(&raw(200, &[], r#"{"token_type":"Bearer"}"#), &[]).unwrap_err(),
            ApiError::Malformed { what: "token" }
        );
        assert_eq!(
            classify_token(&raw(200, &[], "{oops"), &[]).unwrap_err(),
            ApiError::Malformed { what: "token" }
        );
    }

    fn oauth_body(error: &str, description: &str) -> String {
        serde_json::json!({ "error": error, "error_description": description }).to_string()
    }

    #[test]
    fn token_errors_reference_section_4() {
        let www = (
            "www-authenticate",
            "Bearer realm=\"Doorkeeper\", error=\"invalid_client\"",
        );
        let rows = [
            (
                401,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
                ApiError::InvalidClient,
            ),
            (
                400,
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
                ApiError::InvalidGrant,
            ),
            (
                400,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
                ApiError::InvalidScope,
            ),
            (
                400,
                "invalid_request",
                "Missing required parameter: redirect_uri.",
                ApiError::InvalidRequest,
            ),
            (
                400,
                "invalid_request",
                "The request utilizes more than one mechanism for authenticating the client.",
                ApiError::InvalidRequest,
            ),
            (
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
                ApiError::UnsupportedGrantType,
            ),
        ];
        for (status, error, description, expected) in rows {
            let r = raw(status, &[www], &oauth_body(error, description));
            assert_eq!(classify_token(&r, &[]).unwrap_err(), expected, "{error}");
        }
        // snac and others: bare statuses.
        assert_eq!(
            classify_token(&raw(401, &[], ""), &[]).unwrap_err(),
            ApiError::InvalidClient
        );
        // A bare 400 is the refused grant (snac answers a reused code this way).
        assert_eq!(
            classify_token(&raw(400, &[], "bad code SECRETCODE"), &["SECRETCODE"]).unwrap_err(),
            ApiError::InvalidGrant
        );
        assert_eq!(
            classify_token(&raw(400, &[], ""), &[]).unwrap_err(),
            ApiError::InvalidGrant
        );
    }

    #[test]
    fn revoke_reference_section_5() {
        assert_eq!(classify_revoke(&raw(200, &[], "{}"), &[]), Ok(()));
        assert_eq!(classify_revoke(&raw(200, &[], ""), &[]), Ok(()));
        let forbidden = oauth_body(
            "unauthorized_client",
            "You are not authorized to revoke this token",
        );
        assert_eq!(
            classify_revoke(&raw(403, &[], &forbidden), &[]),
            Err(ApiError::RevokeForbidden)
        );
        assert_eq!(
            classify_revoke(&raw(403, &[], "<html></html>"), &[]),
            Err(ApiError::RevokeForbidden)
        );
        assert_eq!(
            classify_revoke(&raw(401, &[], &oauth_body("invalid_client", "x")), &[]),
            Err(ApiError::InvalidClient)
        );
        assert!(matches!(
            classify_revoke(&raw(500, &[], ""), &[]),
            Err(ApiError::Server { status: 500, .. })
        ));
    }

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
        let base = Url::parse("https://social.example/").unwrap();
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
        let base = Url::parse("http://127.0.0.1:3000/").unwrap();
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
    fn code_input_errors_never_hold_the_code() {
        // The error type is a plain enum without data: nothing to leak.
        let e = parse_pasted_code("http://x/cb?code=SECRET&state=bad", "good").unwrap_err();
        assert!(!format!("{e:?} {e}").contains("SECRET"));
    }
}
