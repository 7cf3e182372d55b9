#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::mastodon::classify::tests::raw;

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

#[test]
fn token_scopes_outside_the_grammar_are_dropped_and_reported() {
    let body = serde_json::json!({
        "access_token": "tok",
        "token_type": "Bearer",
        "scope": "profile \u{1b}]0;TITLE\u{7}\u{1b}]52;c;aGk=\u{7} read\u{202e} \u{1b}[2J write \"x\" a\\b",
    })
    .to_string();
    let grant = classify_token(&raw(200, &[], &body), &[]).unwrap();
    assert_eq!(grant.scopes, ["profile", "write"]);
    assert_eq!(grant.dropped.len(), 5, "{:?}", grant.dropped);
    for dropped in &grant.dropped {
        assert!(!dropped.chars().any(is_unsafe_char), "{dropped:?}");
    }
}

#[test]
fn token_types_other_than_bearer_are_refused() {
    for kind in ["Bearer", "bearer", "BEARER"] {
        let body = format!(r#"{{"access_token":"tok","token_type":"{kind}","scope":"read"}}"#);
        assert!(classify_token(&raw(200, &[], &body), &[]).is_ok(), "{kind}");
    }
    // Some servers leave the type out; Mastodon's tokens are bearer tokens.
    let untyped = r#"{"access_token":"tok","scope":"read"}"#;
    assert!(classify_token(&raw(200, &[], untyped), &[]).is_ok());
    for (kind, shown) in [
        (r#""mac""#, "mac"),
        (r#""DPoP""#, "DPoP"),
        (r#""Bearer\u001b[2J""#, "Bearer[2J"),
        ("7", ""),
    ] {
        let body = format!(r#"{{"access_token":"tok","token_type":{kind},"scope":"read"}}"#);
        assert_eq!(
            classify_token(&raw(200, &[], &body), &[]).unwrap_err(),
            ApiError::TokenType {
                token_type: shown.into()
            },
            "{kind}"
        );
    }
}

/// Issue 15 §6: the app is kept with what mastokey asked for, never the server's echo (Mitra
/// echoes empty `scopes`; a hostile server could echo anything).
#[test]
fn registration_keeps_what_was_asked_not_the_echo() {
    let body = serde_json::json!({
        "client_id": "cid", "client_secret": "cs",
        "scopes": ["profile", "\u{1b}[2J", "read\u{202e}"],
        "redirect_uris": ["http://127.0.0.1/callback", "urn:x\u{1b}]0;T\u{7}"],
    })
    .to_string();
    let registered = classify_register(&raw(200, &[], &body), &app()).unwrap();
    assert_eq!(registered.scopes, ["profile"]);
    assert_eq!(registered.redirect_uris, app().redirect_uris);
    let mitra = r#"{"client_id":"cid","client_secret":"cs","scopes":[],
        "redirect_uri":"urn:ietf:wg:oauth:2.0:oob"}"#;
    let registered = classify_register(&raw(200, &[], mitra), &app()).unwrap();
    assert_eq!(registered.scopes, ["profile"]);
    assert_eq!(registered.redirect_uris, app().redirect_uris);
    let hostile_id = r#"{"client_id":"c\u001b[2Jid","client_secret":"cs"}"#;
    assert_eq!(
        classify_register(&raw(200, &[], hostile_id), &app()).unwrap_err(),
        ApiError::Malformed {
            what: "app registration"
        }
    );
}

fn oauth_body(error: &str, description: &str) -> String {
    serde_json::json!({ "error": error, "error_description": description }).to_string()
}

#[test]
fn token_error_answers() {
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
fn revoke_answers() {
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
