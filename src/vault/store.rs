//! Where the vault lives and how its files are written: permissions, atomic replace with a
//! backup of the previous good file, and the advisory lock around read-modify-write.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::VaultError;

pub(crate) const IDENTITY_FILE: &str = "identity.age";
pub(crate) const VAULT_FILE: &str = "vault.age";
pub(crate) const LOCK_FILE: &str = "vault.lock";
pub(crate) const IDENTITY_BACKUP: &str = "identity.age.bak";
pub(crate) const VAULT_BACKUP: &str = "vault.age.bak";
/// Apps registered but not yet in the vault (see `vault::pending`).
pub(crate) const APPS_FILE: &str = "apps.json";

/// The largest vault file read: far above any real vault (an account takes about 1 KiB), low
/// enough that a wrong or planted file cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Temp files are named `.mastokey-XXXXXX.tmp`, so leftovers of a killed process are recognised
/// (see `layout::remove_leftovers`) without touching anything else in the directory.
pub(crate) const TEMP_PREFIX: &str = ".mastokey-";
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// Every file mastokey keeps in its directory; each gets mode 0600 on every write.
pub(crate) const OWN_FILES: [&str; 6] = [
    IDENTITY_FILE,
    IDENTITY_BACKUP,
    VAULT_FILE,
    VAULT_BACKUP,
    LOCK_FILE,
    APPS_FILE,
];

/// How long a writer waits for another process to finish its save.
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(25);

