//! Tests of the fake Mastodon server itself, through raw HTTP: if the fake lies, every other
//! integration test lies with it.
// Panicking on a broken expectation is how these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod faults;
mod modes;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::fake_server::{FakeServer, Fault, Mode, UserState, error_description};

const REDIRECT: &str = "http://127.0.0.1/callback";
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A registered app: `(client_id, client_secret)`.
async fn register(
    http: &reqwest::Client,
    server: &FakeServer,
    scopes: &str,
    redirect: &str,
) -> (String, String) {
    let form = [
        ("client_name", "mastokey"),
        ("redirect_uris", redirect),
        ("scopes", scopes),
        ("scope", scopes),
    ];
    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    (
        body["client_id"].as_str().unwrap().into(),
        body["client_secret"].as_str().unwrap().into(),
    )
}

fn authorize_url(
    server: &FakeServer,
    client_id: &str,
    redirect: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", server.base_url())).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", scope)
        .extend_pairs(extra);
    url.to_string()
}

async fn exchange(
    http: &reqwest::Client,
    server: &FakeServer,
    app: &(String, String),
    code: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect),
        ("client_id", &app.0),
        ("client_secret", &app.1),
    ];
    form.extend_from_slice(extra);
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn verify(http: &reqwest::Client, server: &FakeServer, token: &str) -> reqwest::Response {
    http.get(format!(
        "{}/api/v1/accounts/verify_credentials",
        server.base_url()
    ))
    .bearer_auth(token)
    .send()
    .await
    .unwrap()
}

/// Registers, approves as alice, exchanges: `(app, token)`.
async fn token_for(
    http: &reqwest::Client,
    server: &FakeServer,
    scope: &str,
) -> ((String, String), String) {
    let app = register(http, server, scope, REDIRECT).await;
    let approval = server
        .approve(
            &authorize_url(server, &app.0, REDIRECT, scope, &[]),
            "alice",
        )
        .unwrap();
    let (status, body) = exchange(http, server, &app, &approval.code, REDIRECT, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (app, body["access_token"].as_str().unwrap().to_string())
}

fn location(response: &reqwest::Response) -> url::Url {
    url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn full_flow_through_the_consent_form() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let base = server.base_url();

    let response = http
        .post(format!("{base}/api/v1/apps"))
        .form(&[
            ("client_name", "mastokey"),
            ("redirect_uris", REDIRECT),
            ("scopes", "profile write:statuses"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-ratelimit-limit"], "5");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "4");
    let app: Value = response.json().await.unwrap();
    assert_eq!(app["scopes"], json!(["profile", "write:statuses"]));
    assert_eq!(app["redirect_uris"], json!([REDIRECT]));
    assert_eq!(app["redirect_uri"], REDIRECT);
    assert_eq!(app["website"], Value::Null);
    assert_eq!(app["client_secret_expires_at"], 0);
    assert_eq!(app["client_secret"].as_str().unwrap().len(), 43);
    let creds = (
        app["client_id"].as_str().unwrap().to_string(),
        app["client_secret"].as_str().unwrap().to_string(),
    );
    assert_eq!(server.apps_registered(), 1);

    // The browser opens the authorize page, then submits the consent form.
    let redirect = "http://127.0.0.1:45678/callback";
    let url = authorize_url(&server, &creds.0, redirect, "profile", &[("state", "xyz")]);
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("x-ratelimit-limit").is_none());
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"/oauth/authorize\"") && html.contains("name=\"user\""),
        "{html}"
    );
    let form = [
        ("client_id", creds.0.as_str()),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", "profile"),
        ("state", "xyz"),
        ("user", "bob"),
    ];
    let approved = http
        .post(format!("{base}/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let callback = location(&approved);
    assert_eq!(callback.port(), Some(45678));
    assert_eq!(query(&callback, "state").as_deref(), Some("xyz"));
    assert!(query(&callback, "iss").is_none());
    let code = query(&callback, "code").unwrap();
    assert_eq!(code.len(), 43);

    let response = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("client_id", &creds.0),
            ("client_secret", &creds.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let grant: Value = response.json().await.unwrap();
    assert_eq!(grant["token_type"], "Bearer");
    assert_eq!(grant["scope"], "profile");
    assert!(grant["created_at"].is_i64());
    assert!(grant.get("expires_in").is_none() && grant.get("refresh_token").is_none());
    let token = grant["access_token"].as_str().unwrap().to_string();

    let response = verify(&http, &server, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-ratelimit-limit"], "300");
    let reset = response.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .to_string();
    reset.parse::<jiff::Timestamp>().unwrap();
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["username"], "bob");
    assert_eq!(account["acct"], "bob");
    assert_eq!(account["role"]["permissions"], "65536");

    let response = http
        .post(format!("{base}/oauth/revoke"))
        .form(&[
            ("token", token.as_str()),
            ("client_id", &creds.0),
            ("client_secret", &creds.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "{}");

    let response = verify(&http, &server, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"The access token was revoked"}"#
    );

    // The bearer token went to verify_credentials only.
    let requests = server.requests();
    for request in &requests {
        let carries = request
            .header("authorization")
            .is_some_and(|h| h.contains(&token));
        assert_eq!(
            carries,
            request.path == "/api/v1/accounts/verify_credentials",
            "{request:?}"
        );
    }
    let token_request = requests.iter().find(|r| r.path == "/oauth/token").unwrap();
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.field("code"), Some(code.as_str()));
    assert!(token_request.body.contains("grant_type=authorization_code"));
    let authorize = requests
        .iter()
        .find(|r| r.path == "/oauth/authorize")
        .unwrap();
    assert_eq!(authorize.query_param("scope").as_deref(), Some("profile"));
    server.clear_requests();
    assert!(server.requests().is_empty());
}

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

#[tokio::test]
async fn verify_credentials_checks_scope_app_tokens_and_account_states() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();

    let (_, write_only) = server.create_token("alice", &["write"]);
    let response = verify(&http, &server, &write_only).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"This action is outside the authorized scopes"}"#
    );

    let response = verify(&http, &server, "garbage").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"The access token is invalid"}"#
    );

    for (user, message) in [
        ("pat", "Your login is currently pending approval"),
        ("una", "Your login is missing a confirmed e-mail address"),
        ("dee", "Your login is currently disabled"),
    ] {
        let (_, token) = server.create_token(user, &["profile"]);
        let response = verify(&http, &server, &token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "error": message })
        );
    }
    // A suspended user's revoked token: 403 before 401.
    let (_, token) = server.create_token("carol", &["read"]);
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::OK
    );
    server.revoke_token(&token);
    server.set_user_state("carol", UserState::Suspended);
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::FORBIDDEN
    );
    server.add_user("carol");
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // App-only tokens: 422 on accounts, 200 on apps/verify_credentials.
    let app = register(&http, &server, "read write", REDIRECT).await;
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
            ("scope", "admin:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_scope"
    );
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "read");
    let app_token = body["access_token"].as_str().unwrap();
    let response = verify(&http, &server, app_token).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"This method requires an authenticated user"}"#
    );
    let response = http
        .get(format!(
            "{}/api/v1/apps/verify_credentials",
            server.base_url()
        ))
        .bearer_auth(app_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], "mastokey");
    assert!(body.get("client_secret").is_none() && body.get("client_id").is_none());
}

