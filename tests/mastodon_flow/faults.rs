//! Injected faults and servers that are not Mastodon, each classified as the right `ApiError`.

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use mastokey::mastodon::{ApiError, NotMastodonReason, parse_server_input};
use mastokey::secret::Secret;

use super::{OOB, Session, impatient_client};
use crate::support::fake_server::{FakeServer, Fault, Mode};

/// A plain web server on a free loopback port answering every request with `answer`; it stops
/// with the test's runtime.
async fn web_server(answer: (StatusCode, &'static str)) -> mastokey::mastodon::BaseUrl {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        Router::new().fallback(move || async move { (answer.0, Html(answer.1)).into_response() });
    tokio::spawn(async move { axum::serve(listener, app).await });
    mastokey::mastodon::BaseUrl::parse(&format!("http://{addr}")).unwrap()
}

fn assert_host(error: &ApiError, base: &mastokey::mastodon::BaseUrl) {
    let host = format!("127.0.0.1:{}", base.port().unwrap());
    match error {
        ApiError::Timeout { host: h, .. } | ApiError::Connect { host: h } => assert_eq!(*h, host),
        other => panic!("not a transport error: {other:?}"),
    }
    assert!(error.is_network_problem());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_server_times_out() {
    let s = Session::start(Mode::Mastodon47).await;
    let (_, token) = s.server.create_token("alice", &["read"]);
    let client = impatient_client(300);
    s.server
        .set_fault("/api/v1/accounts/verify_credentials", Fault::Hang);
    let started = Instant::now();
    let error = client
        .verify_credentials(&s.caps.base, &Secret::new(token))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error,
        ApiError::Timeout {
            host: format!("127.0.0.1:{}", s.caps.base.port().unwrap()),
            seconds: 1
        }
    );
    assert_host(&error, &s.caps.base);

    // Discovery, too: the instance document never comes.
    s.server.set_fault("/api/v2/instance", Fault::Hang);
    let input = parse_server_input(&s.server.base_url()).unwrap();
    let error = client.discover(&input).await.unwrap_err();
    assert!(matches!(error, ApiError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_within_the_timeout_is_fine() {
    let s = Session::start(Mode::Mastodon47).await;
    let (_, token) = s.server.create_token("alice", &["read"]);
    s.server.set_fault(
        "/api/v1/accounts",
        Fault::Latency(Duration::from_millis(150)),
    );
    let client = impatient_client(2000);
    let account = client
        .verify_credentials(&s.caps.base, &Secret::new(token))
        .await
        .unwrap();
    assert_eq!(account.username, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_connection_is_a_connect_error() {
    let s = Session::start(Mode::Mastodon47).await;
    let app = s.register(&["read"]).await.unwrap();
    let request = s.authorize(&app, &["read"], OOB, false);
    let code = s.approve(&request, "alice");
    s.server.set_fault("/oauth/token", Fault::Reset);
    let error = s.exchange(&app, &request, &code).await.unwrap_err();
    assert_host(&error, &s.caps.base);
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");

    s.server.set_fault("/api/v1/apps", Fault::Reset);
    let error = s.register(&["read"]).await.unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");

    // Once the network is back, the same code still works.
    s.server.clear_faults();
    s.exchange(&app, &request, &code).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_gateway_page_is_a_server_error() {
    let s = Session::start(Mode::Mastodon47).await;
    let (_, token) = s.server.create_token("alice", &["read"]);
    s.server.set_fault("/api/v1/apps", Fault::Html5xx(502));
    s.server.set_fault("/api/v1/accounts", Fault::Html5xx(503));
    s.server.set_fault("/oauth/token", Fault::Html5xx(502));

    let error = s.register(&["read"]).await.unwrap_err();
    let ApiError::Server { status: 502, hint } = &error else {
        panic!("{error:?}");
    };
    assert!(
        hint.as_deref()
            .unwrap_or_default()
            .contains("502 Bad Gateway"),
        "{hint:?}"
    );
    assert!(
        !hint.as_deref().unwrap_or_default().contains('<'),
        "{hint:?}"
    );

    let error = s.verify(&Secret::new(token)).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Server { status: 503, .. }),
        "{error:?}"
    );

    let app = {
        s.server.clear_faults();
        let app = s.register(&["read"]).await.unwrap();
        s.server.set_fault("/oauth/token", Fault::Html5xx(502));
        app
    };
    let request = s.authorize(&app, &["read"], OOB, false);
    let code = s.approve(&request, "alice");
    let error = s.exchange(&app, &request, &code).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Server { status: 502, .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_registration_says_when_to_retry() {
    let s = Session::start(Mode::Mastodon42).await;
    s.server.set_fault("/api/v1/apps", Fault::RateLimited);
    let error = s.register(&["read"]).await.unwrap_err();
    let ApiError::RateLimited { reset: Some(reset) } = error else {
        panic!("{error:?}");
    };
    let now = jiff::Timestamp::now();
    assert!(reset > now - jiff::SignedDuration::from_secs(1), "{reset}");
    assert!(
        reset <= now + jiff::SignedDuration::from_secs(301),
        "{reset}"
    );
}

/// 4.3+ allows five registrations per IP per ten minutes.
#[tokio::test(flavor = "multi_thread")]
async fn the_sixth_registration_in_a_row_is_rate_limited() {
    let s = Session::start(Mode::Mastodon47).await;
    // The window is fixed (rack-attack): move the fake's clock to the start of the next one, so
    // the six calls cannot straddle a boundary.
    let now = jiff::Timestamp::now().as_second();
    let window_start = now - now.rem_euclid(600) + 600;
    s.server
        .advance(Duration::from_secs((window_start - now).unsigned_abs()));
    for _ in 0..5 {
        s.register(&["profile"]).await.unwrap();
    }
    let error = s.register(&["profile"]).await.unwrap_err();
    let ApiError::RateLimited { reset: Some(reset) } = error else {
        panic!("{error:?}");
    };
    assert_eq!(reset.as_second(), window_start + 600, "{reset}");
    assert_eq!(s.server.apps_registered(), 5);

    // The window rolls over.
    s.server.advance(Duration::from_secs(601));
    s.register(&["profile"]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_malformed() {
    let s = Session::start(Mode::Mastodon47).await;
    let app = s.register(&["read"]).await.unwrap();
    let request = s.authorize(&app, &["read"], OOB, false);
    let code = s.approve(&request, "alice");
    let (_, token) = s.server.create_token("alice", &["read"]);
    let token = Secret::new(token);
    for path in ["/api/v1/apps", "/oauth/token", "/api/v1/accounts"] {
        s.server.set_fault(path, Fault::MalformedJson);
    }
    assert_eq!(
        s.register(&["read"]).await.unwrap_err(),
        ApiError::Malformed {
            what: "app registration"
        }
    );
    assert_eq!(
        s.exchange(&app, &request, &code).await.unwrap_err(),
        ApiError::Malformed { what: "token" }
    );
    assert_eq!(
        s.verify(&token).await.unwrap_err(),
        ApiError::Malformed { what: "account" }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_metadata_document_only_means_no_metadata() {
    let server = FakeServer::start(Mode::Mastodon47);
    server.set_fault(
        "/.well-known/oauth-authorization-server",
        Fault::Html5xx(500),
    );
    let s = Session::with_server(server).await;
    assert!(!s.caps.metadata && !s.caps.pkce_s256 && !s.caps.profile_scope);
    assert_eq!(s.caps.software.to_string(), "Mastodon 4.7.0");
    // Without metadata the flow still works: no PKCE, read:accounts instead of profile.
    let scopes = mastokey::mastodon::negotiate(&super::strings(&["profile"]), &s.caps).scopes;
    assert_eq!(scopes, ["read:accounts"]);
    let app = s.register(&["read:accounts"]).await.unwrap();
    let grant = s.login(&app, &["read:accounts"], "alice").await;
    assert_eq!(
        s.verify(&grant.access_token).await.unwrap().username,
        "alice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_or_missing_metadata_document_is_no_error() {
    for fault in [Fault::MalformedJson, Fault::Reset] {
        let server = FakeServer::start(Mode::Mastodon47);
        server.set_fault("/.well-known/oauth-authorization-server", fault.clone());
        let s = Session::with_server(server).await;
        assert!(!s.caps.metadata, "{fault:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = impatient_client(2000);
    let input = parse_server_input(&format!("http://127.0.0.1:{port}")).unwrap();
    let error = client.discover(&input).await.unwrap_err();
    assert_eq!(
        error,
        ApiError::Connect {
            host: format!("127.0.0.1:{port}")
        }
    );
    let base = input.base.clone();
    let error = client
        .verify_credentials(&base, &Secret::new("token"))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");
    let app = mastokey::mastodon::AppCredentials {
        client_id: "id".into(),
        client_secret: Secret::new("secret"),
    };
    let error = client
        .revoke(&base, &app, &Secret::new("token"))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_page_is_not_mastodon() {
    let base = web_server((
        StatusCode::OK,
        "<!doctype html><html><body>Hello</body></html>",
    ))
    .await;
    let client = impatient_client(2000);
    let input = parse_server_input(base.as_str()).unwrap();
    assert_eq!(
        client.discover(&input).await.unwrap_err(),
        ApiError::NotMastodon {
            reason: NotMastodonReason::Html
        }
    );
    // A call that carries a token never concludes "not a Mastodon server" (the API answered
    // when the token was made): a web page there is an unreadable account answer.
    let error = client
        .verify_credentials(&base, &Secret::new("token"))
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::Malformed { what: "account" });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_without_the_api_is_not_mastodon() {
    let base = web_server((StatusCode::NOT_FOUND, "<html><body>Not Found</body></html>")).await;
    let client = impatient_client(2000);
    let input = parse_server_input(base.as_str()).unwrap();
    assert_eq!(
        client.discover(&input).await.unwrap_err(),
        ApiError::NotMastodon {
            reason: NotMastodonReason::NoInstanceApi
        }
    );
    let registration = mastokey::mastodon::AppRegistration {
        client_name: "mastokey".into(),
        website: None,
        redirect_uris: super::strings(&[OOB]),
        scopes: super::strings(&["read"]),
    };
    assert_eq!(
        client.register_app(&base, &registration).await.unwrap_err(),
        ApiError::NotMastodon {
            reason: NotMastodonReason::NoInstanceApi
        }
    );
}

/// The fake's HTML 5xx on both instance documents: a sick server, not "not Mastodon".
#[tokio::test(flavor = "multi_thread")]
async fn a_sick_server_is_a_server_error_at_discovery() {
    let server = FakeServer::start(Mode::Mastodon47);
    server.set_fault("/api/", Fault::Html5xx(502));
    let client = impatient_client(2000);
    let input = parse_server_input(&server.base_url()).unwrap();
    let error = client.discover(&input).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Server { status: 502, .. }),
        "{error:?}"
    );
}
