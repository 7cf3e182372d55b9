//! What the vault holds: servers with their registered apps, and accounts with their tokens.
//!
//! Serialised as versioned JSON, `{"version":2,"servers":[…],"accounts":[…]}`. Any change to the
//! shape bumps [`FORMAT_VERSION`], so an older mastokey refuses a newer file instead of silently
//! dropping fields it does not know on its next save; the one exception is a hint whose loss
//! costs nothing but a repeated question (`StoredServer::verify_needs_read`: one more step-up).
//! Older versions are still read: version 1 had no `expires_at` (read as "does not expire") and
//! no `expired` status.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

mod lookup;

pub use lookup::{AccountKey, label_order, server_name};

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest format version this build still reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Everything stored in `vault.age`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct VaultData {
    pub servers: Vec<StoredServer>,
    pub accounts: Vec<StoredAccount>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StoredServer {
    /// Origin only, e.g. `https://mastodon.social`.
    pub base_url: String,
    /// The server's own domain from its instance info (the part after `@` in handles).
    pub domain: String,
    pub software: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub apps: Vec<StoredApp>,
    /// The server tells whose a token is (`verify_credentials`) only to a token with `read`: a
    /// sign-in there needed a step-up once, so later ones ask for `read` from the start
    /// (ARCHITECTURE.md, Server behaviour). Written only when true, so files without it are
    /// unchanged; an older build of this format ignores it and at worst steps up once more.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub verify_needs_read: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StoredApp {
    pub client_id: String,
    #[serde(with = "crate::secret::serde_exposed")]
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StoredAccount {
    pub id: String,
    pub username: String,
    pub domain: String,
    /// Base URL of the server the token belongs to.
    pub server: String,
    pub display_name: String,
    #[serde(with = "crate::secret::serde_exposed")]
    pub token: Secret,
    pub scopes: Vec<String>,
    /// The app (on `server`) that issued the token. Empty for a token adopted without its app's
    /// credentials (made on the server's website, say): mastokey cannot revoke it. An empty string
    /// keeps the shape (no format bump), and an older build treats it as an app it lacks.
    pub client_id: String,
    pub created_at: Timestamp,
    pub last_checked_at: Option<Timestamp>,
    pub last_status: Option<CheckStatus>,
    pub last_detail: Option<String>,
    /// When the token stops working, where the server said it expires (`expires_in`); `None` for
    /// tokens that do not expire (Mastodon's). Absent in format version 1.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

impl StoredAccount {
    /// `username@domain`, the name users type on the command line.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }

    /// Whether the entry names the app that issued its token (false for an adopted token).
    pub fn has_app(&self) -> bool {
        !self.client_id.is_empty()
    }
}

/// The outcome of the last `verify_credentials` of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Valid,
    Revoked,
    Invalid,
    InsufficientScope,
    AccountDisabled,
    AccountPending,
    /// Refused by the server after its stored expiry.
    Expired,
    Unreachable,
    Timeout,
    ServerError,
}

impl CheckStatus {
    /// Whether the check says the token does not work (as opposed to a check that could not be
    /// made): the user has to act before the token is any use.
    pub fn not_valid(self) -> bool {
        match self {
            CheckStatus::Revoked
            | CheckStatus::Invalid
            | CheckStatus::InsufficientScope
            | CheckStatus::AccountDisabled
            | CheckStatus::AccountPending
            | CheckStatus::Expired => true,
            CheckStatus::Valid
            | CheckStatus::Unreachable
            | CheckStatus::Timeout
            | CheckStatus::ServerError => false,
        }
    }
}

/// What [`VaultData::upsert_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Added,
    Replaced,
}

/// Why [`VaultData::resolve`] found no single account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolve {
    Unknown { known: Vec<String> },
    Ambiguous { candidates: Vec<String> },
}

/// Whether two stored base URLs name the same server (`base_url::same`).
pub fn same_base(a: &str, b: &str) -> bool {
    crate::base_url::same(a, b)
}

