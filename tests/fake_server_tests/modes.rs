//! Registration rules, discovery and the 4.2 / snac modes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{REDIRECT, authorize_url, client, exchange, register, token_for, verify};
use crate::support::fake_server::{FakeServer, Mode};

async fn post_apps(
    http: &reqwest::Client,
    server: &FakeServer,
    body: Value,
) -> (StatusCode, String) {
    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn get(http: &reqwest::Client, server: &FakeServer, path: &str) -> reqwest::Response {
    http.get(format!("{}{path}", server.base_url()))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn registration_validation_in_4_7() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    let (status, body) =
        post_apps(&http, &server, json!({"client_name": "x", "redirect_uris": [REDIRECT, "urn:ietf:wg:oauth:2.0:oob"], "scopes": ["write"]})).await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["redirect_uri"],
        format!("{REDIRECT}\nurn:ietf:wg:oauth:2.0:oob")
    );
    // Bug #30152: an array of scopes is silently dropped and becomes `read`.
    assert_eq!(body["scopes"], json!(["read"]));

    let cases = [
        (
            json!({"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read bogus"}),
            "Scopes doesn't match those configured on the server.",
        ),
        (
            json!({"client_name": "", "redirect_uris": REDIRECT}),
            "Application name can't be blank",
        ),
        (json!({"client_name": "x"}), "Redirect URI can't be blank"),
        (
            json!({"client_name": "x", "redirect_uris": "http://127.0.0.1/cb#frag"}),
            "Redirect URI cannot contain a fragment.",
        ),
        (
            json!({"client_name": "x", "redirect_uris": "localhost:8080/x"}),
            "Redirect URI must specify a scheme.",
        ),
        (
            json!({"client_name": "x", "redirect_uris": "/callback"}),
            "Redirect URI must be an absolute URI.",
        ),
        (
            json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
            "Redirect URI is forbidden by the server.",
        ),
        (
            json!({"client_name": "x", "redirect_uris": REDIRECT, "website": "ftp://x"}),
            "Application website is invalid",
        ),
        (
            json!({"client_name": "n".repeat(61), "redirect_uris": REDIRECT}),
            "Application name is too long (maximum is 60 characters)",
        ),
    ];
    for (request, message) in cases {
        let (status, body) = post_apps(&http, &server, request.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{request}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({ "error": format!("Validation failed: {message}") })
        );
        server.advance(std::time::Duration::from_secs(600)); // stay under the registration limit
    }
    let (status, _) = post_apps(&http, &server, json!({"client_name": "x", "redirect_uris": "myapp://cb", "scopes": "", "website": "https://e.org"})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn registration_is_limited_to_5_per_10_minutes() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    for _ in 0..5 {
        register(&http, &server, "read", REDIRECT).await;
    }
    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .form(&[("client_name", "x"), ("redirect_uris", REDIRECT)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = response.headers().clone();
    assert_eq!(headers["x-ratelimit-limit"], "5");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.get("retry-after").is_none());
    let reset = headers["x-ratelimit-reset"].to_str().unwrap();
    assert!(reset.ends_with(".000000Z"), "{reset}");
    let reset: jiff::Timestamp = reset.parse().unwrap();
    assert_eq!(reset.as_second() % 600, 0);
    assert!(reset > jiff::Timestamp::now());
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"Too many requests"}"#
    );
    assert_eq!(server.apps_registered(), 5);

    server.advance(std::time::Duration::from_secs(601));
    register(&http, &server, "read", REDIRECT).await;
}

#[tokio::test]
async fn discovery_in_4_7() {
    let server = FakeServer::start(Mode::Mastodon47).with_domain("example.org");
    let http = client();
    let response = get(&http, &server, "/.well-known/oauth-authorization-server").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let meta: Value = response.json().await.unwrap();
    assert_eq!(meta["issuer"], format!("{}/", server.base_url()));
    assert_eq!(meta["scopes_supported"].as_array().unwrap().len(), 47);
    assert_eq!(meta["scopes_supported"][1], "profile");
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));

    let v2: Value = get(&http, &server, "/api/v2/instance")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v2["domain"].as_str(), v2["version"].as_str()),
        (Some("example.org"), Some("4.7.0"))
    );
    assert_eq!(v2["api_versions"]["mastodon"], 11);
    let v1 = get(&http, &server, "/api/v1/instance").await;
    assert_eq!(v1.headers()["deprecation"], "@1668384000");
    assert!(v1.headers().get("x-ratelimit-reset").is_some());
    assert_eq!(v1.json::<Value>().await.unwrap()["uri"], "example.org");
    let links: Value = get(&http, &server, "/.well-known/nodeinfo")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        links["links"][0]["href"],
        format!("{}/nodeinfo/2.0", server.base_url())
    );
    let nodeinfo: Value = get(&http, &server, "/nodeinfo/2.0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        nodeinfo["software"],
        json!({"name": "mastodon", "version": "4.7.0"})
    );
    let missing = get(&http, &server, "/api/v1/nothing").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get("x-ratelimit-limit").is_some());
}

