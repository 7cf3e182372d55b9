//! The encrypted vault: servers, their registered apps, and accounts with their tokens.
//!
//! Two plain (binary, not armored) age files in the config directory:
//! `identity.age`, an age X25519 identity encrypted with the passphrase (scrypt), and
//! `vault.age`, the data as versioned JSON encrypted to that identity. Unlocking costs one key
//! derivation; saving costs none.
//!
//! Your data never depends on mastokey. With the standard `age` (or `rage`) tools:
//!
//! ```text
//! age -d identity.age > key.txt        # asks for the vault passphrase
//! age -d -i key.txt vault.age          # prints the JSON, tokens included
//! ```
//!
//! (`age -d -i identity.age vault.age` does both at once: age reads passphrase-encrypted
//! identity files.) Delete `key.txt` afterwards: it opens the vault without a passphrase.
//!
//! Saves are atomic (temp file, fsync, rename, fsync of the directory), keep the previous good
//! file as `*.bak`, and run under an advisory lock on `vault.lock`, re-reading the file first,
//! so concurrent mastokey processes lose nothing.
//!
//! The files must be regular files of at most [`MAX_FILE_BYTES`]: links, FIFOs and devices are
//! refused before anything is read or written. A file missing while the other one or a backup is
//! there is an error naming the backup, never an empty vault. Temp files and `identity.age.bak`
//! left by a killed process are removed by the next unlock.

mod error;
mod format;
mod layout;
pub mod model;
pub mod pending;
mod store;
mod strength;
mod unlock;

use std::fmt;
use std::path::{Path, PathBuf};

use age::x25519;
use sha2::{Digest, Sha256};

pub use error::{PassphraseProblem, Restore, VaultError};
pub use format::{DEFAULT_LOG_N, MAX_LOG_N};
pub use model::{
    CheckStatus, FORMAT_VERSION, Resolve, StoredAccount, StoredApp, StoredServer, Upsert, VaultData,
};
pub use store::{MAX_FILE_BYTES, config_dir};
pub use strength::passphrase_strength;
pub use unlock::{
    COMMAND_TIMEOUT, MAX_PASSPHRASE_BYTES, PASSPHRASE, PASSPHRASE_COMMAND, PASSPHRASE_FILE,
    PASSPHRASE_VARIABLES, passphrase_from_env, passphrase_source,
};

use crate::secret::Secret;
use store::{IDENTITY_FILE, LOCK_TIMEOUT, VAULT_FILE};

/// The shortest new passphrase accepted, in characters (both front ends ask for it).
pub const MIN_PASSPHRASE_LEN: usize = 8;

/// The scrypt work factor used when encrypting `identity.age`. Decryption always accepts up to
/// the fixed [`MAX_LOG_N`], so files open the same in every build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kdf {
    log_n: u8,
}

impl Default for Kdf {
    /// 2^17, the shipped value.
    fn default() -> Self {
        Kdf {
            log_n: DEFAULT_LOG_N,
        }
    }
}

impl Kdf {
    /// A cheap work factor so tests can create vaults quickly. Never use it for real vaults.
    #[doc(hidden)]
    pub fn insecure_for_tests(log_n: u8) -> Self {
        Kdf {
            log_n: log_n.clamp(1, MAX_LOG_N),
        }
    }

    pub fn log_n(self) -> u8 {
        self.log_n
    }
}

/// A key held elsewhere (the unlock agent): it unwraps `vault.age`'s file key on request, so
/// the identity never enters this process. Saving needs only the public recipient.
pub trait HeldKey: age::Identity + Send {
    fn recipient(&self) -> x25519::Recipient;
}

/// The key that opens `vault.age`.
enum Key {
    /// Zeroized on drop (x25519-dalek's `StaticSecret`).
    Own(x25519::Identity),
    Held(Box<dyn HeldKey>),
}

impl Key {
    fn identity(&self) -> &dyn age::Identity {
        match self {
            Key::Own(identity) => identity,
            Key::Held(held) => held.as_ref(),
        }
    }

    fn recipient(&self) -> x25519::Recipient {
        match self {
            Key::Own(identity) => identity.to_public(),
            Key::Held(held) => held.recipient(),
        }
    }
}

