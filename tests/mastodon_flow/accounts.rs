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

// ---- accounts/: app reuse and registration, saving, the remove policy ----

mod policy {
    use std::sync::{Arc, Mutex};

    use jiff::Timestamp;
    use mastokey::accounts::{
        self, NewAccount, NotRevoked, PendingApps, Removal, ServerRecord, SharedVault,
    };
    use mastokey::mastodon::{ApiError, RegisteredApp};
    use mastokey::vault::model::AccountKey;
    use mastokey::vault::{Kdf, Vault, VaultError};

    use super::super::{OOB, Session, strings};
    use crate::support::fake_server::{FakeServer, Mode};

    const SCOPES: [&str; 1] = ["profile"];

    fn new_vault(dir: &tempfile::TempDir) -> Vault {
        let passphrase = mastokey::secret::Secret::new("pw");
        Vault::create(dir.path(), &passphrase, Kdf::insecure_for_tests(10)).unwrap()
    }

    /// Signs `user` in with `app` and returns what `accounts::save` stores.
    async fn signed_in(s: &Session, app: &RegisteredApp, user: &str) -> NewAccount {
        s.server.add_user(user);
        let grant = s.login(app, &SCOPES, user).await;
        let account = s.verify(&grant.access_token).await.unwrap();
        NewAccount {
            server: ServerRecord::from_capabilities(&s.caps),
            app: accounts::duplicate_app(app),
            account,
            token: grant.access_token,
            granted: grant.scopes,
            expires_in: grant.expires_in,
        }
    }

