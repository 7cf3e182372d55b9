//! A few real round trips against tiny loopback servers: what the pure classifiers cannot show
//! (redirect policy, timeouts, broken connections, the exact form fields sent). The full fake
//! Mastodon server and its flows live in the integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::secret::Secret;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn serve(router: Router) -> BaseUrl {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    BaseUrl::parse(&format!("http://{addr}")).unwrap()
}

fn input(base: &BaseUrl) -> ServerInput {
    parse_server_input(base.as_str()).unwrap()
}

fn mastodon_47() -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(|| async {
                Json(json!({
                    "issuer": "https://social.example/",
                    "scopes_supported": ["read", "profile", "write", "write:statuses"],
                    "code_challenge_methods_supported": ["S256"],
                }))
            }),
        )
        .route(
            "/api/v2/instance",
            get(|| async {
                Json(json!({"domain": "social.example", "title": "Social", "version": "4.7.0"}))
            }),
        )
        .route(
            "/.well-known/nodeinfo",
            get(|| async {
                Json(
                    json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                                       "href": "https://social.example/nodeinfo/2.0"}]}),
                )
            }),
        )
        .route(
            "/nodeinfo/2.0",
            get(|| async { Json(json!({"software": {"name": "mastodon", "version": "4.7.0"}})) }),
        )
}

#[tokio::test]
async fn discovers_a_mastodon_4_7_server() {
    let base = serve(mastodon_47()).await;
    let caps = Client::new()
        .unwrap()
        .discover(&input(&base))
        .await
        .unwrap();
    assert_eq!(caps.base, base);
    assert_eq!(caps.domain, "social.example");
    assert_eq!(caps.title.as_deref(), Some("Social"));
    assert_eq!(caps.software.to_string(), "Mastodon 4.7.0");
    assert!(caps.metadata && caps.profile_scope && caps.pkce_s256 && caps.loopback_http);
}

#[tokio::test]
async fn discovers_snac_through_v1_and_nodeinfo() {
    let router = Router::new()
        .route(
            "/api/v1/instance",
            get(|| async {
                Json(json!({"uri": "snac.example", "title": "snac", "version": "4.0.0 (not true; really snac/2.94)"}))
            }),
        )
        .route(
            "/.well-known/nodeinfo",
            get(|| async {
                Json(json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "/nodeinfo_2_1"}]}))
            }),
        )
        .route(
            "/nodeinfo_2_1",
            get(|| async { Json(json!({"software": {"name": "snac", "version": "2.94"}})) }),
        );
    let base = serve(router).await;
    let caps = Client::new()
        .unwrap()
        .discover(&input(&base))
        .await
        .unwrap();
    assert_eq!(caps.software.to_string(), "snac 2.94");
    assert_eq!(caps.domain, "snac.example");
    assert!(!caps.metadata && !caps.profile_scope && !caps.pkce_s256);
}

#[tokio::test]
async fn a_website_is_not_mastodon() {
    let router = Router::new().fallback(|| async {
        (
            StatusCode::NOT_FOUND,
            [("content-type", "text/html")],
            "<!doctype html><title>My blog</title>",
        )
    });
    let base = serve(router).await;
    let error = Client::new()
        .unwrap()
        .discover(&input(&base))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::NotMastodon { .. }), "{error:?}");
}

#[tokio::test]
async fn discovery_follows_redirects_to_the_final_origin() {
    let target = serve(mastodon_47()).await;
    let to = target.clone();
    let router = Router::new().fallback(move |uri: axum::http::Uri| {
        let to = to.clone();
        async move { Redirect::permanent(to.join(uri.path()).as_str()) }
    });
    let start = serve(router).await;
    let caps = Client::new()
        .unwrap()
        .discover(&input(&start))
        .await
        .unwrap();
    assert_eq!(caps.base, target);
}

