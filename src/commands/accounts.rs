//! Account operations on the vault shared by the wizard and the commands: storing a verified
//! account with its app, finding apps to reuse, recording checks, removing.

use jiff::Timestamp;
use url::Url;

use crate::mastodon::{AppCredentials, Capabilities, RegisteredApp, VerifiedAccount};
use crate::secret::Secret;
use crate::vault::model::{StoredAccount, StoredApp, StoredServer, VaultData};
use crate::vault::{Vault, VaultError};

use super::check::{CheckItem, CheckOutcome};

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

/// Scope and redirect lists compare as sets: order and duplicates do not matter to servers.
pub fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

fn base_key(url: &str) -> &str {
    url.trim_end_matches('/')
}

fn server_of<'a>(data: &'a VaultData, base: &str) -> Option<&'a StoredServer> {
    data.servers
        .iter()
        .find(|s| base_key(&s.base_url) == base_key(base))
}

/// The app registered for this server with exactly these scopes and redirect URIs.
pub fn find_app(
    data: &VaultData,
    base: &Url,
    scopes: &[String],
    redirect_uris: &[String],
) -> Option<RegisteredApp> {
    let server = server_of(data, base.as_str())?;
    server
        .apps
        .iter()
        .rev()
        .find(|a| same_set(&a.scopes, scopes) && same_set(&a.redirect_uris, redirect_uris))
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

/// Adds the app to its server's list, replacing an older app for the same scopes and redirect
/// URIs (the server forgot it, or it was re-registered).
fn put_app(
    data: &mut VaultData,
    base: &str,
    domain: Option<&str>,
    app: &RegisteredApp,
    now: Timestamp,
) {
    let index = if let Some(i) = data
        .servers
        .iter()
        .position(|s| base_key(&s.base_url) == base_key(base))
    {
        i
    } else {
        data.servers.push(StoredServer {
            base_url: base_key(base).to_owned(),
            domain: domain.unwrap_or_default().to_owned(),
            software: None,
            version: None,
            apps: Vec::new(),
        });
        data.servers.len() - 1
    };
    let server = &mut data.servers[index];
    server.apps.retain(|a| {
        a.client_id != app.client_id
            && !(same_set(&a.scopes, &app.scopes) && same_set(&a.redirect_uris, &app.redirect_uris))
    });
    server.apps.push(stored_app(app, now));
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
            put_app(data, base, None, app, now);
        }
        let base = base_key(new.server.base.as_str()).to_owned();
        put_app(data, &base, Some(&new.server.domain), &new.app, now);
        if let Some(server) = data.servers.iter_mut().find(|s| s.base_url == base) {
            server.domain.clone_from(&new.server.domain);
            server.software = Some(new.server.software.clone());
            server.version.clone_from(&new.server.version);
        }
        let created_at = data
            .accounts
            .iter()
            .find(|a| base_key(&a.server) == base && a.id == new.account.id)
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
            last_status: Some(crate::vault::model::CheckStatus::Valid),
            last_detail: Some("verified when added".into()),
        });
    })
}

/// The tokens to check for these handles (all accounts when `handles` is empty).
pub fn check_items(data: &VaultData, handles: &[String]) -> Vec<CheckItem> {
    data.accounts
        .iter()
        .filter(|a| handles.is_empty() || handles.contains(&a.handle()))
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
    let server = server_of(data, &account.server)?;
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