    async fn register(s: &Session) -> RegisteredApp {
        accounts::register(&s.client, &s.caps.base, strings(&SCOPES), strings(&[OOB]))
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn apps_are_reused_from_pending_then_from_the_vault() {
        let s = Session::start(Mode::Mastodon47).await;
        let (scopes, oob) = (strings(&SCOPES), strings(&[OOB]));
        let pending = PendingApps::new();
        let base = &s.caps.base;
        assert!(accounts::reusable_app(None, &pending, base, &scopes, &oob).is_none());
        let app = register(&s).await;
        assert_eq!(s.server.apps_registered(), 1);
        let sent = s.server.requests();
        let sent = sent.iter().find(|r| r.path == "/api/v1/apps").unwrap();
        assert_eq!(sent.field("client_name"), Some("mastokey"));
        pending.add(base, &app);
        let reused = accounts::reusable_app(None, &pending, base, &scopes, &oob).unwrap();
        assert_eq!(reused.client_id, app.client_id);
        // Another scope set, another redirect set or another server: not reusable.
        let read = strings(&["read"]);
        assert!(accounts::reusable_app(None, &pending, base, &read, &oob).is_none());
        let loopback = strings(&["http://127.0.0.1/callback"]);
        assert!(accounts::reusable_app(None, &pending, base, &scopes, &loopback).is_none());
        let elsewhere = mastokey::mastodon::BaseUrl::parse("https://elsewhere.example").unwrap();
        assert!(accounts::reusable_app(None, &pending, &elsewhere, &scopes, &oob).is_none());

        // Saving stores this server's pending apps and forgets them; another server's app
        // stays pending (the vault lists no server nothing was saved on).
        let other = RegisteredApp {
            client_id: "other-server".into(),
            client_secret: mastokey::secret::Secret::new("s"),
            scopes: scopes.clone(),
            redirect_uris: oob.clone(),
        };
        pending.add(&elsewhere, &other);
        let dir = tempfile::tempdir().unwrap();
        let mut vault = new_vault(&dir);
        let new = signed_in(&s, &app, "alice").await;
        let key = accounts::save(&mut vault, new, &pending, Timestamp::now()).unwrap();
        let left: Vec<String> = pending
            .snapshot()
            .into_iter()
            .map(|(_, a)| a.client_id)
            .collect();
        assert_eq!(left, ["other-server"]);
        assert_eq!(vault.data().servers.len(), 1);
        assert_eq!(
            key,
            AccountKey::new(base.as_str(), &vault.data().accounts[0].id)
        );
        let stored =
            accounts::reusable_app(Some(vault.data()), &pending, base, &scopes, &oob).unwrap();
        assert_eq!(stored.client_id, app.client_id);
        assert_eq!(stored.client_secret.expose(), app.client_secret.expose());
        assert_eq!(s.server.apps_registered(), 1, "nothing registered twice");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_handle_claimed_by_another_server_is_a_clash_and_a_separate_entry() {
        let real = Session::start(Mode::Mastodon47).await;
        // Both fake servers claim "social.example".
        let hostile = Session::start(Mode::Mastodon47).await;
        assert_eq!(real.caps.domain, hostile.caps.domain);
        let dir = tempfile::tempdir().unwrap();
        let mut vault = new_vault(&dir);
        let none = PendingApps::new();
        let real_app = register(&real).await;
        let new = signed_in(&real, &real_app, "bob").await;
        assert_eq!(accounts::handle_clash(vault.data(), &new), None);
        let real_key = accounts::save(&mut vault, new, &none, Timestamp::now()).unwrap();

        let hostile_app = register(&hostile).await;
        let impostor = signed_in(&hostile, &hostile_app, "bob").await;
        let clash = accounts::handle_clash(vault.data(), &impostor).unwrap();
        assert_eq!(clash.key, real_key);
        assert_eq!(clash.handle, "bob@social.example");
        assert_eq!(clash.server, real.server.base_url());
        let hostile_key = accounts::save(&mut vault, impostor, &none, Timestamp::now()).unwrap();
        assert_ne!(hostile_key, real_key);
        assert_eq!(vault.data().accounts.len(), 2);
        let tokens = |v: &Vault, k: &AccountKey| accounts::token_of(v.data(), k).unwrap();
        assert!(!tokens(&vault, &real_key).same_as(&tokens(&vault, &hostile_key)));

        // Signing in again on the same server is no clash, and replaces that entry only.
        let again = signed_in(&real, &real_app, "bob").await;
        assert_eq!(accounts::handle_clash(vault.data(), &again), None);
        accounts::save(&mut vault, again, &none, Timestamp::now()).unwrap();
        assert_eq!(vault.data().accounts.len(), 2);
    }

    /// alice on a live server, bob on one that is about to go away.
    struct Two {
        live: Session,
        gone: Option<Session>,
        vault: SharedVault,
        alice: AccountKey,
        bob: AccountKey,
        alice_token: mastokey::secret::Secret,
        _dir: tempfile::TempDir,
    }

    async fn two() -> Two {
        let live = Session::start(Mode::Mastodon47).await;
        let gone =
            Session::with_server(FakeServer::start(Mode::Mastodon47).with_domain("gone.example"))
                .await;
        let dir = tempfile::tempdir().unwrap();
        let mut vault = new_vault(&dir);
        let none = PendingApps::new();
        let app = register(&live).await;
        let new = signed_in(&live, &app, "alice").await;
        let alice_token = new.token.duplicate();
        let alice = accounts::save(&mut vault, new, &none, Timestamp::now()).unwrap();
        let app = register(&gone).await;
        let new = signed_in(&gone, &app, "bob").await;
        let bob = accounts::save(&mut vault, new, &none, Timestamp::now()).unwrap();
        Two {
            live,
            gone: Some(gone),
            vault: Arc::new(Mutex::new(Some(vault))),
            alice,
            bob,
            alice_token,
            _dir: dir,
        }
    }

    fn count(vault: &SharedVault) -> usize {
        vault
            .lock()
            .unwrap()
            .as_ref()
            .unwrap()
            .data()
            .accounts
            .len()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_revoke_keeps_the_account_and_removing_without_revoke_works() {
        let mut t = two().await;
        let client = t.live.client.clone();
        drop(t.gone.take());
        let kept = accounts::revoke_then_remove(&client, &t.vault, &t.bob, true)
            .await
            .unwrap();
        let Removal::Kept(NotRevoked::Failed(error)) = kept else {
            panic!("expected a kept account, got {kept:?}");
        };
        assert!(error.is_network_problem(), "{error:?}");
        assert_eq!(count(&t.vault), 2);
        let removed = accounts::revoke_then_remove(&client, &t.vault, &t.bob, false)
            .await
            .unwrap();
        assert!(matches!(removed, Removal::Removed { revoked: false }));
        assert_eq!(count(&t.vault), 1);
        // Gone already.
        let again = accounts::revoke_then_remove(&client, &t.vault, &t.bob, true)
            .await
            .unwrap();
        assert!(matches!(again, Removal::Missing), "{again:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_working_revoke_removes_and_the_token_is_dead() {
        let t = two().await;
        let client = t.live.client.clone();
        let removed = accounts::revoke_then_remove(&client, &t.vault, &t.alice, true)
            .await
            .unwrap();
        assert!(matches!(removed, Removal::Removed { revoked: true }));
        assert_eq!(count(&t.vault), 1);
        assert!(matches!(
            t.live.verify(&t.alice_token).await,
            Err(ApiError::TokenRevoked | ApiError::TokenInvalid)
        ));
        // bob's server was not asked anything about it.
        let gone = t.gone.as_ref().unwrap();
        assert!(
            gone.server
                .requests()
                .iter()
                .all(|r| r.path != "/oauth/revoke")
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_the_app_nothing_is_revoked_or_removed_and_a_locked_vault_is_an_error() {
        let t = two().await;
        let client = t.live.client.clone();
        t.vault
            .lock()
            .unwrap()
            .as_mut()
            .unwrap()
            .update(|d| d.servers.clear())
            .unwrap();
        let kept = accounts::revoke_then_remove(&client, &t.vault, &t.alice, true)
            .await
            .unwrap();
        assert!(
            matches!(kept, Removal::Kept(NotRevoked::NoCredentials)),
            "{kept:?}"
        );
        assert_eq!(count(&t.vault), 2);
        t.live.verify(&t.alice_token).await.unwrap();

        let locked: SharedVault = Arc::new(Mutex::new(None));
        let result = accounts::revoke_then_remove(&client, &locked, &t.alice, false).await;
        assert!(matches!(result, Err(VaultError::Missing)));
    }
}
