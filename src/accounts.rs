//! Account operations shared by the wizard and the commands (between them and the vault and
//! protocol layers): storing a verified
//! account with its app, finding apps to reuse, recording checks, removing.

pub mod check;
pub mod time;
pub mod tone;

use jiff::Timestamp;
use url::Url;

use crate::mastodon::{AppCredentials, Capabilities, RegisteredApp, VerifiedAccount};
use crate::secret::Secret;
use crate::vault::model::{CheckStatus, StoredAccount, StoredApp, VaultData, same_base};
use crate::vault::{Vault, VaultError};

use check::{CheckItem, CheckOutcome};

/// The server as the vault should remember it.
#[derive(Debug, Clone)]
pub struct ServerRecord {
    pub base: Url,
    pub domain: String,
    pub software: String,
    pub version: Option<String>,
}

impl ServerRecord {
    pub fn from_capabilities(caps: &Capabilities) -> Self {
        Self {
            base: caps.base.clone(),
            domain: caps.domain.clone(),
            software: caps.software.name.clone(),
            version: caps.software.version.clone(),
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
}

pub fn duplicate_app(app: &RegisteredApp) -> RegisteredApp {
    RegisteredApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
        scopes: app.scopes.clone(),
        redirect_uris: app.redirect_uris.clone(),
    }
}

// The wizard compares scope lists through this module.
pub use crate::vault::model::same_set;

/// The app registered for this server with exactly these scopes and redirect URIs.
pub fn find_app(
    data: &VaultData,
    base: &Url,
    scopes: &[String],
    redirect_uris: &[String],
) -> Option<RegisteredApp> {
    data.find_app(base.as_str(), scopes, redirect_uris)
        .map(|a| RegisteredApp {
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.duplicate(),
            scopes: a.scopes.clone(),
            redirect_uris: a.redirect_uris.clone(),
        })
}

fn stored_app(app: &RegisteredApp, now: Timestamp) -> StoredApp {
    StoredApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
        scopes: app.scopes.clone(),
        redirect_uris: app.redirect_uris.clone(),
        created_at: now,
    }
}

/// Stores the account (replacing the same account's old token) with its server and app, plus
/// any apps registered before the vault existed.
pub fn save(
    vault: &mut Vault,
    new: NewAccount,
    fresh_apps: Vec<(String, RegisteredApp)>,
    now: Timestamp,
) -> Result<(), VaultError> {
    vault.update(move |data| {
        for (base, app) in &fresh_apps {
            data.add_app(base, stored_app(app, now));
        }
        let base = new.server.base.as_str().trim_end_matches('/').to_owned();
        let server = data.add_app(&base, stored_app(&new.app, now));
        server.domain.clone_from(&new.server.domain);
        server.software = Some(new.server.software.clone());
        server.version.clone_from(&new.server.version);
        let created_at = data
            .accounts
            .iter()
            .find(|a| same_base(&a.server, &base) && a.id == new.account.id)
            .map_or(now, |a| a.created_at);
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
        });
    })
}

/// The accounts with these handles (all accounts when `handles` is empty), in vault order.
fn selected<'a>(
    data: &'a VaultData,
    handles: &'a [String],
) -> impl Iterator<Item = &'a StoredAccount> + 'a {
    data.accounts
        .iter()
        .filter(|a| handles.is_empty() || handles.contains(&a.handle()))
}

/// The tokens to check for these handles (all accounts when `handles` is empty). Accounts whose
/// stored server address does not parse cannot be checked: see [`unparsable_accounts`].
pub fn check_items(data: &VaultData, handles: &[String]) -> Vec<CheckItem> {
    selected(data, handles)
        .filter_map(|a| {
            Some(CheckItem {
                handle: a.handle(),
                base: Url::parse(&a.server).ok()?,
                token: a.token.duplicate(),
                id: a.id.clone(),
            })
        })
        .collect()
}

/// Ready outcomes for the accounts [`check_items`] leaves out because their stored server address
/// is not a URL, so a check of them never passes as done.
pub fn unparsable_accounts(data: &VaultData, handles: &[String]) -> Vec<CheckOutcome> {
    selected(data, handles)
        .filter(|a| Url::parse(&a.server).is_err())
        .map(|a| CheckOutcome {
            handle: a.handle(),
            status: CheckStatus::ServerError,
            detail: "the stored server address is not a valid URL".into(),
        })
        .collect()
}

/// Records check results (under the vault lock, merged into what is on disk now).
pub fn record_checks(
    vault: &mut Vault,
    outcomes: Vec<CheckOutcome>,
    now: Timestamp,
) -> Result<(), VaultError> {
    vault.update(move |data| {
        for outcome in outcomes {
            data.record_check(&outcome.handle, outcome.status, Some(outcome.detail), now);
        }
    })
}

pub fn token_of(data: &VaultData, handle: &str) -> Option<Secret> {
    data.find_account(handle).map(|a| a.token.duplicate())
}

/// What revoking this account's token needs: its server, the app that owns it, the token.
pub fn revoke_material(data: &VaultData, handle: &str) -> Option<(Url, AppCredentials, Secret)> {
    let account = data.find_account(handle)?;
    let server = data.find_server(&account.server)?;
    let app = server
        .apps
        .iter()
        .find(|a| a.client_id == account.client_id)?;
    Some((
        Url::parse(&account.server).ok()?,
        AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.duplicate(),
        },
        account.token.duplicate(),
    ))
}

pub fn remove(vault: &mut Vault, handle: &str) -> Result<(), VaultError> {
    vault.update(|data| {
        data.remove_account(handle);
    })
}