#[tokio::test]
async fn revoke_follows_the_table() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let (app, token) = token_for(&http, &server, "read").await;
    let other = register(&http, &server, "read", REDIRECT).await;
    let revoke = |creds: (String, String), token: String| {
        let http = http.clone();
        let url = format!("{}/oauth/revoke", server.base_url());
        async move {
            let response = http
                .post(url)
                .form(&[
                    ("token", token),
                    ("client_id", creds.0),
                    ("client_secret", creds.1),
                ])
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let forbidden = r#"{"error":"unauthorized_client","error_description":"You are not authorized to revoke this token"}"#;
    assert_eq!(
        revoke((app.0.clone(), "bad".into()), token.clone()).await,
        (StatusCode::FORBIDDEN, forbidden.into())
    );
    assert_eq!(
        revoke(other.clone(), token.clone()).await,
        (StatusCode::FORBIDDEN, forbidden.into())
    );
    assert_eq!(
        revoke(app.clone(), "unknown".into()).await,
        (StatusCode::OK, "{}".into())
    );
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        revoke(app.clone(), token.clone()).await,
        (StatusCode::OK, "{}".into())
    );
    assert_eq!(
        revoke(app.clone(), token.clone()).await,
        (StatusCode::OK, "{}".into())
    );
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn usable_from_sync_code() {
    let server = FakeServer::start(Mode::default()).with_domain("example.org");
    assert_eq!(server.mode(), Mode::Mastodon47);
    assert_eq!(server.domain(), "example.org");
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    server.set_fault("/api", Fault::Hang);
    // Dropping a server with a hanging handler must not hang.
    let _ = std::net::TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap();
    drop(server);
}
