//! Adopting a token made elsewhere (a server's Development page, another client's config): check
//! it, describe it, store it like any other account. Shared by `mastokey import` and the
//! wizard's "I already have a token" (`wizard/adopt.rs`).
//!
//! Such an entry usually comes without its app's client credentials: it is stored with an empty
//! `client_id` (see `StoredAccount::has_app`), and a remove with revoking then removes it here
//! only, naming the server's Authorized-apps page (see `accounts::remove`). Tokens from toot come
//! with their app and are stored with it, so they can be revoked.

pub mod toot;

use jiff::Timestamp;

use super::ServerRecord;
use super::check::classify;
use crate::mastodon::{ApiError, AppCredentials, Capabilities, Client, VerifiedAccount};
use crate::secret::Secret;
use crate::vault::model::{AccountKey, CheckStatus, StoredAccount, StoredApp, StoredServer};
use crate::vault::{Vault, VaultError};

/// A token that `verify_credentials` accepted, with what the server said about it.
#[derive(Debug)]
pub struct Candidate {
    pub server: ServerRecord,
    pub account: VerifiedAccount,
    pub token: Secret,
    /// The app's name, when the server describes the token's app.
    pub app_name: Option<String>,
    /// The app's scopes as the server lists them; empty when it does not say.
    pub scopes: Vec<String>,
    /// The app's client credentials, when known (toot keeps them): stored so the token can be
    /// revoked.
    pub app: Option<AppCredentials>,
}

impl Candidate {
    pub fn key(&self) -> AccountKey {
        AccountKey::new(self.server.base.as_str(), &self.account.id)
    }

    /// `username@domain`.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.account.username, self.server.domain)
    }

    /// A copy, secrets included (a `Secret` is never `Clone` by accident): the wizard shows the
    /// candidate while a copy goes to the save.
    #[must_use]
    pub fn duplicate(&self) -> Self {
        Self {
            server: self.server.clone(),
            account: self.account.clone(),
            token: self.token.duplicate(),
            app_name: self.app_name.clone(),
            scopes: self.scopes.clone(),
            app: self.app.as_ref().map(|app| AppCredentials {
                client_id: app.client_id.clone(),
                client_secret: app.client_secret.duplicate(),
            }),
        }
    }
}

/// What checking a token gave: a token to adopt, or why it is not valid.
#[derive(Debug)]
pub enum Checked {
    Valid(Box<Candidate>),
    NotValid { status: CheckStatus, detail: String },
}

/// Checks `token` on the discovered server: `verify_credentials`, then (best effort, it only
/// describes) the app's name and scopes. A token the server refuses is [`Checked::NotValid`];
/// an unreachable or failing server is an error.
pub async fn check_token(
    client: &Client,
    caps: &Capabilities,
    token: Secret,
    app: Option<AppCredentials>,
) -> Result<Checked, ApiError> {
    let result = client.verify_credentials(&caps.base, &token).await;
    let account = match result {
        Ok(account) => account,
        Err(error) if refuses_token(&error) => {
            let (status, detail) = classify(&Err(error), "");
            // The token may well work; this server only tells whose it is to a token that may
            // read everything. One sentence: the CLI keeps only the first.
            let detail = if status == CheckStatus::InsufficientScope {
                "it tells whose a token is only when the token may read everything (the `read` \
                 scope), and this one may not, so mastokey cannot check it; use a token with \
                 `read`, or let mastokey make one by signing in"
                    .to_owned()
            } else {
                // The cause only: the advice after it is for a stored account, which this is not.
                crate::mastodon::cause(&detail).to_owned()
            };
            return Ok(Checked::NotValid { status, detail });
        }
        Err(error) => return Err(error),
    };
    let info = client
        .app_info(&caps.base, &token)
        .await
        .unwrap_or_default();
    Ok(Checked::Valid(Box::new(Candidate {
        server: ServerRecord::from_capabilities(caps),
        account,
        token,
        app_name: info.name,
        scopes: info.scopes.unwrap_or_default(),
        app,
    })))
}

/// The server answered about the token itself (not about its own health).
fn refuses_token(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::TokenRevoked
            | ApiError::TokenExpired
            | ApiError::TokenInvalid
            | ApiError::AppToken
            | ApiError::InsufficientScope
            | ApiError::AccountDisabled
            | ApiError::AccountUnconfirmed
            | ApiError::AccountPending
    )
}

/// What [`save`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adoption {
    Added(AccountKey),
    Replaced(AccountKey),
    /// An entry with the same key was stored and `replace` was not set: it is left as it was.
    Kept(AccountKey),
}

/// Whether an entry with the candidate's key (same server, same account id) is stored: the
/// caller then asks Replace or Keep, as the wizard does for a new sign-in.
pub fn is_stored(vault: &Vault, candidate: &Candidate) -> bool {
    vault.data().find_account(&candidate.key()).is_some()
}

/// Stores the candidate (under the vault lock), with its app when known. An entry with the same
/// key is replaced only when `replace` is set (its creation time is kept).
pub fn save(
    vault: &mut Vault,
    candidate: &Candidate,
    replace: bool,
    now: Timestamp,
) -> Result<Adoption, VaultError> {
    let key = candidate.key();
    vault.update(|data| {
        let stored = data.find_account(&key);
        let existing = stored.map(|a| a.created_at);
        if existing.is_some() && !replace {
            return Adoption::Kept(key);
        }
        // The very token stored already (pasted again, or exported and imported back) keeps the
        // app it was issued by, so it stays revocable.
        let same_token_app = stored
            .filter(|a| a.token.expose() == candidate.token.expose())
            .map(|a| a.client_id.clone());
        let base = candidate.server.base.as_str().to_owned();
        let server = data.upsert_server(StoredServer {
            base_url: base.clone(),
            domain: candidate.server.domain.clone(),
            software: Some(candidate.server.software.clone()),
            version: candidate.server.version.clone(),
            verify_needs_read: false,
            apps: Vec::new(),
        });
        let client_id = match &candidate.app {
            Some(app) => {
                server.apps.retain(|a| a.client_id != app.client_id);
                server.apps.push(StoredApp {
                    client_id: app.client_id.clone(),
                    client_secret: app.client_secret.duplicate(),
                    scopes: candidate.scopes.clone(),
                    redirect_uris: Vec::new(),
                    created_at: now,
                });
                app.client_id.clone()
            }
            None => same_token_app.unwrap_or_default(),
        };
        data.upsert_account(StoredAccount {
            id: candidate.account.id.clone(),
            username: candidate.account.username.clone(),
            domain: candidate.server.domain.clone(),
            server: base,
            display_name: candidate.account.display_name.clone(),
            token: candidate.token.duplicate(),
            scopes: candidate.scopes.clone(),
            client_id,
            created_at: existing.unwrap_or(now),
            last_checked_at: Some(now),
            last_status: Some(CheckStatus::Valid),
            last_detail: Some("verified when imported".into()),
            // A token made elsewhere says nothing of its expiry; a check will tell.
            expires_at: None,
        });
        if existing.is_some() {
            Adoption::Replaced(key)
        } else {
            Adoption::Added(key)
        }
    })
}
