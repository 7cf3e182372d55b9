//! Every injected fault is observable by a client.

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use super::client;
use crate::support::fake_server::{FakeServer, Fault, Mode};

const PATH: &str = "/api/v2/instance";

#[tokio::test]
async fn latency_delays_the_answer() {
    let server = FakeServer::start(Mode::Mastodon47);
    server.set_fault("/api", Fault::Latency(Duration::from_millis(800)));
    let started = Instant::now();
    let response = client()
        .get(format!("{}{PATH}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(800));
    // Other paths are not affected.
    let started = Instant::now();
    client()
        .get(format!("{}/nodeinfo/2.0", server.base_url()))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(800));
}

#[tokio::test]
async fn hang_makes_the_client_time_out() {
    let server = FakeServer::start(Mode::Mastodon47);
    server.set_fault(PATH, Fault::Hang);
    let error = client()
        .get(format!("{}{PATH}", server.base_url()))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn reset_drops_the_connection() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    // A pooled keep-alive connection is reset too: the decision is per request.
    assert_eq!(
        http.get(format!("{}{PATH}", server.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.set_fault("/api/", Fault::Reset);
    let error = http
        .get(format!("{}{PATH}", server.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    let mut chain = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        chain = format!("{chain}{cause} / ");
        source = cause.source();
    }
    assert!(
        chain.contains("reset") || chain.contains("closed"),
        "{chain}"
    );

    server.clear_faults();
    assert_eq!(
        http.get(format!("{}{PATH}", server.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn html_5xx_malformed_json_and_rate_limited() {
    let server = FakeServer::start(Mode::Mastodon47);
    let http = client();
    server.set_fault("/oauth/token", Fault::Html5xx(502));
    server.set_fault("/api/v1/accounts", Fault::MalformedJson);
    server.set_fault("/api/v2", Fault::RateLimited);

    let response = http
        .post(format!("{}/oauth/token", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );

    let response = http
        .get(format!(
            "{}/api/v1/accounts/verify_credentials",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.unwrap_err().is_decode());

    let response = http
        .get(format!("{}{PATH}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    response.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"Too many requests"}"#
    );

    // The longest prefix wins; clearing restores normal service.
    server.set_fault("/api/v2/instance", Fault::Latency(Duration::ZERO));
    assert_eq!(
        http.get(format!("{}{PATH}", server.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.clear_faults();
    assert_eq!(
        http.post(format!("{}/oauth/token", server.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    // Faulted requests are still recorded.
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/oauth/token")
            .count(),
        2
    );
}