#[tokio::test]
async fn discovery_refuses_a_redirect_to_plain_http() {
    let router = Router::new()
        .fallback(|| async { Redirect::permanent("http://social.example/api/v2/instance") });
    let start = serve(router).await;
    let error = Client::new()
        .unwrap()
        .discover(&input(&start))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::InsecureRedirect {
            to: "social.example".into()
        }
    );
}

#[tokio::test]
async fn the_bearer_token_never_follows_a_redirect() {
    let hits = Arc::new(Mutex::new(0));
    let counter = hits.clone();
    let elsewhere = serve(Router::new().fallback(move || {
        *counter.lock().unwrap() += 1;
        async { "{}" }
    }))
    .await;
    let to = elsewhere.join("/api/v1/accounts/verify_credentials");
    let start = serve(Router::new().fallback(move || {
        let to = to.clone();
        async move { Redirect::temporary(to.as_str()) }
    }))
    .await;
    let error = Client::new()
        .unwrap()
        .verify_credentials(&start, &Secret::new("tok"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ApiError::Unexpected { status: 307, .. }),
        "{error:?}"
    );
    assert_eq!(*hits.lock().unwrap(), 0);
}

#[tokio::test]
async fn slow_servers_time_out() {
    let router = Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    });
    let base = serve(router).await;
    let client = Client::with_timeouts(Duration::from_secs(1), Duration::from_millis(300)).unwrap();
    let error = client.discover(&input(&base)).await.unwrap_err();
    assert_eq!(
        error,
        ApiError::Timeout {
            host: base.host(),
            seconds: 1
        }
    );
}

#[tokio::test]
async fn refused_and_reset_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let closed = BaseUrl::parse(&format!("http://{addr}")).unwrap();
    let error = Client::new()
        .unwrap()
        .discover(&input(&closed))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");

    // Headers promise 100 bytes, the connection closes after 5.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\"")
                .await;
        }
    });
    let base = BaseUrl::parse(&format!("http://{addr}")).unwrap();
    let error = Client::new()
        .unwrap()
        .verify_credentials(&base, &Secret::new("tok"))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_tls_error() {
    let base = serve(mastodon_47()).await;
    let https = BaseUrl::parse(&base.as_str().replace("http://", "https://")).unwrap();
    let error = Client::new()
        .unwrap()
        .verify_credentials(&https, &Secret::new("tok"))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Tls { .. }), "{error:?}");
}

type Seen = Arc<Mutex<Vec<(HashMap<String, String>, HeaderMap)>>>;

