//! The policies the executor applies: which app to reuse or register, and revoke-then-remove.
//! They move to `accounts` at merge, shared by the CLI and the wizard.

use std::sync::{Mutex, PoisonError};

use url::Url;

use crate::accounts as vault_ops;
use crate::accounts::duplicate_app;
use crate::mastodon::{ApiError, AppRegistration, Client, RegisteredApp};
use crate::vault::{VaultData, VaultError};

use super::super::msg::Removal;
use super::{VaultSlot, read_vault, view_of, with_vault};

/// Apps registered before the vault existed (or before the account was saved), kept in memory
/// until a save stores them. Shared between tasks; the lock is held only for quick copies.
// Moves to accounts::apps at merge (same methods there).
#[derive(Default)]
pub struct PendingApps {
    apps: Mutex<Vec<(String, RegisteredApp)>>,
}

impl PendingApps {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, RegisteredApp)>> {
        // Every change is one push or one retain: a panic elsewhere cannot leave it half-done.
        self.apps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers an app just registered on `base`.
    pub fn add(&self, base: &Url, app: &RegisteredApp) {
        self.lock().push((base.to_string(), duplicate_app(app)));
    }

    /// The newest pending app for this server and scope set.
    pub fn find(&self, base: &Url, scopes: &[String]) -> Option<RegisteredApp> {
        self.lock()
            .iter()
            .rev()
            .find(|(b, app)| *b == base.as_str() && vault_ops::same_set(&app.scopes, scopes))
            .map(|(_, app)| duplicate_app(app))
    }

    /// Copies of the pending apps with their base URLs, oldest first.
    pub fn snapshot(&self) -> Vec<(String, RegisteredApp)> {
        self.lock()
            .iter()
            .map(|(base, app)| (base.clone(), duplicate_app(app)))
            .collect()
    }

    /// Forgets these apps: they are stored now. Apps added since the snapshot stay.
    pub fn forget(&self, stored: &[(String, RegisteredApp)]) {
        self.lock().retain(|(base, app)| {
            !stored
                .iter()
                .any(|(b, s)| b == base && s.client_id == app.client_id)
        });
    }
}

/// The app to sign in with, if one fits: the vault's first, then the newest pending one.
// Moves to accounts::apps at merge.
pub fn reusable_app(
    data: Option<&VaultData>,
    pending: &PendingApps,
    base: &Url,
    scopes: &[String],
    redirect_uris: &[String],
) -> Option<RegisteredApp> {
    data.and_then(|d| vault_ops::find_app(d, base, scopes, redirect_uris))
        .or_else(|| pending.find(base, scopes))
}

// Moves to accounts::apps at merge.
pub async fn register(
    client: &Client,
    base: &Url,
    scopes: Vec<String>,
    redirect_uris: Vec<String>,
) -> Result<RegisteredApp, ApiError> {
    let registration = AppRegistration {
        client_name: "mastokey".into(),
        website: None,
        redirect_uris,
        scopes,
    };
    client.register_app(base, &registration).await
}

/// Revoke first when asked; a revoke that failed (or could not be tried) removes nothing, so a
/// live token is never lost from the vault.
// Moves to accounts::remove at merge.
pub async fn remove_account(
    client: &Client,
    slot: VaultSlot,
    handle: String,
    revoke: bool,
) -> Result<Removal, VaultError> {
    let outcome = if revoke {
        let wanted = handle.clone();
        let material = read_vault(&slot, move |d| vault_ops::revoke_material(d, &wanted))
            .await
            .flatten();
        match material {
            Some((base, app, token)) => Some(client.revoke(&base, &app, &token).await),
            None => None,
        }
    } else {
        None
    };
    let removed = !revoke || matches!(outcome, Some(Ok(())));
    tokio::task::spawn_blocking(move || {
        with_vault(&slot, |vault| {
            if removed {
                vault_ops::remove(vault, &handle)?;
            }
            Ok(Removal {
                view: view_of(vault),
                handle,
                revoke: outcome,
                removed,
            })
        })
    })
    .await
    .unwrap_or(Err(VaultError::Missing))
}
