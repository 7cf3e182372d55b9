//! Account operations shared by the wizard and the commands (between them and the vault and
//! protocol layers): storing a verified account with its app, choosing an app to reuse or
//! register, recording checks, removing. Every action addresses an entry by its
//! [`AccountKey`], never by the handle a server chose.

pub mod adopt;
pub mod apps;
pub mod check;
pub mod remove;
pub mod time;
pub mod tone;

use jiff::Timestamp;

use crate::mastodon::BaseUrl;
use crate::mastodon::{AppCredentials, Capabilities, Client, RegisteredApp, VerifiedAccount};
use crate::secret::Secret;
use crate::vault::model::{AccountKey, CheckStatus, StoredAccount, VaultData, same_base};
use crate::vault::{Vault, VaultError};

pub use apps::{
    AppRequest, PendingApps, Registered, app_loopback, apps_for, duplicate_app, prepare_app,
    register, reusable_app, stored_app,
};
use check::{CheckItem, CheckOutcome};
pub use remove::{
    NotRevoked, Removal, RevokeMaterial, SharedVault, authorized_apps_page, revoke_material,
    revoke_page, revoke_then_remove, where_to_revoke,
};

/// The server as the vault should remember it.
#[derive(Debug, Clone)]
pub struct ServerRecord {
    pub base: BaseUrl,
    pub domain: String,
    pub software: String,
    pub version: Option<String>,
    /// A token here was checked only once it had `read` (a step-up): the vault remembers it so
    /// later sign-ins ask for `read` from the start. A save never forgets it.
    pub verify_needs_read: bool,
}

impl ServerRecord {
    /// What discovery tells; whether the server needs `read` is learned by signing in.
    pub fn from_capabilities(caps: &Capabilities) -> Self {
        Self {
            base: caps.base.clone(),
            domain: caps.domain.clone(),
            software: caps.software.name.clone(),
            version: caps.software.version.clone(),
            verify_needs_read: false,
        }
    }
}

/// Everything needed to store a freshly verified account.
#[derive(Debug)]
pub struct NewAccount {
    pub server: ServerRecord,
    pub app: RegisteredApp,
    pub account: VerifiedAccount,
    pub token: Secret,
    pub granted: Vec<String>,
    /// `TokenGrant::expires_in`: seconds the token lives, where the server said so.
    pub expires_in: Option<u64>,
}

// The wizard compares scope lists through this module.
pub use crate::vault::model::same_set;

/// A stored entry that a new account's handle clashes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingEntry {
    pub key: AccountKey,
    /// The stored entry's server (base URL, no trailing slash).
    pub server: String,
    pub handle: String,
}

/// The stored entry, on another base URL, whose handle equals the new account's: the same
/// account reached under another address, or a server claiming another's domain. The handle is
/// only a label, so [`save`] keeps both entries apart either way; the caller asks the user
/// which they meant. A new sign-in of an entry already stored (same key) is no clash: that was
/// settled when it was first saved.
pub fn handle_clash(data: &VaultData, new: &NewAccount) -> Option<ExistingEntry> {
    let stored: Vec<ExistingEntry> = data
        .accounts
        .iter()
        .map(|a| ExistingEntry {
            key: a.key(),
            server: a.server.clone(),
            handle: a.handle(),
        })
        .collect();
    clash_among(&stored, &new.server, &new.account)
}

/// [`handle_clash`] over a list of stored entries (the wizard holds a view of the vault, not
/// the vault itself). Handles compare as [`VaultData::accounts_with_handle`] compares them.
pub fn clash_among(
    stored: &[ExistingEntry],
    server: &ServerRecord,
    account: &VerifiedAccount,
) -> Option<ExistingEntry> {
    let base = server.base.as_str();
    let key = AccountKey::new(base, &account.id);
    if stored.iter().any(|e| e.key == key) {
        return None;
    }
    let handle = format!("{}@{}", account.username, server.domain).to_lowercase();
    stored
        .iter()
        .find(|e| e.handle.to_lowercase() == handle && !same_base(&e.server, base))
        .map(|e| ExistingEntry {
            key: e.key.clone(),
            server: crate::base_url::canonical(&e.server),
            handle: e.handle.clone(),
        })
}

/// A token mastokey holds but the user did not keep, to be revoked (best effort).
#[derive(Debug)]
pub enum Unkept {
    /// A token of this sign-in, with the app it was issued to.
    New {
        base: BaseUrl,
        app: AppCredentials,
        token: Secret,
    },
    /// The stored token of this entry, which a new one replaces; left alone when the server
    /// gave the same token again (`new_token`), as Mastodon does for the same user, app and scopes.
    Stored { key: AccountKey, new_token: Secret },
}

/// Revokes an unkept token: `Ok(true)` when revoked, `Ok(false)` when there was nothing to
/// revoke (the stored token is the new one, or the entry is gone).
pub async fn revoke_unkept(
    client: &Client,
    vault: &SharedVault,
    unkept: Unkept,
) -> Result<bool, NotRevoked> {
    let material = match unkept {
        Unkept::New { base, app, token } => {
            // Mastodon gives the same user, app and scopes the same token again: a new token
            // that is also a stored one is kept, so it must not be revoked.
            let wanted = token.duplicate();
            let stored = read_vault(vault, move |data| {
                data.accounts
                    .iter()
                    .any(|a| a.token.expose() == wanted.expose())
            })
            .await
            .unwrap_or(false);
            if stored {
                return Ok(false);
            }
            RevokeMaterial { base, app, token }
        }
        Unkept::Stored { key, new_token } => {
            let read = read_vault(vault, move |data| {
                let found = data.find_account(&key)?;
                Some((
                    found.token.expose() == new_token.expose(),
                    revoke_material(data, &key),
                ))
            })
            .await
            .flatten();
            match read {
                None | Some((true, _)) => return Ok(false),
                Some((false, None)) => return Err(NotRevoked::NoCredentials),
                Some((false, Some(material))) => material,
            }
        }
    };
    client
        .revoke(&material.base, &material.app, &material.token)
        .await
        .map(|()| true)
        .map_err(NotRevoked::Failed)
}