/// An unlocked vault: the data plus the key that re-reads and re-encrypts it on save.
pub struct Vault {
    dir: PathBuf,
    identity: Key,
    /// SHA-256 of `identity.age` as last read or written, to notice another process's `passwd`.
    sealed_identity: [u8; 32],
    data: VaultData,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Whether a vault, part of one, or a backup of one is in `dir`. When unsure (no permission
    /// to look), says yes, so callers unlock and get the real error rather than create over it.
    pub fn exists(dir: &Path) -> bool {
        [
            IDENTITY_FILE,
            VAULT_FILE,
            store::IDENTITY_BACKUP,
            store::VAULT_BACKUP,
        ]
        .iter()
        .any(|name| store::present(&dir.join(name)))
    }

    /// Like [`Vault::exists`], but reports a vault that cannot be opened whatever the passphrase
    /// (a file missing while another or a backup is there, a link, a FIFO), so callers can say
    /// so before asking for a passphrase. `Ok(false)`: no vault at all.
    pub fn inspect(dir: &Path) -> Result<bool, VaultError> {
        layout::inspect(dir)
    }

    /// Creates an empty vault in `dir` (created 0700 if needed). Refuses to touch an existing
    /// one. Costs one key derivation.
    pub fn create(dir: &Path, passphrase: &Secret, kdf: Kdf) -> Result<Vault, VaultError> {
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        // Checked before touching the directory, and again under the lock against a race.
        if Self::exists(dir) {
            return Err(VaultError::AlreadyExists);
        }
        store::ensure_dir(dir)?;
        let _lock = store::lock(dir, LOCK_TIMEOUT)?;
        if Self::exists(dir) {
            return Err(VaultError::AlreadyExists);
        }
        let identity = x25519::Identity::generate();
        let id_path = dir.join(IDENTITY_FILE);
        let sealed_identity = format::seal_identity(&identity, passphrase, kdf.log_n, &id_path)?;
        let data = VaultData::default();
        let vault_path = dir.join(VAULT_FILE);
        let json = format::encode(&data, &vault_path)?;
        let sealed = format::seal_data(&json, &identity.to_public(), &vault_path)?;
        // Identity first: a crash between the two leaves a key without data (reported as a missing
        // vault.age; the message says to delete identity.age when a create was interrupted, and
        // nothing is lost since a new vault holds nothing), rather than data without its key.
        store::write_atomic(dir, IDENTITY_FILE, &sealed_identity)?;
        store::write_atomic(dir, VAULT_FILE, &sealed)?;
        Ok(Vault {
            dir: dir.to_owned(),
            identity: Key::Own(identity),
            sealed_identity: digest(&sealed_identity),
            data,
        })
    }

    /// Opens the vault in `dir`. Costs one key derivation (none when the files are missing,
    /// links, not regular files, too large, or ask for an unusual work factor). Writes nothing
    /// but removes what a killed save or `passwd` left behind (see `layout::remove_leftovers`).
    pub fn unlock(dir: &Path, passphrase: &Secret) -> Result<Vault, VaultError> {
        if !layout::inspect(dir)? {
            return Err(VaultError::Missing);
        }
        let id_path = dir.join(IDENTITY_FILE);
        let sealed_identity = store::read_file(&id_path)?.ok_or_else(|| missing(dir))?;
        let identity =
            format::open_identity(&sealed_identity, passphrase, &id_path).map_err(with_backup)?;
        let (data, _) = read_data(dir, &identity).map_err(with_backup)?;
        layout::remove_leftovers(dir);
        Ok(Vault {
            dir: dir.to_owned(),
            identity: Key::Own(identity),
            sealed_identity: digest(&sealed_identity),
            data,
        })
    }

    /// Opens the vault in `dir` with a key held elsewhere (the unlock agent): no key derivation.
    pub fn unlock_held(dir: &Path, key: Box<dyn HeldKey>) -> Result<Vault, VaultError> {
        if !layout::inspect(dir)? {
            return Err(VaultError::Missing);
        }
        let id_path = dir.join(IDENTITY_FILE);
        let sealed_identity = store::read_file(&id_path)?.ok_or_else(|| missing(dir))?;
        let key = Key::Held(key);
        let (data, _) = read_data(dir, key.identity()).map_err(with_backup)?;
        Ok(Vault {
            dir: dir.to_owned(),
            identity: key,
            sealed_identity: digest(&sealed_identity),
            data,
        })
    }

    /// The identity in age's text form, for the unlock agent to hold; `None` when this vault
    /// was itself opened through the agent.
    pub fn identity_for_agent(&self) -> Option<Secret> {
        use age::secrecy::ExposeSecret;
        match &self.identity {
            Key::Own(identity) => Some(Secret::new(identity.to_string().expose_secret())),
            Key::Held(_) => None,
        }
    }

    /// The data as of the last unlock or update.
    pub fn data(&self) -> &VaultData {
        &self.data
    }

    /// Read-modify-write under the lock: re-reads `vault.age` from disk (another process may
    /// have saved since), applies `change`, saves atomically (backup kept), and refreshes
    /// [`Vault::data`]. Nothing is written when `change` leaves the data as it was, or when
    /// re-reading fails.
    pub fn update<T>(&mut self, change: impl FnOnce(&mut VaultData) -> T) -> Result<T, VaultError> {
        let _lock = store::lock(&self.dir, LOCK_TIMEOUT)?;
        if !layout::inspect(&self.dir)? {
            return Err(missing(&self.dir));
        }
        let (mut data, before) = read_data(&self.dir, self.identity.identity()).map_err(|e| {
            match (&self.identity, e) {
                // The agent answered when the vault was opened: a key that fails now is the
                // agent gone, not a damaged file.
                (Key::Held(_), VaultError::Corrupt { .. }) => VaultError::AgentStopped,
                (_, e) => with_backup(e),
            }
        })?;
        let result = change(&mut data);
        let path = self.dir.join(VAULT_FILE);
        let json = format::encode(&data, &path)?;
        if before.as_slice() != json.as_slice() {
            let sealed = format::seal_data(&json, &self.identity.recipient(), &path)?;
            store::secure(&self.dir)?;
            store::write_atomic(&self.dir, VAULT_FILE, &sealed)?;
        }
        self.data = data;
        Ok(result)
    }

    /// Re-encrypts `identity.age` with a new passphrase (previous file kept as
    /// `identity.age.bak`). The key itself stays, so `vault.age` is not touched and other
    /// running processes keep working. Costs one key derivation.
    ///
    /// Fails with [`VaultError::ChangedElsewhere`] when `identity.age` changed since this vault
    /// was unlocked (another `passwd` won the race): both would report success, and only the last
    /// passphrase would work.
    ///
    /// The backup still opens with the old passphrase: callers should delete it with
    /// [`Vault::remove_identity_backup`] once this returns (the next unlock does it otherwise).
    pub fn change_passphrase(&mut self, new: &Secret, kdf: Kdf) -> Result<(), VaultError> {
        if new.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let Key::Own(identity) = &self.identity else {
            return Err(VaultError::HeldByAgent);
        };
        let _lock = store::lock(&self.dir, LOCK_TIMEOUT)?;
        if !layout::inspect(&self.dir)? {
            return Err(missing(&self.dir));
        }
        let path = self.dir.join(IDENTITY_FILE);
        let current = store::read_file(&path)?.ok_or_else(|| missing(&self.dir))?;
        if digest(&current) != self.sealed_identity {
            return Err(VaultError::ChangedElsewhere);
        }
        let sealed = format::seal_identity(identity, new, kdf.log_n, &path)?;
        store::secure(&self.dir)?;
        store::write_atomic(&self.dir, IDENTITY_FILE, &sealed)?;
        self.sealed_identity = digest(&sealed);
        Ok(())
    }

    /// Deletes `identity.age.bak`, the copy [`Vault::change_passphrase`] keeps, which still
    /// opens with the old passphrase. Nothing to delete is fine.
    pub fn remove_identity_backup(&self) -> Result<(), VaultError> {
        let _lock = store::lock(&self.dir, LOCK_TIMEOUT)?;
        let path = self.dir.join(store::IDENTITY_BACKUP);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store::io_error(&path, e)),
        }
    }
}

