//! `verify_credentials` (accounts and apps) and `/oauth/revoke`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{REDIRECT, client, register, token_for, verify};
use crate::support::fake_server::{FakeServer, Mode, UserState};

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
