//! The token endpoint's refusals and the authorize page's scope check, as the client classifies
//! them.

use std::time::Duration;

use mastokey::mastodon::{ApiError, AppCredentials};
use mastokey::secret::Secret;

use super::{CALLBACK, MODES, OOB, Session, credentials};
use crate::support::fake_server::Mode;

const MASTODON: [Mode; 2] = [Mode::Mastodon47, Mode::Mastodon42];

#[tokio::test(flavor = "multi_thread")]
async fn a_reused_code_is_an_invalid_grant() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let request = s.authorize(&app, &["read"], OOB, false);
        let code = s.approve(&request, "alice");
        let grant = s.exchange(&app, &request, &code).await.unwrap();
        let error = s.exchange(&app, &request, &code).await.unwrap_err();
        assert_eq!(error, ApiError::InvalidGrant, "{mode:?}");
        // The first token is unharmed.
        assert_eq!(
            s.verify(&grant.access_token).await.unwrap().username,
            "alice"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_code_is_an_invalid_grant() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let request = s.authorize(&app, &["read"], CALLBACK, false);
        let code = s.approve(&request, "alice");
        s.server.advance(Duration::from_secs(601));
        let error = s.exchange(&app, &request, &code).await.unwrap_err();
        assert_eq!(error, ApiError::InvalidGrant, "{mode:?}");

        // A fresh code, just inside its ten minutes, works.
        let request = s.authorize(&app, &["read"], CALLBACK, false);
        let code = s.approve(&request, "alice");
        s.server.advance(Duration::from_secs(590));
        s.exchange(&app, &request, &code).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_for_another_redirect_is_an_invalid_grant() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let request = s.authorize(&app, &["read"], OOB, false);
        let code = s.approve(&request, "alice");
        let error = s
            .client
            .exchange_code(
                &s.caps.base,
                &credentials(&app),
                &code,
                CALLBACK,
                request.pkce_verifier.as_ref(),
            )
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::InvalidGrant, "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_client_secret_is_an_invalid_client() {
    for mode in MODES {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let request = s.authorize(&app, &["read"], OOB, false);
        let code = s.approve(&request, "alice");
        let wrong = AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: Secret::new("not-the-secret"),
        };
        let error = s
            .client
            .exchange_code(
                &s.caps.base,
                &wrong,
                &code,
                OOB,
                request.pkce_verifier.as_ref(),
            )
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::InvalidClient, "{mode:?}");

        // An unknown client id, likewise.
        let unknown = AppCredentials {
            client_id: "no-such-app".into(),
            client_secret: app.client_secret.duplicate(),
        };
        let error = s
            .client
            .exchange_code(
                &s.caps.base,
                &unknown,
                &code,
                OOB,
                request.pkce_verifier.as_ref(),
            )
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::InvalidClient, "{mode:?}");

        // The failed attempts did not use up the code.
        s.exchange(&app, &request, &code).await.unwrap();
    }
}

/// Scopes are an exact subset of the app's: a scope the app did not register is refused on the
/// authorize page (an HTML error, never a redirect). `InvalidScope` itself cannot come back
/// through `Client`: no call of it sends a `scope` to `/oauth/token` (only `client_credentials`
/// would), so the code exchange has nothing to refuse.
#[tokio::test(flavor = "multi_thread")]
async fn a_scope_not_registered_is_refused_at_approve() {
    for mode in MODES {
        let s = Session::start(mode).await;
        let app = s.register(&["read:accounts"]).await.unwrap();
        for scopes in [&["read"][..], &["read:accounts", "write:statuses"][..]] {
            let request = s.authorize(&app, scopes, OOB, false);
            let error = s.server.approve(request.url.as_str(), "alice").unwrap_err();
            assert_eq!(
                error, "The requested scope is invalid, unknown, or malformed.",
                "{mode:?} {scopes:?}"
            );
        }
        // Opening the page in a browser shows the same error as HTML, with no code in sight.
        let request = s.authorize(&app, &["read"], CALLBACK, false);
        let page = reqwest::get(request.url.as_str()).await.unwrap();
        assert_eq!(page.status(), 400);
        let html = page.text().await.unwrap();
        assert_eq!(
            crate::support::fake_server::error_description(&html).as_deref(),
            Some("The requested scope is invalid, unknown, or malformed."),
            "{html}"
        );
        // The registered scope still works.
        s.login(&app, &["read:accounts"], "alice").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_with_wrong_credentials_is_forbidden_and_unknown_tokens_are_fine() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let grant = s.login(&app, &["read"], "alice").await;
        let wrong = AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: Secret::new("not-the-secret"),
        };
        let error = s
            .client
            .revoke(&s.caps.base, &wrong, &grant.access_token)
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::RevokeForbidden, "{mode:?}");
        // Another app cannot revoke it either.
        let other = s.register(&["read"]).await.unwrap();
        let error = s
            .client
            .revoke(&s.caps.base, &credentials(&other), &grant.access_token)
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::RevokeForbidden, "{mode:?}");
        assert_eq!(
            s.verify(&grant.access_token).await.unwrap().username,
            "alice"
        );
        // A token the server does not know: RFC 7009 says fine.
        s.client
            .revoke(&s.caps.base, &credentials(&app), &Secret::new("unknown"))
            .await
            .unwrap();
    }
}

/// snac deletes the app with the token: the old credentials are then unknown.
#[tokio::test(flavor = "multi_thread")]
async fn snac_forgets_the_app_on_revoke() {
    let s = Session::start(Mode::Snac).await;
    let app = s.register(&["read"]).await.unwrap();
    let grant = s.login(&app, &["read"], "alice").await;
    s.client
        .revoke(&s.caps.base, &credentials(&app), &grant.access_token)
        .await
        .unwrap();
    assert_eq!(s.server.apps_registered(), 0);
    let error = s
        .client
        .exchange_code(
            &s.caps.base,
            &credentials(&app),
            &Secret::new("whatever"),
            OOB,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::InvalidClient);
}
