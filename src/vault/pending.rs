//! Apps registered on a server before an account was saved with them (no vault yet, or a run
//! that quit before saving), kept in `apps.json` beside the vault so the next run reuses them
//! instead of registering again: servers allow only a few registrations per address and hour.
//!
//! Not encrypted, unlike the vault: it exists before any passphrase does, and a client id and
//! secret alone open no account (a token needs the user's approval). Still 0600 in the 0700
//! directory, replaced atomically under the vault's lock, and the secret redacted in `Debug`.
//! Once the vault holds an app, its entry here goes; an empty list removes the file.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::VaultError;
use super::model::StoredApp;
use super::store::{self, APPS_FILE, LOCK_TIMEOUT};

/// The format version of `apps.json` this build writes and the newest it reads.
pub const APPS_FORMAT_VERSION: u32 = 1;

/// One app not yet in the vault, with the server it was registered on.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingApp {
    /// The server's base URL, as `BaseUrl::as_str` gives it.
    pub server: String,
    pub app: StoredApp,
}

#[derive(Serialize, Deserialize)]
struct AppsFile {
    version: u32,
    apps: Vec<PendingApp>,
}

/// Why `apps.json` could not be used. Never fatal: the caller carries on without the file (and
/// may register an app again), and shows this as a one-line warning.
#[derive(Debug)]
pub enum PendingError {
    /// The file is there but unreadable or not a list of apps.
    Unreadable { path: PathBuf, detail: String },
    /// A newer mastokey wrote it; it is left as it is.
    Newer { path: PathBuf, found: u64 },
    /// It could not be written (or removed).
    Unwritable { path: PathBuf, detail: String },
}

impl fmt::Display for PendingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PendingError::Unreadable { path, detail } => write!(
                f,
                "{} could not be read ({detail}) and is ignored; mastokey may register its app on the server again. Delete the file if this repeats.",
                path.display()
            ),
            PendingError::Newer { path, found } => write!(
                f,
                "{} was written by a newer mastokey (format {found}) and is left alone; mastokey may register its app on the server again.",
                path.display()
            ),
            PendingError::Unwritable { path, detail } => write!(
                f,
                "{} could not be written ({detail}); the app just registered is kept only until mastokey exits. Check the permissions of the config directory.",
                path.display()
            ),
        }
    }
}

impl std::error::Error for PendingError {}

/// The cause in a few words (the full vault wording gives advice about the vault itself).
fn short(error: &VaultError) -> String {
    match error {
        VaultError::Symlink { .. } => "it is a symbolic link".into(),
        VaultError::NotAFile { .. } => "it is not a regular file".into(),
        VaultError::TooLarge { .. } => "it is too large".into(),
        VaultError::PermissionDenied { .. } => "permission denied".into(),
        VaultError::Io { source, .. } => source.to_string(),
        VaultError::LockTimeout { .. } => "another mastokey held the lock too long".into(),
        other => other.to_string(),
    }
}

fn path_of(dir: &Path) -> PathBuf {
    dir.join(APPS_FILE)
}

/// The apps in `dir/apps.json`, oldest first; none when there is no file.
pub fn load(dir: &Path) -> Result<Vec<PendingApp>, PendingError> {
    // The version first, so a newer file is named as such rather than as damaged.
    #[derive(Deserialize)]
    struct Version {
        version: u64,
    }
    let path = path_of(dir);
    let unreadable = |detail: String| PendingError::Unreadable {
        path: path.clone(),
        detail,
    };
    let Some(bytes) = store::read_file(&path).map_err(|e| unreadable(short(&e)))? else {
        return Ok(Vec::new());
    };
    let version = serde_json::from_slice::<Version>(&bytes)
        .map_err(|e| unreadable(format!("not valid JSON ({})", json_problem(&e))))?
        .version;
    if version > u64::from(APPS_FORMAT_VERSION) {
        return Err(PendingError::Newer {
            path,
            found: version,
        });
    }
    serde_json::from_slice::<AppsFile>(&bytes)
        .map(|file| file.apps)
        .map_err(|e| unreadable(format!("not a list of apps ({})", json_problem(&e))))
}

/// Where and what kind of problem serde found, without its message: that can quote a value
/// from the file, and the file holds client secrets.
fn json_problem(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "could not be read",
        serde_json::error::Category::Syntax => "malformed",
        serde_json::error::Category::Data => "unexpected content",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{kind} at line {}, column {}", e.line(), e.column())
}

