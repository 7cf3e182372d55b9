//! The policies the executor applies: which app to reuse or register, and revoke-then-remove.
//! They move to `accounts` at merge, shared by the CLI and the wizard.

use url::Url;

use crate::accounts as vault_ops;
use crate::accounts::duplicate_app;
use crate::mastodon::{ApiError, AppRegistration, Client, RegisteredApp};
use crate::vault::{VaultData, VaultError};

use super::super::msg::Removal;
use super::{VaultSlot, read_vault, view_of, with_vault};

/// Apps registered before the vault existed (or before the account was saved), kept in memory
/// until the first save stores them.
// Moves to accounts::apps at merge.
#[derive(Default)]
pub struct PendingApps(Vec<(String, RegisteredApp)>);

impl PendingApps {
    pub fn push(&mut self, base: &str, app: &RegisteredApp) {
        self.0.push((base.to_owned(), duplicate_app(app)));
    }

    pub fn copies(&self) -> Vec<(String, RegisteredApp)> {
        self.0
            .iter()
            .map(|(base, app)| (base.clone(), duplicate_app(app)))
            .collect()
    }

    pub fn clear(&mut self) {
        self.0.clear();
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
        .or_else(|| {
            pending
                .0
                .iter()
                .rev()
                .find(|(b, app)| *b == base.as_str() && vault_ops::same_set(&app.scopes, scopes))
                .map(|(_, app)| duplicate_app(app))
        })
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
