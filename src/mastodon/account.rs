//! `GET /api/v1/accounts/verify_credentials`: whose token is this, and does it still work?

use serde_json::Value;

use super::base_url::BaseUrl;
use super::classify::{Raw, fallback_error, success_json};
use super::client::Client;
use super::errors::ApiError;
use super::sanitize::sanitize_hint;
use crate::secret::Secret;

/// Longest account field kept (display names can be long and decorated).
const FIELD_MAX: usize = 100;

/// The account a token belongs to. Every string is sanitised: it comes from the network and will
/// be drawn on a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccount {
    pub id: String,
    pub username: String,
    /// `user` for local accounts (Mastodon leaves out the domain).
    pub acct: String,
    pub display_name: String,
    pub url: Option<String>,
}

impl Client {
    /// Checks a token. The bearer token goes only through the client that never follows
    /// redirects, so it cannot reach another origin.
    pub async fn verify_credentials(
        &self,
        base: &BaseUrl,
        token: &Secret,
    ) -> Result<VerifiedAccount, ApiError> {
        // `lang` outranks the user's own locale (Accept-Language does not), so the error texts
        // the classifier matches come back in English.
        let url = base.endpoint("/api/v1/accounts/verify_credentials?lang=en");
        let request = self.direct.get(url).bearer_auth(token.expose());
        let raw = self.send(request, &base.host()).await?;
        classify_verify(&raw, &[token.expose()])
    }
}

/// Mastodon's answers, plus other servers': a bad token is 401 JSON (Mastodon), 422 with an empty
/// body (snac), 400 HTML (Takahē) or 401 "token not supplied" (GoToSocial). This request carries a
/// token to an API that answered moments before, so no answer here means "not a Mastodon server".
pub(super) fn classify_verify(raw: &Raw, secrets: &[&str]) -> Result<VerifiedAccount, ApiError> {
    let error_text = raw.json_error();
    let error = error_text.as_deref().unwrap_or_default();
    match raw.status {
        200 => parse_account(raw),
        401 if error == "The access token was revoked" => Err(ApiError::TokenRevoked),
        401 if error == "The access token expired" => Err(ApiError::TokenExpired),
        // GoToSocial: the token is fine but its account is disabled.
        401 if error == "Unauthorized: application not supplied" => Err(ApiError::AccountDisabled),
        403 => Err(classify_forbidden(raw, error, secrets)),
        422 if error == "This method requires an authenticated user" => Err(ApiError::AppToken),
        // Whatever the body (JSON, a web page, nothing), the token is what was refused.
        400 | 401 | 422 => Err(ApiError::TokenInvalid),
        status => Err(match fallback_error(raw, secrets) {
            ApiError::NotMastodon { .. } => ApiError::Unexpected {
                status,
                hint: raw.hint(secrets),
            },
            other => other,
        }),
    }
}

fn classify_forbidden(raw: &Raw, error: &str, secrets: &[&str]) -> ApiError {
    match error {
        // Takahē: `verify_credentials` needs `read`, and says so this way.
        "This action is outside the authorized scopes" | "out_of_scope_for_token" => {
            return ApiError::InsufficientScope;
        }
        "Your login is currently pending approval" => return ApiError::AccountPending,
        "Your login is missing a confirmed e-mail address" => return ApiError::AccountUnconfirmed,
        "Your login is currently disabled" => return ApiError::AccountDisabled,
        _ => {}
    }
    // 4.6+ names the scope failure in WWW-Authenticate, whatever the body's language.
    if raw
        .header("www-authenticate")
        .is_some_and(|v| v.contains("insufficient_scope"))
    {
        return ApiError::InsufficientScope;
    }
    ApiError::Unexpected {
        status: 403,
        hint: raw.hint(secrets),
    }
}

