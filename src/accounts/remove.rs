//! The one remove policy, for `mastokey remove` and the wizard's Home screen alike:
//!
//! - Without revoking, the entry is removed from the vault; its token stays valid on the server.
//! - With revoking, the token is revoked on the server first. Only a revoke that worked removes
//!   the entry: when it fails (or cannot be tried because the vault lacks the app that issued
//!   the token), the entry stays, since removing it would lose a token that still works. The
//!   caller says why, and the user can remove it without revoking.
//! - After the revoke, `verify_credentials` confirms the token is dead. A token the server still
//!   accepts keeps the entry (`ApiError::RevokeIgnored`), whatever the revoke answered; a token
//!   that no longer works removes it even when the revoke was refused (it was revoked before,
//!   or the server refuses to revoke unknown tokens).
//! - An entry adopted without its app's credentials (`StoredAccount::has_app` is false) can never
//!   be revoked from here, and keeping it would not help: with revoking it is removed all the
//!   same (`Removed { revoked: false }`), and the caller names the server's Authorized-apps page
//!   ([`authorized_apps_page`]) where the user can revoke it.

use std::sync::{Arc, Mutex, PoisonError};

use crate::mastodon::BaseUrl;
use crate::mastodon::{ApiError, AppCredentials, Client};
use crate::secret::Secret;
use crate::vault::model::{AccountKey, StoredAccount, VaultData};
use crate::vault::{Vault, VaultError};

/// The unlocked vault as the wizard holds it (`None` while locked), shared with blocking tasks.
pub type SharedVault = Arc<Mutex<Option<Vault>>>;

/// What [`revoke_then_remove`] did.
#[derive(Debug)]
pub enum Removal {
    /// The entry is gone from the vault; `revoked` says whether its token was revoked first.
    Removed { revoked: bool },
    /// The entry is still in the vault: the revoke that was asked for did not happen.
    Kept(NotRevoked),
    /// No entry has this key (removed meanwhile, perhaps by another mastokey).
    Missing,
}

/// Why a token was not revoked.
#[derive(Debug)]
pub enum NotRevoked {
    /// The server could not be reached or refused.
    Failed(ApiError),
    /// The vault does not hold the app that issued the token (or the server address is broken),
    /// so mastokey cannot ask the server.
    NoCredentials,
}

/// Where a server's settings list the tokens a user can revoke, for wording only (behaviour never
/// depends on the software's name): Mastodon calls the page "Authorized apps", GoToSocial
/// "Access Tokens".
pub fn tokens_page(software: Option<&str>) -> &'static str {
    if has_authorized_apps_page(software) {
        return "under Authorized apps";
    }
    match software.map(str::to_ascii_lowercase).as_deref() {
        Some("gotosocial") => "under Access Tokens",
        _ => "on the page that lists authorized apps or access tokens",
    }
}

/// Whether the server has Mastodon's `/oauth/authorized_applications` page (Mastodon and its
/// forks; GoToSocial, snac, Takahē and Mitra do not). Wording only, like [`tokens_page`].
fn has_authorized_apps_page(software: Option<&str>) -> bool {
    matches!(
        software.map(str::to_ascii_lowercase).as_deref(),
        Some("mastodon" | "hometown" | "glitch-soc")
    )
}

/// The address of the server's Authorized-apps page, only where it has one.
pub fn revoke_page(server: &str, software: Option<&str>) -> Option<String> {
    has_authorized_apps_page(software).then(|| authorized_apps_page(server))
}

/// Where the user revokes a token by hand, to end a sentence such as "revoke it …": the page's
/// address where the server has Mastodon's page ([`authorized_apps_page`]), else the server's
/// settings (with the page's name where it is known).
pub fn where_to_revoke(server: &str, software: Option<&str>) -> String {
    if let Some(page) = revoke_page(server, software) {
        return format!("at {page}");
    }
    match software.map(str::to_ascii_lowercase).as_deref() {
        Some("gotosocial") => format!("in the server's settings, {}", tokens_page(software)),
        _ => "in the server's settings".to_owned(),
    }
}

/// What revoking a token needs: the server, the app that owns the token, the token.
pub struct RevokeMaterial {
    pub base: BaseUrl,
    pub app: AppCredentials,
    pub token: Secret,
}

/// The revoke material of the account with this key; `None` when the account, its server's
/// app or a parsable server address is missing.
pub fn revoke_material(data: &VaultData, key: &AccountKey) -> Option<RevokeMaterial> {
    let account = data.find_account(key)?;
    let server = data.find_server(&account.server)?;
    let app = server
        .apps
        .iter()
        .find(|a| a.client_id == account.client_id)?;
    Some(RevokeMaterial {
        base: BaseUrl::parse(&account.server).ok()?,
        app: AppCredentials::from(app),
        token: account.token.duplicate(),
    })
}

