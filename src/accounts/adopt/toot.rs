//! toot's `config.json`: a `users` map (entries with `instance`, `username`, `access_token`) and
//! an `apps` map keyed by instance (entries with `base_url`, `client_id`, `client_secret`). Read
//! only; toot's file is never written.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::mastodon::AppCredentials;
use crate::mastodon::sanitize::sanitize_hint;
use crate::secret::Secret;

/// toot's file is small; a larger one is not toot's.
const MAX_BYTES: u64 = 1024 * 1024;

/// One account found in toot's file.
pub struct TootAccount {
    /// `username@instance` as toot names it (sanitised, for display).
    pub name: String,
    /// The server address to discover: the app's `base_url`, else the instance name.
    pub server: String,
    pub token: Secret,
    pub app: Option<AppCredentials>,
}

impl fmt::Debug for TootAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TootAccount")
            .field("name", &self.name)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// Why toot's file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TootError {
    #[error(
        "toot's config file {} could not be read: {detail}. Give its path: `mastokey import --from-toot PATH`.",
        path.display()
    )]
    Unreadable { path: PathBuf, detail: String },
    #[error(
        "{} is not a toot config file ({detail}). Nothing was imported.",
        path.display()
    )]
    NotToot { path: PathBuf, detail: String },
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    users: BTreeMap<String, User>,
    #[serde(default)]
    apps: BTreeMap<String, App>,
}

#[derive(Deserialize)]
struct User {
    instance: String,
    username: String,
    access_token: String,
}

#[derive(Deserialize)]
struct App {
    base_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// toot's default file: `$XDG_CONFIG_HOME/toot/config.json`, else `~/.config/toot/config.json`.
pub fn default_path(env: &dyn Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(dir) = env("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("toot").join("config.json"));
    }
    let home = env("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".config/toot/config.json"))
}

/// Reads the accounts in toot's file (size-capped, opened read-only).
pub fn read(path: &Path) -> Result<Vec<TootAccount>, TootError> {
    let unreadable = |detail: String| TootError::Unreadable {
        path: path.to_owned(),
        detail,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.kind().to_string()))?;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.kind().to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(unreadable("it is larger than 1 MiB".into()));
    }
    parse(&bytes).map_err(|detail| TootError::NotToot {
        path: path.to_owned(),
        detail,
    })
}

/// The accounts of a toot config, in the file's key order. The error says where the JSON is
/// wrong without quoting it (it holds tokens).
pub fn parse(json: &[u8]) -> Result<Vec<TootAccount>, String> {
    let file: File = serde_json::from_slice(json).map_err(|e| {
        format!(
            "invalid JSON at line {} column {}: {:?}",
            e.line(),
            e.column(),
            e.classify()
        )
    })?;
    Ok(file
        .users
        .into_values()
        .filter(|u| !u.access_token.trim().is_empty())
        .map(|user| {
            let app = file.apps.get(&user.instance);
            let server = app
                .and_then(|a| a.base_url.clone())
                .filter(|b| !b.trim().is_empty())
                .unwrap_or_else(|| user.instance.clone());
            let credentials = app.and_then(|a| match (&a.client_id, &a.client_secret) {
                (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                    Some(AppCredentials {
                        client_id: id.clone(),
                        client_secret: Secret::new(secret.clone()),
                    })
                }
                _ => None,
            });
            TootAccount {
                name: sanitize_hint(&format!("{}@{}", user.username, user.instance), 100),
                server,
                token: Secret::new(user.access_token.trim()),
                app: credentials,
            }
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn users_get_their_instance_app_and_base_url() {
        let json = br#"{
          "active_user": "alice@social.example",
          "apps": {"social.example": {"base_url": "https://api.social.example",
                   "client_id": "cid", "client_secret": "csec", "instance": "social.example"}},
          "users": {
            "alice@social.example": {"access_token": "tok1", "instance": "social.example", "username": "alice"},
            "bob@other.example": {"access_token": "tok2", "instance": "other.example", "username": "bob"}
          }
        }"#;
        let accounts = parse(json).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[0].name, "alice@social.example");
        assert_eq!(accounts[0].server, "https://api.social.example");
        assert_eq!(accounts[0].token.expose(), "tok1");
        assert_eq!(accounts[0].app.as_ref().unwrap().client_id, "cid");
        assert_eq!(accounts[1].server, "other.example");
        assert!(accounts[1].app.is_none());
        let err = parse(br#"{"users": {"x": {"access_token": "sekrit"}}}"#).unwrap_err();
        assert!(!err.contains("sekrit"), "{err}");
    }

    #[test]
    fn the_default_path_follows_xdg_then_home() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            default_path(&env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/toot/config.json"))
        );
        assert_eq!(
            default_path(&env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/toot/config.json"))
        );
    }
}
