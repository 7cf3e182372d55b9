//! The OAuth flow's rules: single-use expiring codes, client authentication, authorize errors,
//! the loopback port rule, PKCE, token reuse, deny and oob.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    INVALID_GRANT, REDIRECT, authorize_url, client, exchange, location, query, register, token_for,
    verify,
};
use crate::support::fake_server::{FakeServer, Mode, error_description};

#[tokio::test]
async fn codes_are_single_use_and_expire_after_600_seconds() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let app = register(&http, &server, "read", REDIRECT).await;
    let url = authorize_url(&server, &app.0, REDIRECT, "read", &[]);

    let approval = server.approve(&url, "alice").unwrap();
    assert!(
        approval.redirect.starts_with(&format!("{REDIRECT}?code=")),
        "{}",
        approval.redirect
    );
    let (status, first) = exchange(&http, &server, &app, &approval.code, REDIRECT, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = exchange(&http, &server, &app, &approval.code, REDIRECT, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": INVALID_GRANT})
    );
    // The token from the first exchange stays valid.
    let token = first["access_token"].as_str().unwrap();
    assert_eq!(verify(&http, &server, token).await.status(), StatusCode::OK);

    let late = server.approve(&url, "alice").unwrap();
    server.advance(Duration::from_secs(599));
    let fresh = server.approve(&url, "alice").unwrap();
    server.advance(Duration::from_secs(2));
    let (status, body) = exchange(&http, &server, &app, &late.code, REDIRECT, &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = exchange(&http, &server, &app, &fresh.code, REDIRECT, &[]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn client_authentication_errors() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let app = register(&http, &server, "read", REDIRECT).await;
    let url = authorize_url(&server, &app.0, REDIRECT, "read", &[]);

    let code = server.approve(&url, "alice").unwrap().code;
    let wrong = (app.0.clone(), "not-the-secret".to_string());
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &wrong.0),
            ("client_secret", &wrong.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=\"Doorkeeper\", error=\"invalid_client\"")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(
        body["error_description"],
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
    );

    // Basic and body together: 4.7 refuses.
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .basic_auth(&app.0, Some(&app.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "The request utilizes more than one mechanism for authenticating the client."
    );

    // Basic alone works (the failed attempts did not consume the code).
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .basic_auth(&app.0, Some(&app.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "Missing required parameter: redirect_uri."})
    );
}

#[tokio::test]
async fn authorize_errors_are_html_pages() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let app = register(&http, &server, "read:accounts", REDIRECT).await;

    let cases = [
        (
            authorize_url(&server, &app.0, REDIRECT, "read", &[]),
            400,
            "The requested scope is invalid, unknown, or malformed.",
        ),
        (
            authorize_url(&server, "nope", REDIRECT, "read:accounts", &[]),
            401,
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        ),
        (
            authorize_url(
                &server,
                &app.0,
                "http://127.0.0.1/other",
                "read:accounts",
                &[],
            ),
            400,
            "The redirect uri included is not valid.",
        ),
        (
            authorize_url(
                &server,
                &app.0,
                REDIRECT,
                "read:accounts",
                &[
                    ("code_challenge", "abc"),
                    ("code_challenge_method", "plain"),
                ],
            ),
            400,
            "The code_challenge_method must be S256.",
        ),
        (
            format!("{}/oauth/authorize?redirect_uri=x", server.base_url()),
            400,
            "Missing required parameter: client_id.",
        ),
    ];
    for (url, status, text) in cases {
        let response = http.get(&url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{url}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert_eq!(error_description(&html).as_deref(), Some(text));
        assert_eq!(server.approve(&url, "alice"), Err(text.to_string()));
    }
    assert!(
        server
            .approve(
                &authorize_url(&server, &app.0, REDIRECT, "read:accounts", &[]),
                "nobody"
            )
            .is_err()
    );
    assert!(
        server
            .approve(&format!("{}/oauth/token", server.base_url()), "alice")
            .is_err()
    );
}

#[tokio::test]
async fn loopback_ip_ports_are_ignored_but_localhost_ports_are_not() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let app = register(
        &http,
        &server,
        "read",
        "http://127.0.0.1/callback\nhttp://localhost:8000/cb",
    )
    .await;

    let requested = "http://127.0.0.1:54321/callback";
    let approval = server
        .approve(
            &authorize_url(&server, &app.0, requested, "read", &[]),
            "alice",
        )
        .unwrap();
    assert!(
        approval
            .redirect
            .starts_with("http://127.0.0.1:54321/callback?code=")
    );
    let wrong_path = server.approve(
        &authorize_url(
            &server,
            &app.0,
            "http://127.0.0.1:54321/callback/",
            "read",
            &[],
        ),
        "alice",
    );
    assert_eq!(
        wrong_path,
        Err("The redirect uri included is not valid.".into())
    );
    assert!(
        server
            .approve(
                &authorize_url(&server, &app.0, "http://localhost:8001/cb", "read", &[]),
                "alice"
            )
            .is_err()
    );
    assert!(
        server
            .approve(
                &authorize_url(&server, &app.0, "http://localhost:8000/cb", "read", &[]),
                "alice"
            )
            .is_ok()
    );

    // The token request must name a matching redirect_uri (same loopback rule), and it is required.
    let (status, _) = exchange(
        &http,
        &server,
        &app,
        &approval.code,
        "http://localhost:54321/callback",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = exchange(
        &http,
        &server,
        &app,
        &approval.code,
        "http://127.0.0.1:1/callback",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn pkce_s256_is_verified() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let app = register(&http, &server, "read", REDIRECT).await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let url = authorize_url(&server, &app.0, REDIRECT, "read", &pkce);

    let code = server.approve(&url, "alice").unwrap().code;
    let (status, body) = exchange(&http, &server, &app, &code, REDIRECT, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error_description"],
        "Missing required parameter: code_verifier."
    );
    let (status, body) = exchange(
        &http,
        &server,
        &app,
        &code,
        REDIRECT,
        &[("code_verifier", "wrong")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = exchange(
        &http,
        &server,
        &app,
        &code,
        REDIRECT,
        &[("code_verifier", verifier)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A verifier without a challenge is rejected on 4.3+.
    let code = server
        .approve(
            &authorize_url(&server, &app.0, REDIRECT, "read", &[]),
            "alice",
        )
        .unwrap()
        .code;
    let (status, body) = exchange(
        &http,
        &server,
        &app,
        &code,
        REDIRECT,
        &[("code_verifier", verifier)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn tokens_are_reused_and_authorize_auto_approves() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let (app, token) = token_for(&http, &server, "read write").await;
    let url = authorize_url(&server, &app.0, REDIRECT, "write read", &[("state", "s1")]);

    // Same app, user and scope set: the same token, and no consent screen.
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let callback = location(&response);
    assert_eq!(query(&callback, "state").as_deref(), Some("s1"));
    let (status, body) = exchange(
        &http,
        &server,
        &app,
        &query(&callback, "code").unwrap(),
        REDIRECT,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["access_token"], token.as_str());
    assert_eq!(server.tokens_issued(), 1);

    // force_login shows the consent page; another user gets another token.
    let forced = http
        .get(format!("{url}&force_login=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(forced.status(), StatusCode::OK);
    server.set_browser_user("bob");
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let code = server.approve(&url, "bob").unwrap().code;
    let (_, body) = exchange(&http, &server, &app, &code, REDIRECT, &[]).await;
    assert_ne!(body["access_token"], token.as_str());
    assert_eq!((server.tokens_issued(), server.active_tokens()), (2, 2));
    assert!(server.revoke_token(&token));
    assert!(!server.revoke_token("unknown"));
    assert_eq!(server.active_tokens(), 1);
}

#[tokio::test]
async fn deny_and_oob() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let oob = "urn:ietf:wg:oauth:2.0:oob";
    let app = register(&http, &server, "read", &format!("{REDIRECT} {oob}")).await;

    let denied = server
        .deny(&authorize_url(
            &server,
            &app.0,
            REDIRECT,
            "read",
            &[("state", "s")],
        ))
        .unwrap()
        .unwrap();
    let denied = url::Url::parse(&denied).unwrap();
    assert_eq!(query(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&denied, "state").as_deref(), Some("s"));
    assert_eq!(
        server.deny(&authorize_url(&server, &app.0, oob, "read", &[])),
        Ok(None)
    );

    let form = [
        ("client_id", app.0.as_str()),
        ("redirect_uri", oob),
        ("response_type", "code"),
        ("scope", "read"),
    ];
    let response = http
        .delete(format!("{}/oauth/authorize", server.base_url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "access_denied");

    let approval = server
        .approve(
            &authorize_url(&server, &app.0, oob, "read", &[("state", "s")]),
            "alice",
        )
        .unwrap();
    let native = format!(
        "{}/oauth/authorize/native?code={}",
        server.base_url(),
        approval.code
    );
    assert_eq!(approval.redirect, native);
    let html = http
        .get(&native)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(
        "class=\"oauth-code\" readonly spellcheck=\"false\" value=\"{}\"",
        approval.code
    )));
    let (status, _) = exchange(&http, &server, &app, &approval.code, oob, &[]).await;
    assert_eq!(status, StatusCode::OK);
}