#[tokio::test]
async fn register_exchange_and_revoke_send_the_right_fields() {
    let seen: Seen = Arc::default();
    let (apps, token, revoke) = (seen.clone(), seen.clone(), seen.clone());
    let router = Router::new()
        .route(
            "/api/v1/apps",
            post(move |headers: HeaderMap, Form(form): Form<HashMap<String, String>>| {
                apps.lock().unwrap().push((form, headers));
                async {
                    Json(json!({"id": "1", "name": "mastokey", "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
                                "client_id": "cid", "client_secret": "csecret"}))
                }
            }),
        )
        .route(
            "/oauth/token",
            post(move |headers: HeaderMap, Form(form): Form<HashMap<String, String>>| {
                token.lock().unwrap().push((form, headers));
                async { Json(json!({"access_token": "tok", "token_type": "Bearer", "scope": "profile", "created_at": 1})) }
            }),
        )
        .route(
            "/oauth/revoke",
            post(move |headers: HeaderMap, Form(form): Form<HashMap<String, String>>| {
                revoke.lock().unwrap().push((form, headers));
                async { Json(json!({})) }
            }),
        );
    let base = serve(router).await;
    let client = Client::new().unwrap();

    let registration = AppRegistration {
        client_name: "mastokey".into(),
        website: None,
        redirect_uris: vec![
            "http://127.0.0.1/callback".into(),
            "urn:ietf:wg:oauth:2.0:oob".into(),
        ],
        scopes: vec!["profile".into(), "write:statuses".into()],
    };
    let app = client.register_app(&base, &registration).await.unwrap();
    assert_eq!(app.client_id, "cid");
    assert_eq!(
        app.scopes, registration.scopes,
        "4.2-style answer: requested scopes kept"
    );
    assert_eq!(
        app.redirect_uris, registration.redirect_uris,
        "what was asked is kept, not the echo"
    );

    let credentials = AppCredentials {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret,
    };
    let grant = client
        .exchange_code(
            &base,
            &credentials,
            &Secret::new("the-code"),
            "urn:ietf:wg:oauth:2.0:oob",
            None,
        )
        .await
        .unwrap();
    assert_eq!(grant.access_token.expose(), "tok");
    client
        .exchange_code(
            &base,
            &credentials,
            &Secret::new("code2"),
            "urn:ietf:wg:oauth:2.0:oob",
            Some(&Secret::new("verifier")),
        )
        .await
        .unwrap();
    client
        .revoke(&base, &credentials, &grant.access_token)
        .await
        .unwrap();

    let seen = seen.lock().unwrap();
    let (form, headers) = &seen[0];
    assert_eq!(form["client_name"], "mastokey");
    assert_eq!(
        form["redirect_uris"],
        "http://127.0.0.1/callback\nurn:ietf:wg:oauth:2.0:oob"
    );
    assert_eq!(form["scopes"], "profile write:statuses");
    assert_eq!(form["scope"], "profile write:statuses");
    assert!(!form.contains_key("website"));
    assert_eq!(
        headers["user-agent"],
        concat!("mastokey/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["accept-language"], "en");

    let (form, headers) = &seen[1];
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "the-code");
    assert_eq!(form["client_id"], "cid");
    assert_eq!(form["client_secret"], "csecret");
    assert_eq!(form["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
    assert!(!form.contains_key("code_verifier"));
    assert!(
        !headers.contains_key("authorization"),
        "client_secret_post only"
    );
    assert_eq!(seen[2].0["code_verifier"], "verifier");

    let (form, headers) = &seen[3];
    assert_eq!(form["token"], "tok");
    assert_eq!(form["client_secret"], "csecret");
    assert!(!headers.contains_key("authorization"));
}

#[tokio::test]
async fn verify_sends_the_bearer_and_reads_the_account() {
    let router = Router::new().route(
        "/api/v1/accounts/verify_credentials",
        get(|headers: HeaderMap| async move {
            if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer tok") {
                Json(json!({"id": "1", "username": "alice", "acct": "alice", "display_name": "Alice"})).into_response()
            } else {
                (StatusCode::UNAUTHORIZED, Json(json!({"error": "The access token is invalid"}))).into_response()
            }
        }),
    );
    let base = serve(router).await;
    let client = Client::new().unwrap();
    let account = client
        .verify_credentials(&base, &Secret::new("tok"))
        .await
        .unwrap();
    assert_eq!(account.username, "alice");
    let error = client
        .verify_credentials(&base, &Secret::new("other"))
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::TokenInvalid);
}

#[tokio::test]
async fn a_handle_on_a_local_domain_is_resolved_with_webfinger() {
    let api = serve(mastodon_47()).await;
    let actor = api.join("/users/alice");
    let router = Router::new()
        .route(
            "/.well-known/webfinger",
            get(move |query: axum::extract::RawQuery| {
                let actor = actor.clone();
                async move {
                    assert_eq!(
                        query
                            .0
                            .as_deref()
                            .map(|q| q.starts_with("resource=acct%3Aalice%40")),
                        Some(true)
                    );
                    Json(json!({"links": [{"rel": "self", "href": actor.as_str()}]}))
                }
            }),
        )
        .fallback(|| async { StatusCode::NOT_FOUND });
    let local = serve(router).await;
    let handle = format!("@alice@{}", local.host());
    let caps = Client::new()
        .unwrap()
        .discover(&parse_server_input(&handle).unwrap())
        .await
        .unwrap();
    assert_eq!(caps.base, api);
}
