//! What the vault holds: servers with their registered apps, and accounts with their tokens.
//!
//! Serialised as versioned JSON, `{"version":1,"servers":[…],"accounts":[…]}`. Any change to the
//! shape bumps [`FORMAT_VERSION`], so an older mastokey refuses a newer file instead of silently
//! dropping fields it does not know on its next save.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

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
    /// The app (on `server`) that issued the token.
    pub client_id: String,
    pub created_at: Timestamp,
    pub last_checked_at: Option<Timestamp>,
    pub last_status: Option<CheckStatus>,
    pub last_detail: Option<String>,
}

impl StoredAccount {
    /// `username@domain`, the name users type on the command line.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.username, self.domain)
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
    Unreachable,
    Timeout,
    ServerError,
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

/// Base URLs compare without a trailing slash and case-insensitively (`Url::as_str` of an
/// origin ends in `/`; the stored form may not).
pub fn same_base(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
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
    /// has no server there yet), replacing an older app with the same client id or the same scope
    /// and redirect sets (the server forgot it, or it was re-registered). Returns the server.
    pub fn add_app(&mut self, base: &str, app: StoredApp) -> &mut StoredServer {
        let existing = self
            .servers
            .iter()
            .position(|s| same_base(&s.base_url, base));
        let index = existing.unwrap_or_else(|| {
            self.servers.push(StoredServer {
                base_url: base.trim_end_matches('/').to_owned(),
                domain: String::new(),
                software: None,
                version: None,
                apps: Vec::new(),
            });
            self.servers.len() - 1
        });
        let server = &mut self.servers[index];
        server.apps.retain(|a| {
            a.client_id != app.client_id
                && !(same_set(&a.scopes, &app.scopes)
                    && same_set(&a.redirect_uris, &app.redirect_uris))
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

    /// The account whose handle is exactly `handle` (case-insensitive, leading `@` allowed).
    pub fn find_account(&self, handle: &str) -> Option<&StoredAccount> {
        let wanted = normalise_handle(handle);
        self.accounts
            .iter()
            .find(|a| a.handle().to_lowercase() == wanted)
    }

    /// What a user typed as ACCOUNT: an exact `user@domain` wins, else a unique case-insensitive
    /// prefix of one.
    pub fn resolve(&self, query: &str) -> Result<&StoredAccount, Resolve> {
        let wanted = normalise_handle(query);
        let known = || self.accounts.iter().map(StoredAccount::handle).collect();
        if wanted.is_empty() {
            return Err(Resolve::Unknown { known: known() });
        }
        let exact: Vec<&StoredAccount> = self
            .accounts
            .iter()
            .filter(|a| a.handle().to_lowercase() == wanted)
            .collect();
        let matches = if exact.is_empty() {
            self.accounts
                .iter()
                .filter(|a| a.handle().to_lowercase().starts_with(&wanted))
                .collect()
        } else {
            exact
        };
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Resolve::Unknown { known: known() }),
            many => Err(Resolve::Ambiguous {
                candidates: many.iter().map(|a| a.handle()).collect(),
            }),
        }
    }

    /// Removes and returns the account with exactly this handle.
    pub fn remove_account(&mut self, handle: &str) -> Option<StoredAccount> {
        let wanted = normalise_handle(handle);
        let index = self
            .accounts
            .iter()
            .position(|a| a.handle().to_lowercase() == wanted)?;
        Some(self.accounts.remove(index))
    }

    /// Records the result of a token check. Returns `false` when no account has this handle.
    pub fn record_check(
        &mut self,
        handle: &str,
        status: CheckStatus,
        detail: Option<String>,
        at: Timestamp,
    ) -> bool {
        let wanted = normalise_handle(handle);
        match self
            .accounts
            .iter_mut()
            .find(|a| a.handle().to_lowercase() == wanted)
        {
            Some(account) => {
                account.last_checked_at = Some(at);
                account.last_status = Some(status);
                account.last_detail = detail;
                true
            }
            None => false,
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
    if version != u64::from(FORMAT_VERSION) {
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
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn account(server: &str, id: &str, user: &str, domain: &str) -> StoredAccount {
        StoredAccount {
            id: id.into(),
            username: user.into(),
            domain: domain.into(),
            server: server.into(),
            display_name: user.into(),
            token: Secret::new(format!("token-{user}")),
            scopes: vec!["profile".into()],
            client_id: "cid".into(),
            created_at: Timestamp::UNIX_EPOCH,
            last_checked_at: None,
            last_status: None,
            last_detail: None,
        }
    }

    fn app(id: &str, scopes: &[&str]) -> StoredApp {
        StoredApp {
            client_id: id.into(),
            client_secret: Secret::new("cs"),
            scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn server(base: &str, apps: Vec<StoredApp>) -> StoredServer {
        StoredServer {
            base_url: base.into(),
            domain: "social.example".into(),
            software: Some("mastodon".into()),
            version: Some("4.5.0".into()),
            apps,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn find_app_needs_same_scope_set_and_redirects() {
        let mut data = VaultData::default();
        data.upsert_server(server(
            "https://social.example",
            vec![app("a", &["profile", "write:statuses"])],
        ));
        let oob = strings(&["urn:ietf:wg:oauth:2.0:oob"]);
        let found = data.find_app(
            "https://SOCIAL.example/",
            &strings(&["write:statuses", "profile"]),
            &oob,
        );
        assert_eq!(found.map(|a| a.client_id.as_str()), Some("a"));
        assert!(
            data.find_app("https://social.example", &strings(&["profile"]), &oob)
                .is_none()
        );
        assert!(
            data.find_app(
                "https://social.example",
                &strings(&["profile", "write:statuses"]),
                &strings(&["http://127.0.0.1:1234/cb"])
            )
            .is_none()
        );
        assert!(
            data.find_app("https://other.example", &strings(&["profile"]), &oob)
                .is_none()
        );
    }

    #[test]
    fn upsert_server_merges_apps() {
        let mut data = VaultData::default();
        data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
        let mut newer = server("https://s.example/", vec![app("b", &["read"])]);
        newer.version = Some("4.6.0".into());
        let stored = data.upsert_server(newer);
        stored.apps.push(app("c", &["write"]));
        assert_eq!(data.servers.len(), 1);
        assert_eq!(data.servers[0].version.as_deref(), Some("4.6.0"));
        let ids: Vec<&str> = data.servers[0]
            .apps
            .iter()
            .map(|a| a.client_id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn add_app_replaces_same_sets_or_same_client_id() {
        let mut data = VaultData::default();
        data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
        // Same scope set (other order, duplicates) and redirects on the same server, another case.
        data.add_app("https://S.example/", app("b", &["profile", "profile"]));
        // Another scope set is kept alongside.
        data.add_app("https://s.example", app("c", &["read"]));
        // The same client id re-registered with other scopes replaces it.
        data.add_app("https://s.example", app("c", &["write"]));
        assert_eq!(data.servers.len(), 1);
        assert_eq!(data.servers[0].domain, "social.example");
        let apps: Vec<(&str, &[String])> = data.servers[0]
            .apps
            .iter()
            .map(|a| (a.client_id.as_str(), a.scopes.as_slice()))
            .collect();
        assert_eq!(
            apps,
            [
                ("b", &strings(&["profile", "profile"])[..]),
                ("c", &strings(&["write"])[..])
            ]
        );
        // An unknown server is added, its base without the trailing slash.
        let added = data.add_app("https://t.example/", app("d", &["profile"]));
        assert_eq!(added.base_url, "https://t.example");
        assert_eq!(data.servers.len(), 2);
        assert!(same_base("https://T.example/", "https://t.example"));
        assert!(!same_base("https://t.example", "https://u.example"));
    }

    #[test]
    fn upsert_account_replaces_same_server_and_id() {
        let mut data = VaultData::default();
        let s = "https://s.example";
        assert_eq!(
            data.upsert_account(account(s, "1", "alice", "s.example")),
            Upsert::Added
        );
        assert_eq!(
            data.upsert_account(account(s, "2", "bob", "s.example")),
            Upsert::Added
        );
        let mut again = account("https://s.example/", "1", "alice", "s.example");
        again.token = Secret::new("new");
        assert_eq!(data.upsert_account(again), Upsert::Replaced);
        assert_eq!(data.accounts.len(), 2);
        assert_eq!(
            data.find_account("@Alice@s.example")
                .map(|a| a.token.expose()),
            Some("new")
        );
        // Same id on another server is another account.
        let other = account("https://t.example", "1", "alice", "t.example");
        assert_eq!(data.upsert_account(other), Upsert::Added);
    }

    #[test]
    fn resolve_exact_prefix_unknown_ambiguous() {
        let mut data = VaultData::default();
        for (id, user) in [("1", "al"), ("2", "alice"), ("3", "bob")] {
            data.upsert_account(account("https://s.example", id, user, "s.example"));
        }
        data.upsert_account(account("https://t.example", "9", "alice", "t.example"));
        // An exact handle wins even though it is also a prefix of another.
        assert_eq!(data.resolve("al@s.example").map(|a| a.id.as_str()), Ok("1"));
        assert_eq!(data.resolve("@BOB").map(|a| a.id.as_str()), Ok("3"));
        assert_eq!(data.resolve("alice@t").map(|a| a.id.as_str()), Ok("9"));
        assert_eq!(
            data.resolve("alice").err(),
            Some(Resolve::Ambiguous {
                candidates: strings(&["alice@s.example", "alice@t.example"])
            })
        );
        let Err(Resolve::Unknown { known }) = data.resolve("zed") else {
            panic!("zed should be unknown");
        };
        assert_eq!(known.len(), 4);
        assert!(matches!(data.resolve(""), Err(Resolve::Unknown { .. })));
    }

    #[test]
    fn remove_and_record_check() {
        let mut data = VaultData::default();
        data.upsert_account(account("https://s.example", "1", "alice", "s.example"));
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(data.record_check(
            "alice@s.example",
            CheckStatus::Revoked,
            Some("x".into()),
            at
        ));
        assert!(!data.record_check("bob@s.example", CheckStatus::Valid, None, at));
        let a = data.find_account("alice@s.example").unwrap();
        assert_eq!(a.last_status, Some(CheckStatus::Revoked));
        assert_eq!(a.last_checked_at, Some(at));
        assert!(
            data.remove_account("alice").is_none(),
            "remove needs the exact handle"
        );
        assert!(data.remove_account("alice@s.example").is_some());
        assert!(data.accounts.is_empty());
    }

    #[test]
    fn json_round_trip_and_versions() {
        let mut data = VaultData::default();
        data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
        let mut acc = account("https://s.example", "1", "alice", "s.example");
        acc.last_status = Some(CheckStatus::InsufficientScope);
        data.upsert_account(acc);
        let mut json = Vec::new();
        encode(&data, &mut json).unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.starts_with(r#"{"version":1,"#), "{text}");
        assert!(text.contains(r#""last_status":"insufficient_scope""#));
        assert!(text.contains(r#""created_at":"1970-01-01T00:00:00Z""#));
        let back = decode(&json).unwrap();
        assert_eq!(back.accounts[0].token.expose(), "token-alice");
        assert_eq!(back.servers[0].apps[0].client_secret.expose(), "cs");

        assert_eq!(
            decode(br#"{"version":7,"servers":"whatever"}"#).unwrap_err(),
            DecodeError::Newer { found: 7 }
        );
        assert!(matches!(
            decode(br#"{"version":0}"#),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            decode(br#"{"servers":[]}"#),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(decode(b"[1,2]"), Err(DecodeError::Invalid(_))));
        assert!(decode(br#"{"version":1}"#).unwrap().accounts.is_empty());
    }

    #[test]
    fn decode_errors_never_echo_values() {
        let json = br#"{"version":1,"accounts":[{"id":"1","token":12345678}]}"#;
        let DecodeError::Invalid(msg) = decode(json).unwrap_err() else {
            panic!("expected invalid");
        };
        assert!(!msg.contains("12345678"), "{msg}");
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,8}".prop_map(Value::String),
            prop_oneof![
                Just("version"),
                Just("servers"),
                Just("accounts"),
                Just("token")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let key = prop_oneof![
                Just("version".to_string()),
                Just("servers".to_string()),
                Just("accounts".to_string()),
                Just("apps".to_string()),
                Just("id".to_string()),
                Just("created_at".to_string()),
                "[a-z_]{1,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn decode_never_panics_on_any_json(value in arb_json(), version in 0u64..3) {
            let mut value = value;
            if let serde_json::Value::Object(map) = &mut value {
                map.insert("version".into(), version.into());
            }
            let bytes = serde_json::to_vec(&value).unwrap();
            let _ = decode(&bytes);
        }

        #[test]
        fn decode_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }
    }
}