/// Decrypted JSON, wiped on drop.
type Json = zeroize::Zeroizing<Vec<u8>>;

/// Reads and decrypts `vault.age`, with its JSON. A missing `vault.age` is an error even next
/// to a good identity: treating it as empty would let the next save replace `vault.age.bak`.
fn read_data(dir: &Path, identity: &dyn age::Identity) -> Result<(VaultData, Json), VaultError> {
    let path = dir.join(VAULT_FILE);
    let bytes = store::read_file(&path)?.ok_or_else(|| missing(dir))?;
    format::open_data(&bytes, identity, &path)
}

/// The error for a file that vanished between [`layout::inspect`] and the read.
fn missing(dir: &Path) -> VaultError {
    match layout::inspect(dir) {
        Err(e) => e,
        Ok(_) => VaultError::Missing,
    }
}

/// Names `file.bak` in the error when that backup exists (hints name only files that exist).
fn with_backup(error: VaultError) -> VaultError {
    let bak = |file: &Path| {
        let mut name = file.as_os_str().to_owned();
        name.push(".bak");
        let bak = PathBuf::from(name);
        store::regular(&bak).unwrap_or(false).then_some(bak)
    };
    match error {
        VaultError::Corrupt { file, detail, .. } => VaultError::Corrupt {
            backup: bak(&file),
            file,
            detail,
        },
        VaultError::UnusualWorkFactor { file, found, .. } => VaultError::UnusualWorkFactor {
            backup: bak(&file),
            file,
            found,
        },
        other => other,
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::process::Command;

    use super::*;

    const CHILD_DIR: &str = "MASTOKEY_TEST_CRASH_DIR";

    fn account(n: usize) -> StoredAccount {
        StoredAccount {
            id: n.to_string(),
            username: format!("user{n}"),
            domain: "social.example".into(),
            server: "https://social.example".into(),
            display_name: String::new(),
            token: Secret::new(format!("tok{n}")),
            scopes: vec!["profile".into()],
            client_id: "cid".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            last_checked_at: None,
            last_status: None,
            last_detail: None,
            expires_at: None,
        }
    }

    /// Runs only as a child of `interrupted_save_leaves_a_vault_that_opens`: starts a save and
    /// exits abruptly (no destructors, like a kill) after the new file is written and synced but
    /// before it replaces the old one.
    #[test]
    #[ignore = "child process of interrupted_save_leaves_a_vault_that_opens"]
    fn child_crashes_before_rename() {
        let Some(dir) = std::env::var_os(CHILD_DIR) else {
            return;
        };
        let mut vault = Vault::unlock(Path::new(&dir), &Secret::new("pw")).unwrap();
        store::BEFORE_RENAME.with(|hook| hook.set(Some(|| std::process::exit(77))));
        vault.update(|d| d.upsert_account(account(2))).unwrap();
        unreachable!("the hook exits");
    }

    #[test]
    fn interrupted_save_leaves_a_vault_that_opens() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault =
            Vault::create(dir.path(), &Secret::new("pw"), Kdf::insecure_for_tests(10)).unwrap();
        vault.update(|d| d.upsert_account(account(1))).unwrap();
        let before = std::fs::read(dir.path().join(VAULT_FILE)).unwrap();

        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "vault::tests::child_crashes_before_rename",
                "--ignored",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .stdout(std::process::Stdio::null())
            .env(CHILD_DIR, dir.path())
            .status()
            .unwrap();
        assert_eq!(
            status.code(),
            Some(77),
            "the child must die inside the save"
        );

        assert_eq!(std::fs::read(dir.path().join(VAULT_FILE)).unwrap(), before);
        let mut reopened = Vault::unlock(dir.path(), &Secret::new("pw")).unwrap();
        assert_eq!(reopened.data().accounts.len(), 1);
        // The abandoned temp file does not stop the next save.
        reopened.update(|d| d.upsert_account(account(3))).unwrap();
        let again = Vault::unlock(dir.path(), &Secret::new("pw")).unwrap();
        assert_eq!(again.data().accounts.len(), 2);
    }

    #[test]
    fn identity_without_data_is_an_error_not_an_empty_vault() {
        let dir = tempfile::tempdir().unwrap();
        Vault::create(dir.path(), &Secret::new("pw"), Kdf::insecure_for_tests(10)).unwrap();
        std::fs::rename(dir.path().join(VAULT_FILE), dir.path().join("elsewhere")).unwrap();
        let err = Vault::unlock(dir.path(), &Secret::new("pw")).unwrap_err();
        assert!(
            matches!(&err, VaultError::FileMissing { missing, restore }
                if missing == &[dir.path().join(VAULT_FILE)] && restore.is_empty()),
            "{err:?}"
        );
        assert!(!dir.path().join(VAULT_FILE).exists());
    }

    #[test]
    fn unchanged_data_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault =
            Vault::create(dir.path(), &Secret::new("pw"), Kdf::insecure_for_tests(10)).unwrap();
        let before = std::fs::read(dir.path().join(VAULT_FILE)).unwrap();
        let removed = vault
            .update(|d| {
                d.remove_account(&crate::vault::model::AccountKey::new(
                    "https://nowhere",
                    "0",
                ))
            })
            .unwrap();
        assert!(removed.is_none());
        assert_eq!(std::fs::read(dir.path().join(VAULT_FILE)).unwrap(), before);
        assert!(!dir.path().join("vault.age.bak").exists());
    }

    #[test]
    fn kdf_default_is_the_shipped_value() {
        assert_eq!(Kdf::default().log_n(), 17);
        assert_eq!(Kdf::insecure_for_tests(0).log_n(), 1);
        assert_eq!(Kdf::insecure_for_tests(99).log_n(), MAX_LOG_N);
    }
}