/// Whether the server still accepts the token: `Some(false)` when it refuses it as unknown,
/// revoked or expired, `None` when the check says nothing (network or server trouble).
async fn still_accepted(client: &Client, material: &RevokeMaterial) -> Option<bool> {
    match client
        .verify_credentials(&material.base, &material.token)
        .await
    {
        Err(ApiError::TokenInvalid | ApiError::TokenRevoked | ApiError::TokenExpired) => {
            Some(false)
        }
        // The token was recognised: a valid answer, or one about its scope or its account.
        Ok(_)
        | Err(
            ApiError::InsufficientScope
            | ApiError::AppToken
            | ApiError::AccountDisabled
            | ApiError::AccountPending
            | ApiError::AccountUnconfirmed,
        ) => Some(true),
        Err(_) => None,
    }
}

/// The page of the server's website where the user revokes tokens by hand.
pub fn authorized_apps_page(server: &str) -> String {
    format!(
        "{}/oauth/authorized_applications",
        crate::base_url::canonical(server)
    )
}

fn lock(vault: &SharedVault) -> std::sync::MutexGuard<'_, Option<Vault>> {
    // Every change to the vault goes through its own atomic save: a panic elsewhere cannot
    // leave the data half-changed.
    vault.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` on the open vault on the blocking pool (its file lock may wait on another
/// process). [`VaultError::Missing`] when no vault is open.
async fn on_vault<T: Send + 'static>(
    vault: &SharedVault,
    work: impl FnOnce(&mut Vault) -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    let vault = Arc::clone(vault);
    tokio::task::spawn_blocking(move || match lock(&vault).as_mut() {
        Some(vault) => work(vault),
        None => Err(VaultError::Missing),
    })
    .await
    // The closure panicked; the vault itself is untouched.
    .unwrap_or(Err(VaultError::Missing))
}

/// Removes the account with this key, revoking its token first when `revoke` is set (see the
/// module documentation for the policy). Vault work runs on the blocking pool; the network
/// call does not hold the vault.
pub async fn revoke_then_remove(
    client: &Client,
    vault: &SharedVault,
    key: &AccountKey,
    revoke: bool,
) -> Result<Removal, VaultError> {
    if revoke {
        let wanted = key.clone();
        let (account, material, software) = on_vault(vault, move |v| {
            let data = v.data();
            let account = data.find_account(&wanted);
            let software = account
                .and_then(|a| data.find_server(&a.server))
                .and_then(|s| s.software.clone());
            Ok((
                account.map(StoredAccount::has_app),
                revoke_material(data, &wanted),
                software,
            ))
        })
        .await?;
        let Some(has_app) = account else {
            return Ok(Removal::Missing);
        };
        if !has_app {
            return remove_only(vault, key).await;
        }
        let Some(material) = material else {
            return Ok(Removal::Kept(NotRevoked::NoCredentials));
        };
        let revoked = client
            .revoke(&material.base, &material.app, &material.token)
            .await;
        match (revoked, still_accepted(client, &material).await) {
            (_, Some(false)) | (Ok(()), None) => {}
            (Ok(()), Some(true)) => {
                let page = tokens_page(software.as_deref());
                let error = ApiError::RevokeIgnored { page };
                return Ok(Removal::Kept(NotRevoked::Failed(error)));
            }
            (Err(error), _) => return Ok(Removal::Kept(NotRevoked::Failed(error))),
        }
    }
    let removed = remove_only(vault, key).await?;
    Ok(match removed {
        Removal::Removed { .. } => Removal::Removed { revoked: revoke },
        other => other,
    })
}

async fn remove_only(vault: &SharedVault, key: &AccountKey) -> Result<Removal, VaultError> {
    let wanted = key.clone();
    let removed = on_vault(vault, move |v| {
        v.update(|data| data.remove_account(&wanted).is_some())
    })
    .await?;
    Ok(if removed {
        Removal::Removed { revoked: false }
    } else {
        Removal::Missing
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorized_apps_address_is_given_only_where_the_server_has_that_page() {
        let server = "https://social.example/";
        for software in ["Mastodon", "glitch-soc", "hometown"] {
            assert_eq!(
                where_to_revoke(server, Some(software)),
                "at https://social.example/oauth/authorized_applications",
                "{software}"
            );
        }
        assert_eq!(
            where_to_revoke(server, Some("GoToSocial")),
            "in the server's settings, under Access Tokens"
        );
        for software in [Some("snac"), Some("Takahē"), Some("Mitra"), None] {
            assert_eq!(
                where_to_revoke(server, software),
                "in the server's settings",
                "{software:?}"
            );
            assert_eq!(revoke_page(server, software), None);
        }
    }
}