/// Handles compare case-insensitively and with or without the leading `@` users often type.
fn normalise_handle(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

fn as_set(items: &[String]) -> BTreeSet<&str> {
    items.iter().map(String::as_str).collect()
}

/// Scope and redirect lists compare as sets: order and duplicates do not matter to servers.
pub fn same_set(a: &[String], b: &[String]) -> bool {
    as_set(a) == as_set(b)
}

impl VaultData {
    pub fn find_server(&self, base: &str) -> Option<&StoredServer> {
        self.servers.iter().find(|s| same_base(&s.base_url, base))
    }

    /// The app registered on `base` for exactly this scope set and this set of redirect URIs
    /// (order and duplicates ignored), which can be reused instead of registering a new one.
    pub fn find_app(
        &self,
        base: &str,
        scopes: &[String],
        redirect_uris: &[String],
    ) -> Option<&StoredApp> {
        self.find_server(base)?.apps.iter().find(|app| {
            same_set(&app.scopes, scopes) && same_set(&app.redirect_uris, redirect_uris)
        })
    }

    /// Adds the app to the server at `base` (added, without domain or software, when the vault
    /// has no server there yet), replacing an older app with the same client id, or one with the
    /// same scope and redirect sets (re-registered) unless a stored token came from it: revoking
    /// that token needs its app's credentials. Returns the server.
    pub fn add_app(&mut self, base: &str, app: StoredApp) -> &mut StoredServer {
        let existing = self
            .servers
            .iter()
            .position(|s| same_base(&s.base_url, base));
        let index = existing.unwrap_or_else(|| {
            self.servers.push(StoredServer {
                base_url: crate::base_url::canonical(base),
                domain: String::new(),
                software: None,
                version: None,
                apps: Vec::new(),
                verify_needs_read: false,
            });
            self.servers.len() - 1
        });
        let in_use: BTreeSet<&str> = self
            .accounts
            .iter()
            .filter(|a| same_base(&a.server, base))
            .map(|a| a.client_id.as_str())
            .collect();
        let server = &mut self.servers[index];
        server.apps.retain(|a| {
            let replaced = same_set(&a.scopes, &app.scopes)
                && same_set(&a.redirect_uris, &app.redirect_uris)
                && !in_use.contains(a.client_id.as_str());
            a.client_id != app.client_id && !replaced
        });
        server.apps.push(app);
        server
    }

    /// Adds the server, or refreshes the stored one with the same base URL: its domain,
    /// software and version are replaced, and `server.apps` are merged in (an app with a known
    /// client id replaces the stored one, others are appended). Returns the stored entry, so
    /// callers can push an app onto it.
    pub fn upsert_server(&mut self, server: StoredServer) -> &mut StoredServer {
        let existing = self
            .servers
            .iter()
            .position(|s| same_base(&s.base_url, &server.base_url));
        let Some(index) = existing else {
            self.servers.push(server);
            let last = self.servers.len() - 1;
            return &mut self.servers[last];
        };
        let stored = &mut self.servers[index];
        stored.domain = server.domain;
        stored.software = server.software;
        stored.version = server.version;
        // Learned once, kept: a caller that did not sign in here knows nothing against it.
        stored.verify_needs_read |= server.verify_needs_read;
        for app in server.apps {
            if let Some(old) = stored
                .apps
                .iter_mut()
                .find(|a| a.client_id == app.client_id)
            {
                *old = app;
            } else {
                stored.apps.push(app);
            }
        }
        &mut self.servers[index]
    }

    /// Stores the account; an account with the same server and account id is replaced.
    pub fn upsert_account(&mut self, account: StoredAccount) -> Upsert {
        if let Some(old) = self
            .accounts
            .iter_mut()
            .find(|a| a.id == account.id && same_base(&a.server, &account.server))
        {
            *old = account;
            Upsert::Replaced
        } else {
            self.accounts.push(account);
            Upsert::Added
        }
    }
}

/// On-disk envelope, written.
#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    servers: &'a [StoredServer],
    accounts: &'a [StoredAccount],
}

/// On-disk envelope, version only: read first so a newer file is recognised even when the rest
/// of its shape is unknown to this build.
#[derive(Deserialize)]
struct FileVersion {
    version: u64,
}

/// The rest of the envelope; `version` was checked through [`FileVersion`] first.
#[derive(Deserialize)]
struct FileIn {
    #[serde(default)]
    servers: Vec<StoredServer>,
    #[serde(default)]
    accounts: Vec<StoredAccount>,
}

/// Why decrypted bytes are not a vault this build can read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Newer { found: u64 },
    Invalid(String),
}

pub(crate) fn encode(data: &VaultData, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    serde_json::to_writer(
        out,
        &FileOut {
            version: FORMAT_VERSION,
            servers: &data.servers,
            accounts: &data.accounts,
        },
    )
}

/// Decodes decrypted JSON. Any input gives a value or an error, never a panic.
pub(crate) fn decode(json: &[u8]) -> Result<VaultData, DecodeError> {
    let version = serde_json::from_slice::<FileVersion>(json)
        .map_err(|e| DecodeError::Invalid(describe(&e)))?
        .version;
    if version > u64::from(FORMAT_VERSION) {
        return Err(DecodeError::Newer { found: version });
    }
    if version < u64::from(OLDEST_FORMAT_VERSION) {
        return Err(DecodeError::Invalid(format!(
            "unknown format version {version}"
        )));
    }
    let file: FileIn =
        serde_json::from_slice(json).map_err(|e| DecodeError::Invalid(describe(&e)))?;
    Ok(VaultData {
        servers: file.servers,
        accounts: file.accounts,
    })
}

/// Where and what kind of JSON error, without `serde_json`'s own message: that one can quote
/// the offending value (`invalid type: string "…"`), which may be a token.
fn describe(e: &serde_json::Error) -> String {
    format!(
        "invalid JSON at line {} column {}: {:?}",
        e.line(),
        e.column(),
        e.classify()
    )
}

#[cfg(test)]
mod tests;
