//! Tests of the fake Mastodon server itself, through raw HTTP: if the fake lies, every other
//! integration test lies with it.
// Panicking on a broken expectation is how these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod faults;
mod modes;
mod oauth;
mod quirks;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::fake_server::{ESCAPES, FakeServer, Fault, Mode};

const REDIRECT: &str = "http://127.0.0.1/callback";
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

/// A client that never reuses a connection: snac mode closes each one after one response.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
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
        .get(format!("{base}/oauth/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["preferred_username"], "bob");

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

    // The bearer token went to the two account endpoints only.
    let requests = server.requests();
    for request in &requests {
        let carries = request
            .header("authorization")
            .is_some_and(|h| h.contains(&token));
        assert_eq!(
            carries,
            ["/api/v1/accounts/verify_credentials", "/oauth/userinfo"]
                .contains(&request.path.as_str()),
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

#[test]
fn usable_from_sync_code() {
    let server = FakeServer::start(Mode::default()).with_domain("example.org");
    assert_eq!(server.mode(), Mode::Mastodon47);
    assert_eq!(server.domain(), "example.org");
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    server.set_fault("/api", Fault::Hang);
    // Dropping a server while a handler hangs must not hang.
    let mut stream =
        std::net::TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /api/v2/instance HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the hanging request never reached the server"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(server);
}

#[tokio::test]
async fn the_escapes_option_taints_every_text_field_but_what_must_echo() {
    let server = FakeServer::start(Mode::Mastodon47).with_escapes();
    let http = client();
    let instance: Value = http
        .get(format!("{}/api/v2/instance", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in ["domain", "title", "version"] {
        assert!(
            instance[field].as_str().unwrap().ends_with(ESCAPES),
            "{field}: {instance}"
        );
    }
    let (app, token) = token_for(&http, &server, "profile").await;
    assert!(!app.0.contains('\u{1b}') && !token.contains('\u{1b}'));
    let account: Value = verify(&http, &server, &token).await.json().await.unwrap();
    assert_eq!(account["username"], format!("alice {ESCAPES}"));
    assert!(!account["id"].as_str().unwrap().contains('\u{1b}'));
    // The token answer's scope is one of the tainted fields.
    let app = register(&http, &server, "profile", REDIRECT).await;
    let approval = server
        .approve(
            &authorize_url(&server, &app.0, REDIRECT, "profile", &[]),
            "alice",
        )
        .unwrap();
    let (_, body) = exchange(&http, &server, &app, &approval.code, REDIRECT, &[]).await;
    assert_eq!(body["scope"], format!("profile {ESCAPES}"));
    assert_eq!(body["token_type"], "Bearer");
}