#[tokio::test]
async fn mastodon_4_2_quirks() {
    let server = FakeServer::start(Mode::Mastodon42);
    let http = client();
    let (status, body) = post_apps(
        &http,
        &server,
        json!({"client_name": "x", "redirect_uris": REDIRECT, "scopes": "profile"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        r#"{"error":"Validation failed: Scopes doesn't match configured on the server."}"#
    );
    let (status, body) = post_apps(
        &http,
        &server,
        json!({"client_name": "x", "redirect_uris": [REDIRECT], "scopes": "read"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        r#"{"error":"Validation failed: Redirect URI can't be blank"}"#
    );
    let (status, body) = post_apps(
        &http,
        &server,
        json!({"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read:accounts"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "client_id",
            "client_secret",
            "id",
            "name",
            "redirect_uri",
            "vapid_key",
            "website"
        ]
    );
    for _ in 0..6 {
        register(&http, &server, "read", REDIRECT).await; // no registration throttle before 4.3
    }

    assert_eq!(
        get(&http, &server, "/.well-known/oauth-authorization-server")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let v2: Value = get(&http, &server, "/api/v2/instance")
        .await
        .json()
        .await
        .unwrap();
    assert!(v2["version"].as_str().unwrap().starts_with("4.2."));
    assert!(v2.get("api_versions").is_none());

    // PKCE is ignored: a bogus method is accepted and no verifier is needed.
    let app = (
        body["client_id"].as_str().unwrap().to_string(),
        body["client_secret"].as_str().unwrap().to_string(),
    );
    let url = authorize_url(
        &server,
        &app.0,
        REDIRECT,
        "read:accounts",
        &[("code_challenge", "x"), ("code_challenge_method", "plain")],
    );
    let code = server.approve(&url, "alice").unwrap().code;
    let (status, grant) = exchange(
        &http,
        &server,
        &app,
        &code,
        REDIRECT,
        &[("code_verifier", "anything")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = grant["access_token"].as_str().unwrap();
    assert_eq!(verify(&http, &server, token).await.status(), StatusCode::OK);

    // Before 4.3, apps/verify_credentials needs `read`.
    let response = http
        .get(format!(
            "{}/api/v1/apps/verify_credentials",
            server.base_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Basic and body together: Basic silently wins before 4.7.
    let code = server.approve(&url, "alice").unwrap().code;
    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .basic_auth(&app.0, Some(&app.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_secret", "ignored"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn snac_quirks() {
    let server = FakeServer::start(Mode::Snac);
    let http = client();
    let (status, body) = post_apps(
        &http,
        &server,
        json!({"client_name": "x", "redirect_uris": [REDIRECT], "scope": "read"}),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""));

    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .form(&[
            ("client_name", "x"),
            ("redirect_uris", REDIRECT),
            ("scope", "write"),
            ("scopes", "read"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let body: Value = response.json().await.unwrap();
    let app = (
        body["client_id"].as_str().unwrap().to_string(),
        body["client_secret"].as_str().unwrap().to_string(),
    );
    // The `scope` field counts, not `scopes`.
    assert!(
        server
            .approve(
                &authorize_url(&server, &app.0, REDIRECT, "read", &[]),
                "alice"
            )
            .is_err()
    );

    assert_eq!(
        get(&http, &server, "/api/v2/instance").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&http, &server, "/.well-known/oauth-authorization-server")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let v1: Value = get(&http, &server, "/api/v1/instance")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1["version"], "4.0.0 (not true; really snac/2.94)");
    let nodeinfo: Value = get(&http, &server, "/nodeinfo/2.0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nodeinfo["software"]["name"], "snac");

    let response = verify(&http, &server, "garbage").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.text().await.unwrap(), "");

    let (app, token) = token_for(&http, &server, "read").await;
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::OK
    );
    let revoke = format!("{}/oauth/revoke", server.base_url());
    let response = http
        .post(&revoke)
        .form(&[
            ("token", "unknown"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = http
        .post(&revoke)
        .form(&[
            ("token", token.as_str()),
            ("client_id", &app.0),
            ("client_secret", &app.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = verify(&http, &server, &token).await;
    assert_eq!(
        (response.status(), response.text().await.unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, String::new())
    );
    // The app went with the token: a new login needs a new registration.
    assert_eq!(server.apps_registered(), 1);
    let (status, body) = exchange(&http, &server, &app, "x", REDIRECT, &[]).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, Value::Null));
}