/// Reads the open vault on the blocking pool (its lock may wait on another process); `None`
/// when no vault is open.
async fn read_vault<T: Send + 'static>(
    vault: &SharedVault,
    read: impl FnOnce(&VaultData) -> T + Send + 'static,
) -> Option<T> {
    let vault = std::sync::Arc::clone(vault);
    tokio::task::spawn_blocking(move || {
        let guard = vault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().map(|v| read(v.data()))
    })
    .await
    .ok()
    .flatten()
}

/// Stores the account (replacing the entry with the same key: same server, same account id)
/// with its server and app, plus the apps pending for that server, which are forgotten there
/// once stored (other servers' stay pending). An entry with the same handle on another server
/// stays a separate entry. Returns the key.
pub fn save(
    vault: &mut Vault,
    new: NewAccount,
    pending: &PendingApps,
    now: Timestamp,
) -> Result<AccountKey, VaultError> {
    // The pending apps of this server move into the vault; other servers' stay pending, so
    // the vault does not list a server no account of it was saved on.
    let fresh: Vec<(String, RegisteredApp)> = pending
        .snapshot()
        .into_iter()
        .filter(|(base, _)| same_base(base, new.server.base.as_str()))
        .collect();
    let key = vault.update(|data| {
        for (base, app) in &fresh {
            data.add_app(base, stored_app(app, now));
        }
        let base = new.server.base.as_str().to_owned();
        let server = data.add_app(&base, stored_app(&new.app, now));
        server.domain.clone_from(&new.server.domain);
        server.software = Some(new.server.software.clone());
        server.version.clone_from(&new.server.version);
        server.verify_needs_read |= new.server.verify_needs_read;
        let key = AccountKey::new(&base, &new.account.id);
        let created_at = data.find_account(&key).map_or(now, |a| a.created_at);
        data.upsert_account(StoredAccount {
            id: new.account.id.clone(),
            username: new.account.username.clone(),
            domain: new.server.domain.clone(),
            server: base,
            display_name: new.account.display_name.clone(),
            token: new.token,
            scopes: new.granted,
            client_id: new.app.client_id.clone(),
            created_at,
            last_checked_at: Some(now),
            last_status: Some(CheckStatus::Valid),
            last_detail: Some("verified when added".into()),
            // Counted from the save, moments after the token answer: a stored expiry may be that
            // late, which the 7-day warning absorbs.
            expires_at: new.expires_in.and_then(|secs| {
                let secs = i64::try_from(secs).ok()?;
                now.checked_add(jiff::SignedDuration::from_secs(secs)).ok()
            }),
        });
        key
    })?;
    pending.forget(&fresh);
    Ok(key)
}

/// The accounts with these keys (all accounts when `keys` is empty), in label order (the order
/// of `list`), with their labels.
fn selected<'a>(
    data: &'a VaultData,
    keys: &'a [AccountKey],
) -> impl Iterator<Item = (&'a StoredAccount, String)> + 'a {
    data.in_label_order()
        .into_iter()
        .filter(|(a, _)| keys.is_empty() || keys.contains(&a.key()))
}

/// The tokens to check for these keys (all accounts when `keys` is empty). Accounts whose
/// stored server address does not parse cannot be checked: see [`unparsable_accounts`].
pub fn check_items(data: &VaultData, keys: &[AccountKey]) -> Vec<CheckItem> {
    selected(data, keys)
        .filter_map(|(a, label)| {
            Some(CheckItem {
                key: a.key(),
                label,
                base: BaseUrl::parse(&a.server).ok()?,
                token: a.token.duplicate(),
                expires_at: a.expires_at,
            })
        })
        .collect()
}

/// Ready outcomes for the accounts [`check_items`] leaves out because their stored server address
/// is not a URL, so a check of them never passes as done.
pub fn unparsable_accounts(data: &VaultData, keys: &[AccountKey]) -> Vec<CheckOutcome> {
    selected(data, keys)
        .filter(|(a, _)| BaseUrl::parse(&a.server).is_err())
        .map(|(a, label)| CheckOutcome {
            key: a.key(),
            label,
            status: CheckStatus::ServerError,
            detail: "the stored server address is not a valid URL".into(),
        })
        .collect()
}

/// Records check results, each on the entry it checked (under the vault lock, merged into
/// what is on disk now).
pub fn record_checks(
    vault: &mut Vault,
    outcomes: Vec<CheckOutcome>,
    now: Timestamp,
) -> Result<(), VaultError> {
    vault.update(move |data| {
        for outcome in outcomes {
            data.record_check(&outcome.key, outcome.status, Some(outcome.detail), now);
        }
    })
}

pub fn token_of(data: &VaultData, key: &AccountKey) -> Option<Secret> {
    data.find_account(key).map(|a| a.token.duplicate())
}

/// The first entry with this handle. Only for the wizard's Home screen, which still names rows
/// by handle: everything new addresses entries by [`AccountKey`].
pub fn key_of_handle(data: &VaultData, handle: &str) -> Option<AccountKey> {
    data.accounts_with_handle(handle).first().map(|a| a.key())
}
