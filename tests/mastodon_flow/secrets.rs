//! Where secrets go: never into an error (Debug or Display), the bearer token only to
//! `verify_credentials`, the client secret and code only to the OAuth endpoints.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use mastokey::mastodon::{ApiError, AppCredentials, Client};
use mastokey::secret::Secret;

use super::{CALLBACK, Session, credentials, impatient_client};
use crate::support::fake_server::{Fault, Mode, RecordedRequest};

fn assert_clean(errors: &[ApiError], secrets: &[(&str, &str)]) {
    assert!(!errors.is_empty());
    for error in errors {
        let text = format!("{error:?} {error}");
        for (name, secret) in secrets {
            assert!(!secret.is_empty());
            assert!(
                !text.contains(secret),
                "the {name} leaked into an error: {text}"
            );
        }
    }
}

/// Everything a request carried, as one string.
fn everything(request: &RecordedRequest) -> String {
    let headers: Vec<String> = request
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!(
        "{} {}\n{}\n{}",
        request.path,
        request.query.as_deref().unwrap_or(""),
        headers.join("\n"),
        request.body
    )
}

/// Which paths a secret was sent to.
fn paths_carrying(requests: &[RecordedRequest], secret: &str) -> BTreeSet<String> {
    requests
        .iter()
        .filter(|r| everything(r).contains(secret))
        .map(|r| r.path.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_flow_keeps_its_secrets() {
    for mode in [Mode::Mastodon47, Mode::Mastodon42, Mode::Snac] {
        let s = Session::start(mode).await;
        let app = s.register(&["read:accounts"]).await.unwrap();
        let request = s.authorize(&app, &["read:accounts"], CALLBACK, true);
        let code = s.approve(&request, "alice");
        let grant = s.exchange(&app, &request, &code).await.unwrap();
        let token = &grant.access_token;
        s.verify(token).await.unwrap();

        let mut errors = Vec::new();
        // Every error the flow can meet on the way, with the real secrets in the request.
        let wrong_secret = AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: Secret::new("wrong-secret-value"),
        };
        errors.push(s.exchange(&app, &request, &code).await.unwrap_err());
        errors.push(
            s.client
                .exchange_code(
                    &s.caps.base,
                    &wrong_secret,
                    &code,
                    CALLBACK,
                    request.pkce_verifier.as_ref(),
                )
                .await
                .unwrap_err(),
        );
        for fault in [
            Fault::Html5xx(502),
            Fault::MalformedJson,
            Fault::RateLimited,
            Fault::Reset,
        ] {
            s.server.set_fault("/oauth", fault.clone());
            s.server.set_fault("/api/v1/accounts", fault.clone());
            errors.push(s.exchange(&app, &request, &code).await.unwrap_err());
            errors.push(s.verify(token).await.unwrap_err());
            // A 200 with a broken body still revoked the token: revoke never reads it.
            let revoked = s
                .client
                .revoke(&s.caps.base, &credentials(&app), token)
                .await;
            assert_eq!(
                revoked.is_ok(),
                fault == Fault::MalformedJson,
                "{revoked:?}"
            );
            errors.extend(revoked.err());
        }
        s.server.set_fault("/api/v1/accounts", Fault::Hang);
        errors.push(
            impatient_client(200)
                .verify_credentials(&s.caps.base, token)
                .await
                .unwrap_err(),
        );
        s.server.clear_faults();
        if mode != Mode::Snac {
            errors.push(
                s.client
                    .revoke(&s.caps.base, &wrong_secret, token)
                    .await
                    .unwrap_err(),
            );
        }
        s.client
            .revoke(&s.caps.base, &credentials(&app), token)
            .await
            .unwrap();
        errors.push(s.verify(token).await.unwrap_err());

        let mut secrets = vec![
            ("token", token.expose()),
            ("client secret", app.client_secret.expose()),
            ("code", code.expose()),
        ];
        if let Some(verifier) = &request.pkce_verifier {
            secrets.push(("PKCE verifier", verifier.expose()));
        }
        assert_clean(&errors, &secrets);
        // Nor in the values' own Debug output.
        let debug = format!("{app:?} {grant:?} {request:?} {code:?}");
        for (name, secret) in &secrets {
            assert!(!debug.contains(secret), "the {name} leaked: {debug}");
        }

        // Where each secret travelled.
        let requests = s.server.requests();
        for r in &requests {
            if let Some(auth) = r.header("authorization") {
                // The revoke's second try carries the token as a bearer too (Mitra needs it).
                assert!(
                    ["/api/v1/accounts/verify_credentials", "/oauth/revoke"]
                        .contains(&r.path.as_str()),
                    "{mode:?}: authorization header sent to {}",
                    r.path
                );
                assert_eq!(auth, format!("Bearer {}", token.expose()));
            }
            assert!(
                !r.query.as_deref().unwrap_or("").contains(token.expose()),
                "{mode:?}: token in a query"
            );
        }
        let set = |paths: &[&str]| -> BTreeSet<String> {
            paths.iter().map(|p| (*p).to_string()).collect()
        };
        assert_eq!(
            paths_carrying(&requests, token.expose()),
            set(&["/api/v1/accounts/verify_credentials", "/oauth/revoke"]),
            "{mode:?}"
        );
        assert_eq!(
            paths_carrying(&requests, app.client_secret.expose()),
            set(&["/oauth/revoke", "/oauth/token"]),
            "{mode:?}"
        );
        assert_eq!(
            paths_carrying(&requests, code.expose()),
            set(&["/oauth/token"]),
            "{mode:?}"
        );
        if let Some(verifier) = &request.pkce_verifier {
            assert_eq!(
                paths_carrying(&requests, verifier.expose()),
                set(&["/oauth/token"])
            );
        }
    }
}

/// A server (or proxy) that repeats one thing the client sent in its error answer: the hint the
/// client keeps from it must have the secret scrubbed out.
async fn echo_server(
    status: StatusCode,
    echoed: &'static str,
    json: bool,
) -> mastokey::mastodon::BaseUrl {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = move |headers: HeaderMap, body: Bytes| async move {
        let value = if echoed == "authorization" {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        } else {
            url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == echoed)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let text = format!("you sent {echoed}={value} and that is wrong");
        if json {
            let body = serde_json::json!({"error": "weird_error", "error_description": text});
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        } else {
            (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
        }
    };
    let app = Router::new().fallback(handler);
    tokio::spawn(async move { axum::serve(listener, app).await });
    mastokey::mastodon::BaseUrl::parse(&format!("http://{addr}")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_echoed_by_a_server_are_scrubbed_from_hints() {
    let client = Client::new().unwrap();
    let code = Secret::new("code-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let verifier = Secret::new("verifier-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
    let token = Secret::new("token-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC");
    let app = Arc::new(AppCredentials {
        client_id: "client-id".into(),
        client_secret: Secret::new("secret-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"),
    });
    let secrets = [
        ("code", code.expose()),
        ("verifier", verifier.expose()),
        ("token", token.expose()),
        ("client secret", app.client_secret.expose()),
    ];
    let mut errors = Vec::new();
    for status in [
        StatusCode::BAD_REQUEST,
        StatusCode::FORBIDDEN,
        StatusCode::UNPROCESSABLE_ENTITY,
        StatusCode::INTERNAL_SERVER_ERROR,
    ] {
        for json in [false, true] {
            for field in ["code", "code_verifier", "client_secret"] {
                let base = echo_server(status, field, json).await;
                let error = client
                    .exchange_code(&base, &app, &code, CALLBACK, Some(&verifier))
                    .await
                    .unwrap_err();
                errors.push(error);
            }
            for field in ["token", "client_secret"] {
                let base = echo_server(status, field, json).await;
                errors.push(client.revoke(&base, &app, &token).await.unwrap_err());
            }
            let base = echo_server(status, "authorization", json).await;
            errors.push(client.verify_credentials(&base, &token).await.unwrap_err());
        }
    }
    // The hints are there (so the scrubbing, not a missing hint, keeps the secrets out).
    let hinted = errors
        .iter()
        .filter(|e| format!("{e:?}").contains("[redacted]"))
        .count();
    assert!(hinted >= 20, "{hinted} hints: {errors:#?}");
    assert_clean(&errors, &secrets);
}
