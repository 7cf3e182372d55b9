//! What is in the vault directory before anything is read or written: the files must be regular
//! files (no links, FIFOs or devices), none may be missing while another one or a backup is
//! there, and temp files or a key backup left by a killed process are cleaned up.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::VaultError;
use super::error::Restore;
use super::store::{
    self, IDENTITY_BACKUP, IDENTITY_FILE, LOCK_FILE, TEMP_PREFIX, TEMP_SUFFIX, VAULT_BACKUP,
    VAULT_FILE,
};

/// `Ok(true)`: both files are there; `Ok(false)`: no vault at all (nor any backup). Anything
/// in between is [`VaultError::FileMissing`], naming the backups that can restore it, so
/// nothing is ever created or saved over a backup whose file is gone.
pub(crate) fn inspect(dir: &Path) -> Result<bool, VaultError> {
    let identity = store::regular(&dir.join(IDENTITY_FILE))?;
    let vault = store::regular(&dir.join(VAULT_FILE))?;
    let identity_bak = store::regular(&dir.join(IDENTITY_BACKUP))?;
    let vault_bak = store::regular(&dir.join(VAULT_BACKUP))?;
    // Opened (and created) by every save: a link here would create or lock a file elsewhere.
    store::regular(&dir.join(LOCK_FILE))?;
    if identity && vault {
        return Ok(true);
    }
    if !identity && !vault && !identity_bak && !vault_bak {
        return Ok(false);
    }
    let mut missing = Vec::new();
    let mut restore = Vec::new();
    for (present, file, bak, name) in [
        (identity, IDENTITY_FILE, identity_bak, IDENTITY_BACKUP),
        (vault, VAULT_FILE, vault_bak, VAULT_BACKUP),
    ] {
        if present {
            continue;
        }
        missing.push(dir.join(file));
        if bak {
            restore.push(Restore {
                backup: dir.join(name),
                file: dir.join(file),
            });
        }
    }
    Err(VaultError::FileMissing { missing, restore })
}

/// Whether `name` is a temp file of a save that never finished: `.mastokey-XXXXXX.tmp`, a
/// backup link `*.bak.tmp`, or `.tmpXXXXXX`, the name earlier versions used.
fn is_leftover(name: &str) -> bool {
    let ours = name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX);
    let link = name == format!("{IDENTITY_BACKUP}{TEMP_SUFFIX}")
        || name == format!("{VAULT_BACKUP}{TEMP_SUFFIX}");
    let legacy = name.len() == 10
        && name.starts_with(".tmp")
        && name[4..].bytes().all(|b| b.is_ascii_alphanumeric());
    ours || link || legacy
}

/// Removes what a killed process can leave behind: temp files (one may hold the key sealed with
/// a passphrase that was never confirmed) and `identity.age.bak` (the key under the previous
/// passphrase, which `passwd` deletes once the new file is in place). Called only after
/// `identity.age` opened, so the key is safe. Skipped when another process holds the lock: its
/// temp files are still in use. Best effort: what cannot be removed stays, and is tried again
/// next time. Returns what was removed.
pub(crate) fn remove_leftovers(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| is_leftover(n) || n == IDENTITY_BACKUP)
        })
        .map(|e| e.path())
        .collect();
    if found.is_empty() {
        return found;
    }
    let Ok(_lock) = store::lock(dir, Duration::ZERO) else {
        return Vec::new();
    };
    found.retain(|path| fs::remove_file(path).is_ok());
    if !found.is_empty() {
        let _ = store::sync_dir(dir);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_recognised_by_name_only() {
        for name in [
            ".mastokey-a1B2c3.tmp",
            ".tmpAb12Cd",
            "vault.age.bak.tmp",
            "identity.age.bak.tmp",
        ] {
            assert!(is_leftover(name), "{name}");
        }
        for name in [
            "vault.age",
            "vault.age.bak",
            "identity.age.bak",
            ".tmp",
            ".tmpfile-of-someone-else",
            "notes.tmp",
        ] {
            assert!(!is_leftover(name), "{name}");
        }
    }
}