fn parse_account(raw: &Raw) -> Result<VerifiedAccount, ApiError> {
    let malformed = || ApiError::Malformed { what: "account" };
    // A web page where the account belongs is an unreadable answer, not "not Mastodon": the same
    // API answered before this token was issued.
    let map = success_json(raw, "account").map_err(|_| malformed())?;
    let text = |name: &str| {
        map.get(name)
            .and_then(Value::as_str)
            .map(|s| sanitize_hint(s, FIELD_MAX))
    };
    // Some servers send the id as a number.
    let id = match map.get("id") {
        Some(Value::String(id)) => sanitize_hint(id, FIELD_MAX),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(malformed()),
    };
    let username = text("username")
        .filter(|u| !u.is_empty())
        .ok_or_else(malformed)?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok(VerifiedAccount {
        acct: text("acct")
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| username.clone()),
        display_name: text("display_name").unwrap_or_default(),
        url: text("url").filter(|u| !u.is_empty()),
        id,
        username,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::mastodon::classify::tests::raw;

    fn error_body(text: &str) -> String {
        serde_json::json!({ "error": text }).to_string()
    }

    #[test]
    fn success() {
        let body = r#"{"id":"109","username":"alice","acct":"alice","display_name":"Alice \u001b[31mA.","url":"https://social.example/@alice",
            "source":{"privacy":"public"},"role":{"id":"-99","name":"","permissions":"65536"}}"#;
        let account = classify_verify(&raw(200, &[], body), &[]).unwrap();
        assert_eq!(
            account,
            VerifiedAccount {
                id: "109".into(),
                username: "alice".into(),
                acct: "alice".into(),
                display_name: "Alice [31mA.".into(),
                url: Some("https://social.example/@alice".into()),
            }
        );
        let numeric = classify_verify(&raw(200, &[], r#"{"id":7,"username":"bob"}"#), &[]).unwrap();
        assert_eq!((numeric.id.as_str(), numeric.acct.as_str()), ("7", "bob"));
        assert_eq!(
            classify_verify(&raw(200, &[], r#"{"username":"bob"}"#), &[]).unwrap_err(),
            ApiError::Malformed { what: "account" }
        );
        assert_eq!(
            classify_verify(&raw(200, &[], "{\"id\":"), &[]).unwrap_err(),
            ApiError::Malformed { what: "account" }
        );
    }

    #[test]
    fn verify_credentials_answers() {
        let www_invalid = (
            "www-authenticate",
            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"The access token is invalid\"",
        );
        let rows = [
            (
                403,
                vec![],
                "Your login is currently disabled",
                ApiError::AccountDisabled,
            ),
            (
                401,
                vec![www_invalid],
                "The access token is invalid",
                ApiError::TokenInvalid,
            ),
            (
                401,
                vec![www_invalid],
                "The access token was revoked",
                ApiError::TokenRevoked,
            ),
            (
                401,
                vec![www_invalid],
                "The access token expired",
                ApiError::TokenExpired,
            ),
            (
                403,
                vec![],
                "This action is outside the authorized scopes",
                ApiError::InsufficientScope,
            ),
            (
                422,
                vec![],
                "This method requires an authenticated user",
                ApiError::AppToken,
            ),
            (
                403,
                vec![],
                "Your login is missing a confirmed e-mail address",
                ApiError::AccountUnconfirmed,
            ),
            (
                403,
                vec![],
                "Your login is currently pending approval",
                ApiError::AccountPending,
            ),
        ];
        for (status, headers, text, expected) in rows {
            let r = raw(status, &headers, &error_body(text));
            assert_eq!(classify_verify(&r, &[]).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn scope_failure_by_header_in_any_language() {
        let r = raw(
            403,
            &[(
                "www-authenticate",
                "Bearer realm=\"Doorkeeper\", error=\"insufficient_scope\", error_description=\"Access to this resource requires scope _profile read read:accounts_.\"",
            )],
            &error_body("Diese Aktion ist außerhalb der autorisierten Bereiche"),
        );
        assert_eq!(
            classify_verify(&r, &[]).unwrap_err(),
            ApiError::InsufficientScope
        );
        let unknown = raw(403, &[], &error_body("Forbidden for reasons"));
        assert_eq!(
            classify_verify(&unknown, &[]).unwrap_err(),
            ApiError::Unexpected {
                status: 403,
                hint: Some("Forbidden for reasons".into())
            }
        );
    }

    /// Takahē, GoToSocial: none of these may read as "not a Mastodon server" or "try again".
    #[test]
    fn other_servers_token_answers() {
        let html = ("content-type", "text/html; charset=utf-8");
        let rows = [
            (
                raw(400, &[html], "<h1>Invalid Bearer token</h1>"),
                ApiError::TokenInvalid,
            ),
            (raw(400, &[], ""), ApiError::TokenInvalid),
            (raw(400, &[], &error_body("bad")), ApiError::TokenInvalid),
            (raw(401, &[html], "<p>no</p>"), ApiError::TokenInvalid),
            (
                raw(401, &[], &error_body("Unauthorized: token not supplied")),
                ApiError::TokenInvalid,
            ),
            (
                raw(
                    401,
                    &[],
                    &error_body("Unauthorized: application not supplied"),
                ),
                ApiError::AccountDisabled,
            ),
            (
                raw(403, &[], &error_body("out_of_scope_for_token")),
                ApiError::InsufficientScope,
            ),
            (
                raw(401, &[], &error_body("The access token expired")),
                ApiError::TokenExpired,
            ),
            (
                raw(200, &[html], "<html></html>"),
                ApiError::Malformed { what: "account" },
            ),
            (
                raw(404, &[], ""),
                ApiError::Unexpected {
                    status: 404,
                    hint: None,
                },
            ),
        ];
        for (answer, expected) in rows {
            assert_eq!(
                classify_verify(&answer, &[]).unwrap_err(),
                expected,
                "{answer:?}"
            );
        }
    }

    #[test]
    fn snac_and_odd_servers() {
        assert_eq!(
            classify_verify(&raw(422, &[], ""), &[]).unwrap_err(),
            ApiError::TokenInvalid
        );
        assert_eq!(
            classify_verify(&raw(422, &[], "<html>no</html>"), &[]).unwrap_err(),
            ApiError::TokenInvalid
        );
        assert_eq!(
            classify_verify(&raw(401, &[], ""), &[]).unwrap_err(),
            ApiError::TokenInvalid
        );
        assert_eq!(
            classify_verify(&raw(422, &[], &error_body("Something else")), &[]).unwrap_err(),
            ApiError::TokenInvalid
        );
        assert!(matches!(
            classify_verify(
                &raw(404, &[("content-type", "text/html")], "<html></html>"),
                &[]
            )
            .unwrap_err(),
            ApiError::Unexpected { status: 404, .. }
        ));
        assert!(matches!(
            classify_verify(&raw(503, &[], ""), &[]).unwrap_err(),
            ApiError::Server {
                status: 503,
                hint: None
            }
        ));
        assert!(matches!(
            classify_verify(
                &raw(
                    429,
                    &[("x-ratelimit-reset", "2026-08-21T12:35:00.000000Z")],
                    &error_body("Too many requests")
                ),
                &[]
            )
            .unwrap_err(),
            ApiError::RateLimited { reset: Some(_) }
        ));
    }
}
