//! What Takahē, GoToSocial and Mitra answer a token or a code with, as mastokey classifies it:
//! a token request never concludes "not a Mastodon server", and nothing says "try again" when
//! trying again cannot help.

use mastokey::mastodon::{ApiError, AppRegistration, RegisteredApp};
use mastokey::secret::Secret;

use super::{OOB, Session, strings};
use crate::support::fake_server::{Mode, UserState};

/// One redirect URI: what every server accepts (Mitra refuses two).
async fn register_oob(session: &Session, scopes: &[&str]) -> RegisteredApp {
    let registration = AppRegistration {
        client_name: "mastokey".into(),
        website: None,
        redirect_uris: strings(&[OOB]),
        scopes: strings(scopes),
    };
    session
        .client
        .register_app(&session.caps.base, &registration)
        .await
        .unwrap()
}

#[tokio::test]
async fn takahe_read_accounts_token_is_insufficient_scope_and_says_read() {
    let session = Session::start(Mode::Takahe).await;
    let app = register_oob(&session, &["read:accounts"]).await;
    let grant = session.login(&app, &["read:accounts"], "alice").await;
    let error = session.verify(&grant.access_token).await.unwrap_err();
    assert_eq!(error, ApiError::InsufficientScope);
    let text = error.to_string();
    assert!(text.contains("read scope"), "{text}");
    assert!(!text.contains("try again"), "{text}");
}

#[tokio::test]
async fn a_bad_token_is_invalid_in_every_mode() {
    for mode in [
        Mode::Mastodon47,
        Mode::Mastodon42,
        Mode::Snac,
        Mode::Takahe,
        Mode::GoToSocial,
        Mode::Mitra,
    ] {
        let session = Session::start(mode).await;
        let error = session
            .verify(&Secret::new("no-such-token"))
            .await
            .unwrap_err();
        assert_eq!(error, ApiError::TokenInvalid, "{mode:?}");
    }
}

#[tokio::test]
async fn gotosocial_disabled_account_blames_the_account() {
    let session = Session::start(Mode::GoToSocial).await;
    let app = register_oob(&session, &["read"]).await;
    let grant = session.login(&app, &["read"], "alice").await;
    session.server.set_user_state("alice", UserState::Disabled);
    let error = session.verify(&grant.access_token).await.unwrap_err();
    assert_eq!(error, ApiError::AccountDisabled);
    assert!(!error.to_string().contains("Create a new token"), "{error}");
}

#[tokio::test]
async fn mitra_refused_code_404_is_a_refused_code() {
    let session = Session::start(Mode::Mitra).await;
    let app = register_oob(&session, &["read"]).await;
    let request = session.authorize(&app, &["read"], OOB, false);
    let error = session
        .exchange(&app, &request, &Secret::new("wrong-code"))
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::InvalidGrant);
    let text = error.to_string();
    assert!(text.contains("Sign in again"), "{text}");
    assert!(!text.contains("10 minutes"), "{text}");
    // A code used twice gets the same answer.
    let code = session.approve(&request, "alice");
    session.exchange(&app, &request, &code).await.unwrap();
    let reused = session.exchange(&app, &request, &code).await.unwrap_err();
    assert_eq!(reused, ApiError::InvalidGrant);
}