/// The vault directory: `MASTOKEY_CONFIG_DIR`, else the platform's config dir for mastokey
/// (`~/.config/mastokey` on Linux). `directories` reads the home directory from the process
/// environment, not from `env`.
pub fn config_dir(env: &dyn Fn(&str) -> Option<OsString>) -> Result<PathBuf, VaultError> {
    if let Some(dir) = env("MASTOKEY_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "mastokey")
        .map(|dirs| dirs.config_dir().to_owned())
        .ok_or(VaultError::NoConfigDir)
}

pub(crate) fn io_error(path: &Path, source: io::Error) -> VaultError {
    if source.kind() == io::ErrorKind::PermissionDenied {
        VaultError::PermissionDenied {
            path: path.to_owned(),
        }
    } else {
        VaultError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Whether `path` is a regular file (`Ok(true)`) or absent (`Ok(false)`). Symbolic links and
/// anything else (FIFO, device, directory) are errors, decided without opening the file, so a
/// FIFO cannot block the read.
pub(crate) fn regular(path: &Path) -> Result<bool, VaultError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(VaultError::Symlink {
            path: path.to_owned(),
        }),
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(_) => Err(VaultError::NotAFile {
            path: path.to_owned(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(path, e)),
    }
}

/// The file's bytes, or `None` when it does not exist. Refuses links, non-regular files and
/// files over [`MAX_FILE_BYTES`], and never reads more than that.
pub(crate) fn read_file(path: &Path) -> Result<Option<Vec<u8>>, VaultError> {
    if !regular(path)? {
        return Ok(None);
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    // Checked again on the open file: it may have been swapped since the look above.
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(VaultError::NotAFile {
            path: path.to_owned(),
        });
    }
    let too_large = || VaultError::TooLarge {
        path: path.to_owned(),
        limit: MAX_FILE_BYTES,
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

/// Whether something is at `path` (a link counts, even a dangling one); an error (e.g. no
/// permission to look) counts as "exists", so nothing is ever created over a file we cannot see.
pub(crate) fn present(path: &Path) -> bool {
    match fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

/// A new temp file in `dir`, named so leftovers can be recognised.
fn temp_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// Creates the directory (0700 from the start) if needed, then secures it.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), VaultError> {
    mode::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    secure(dir)
}

/// Directory 0700 and every file of ours 0600, even where they were created wider.
pub(crate) fn secure(dir: &Path) -> Result<(), VaultError> {
    mode::set(dir, 0o700).map_err(|e| io_error(dir, e))?;
    for name in OWN_FILES {
        let path = dir.join(name);
        match mode::set(&path, 0o600) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(&path, e)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// Test hook run after the new file is written and synced, before it replaces the old one.
    pub(crate) static BEFORE_RENAME: std::cell::Cell<Option<fn()>> = const { std::cell::Cell::new(None) };
}

/// Replaces `dir/name` with `bytes` atomically: a temp file in the same directory, written and
/// synced, the previous file kept as `name.bak`, then a rename and a sync of the directory.
/// A crash at any point leaves either the old or the new file in place, never a mix.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), VaultError> {
    replace(dir, name, bytes, true)
}

/// [`write_atomic`] without the backup, for a file whose previous version is worth nothing
/// once replaced (`apps.json`).
pub(crate) fn write_atomic_no_backup(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), VaultError> {
    replace(dir, name, bytes, false)
}

fn replace(dir: &Path, name: &str, bytes: &[u8], keep_backup: bool) -> Result<(), VaultError> {
    let target = dir.join(name);
    let mut tmp = temp_in(dir).map_err(|e| io_error(dir, e))?;
    let written = mode::set_file(tmp.as_file(), 0o600)
        .and_then(|()| tmp.write_all(bytes))
        .and_then(|()| tmp.as_file().sync_all());
    written.map_err(|e| io_error(tmp.path(), e))?;

    if keep_backup {
        backup(dir, name, &target)?;
    }

    #[cfg(test)]
    if let Some(hook) = BEFORE_RENAME.with(std::cell::Cell::get) {
        hook();
    }

    tmp.persist(&target)
        .map_err(|e| io_error(&target, e.error))?;
    sync_dir(dir)
}

/// Makes a rename or removal in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    mode::sync_dir(dir).map_err(|e| io_error(dir, e))
}

/// Keeps the current `target` as `name.bak` (atomically replacing an older backup). A hard link
/// costs nothing; filesystems without links get a copy.
fn backup(dir: &Path, name: &str, target: &Path) -> Result<(), VaultError> {
    if !present(target) {
        return Ok(());
    }
    let bak = dir.join(format!("{name}.bak"));
    let link = dir.join(format!("{name}.bak{TEMP_SUFFIX}"));
    // Left over from a save interrupted right here; only ever a link to a good file.
    let _ = fs::remove_file(&link);
    if fs::hard_link(target, &link).is_ok() {
        return fs::rename(&link, &bak).map_err(|e| io_error(&bak, e));
    }
    let copy = temp_in(dir).map_err(|e| io_error(dir, e))?;
    fs::copy(target, copy.path()).map_err(|e| io_error(&bak, e))?;
    mode::set_file(copy.as_file(), 0o600).map_err(|e| io_error(&bak, e))?;
    copy.as_file().sync_all().map_err(|e| io_error(&bak, e))?;
    copy.persist(&bak).map_err(|e| io_error(&bak, e.error))?;
    Ok(())
}

/// An advisory lock on `vault.lock`, released when dropped (closing the file releases it too,
/// even if the process dies).
#[derive(Debug)]
pub(crate) struct DirLock {
    file: File,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the vault's lock, waiting at most `timeout` for another process to release it.
/// A separate lock file, because `vault.age` itself is replaced by rename on every save.
pub(crate) fn lock(dir: &Path, timeout: Duration) -> Result<DirLock, VaultError> {
    let path = dir.join(LOCK_FILE);
    // A link here would create and chmod a file elsewhere.
    regular(&path)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io_error(&path, e))?;
    mode::set_file(&file, 0o600).map_err(|e| io_error(&path, e))?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(DirLock { file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(LOCK_POLL);
            }
            Err(TryLockError::WouldBlock) => return Err(VaultError::LockTimeout { path }),
            Err(TryLockError::Error(e)) => return Err(io_error(&path, e)),
        }
    }
}

/// The only platform-specific calls: file modes and syncing a directory.
#[cfg(unix)]
mod mode {
    use std::fs::{self, DirBuilder, File, Permissions};
    use std::io;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    use std::path::Path;

    pub(super) fn create_dir_all(dir: &Path) -> io::Result<()> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }

    pub(super) fn set(path: &Path, mode: u32) -> io::Result<()> {
        fs::set_permissions(path, Permissions::from_mode(mode))
    }

    pub(super) fn set_file(file: &File, mode: u32) -> io::Result<()> {
        file.set_permissions(Permissions::from_mode(mode))
    }

    /// Makes a rename in `dir` durable.
    pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
}

#[cfg(not(unix))]
mod mode {
    use std::fs::{self, File};
    use std::io;
    use std::path::Path;

    pub(super) fn create_dir_all(dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    /// Other platforms protect the user's config directory through their own ACLs.
    pub(super) fn set(path: &Path, _mode: u32) -> io::Result<()> {
        fs::metadata(path).map(drop)
    }

    pub(super) fn set_file(_file: &File, _mode: u32) -> io::Result<()> {
        Ok(())
    }

    pub(super) fn sync_dir(_dir: &Path) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn config_dir_prefers_the_variable() {
        let env = |k: &str| (k == "MASTOKEY_CONFIG_DIR").then(|| OsString::from("/tmp/mk"));
        assert_eq!(config_dir(&env).unwrap(), PathBuf::from("/tmp/mk"));
        let empty = |k: &str| (k == "MASTOKEY_CONFIG_DIR").then(OsString::new);
        // An empty variable counts as unset: falls back to the platform directory (if any).
        if let Ok(dir) = config_dir(&empty) {
            assert!(dir.ends_with("mastokey"), "{}", dir.display());
        }
    }

    #[test]
    fn atomic_write_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "f", b"one").unwrap();
        assert!(!dir.path().join("f.bak").exists());
        write_atomic(dir.path(), "f", b"two").unwrap();
        write_atomic(dir.path(), "f", b"three").unwrap();
        assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"three");
        assert_eq!(fs::read(dir.path().join("f.bak")).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temp files left: {names:?}");
    }

    #[test]
    fn lock_times_out_while_held() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path(), Duration::ZERO).unwrap();
        let start = Instant::now();
        let err = lock(dir.path(), Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, VaultError::LockTimeout { .. }), "{err:?}");
        assert!(start.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(lock(dir.path(), Duration::ZERO).is_ok());
    }
}
