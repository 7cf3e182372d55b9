//! `verify_credentials` for accounts that cannot use the API, and for tokens that cannot read
//! the account.

use mastokey::mastodon::ApiError;
use mastokey::secret::Secret;

use super::Session;
use crate::support::fake_server::{Mode, UserState};

const MASTODON: [Mode; 2] = [Mode::Mastodon47, Mode::Mastodon42];

#[tokio::test(flavor = "multi_thread")]
async fn account_states_after_a_full_flow() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        s.server.set_user_state("sue", UserState::Suspended);
        let app = s.register(&["read:accounts"]).await.unwrap();
        for (user, expected) in [
            ("pat", ApiError::AccountPending),
            ("una", ApiError::AccountUnconfirmed),
            ("dee", ApiError::AccountDisabled),
            ("sue", ApiError::AccountDisabled),
        ] {
            let grant = s.login(&app, &["read:accounts"], user).await;
            let error = s.verify(&grant.access_token).await.unwrap_err();
            assert_eq!(error, expected, "{mode:?} {user}");
        }
        // Once approved, pat's same token works.
        let grant = s.login(&app, &["read:accounts"], "pat").await;
        s.server.set_user_state("pat", UserState::Active);
        assert_eq!(s.verify(&grant.access_token).await.unwrap().username, "pat");
    }
}

/// A posting-only token cannot read the account: 403 with the scope message (and, on 4.6+, a
/// `WWW-Authenticate: Bearer error="insufficient_scope"` header).
#[tokio::test(flavor = "multi_thread")]
async fn a_write_statuses_token_has_insufficient_scope() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let app = s.register(&["write:statuses"]).await.unwrap();
        let grant = s.login(&app, &["write:statuses"], "alice").await;
        assert_eq!(grant.scopes, ["write:statuses"]);
        let error = s.verify(&grant.access_token).await.unwrap_err();
        assert_eq!(error, ApiError::InsufficientScope, "{mode:?}");

        let (_, token) = s
            .server
            .create_token("bob", &["write:statuses", "write:media"]);
        let error = s.verify(&Secret::new(token)).await.unwrap_err();
        assert_eq!(error, ApiError::InsufficientScope, "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_made_elsewhere_and_revoked_elsewhere() {
    for mode in MASTODON {
        let s = Session::start(mode).await;
        let (_, token) = s.server.create_token("alice", &["read"]);
        let token = Secret::new(token);
        assert_eq!(s.verify(&token).await.unwrap().username, "alice");
        // The user revokes it in the web UI.
        assert!(s.server.revoke_token(token.expose()));
        assert_eq!(
            s.verify(&token).await.unwrap_err(),
            ApiError::TokenRevoked,
            "{mode:?}"
        );
        assert_eq!(
            s.verify(&Secret::new("never-issued")).await.unwrap_err(),
            ApiError::TokenInvalid,
            "{mode:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn snac_bad_tokens_are_invalid() {
    let s = Session::start(Mode::Snac).await;
    let (_, token) = s.server.create_token("alice", &["read"]);
    let token = Secret::new(token);
    assert_eq!(s.verify(&token).await.unwrap().username, "alice");
    s.server.revoke_token(token.expose());
    // 422 with an empty body, revoked or unknown alike.
    assert_eq!(s.verify(&token).await.unwrap_err(), ApiError::TokenInvalid);
    assert_eq!(
        s.verify(&Secret::new("never-issued")).await.unwrap_err(),
        ApiError::TokenInvalid
    );
}
