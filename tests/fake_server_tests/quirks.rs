//! The quirks of servers that are not Mastodon, one at a time, and the modes that bundle them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{REDIRECT, authorize_url, client, exchange, register, token_for, verify};
use crate::support::fake_server::{FakeServer, Mode, Quirks};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// A client that never reuses a connection: these tests are about the server's answers, not
/// about surviving `close_after_response`.
fn fresh_client() -> reqwest::Client {
    let _ = client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

fn quirky(change: impl FnOnce(&mut Quirks)) -> FakeServer {
    FakeServer::with_quirks(Mode::Mastodon47, change)
}

#[tokio::test]
async fn coarse_scope_metadata_lists_only_the_coarse_scopes() {
    let server = quirky(|q| q.coarse_scope_metadata = true);
    let body: Value = fresh_client()
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            server.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["scopes_supported"],
        json!(["read", "write", "follow", "push"])
    );
    // The granular scopes still work: the list is only incomplete.
    let http = fresh_client();
    let (_, token) = token_for(&http, &server, "profile write:statuses").await;
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn exact_redirect_refuses_another_loopback_port() {
    let http = fresh_client();
    for (exact, ok) in [(false, true), (true, false)] {
        let server = quirky(|q| q.exact_redirect = exact);
        let app = register(&http, &server, "profile", REDIRECT).await;
        let with_port = "http://127.0.0.1:43210/callback";
        let approval = server.approve(
            &authorize_url(&server, &app.0, with_port, "profile", &[]),
            "alice",
        );
        assert_eq!(approval.is_ok(), ok, "exact={exact}: {approval:?}");
        // The registered string itself always matches.
        let approval = server
            .approve(
                &authorize_url(&server, &app.0, REDIRECT, "profile", &[]),
                "alice",
            )
            .unwrap();
        let (status, _) = exchange(&http, &server, &app, &approval.code, REDIRECT, &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn one_redirect_uri_per_app() {
    let server = FakeServer::start(Mode::Mitra);
    assert_eq!(server.quirks(), Mode::Mitra.quirks());
    let http = fresh_client();
    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .form(&[
            ("client_name", "mastokey"),
            ("redirect_uris", &format!("{OOB}\n{REDIRECT}")),
            ("scopes", "read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "invalid redirect URI"})
    );
    // One URI is fine, and the answer echoes no scopes.
    let response = http
        .post(format!("{}/api/v1/apps", server.base_url()))
        .form(&[
            ("client_name", "mastokey"),
            ("redirect_uris", OOB),
            ("scopes", "read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["scopes"], json!([]));
}

#[tokio::test]
async fn verify_needs_read_refuses_narrower_tokens() {
    let server = FakeServer::start(Mode::Takahe);
    let http = fresh_client();
    let (_, narrow) = token_for(&http, &server, "read:accounts").await;
    let response = verify(&http, &server, &narrow).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "out_of_scope_for_token"})
    );
    let (_, wide) = token_for(&http, &server, "read").await;
    assert_eq!(verify(&http, &server, &wide).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_token_answers_per_server() {
    let http = fresh_client();
    let cases = [
        (
            Mode::Mastodon47,
            StatusCode::UNAUTHORIZED,
            "application/json",
        ),
        (Mode::Snac, StatusCode::UNPROCESSABLE_ENTITY, ""),
        (Mode::Takahe, StatusCode::BAD_REQUEST, "text/html"),
        (
            Mode::GoToSocial,
            StatusCode::UNAUTHORIZED,
            "application/json",
        ),
    ];
    for (mode, status, content_type) in cases {
        let server = FakeServer::start(mode);
        let response = verify(&http, &server, "not-a-token").await;
        assert_eq!(response.status(), status, "{mode:?}");
        let got = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(got.starts_with(content_type), "{mode:?}: {got}");
        let body = response.text().await.unwrap();
        match mode {
            Mode::Takahe => assert_eq!(body, "Invalid Bearer token"),
            Mode::GoToSocial => assert!(body.contains("Unauthorized: token not supplied")),
            Mode::Snac => assert!(body.is_empty()),
            _ => assert!(body.contains("The access token is invalid")),
        }
    }
}

#[tokio::test]
async fn gotosocial_disabled_account_is_an_unauthorized_application() {
    let server = FakeServer::start(Mode::GoToSocial);
    let http = fresh_client();
    let (_, token) = token_for(&http, &server, "read").await;
    server.set_user_state("alice", crate::support::fake_server::UserState::Disabled);
    let response = verify(&http, &server, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Unauthorized: application not supplied")
    );
}

/// A second request on a kept-alive connection meets a closed socket: no answer, and the server
/// never sees it.
#[tokio::test]
async fn close_after_response_drops_the_second_request_on_a_connection() {
    let server = quirky(|q| q.close_after_response = true);
    let pooled = reqwest::Client::builder().build().unwrap();
    let url = format!("{}/api/v2/instance", server.base_url());
    let first = pooled.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let _ = first.bytes().await.unwrap();
    let second = pooled.get(&url).send().await;
    let error = second.expect_err("the reused connection is closed");
    assert!(!error.is_timeout() && !error.is_status(), "{error:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "the second request was not served"
    );
    // A new connection works.
    let third = fresh_client().get(&url).send().await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
}

/// A second token from `app`, for bob (the first one, from `token_for`, is alice's).
async fn token_for_bob(
    http: &reqwest::Client,
    server: &FakeServer,
    app: &(String, String),
) -> String {
    let approval = server
        .approve(&authorize_url(server, &app.0, REDIRECT, "read", &[]), "bob")
        .unwrap();
    let (_, body) = exchange(http, server, app, &approval.code, REDIRECT, &[]).await;
    body["access_token"].as_str().unwrap().to_string()
}

/// `POST /oauth/revoke` with the app's credentials in the body.
async fn revoke_with(
    http: &reqwest::Client,
    server: &FakeServer,
    app: &(String, String),
    token: &str,
) -> StatusCode {
    http.post(format!("{}/oauth/revoke", server.base_url()))
        .form(&[
            ("client_id", app.0.as_str()),
            ("client_secret", app.1.as_str()),
            ("token", token),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn revoke_deletes_the_app_but_its_other_tokens_live_on() {
    let server = quirky(|q| q.revoke_deletes_app = true);
    let http = fresh_client();
    let (app, first) = token_for(&http, &server, "read").await;
    // A second token from the same app, for another user.
    let second = token_for_bob(&http, &server, &app).await;
    assert_eq!(
        revoke_with(&http, &server, &app, &first).await,
        StatusCode::OK
    );
    assert_eq!(server.apps_registered(), 0, "the app went with the token");
    assert_eq!(
        verify(&http, &server, &second).await.status(),
        StatusCode::OK,
        "tokens outlive their app"
    );
    // The authorize page no longer knows the app.
    assert!(
        server
            .approve(
                &authorize_url(&server, &app.0, REDIRECT, "read", &[]),
                "alice"
            )
            .is_err()
    );
}

#[tokio::test]
async fn snac_revokes_with_a_deleted_apps_credentials() {
    let server = FakeServer::start(Mode::Snac);
    let http = fresh_client();
    let (app, first) = token_for(&http, &server, "read").await;
    let second = token_for_bob(&http, &server, &app).await;
    for token in [&first, &second] {
        assert_eq!(
            revoke_with(&http, &server, &app, token).await,
            StatusCode::OK
        );
    }
    assert_eq!(server.active_tokens(), 0);
}

#[tokio::test]
async fn revoke_needs_the_token_as_a_bearer() {
    let server = FakeServer::start(Mode::Mitra);
    let http = fresh_client();
    let (app, token) = token_for_oob(&http, &server, "read").await;
    let form = [
        ("client_id", app.0.as_str()),
        ("client_secret", app.1.as_str()),
        ("token", token.as_str()),
    ];
    let url = format!("{}/oauth/revoke", server.base_url());
    let response = http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.text().await.unwrap().is_empty());
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::OK
    );
    let response = http
        .post(&url)
        .bearer_auth(&token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        verify(&http, &server, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Registers with the out-of-band URI alone (Mitra takes one), approves as alice, exchanges.
async fn token_for_oob(
    http: &reqwest::Client,
    server: &FakeServer,
    scope: &str,
) -> ((String, String), String) {
    let app = register(http, server, scope, OOB).await;
    let approval = server
        .approve(&authorize_url(server, &app.0, OOB, scope, &[]), "alice")
        .unwrap();
    let (status, body) = exchange(http, server, &app, &approval.code, OOB, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (app, body["access_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn snac_oob_page_is_code_and_state() {
    let server = FakeServer::with_quirks(Mode::Snac, |q| q.oob_code_and_state = true);
    let http = fresh_client();
    let app = register(&http, &server, "read", OOB).await;
    let approval = server
        .approve(
            &authorize_url(&server, &app.0, OOB, "read", &[("state", "st4te")]),
            "alice",
        )
        .unwrap();
    let page = http.get(&approval.redirect).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.text().await.unwrap(),
        format!("{}&state=st4te", approval.code)
    );
}

#[tokio::test]
async fn gotosocial_oob_page_shows_the_code_in_a_sentence() {
    let server = FakeServer::start(Mode::GoToSocial);
    let http = fresh_client();
    let app = register(&http, &server, "read", OOB).await;
    let approval = server
        .approve(
            &authorize_url(&server, &app.0, OOB, "read", &[("state", "s")]),
            "alice",
        )
        .unwrap();
    assert!(
        approval.redirect.contains("/oauth/oob?code="),
        "{}",
        approval.redirect
    );
    let page = http
        .get(&approval.redirect)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Here's your out-of-band token"));
    assert!(page.contains(&approval.code));
}

#[tokio::test]
async fn refused_codes_per_server() {
    let http = fresh_client();
    for (mode, status) in [
        (Mode::Mastodon47, StatusCode::BAD_REQUEST),
        (Mode::Mitra, StatusCode::NOT_FOUND),
        (Mode::Takahe, StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let server = FakeServer::start(mode);
        let app = register(&http, &server, "read", OOB).await;
        let (got, body) = exchange(&http, &server, &app, "wrong-code", OOB, &[]).await;
        assert_eq!(got, status, "{mode:?}: {body}");
        if mode == Mode::Mitra {
            assert_eq!(body, json!({"error": "authorization not found"}));
        }
    }
}

#[tokio::test]
async fn mitra_codes_last_five_minutes() {
    let server = FakeServer::start(Mode::Mitra);
    let http = fresh_client();
    let app = register(&http, &server, "read", OOB).await;
    let approval = server
        .approve(&authorize_url(&server, &app.0, OOB, "read", &[]), "alice")
        .unwrap();
    server.advance(std::time::Duration::from_secs(301));
    let (status, _) = exchange(&http, &server, &app, &approval.code, OOB, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expiring_tokens_say_so_and_die() {
    let server = FakeServer::start(Mode::Mitra);
    let http = fresh_client();
    let app = register(&http, &server, "read", OOB).await;
    let approval = server
        .approve(&authorize_url(&server, &app.0, OOB, "read", &[]), "alice")
        .unwrap();
    let (status, body) = exchange(&http, &server, &app, &approval.code, OOB, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["expires_in"], json!(30 * 24 * 3600));
    // Mitra grants `read write follow` whatever was asked.
    assert_eq!(body["scope"], json!("read write follow"));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(verify(&http, &server, token).await.status(), StatusCode::OK);
    server.advance(std::time::Duration::from_secs(30 * 24 * 3600 + 1));
    assert_eq!(
        verify(&http, &server, token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// GoToSocial: an unregistered redirect still gets the Allow page; Allow ends on that URI with
/// `error=server_error`, not `access_denied`.
#[tokio::test]
async fn redirect_mismatch_becomes_a_server_error_after_allow() {
    let server = FakeServer::start(Mode::GoToSocial);
    let http = fresh_client();
    let app = register(&http, &server, "read", REDIRECT).await;
    let elsewhere = "http://127.0.0.1:40404/callback";
    let url = authorize_url(&server, &app.0, elsewhere, "read", &[("state", "s1")]);
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the consent page is shown");
    let approval = server.approve(&url, "alice").unwrap();
    assert!(approval.code.is_empty());
    let location = url::Url::parse(&approval.redirect).unwrap();
    assert_eq!(location.port(), Some(40404));
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("error".into(), "server_error".into())),
        "{pairs:?}"
    );
    assert!(pairs.contains(&("state".into(), "s1".into())));
    assert!(
        pairs
            .iter()
            .any(|(k, v)| k == "error_description" && v.contains("unexpected condition"))
    );
}

#[test]
fn every_quirk_name_switches_something_on() {
    for name in Quirks::NAMES {
        let mut quirks = Quirks::default();
        quirks.switch_on(name).unwrap();
        assert_ne!(quirks, Quirks::default(), "{name}");
    }
    assert!(Quirks::default().switch_on("nonsense").is_err());
    for (name, mode) in Mode::NAMES {
        assert_eq!(Mode::from_name(name), Some(*mode));
        assert_eq!(mode.name(), *name);
    }
}

#[tokio::test]
async fn nodeinfo_names_the_software() {
    let http = fresh_client();
    for (mode, name) in [
        (Mode::Takahe, "takahe"),
        (Mode::GoToSocial, "gotosocial"),
        (Mode::Mitra, "mitra"),
    ] {
        let server = FakeServer::start(mode);
        let body: Value = http
            .get(format!("{}/nodeinfo/2.0", server.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["software"]["name"], name);
        let metadata = http
            .get(format!(
                "{}/.well-known/oauth-authorization-server",
                server.base_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(metadata.status(), StatusCode::NOT_FOUND, "{mode:?}");
    }
}