/// Read-modify-write of `dir/apps.json` under the vault's lock: re-reads the file (another
/// process may have written it; an unreadable one counts as empty and is replaced), applies
/// `change`, and writes the result atomically, or removes the file when no app is left.
/// Creates `dir` (0700) if needed. A file from a newer mastokey is never overwritten.
pub fn update<T>(
    dir: &Path,
    change: impl FnOnce(&mut Vec<PendingApp>) -> T,
) -> Result<T, PendingError> {
    let path = path_of(dir);
    let unwritable = |e: &VaultError| PendingError::Unwritable {
        path: path.clone(),
        detail: short(e),
    };
    store::ensure_dir(dir).map_err(|e| unwritable(&e))?;
    let _lock = store::lock(dir, LOCK_TIMEOUT).map_err(|e| unwritable(&e))?;
    let mut apps = match load(dir) {
        Ok(apps) => apps,
        Err(newer @ PendingError::Newer { .. }) => return Err(newer),
        Err(_) => Vec::new(),
    };
    let before = encode(&apps).map_err(|e| unwritable(&e))?;
    let result = change(&mut apps);
    if apps.is_empty() {
        match fs::remove_file(&path) {
            Ok(()) => store::sync_dir(dir).map_err(|e| unwritable(&e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(unwritable(&store::io_error(&path, e))),
        }
        return Ok(result);
    }
    let after = encode(&apps).map_err(|e| unwritable(&e))?;
    if after != before || !store::present(&path) {
        store::write_atomic_no_backup(dir, APPS_FILE, &after).map_err(|e| unwritable(&e))?;
    }
    Ok(result)
}

fn encode(apps: &[PendingApp]) -> Result<Vec<u8>, VaultError> {
    #[derive(Serialize)]
    struct Borrowed<'a> {
        version: u32,
        apps: &'a [PendingApp],
    }
    let mut bytes = serde_json::to_vec_pretty(&Borrowed {
        version: APPS_FORMAT_VERSION,
        apps,
    })
    .map_err(|e| VaultError::Io {
        path: PathBuf::from(APPS_FILE),
        source: io::Error::other(e),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn app(server: &str, id: &str) -> PendingApp {
        PendingApp {
            server: server.into(),
            app: StoredApp {
                client_id: id.into(),
                client_secret: Secret::new(format!("secret-of-{id}")),
                scopes: vec!["profile".into()],
                redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
                created_at: "2026-11-30T06:00:00Z".parse().unwrap(),
            },
        }
    }

    #[test]
    fn round_trip_and_an_empty_list_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join("config");
        assert!(load(&dir).unwrap().is_empty(), "no file: no apps");
        update(&dir, |apps| apps.push(app("https://a.example", "one"))).unwrap();
        update(&dir, |apps| apps.push(app("https://b.example", "two"))).unwrap();
        let apps = load(&dir).unwrap();
        let ids: Vec<(&str, &str)> = apps
            .iter()
            .map(|p| (p.server.as_str(), p.app.client_id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [("https://a.example", "one"), ("https://b.example", "two")]
        );
        assert_eq!(apps[1].app.client_secret.expose(), "secret-of-two");
        assert!(
            !dir.join("apps.json.bak").exists(),
            "no backup of old secrets"
        );
        update(&dir, Vec::clear).unwrap();
        assert!(!dir.join(APPS_FILE).exists());
        assert!(load(&dir).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_0600_in_a_0700_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join("config");
        update(&dir, |apps| apps.push(app("https://a.example", "one"))).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join(APPS_FILE)), 0o600);
        assert_eq!(mode(&dir), 0o700);
        // A file made wider by hand is narrowed again on the next write.
        fs::set_permissions(dir.join(APPS_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        update(&dir, |apps| apps.push(app("https://b.example", "two"))).unwrap();
        assert_eq!(mode(&dir.join(APPS_FILE)), 0o600);
    }

    #[test]
    fn a_corrupt_file_is_reported_then_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(APPS_FILE),
            b"{\"version\":1,\"apps\":[{\"serv",
        )
        .unwrap();
        let error = load(dir.path()).unwrap_err();
        assert!(
            matches!(error, PendingError::Unreadable { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("apps.json could not be read"), "{message}");
        assert!(!message.contains('\n'), "one line: {message}");
        update(dir.path(), |apps| {
            apps.push(app("https://a.example", "one"));
        })
        .unwrap();
        assert_eq!(load(dir.path()).unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_file_is_reported_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        // A wrong type makes serde quote the value in its own message.
        fs::write(
            dir.path().join(APPS_FILE),
            br#"{"version":1,"apps":[{"server":"https://a.example","app":"SECRET-xyz"}]}"#,
        )
        .unwrap();
        let message = load(dir.path()).unwrap_err().to_string();
        assert!(!message.contains("SECRET"), "{message}");
        assert!(message.contains("line 1, column"), "{message}");
    }

    #[test]
    fn a_newer_file_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let newer = b"{\"version\":9,\"apps\":[],\"more\":true}";
        fs::write(dir.path().join(APPS_FILE), newer).unwrap();
        let error = load(dir.path()).unwrap_err();
        assert!(
            matches!(error, PendingError::Newer { found: 9, .. }),
            "{error:?}"
        );
        assert!(update(dir.path(), |apps| apps.push(app("https://a.example", "x"))).is_err());
        assert_eq!(fs::read(dir.path().join(APPS_FILE)).unwrap(), newer);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(&elsewhere, b"{\"version\":1,\"apps\":[]}").unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(APPS_FILE)).unwrap();
        let error = load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("symbolic link"), "{error}");
    }

    #[test]
    fn the_secret_stays_out_of_debug_and_errors() {
        let entry = app("https://a.example", "one");
        let debug = format!("{entry:?}");
        assert!(debug.contains("one"), "{debug}");
        assert!(!debug.contains("secret-of-one"), "{debug}");
        let dir = tempfile::tempdir().unwrap();
        update(dir.path(), |apps| {
            apps.push(app("https://a.example", "one"));
        })
        .unwrap();
        let loaded = format!("{:?}", load(dir.path()).unwrap());
        assert!(!loaded.contains("secret-of-one"), "{loaded}");
    }
}
