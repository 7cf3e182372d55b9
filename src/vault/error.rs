//! Why the vault could not be opened, read or written, and the wording of each case: what
//! happened, and what to do next. Facts live in the variants; no error path writes, truncates or
//! deletes a vault file.

use std::fmt;
use std::path::{Path, PathBuf};

use super::format::{DEFAULT_LOG_N, MAX_LOG_N};

#[derive(Debug)]
pub enum VaultError {
    /// The passphrase does not open `identity.age`.
    WrongPassphrase,
    /// The passphrase from this variable (see `passphrase_source`) does not open `identity.age`:
    /// named, so a stale password-manager entry or file is not mistaken for a typo.
    WrongPassphraseFrom {
        variable: &'static str,
    },
    /// There is no vault yet.
    Missing,
    /// A vault file is gone while the rest of the vault, or a backup of it, is still there.
    /// Nothing is created over it: a new vault would hide, and later overwrite, the backups.
    FileMissing {
        /// The files that are missing, `identity.age` first.
        missing: Vec<PathBuf>,
        /// A backup (`*.bak`) that exists for each missing file that has one.
        restore: Vec<Restore>,
    },
    /// A vault file is a symbolic link; mastokey neither follows nor replaces links.
    Symlink {
        path: PathBuf,
    },
    /// A vault file is a FIFO, a device or a directory: reading it could hang or never end.
    NotAFile {
        path: PathBuf,
    },
    /// A vault file is larger than [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
    TooLarge {
        path: PathBuf,
        limit: u64,
    },
    /// A vault file is truncated, not age, not ours, or holds invalid JSON.
    Corrupt {
        file: PathBuf,
        detail: String,
        /// `file.bak`, when it exists.
        backup: Option<PathBuf>,
    },
    /// `identity.age` asks for a scrypt work factor above [`MAX_LOG_N`]: refused before any
    /// derivation, which could take minutes and gigabytes.
    UnusualWorkFactor {
        file: PathBuf,
        found: u8,
        backup: Option<PathBuf>,
    },
    /// The vault was written by a newer mastokey.
    NewerVersion {
        found: u64,
        supported: u64,
    },
    PermissionDenied {
        path: PathBuf,
    },
    /// Another process held the lock for too long.
    LockTimeout {
        path: PathBuf,
    },
    /// `create` found a vault already there.
    AlreadyExists,
    /// Another process changed the passphrase since this one unlocked the vault.
    ChangedElsewhere,
    /// The vault was opened through the agent, which holds the key: a passphrase change needs
    /// the key itself.
    HeldByAgent,
    /// The unlock agent stopped (timed out, locked or killed) while a command used its key.
    AgentStopped,
    /// No `MASTOKEY_CONFIG_DIR` and no home directory.
    NoConfigDir,
    /// An empty passphrase was offered for a new vault or a passphrase change.
    EmptyPassphrase,
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A passphrase variable (`MASTOKEY_PASSPHRASE_*`) did not give a usable passphrase.
    PassphraseSource {
        variable: &'static str,
        problem: PassphraseProblem,
    },
}

/// A backup that can take the place of a missing file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub backup: PathBuf,
    pub file: PathBuf,
}

/// What went wrong with a passphrase source. Never carries the passphrase or command output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassphraseProblem {
    CommandNotStarted {
        detail: String,
    },
    /// The command exited unsuccessfully (`None`: killed by a signal).
    CommandFailed {
        status: Option<i32>,
    },
    /// The command did not finish within `secs` seconds; it was killed.
    CommandTimedOut {
        secs: u64,
    },
    FileUnreadable {
        path: PathBuf,
        detail: String,
    },
    /// Longer than `max` bytes: not a passphrase (reading stopped there).
    TooLong {
        max: usize,
    },
    NotUtf8,
    Empty,
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// "restore it from X or a backup", naming X only when it exists.
fn restore_hint(backup: Option<&PathBuf>) -> String {
    match backup {
        Some(bak) => format!("restore it from {} or your own backup", name(bak)),
        None => "restore it from your own backup".to_owned(),
    }
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultError::WrongPassphrase => {
                f.write_str("wrong passphrase: the vault stays locked and nothing was changed. Try again.")
            }
            VaultError::WrongPassphraseFrom { variable } => {
                let source = match *variable {
                    super::PASSPHRASE_COMMAND => {
                        "printed by the command in MASTOKEY_PASSPHRASE_COMMAND (its output, one \
                         trailing newline removed)"
                    }
                    super::PASSPHRASE_FILE => {
                        "read from the file named by MASTOKEY_PASSPHRASE_FILE (its first line)"
                    }
                    _ => "in MASTOKEY_PASSPHRASE",
                };
                write!(
                    f,
                    "wrong passphrase: the vault stays locked and nothing was changed. The \
                     passphrase {source} does not open it: correct what {variable} gives, or \
                     unset it to be asked for the passphrase."
                )
            }
            VaultError::Missing => f.write_str(
                "there is no vault yet. Add an account with `mastokey add` to create one.",
            ),
            VaultError::FileMissing { missing, restore } => {
                let names: Vec<String> = missing.iter().map(|p| name(p)).collect();
                let verb = if names.len() == 1 { "is" } else { "are" };
                let files = if names.len() == 1 { "file" } else { "files" };
                write!(f, "the vault {files} {} {verb} missing, so the vault cannot be opened; nothing was changed.", names.join(" and "))?;
                if restore.is_empty() {
                    f.write_str(" Restore it from your own backup")?;
                } else {
                    let moves: Vec<String> = restore
                        .iter()
                        .map(|r| format!("`mv {} {}`", name(&r.backup), name(&r.file)))
                        .collect();
                    write!(f, " Restore the backup with {}", moves.join(" and "))?;
                    if restore.len() < missing.len() {
                        f.write_str(" and the rest from your own backup")?;
                    }
                }
                f.write_str(", then try again.")?;
                let only_vault = missing.len() == 1
                    && restore.is_empty()
                    && missing[0].file_name().is_some_and(|n| n == super::VAULT_FILE);
                if only_vault {
                    f.write_str(" If mastokey was stopped while creating this vault, delete identity.age and add the account again.")?;
                }
                Ok(())
            }
            VaultError::Symlink { path } => write!(
                f,
                "the vault file {} is a symbolic link, and mastokey neither follows nor replaces links to its vault files; nothing was changed. \
                 Move the real file into its place, or point MASTOKEY_CONFIG_DIR at the directory that holds it.",
                name(path)
            ),
            VaultError::NotAFile { path } => write!(
                f,
                "the vault file {} is not a regular file (a FIFO, a device or a directory), so it was not read; nothing was changed. \
                 Put the vault file back in its place.",
                name(path)
            ),
            VaultError::TooLarge { path, limit } => write!(
                f,
                "the vault file {} is larger than the {} MiB a vault file can be, so it was not read; nothing was changed. \
                 Check that it is the right file.",
                name(path),
                limit / (1024 * 1024)
            ),
            VaultError::Corrupt { file, detail, backup } => write!(
                f,
                "the vault file {} cannot be read: {detail}. Nothing was changed; {}.",
                name(file),
                restore_hint(backup.as_ref())
            ),
            VaultError::UnusualWorkFactor { file, found, backup } => write!(
                f,
                "{} asks for an unusual work factor (scrypt 2^{found}; mastokey writes 2^{DEFAULT_LOG_N} and accepts up to 2^{MAX_LOG_N}), \
                 so {} was not opened: it may have been tampered with. Nothing was changed; {}.",
                file.file_name().map_or_else(|| name(file), |n| n.to_string_lossy().into_owned()),
                name(file),
                restore_hint(backup.as_ref())
            ),
            VaultError::NewerVersion { found, supported } => write!(
                f,
                "the vault was written by a newer mastokey (format {found}; this one reads up to \
                 {supported}). Upgrade mastokey; nothing was changed."
            ),
            VaultError::PermissionDenied { path } => write!(
                f,
                "permission denied on {}. Check that your user owns it, then try again.",
                name(path)
            ),
            VaultError::LockTimeout { path } => write!(
                f,
                "another mastokey is still saving the vault (waited 10 s for {}). \
                 Let it finish, then try again.",
                name(path)
            ),
            VaultError::AlreadyExists => f.write_str(
                "a vault already exists here; nothing was changed. Unlock it with its passphrase, \
                 or set MASTOKEY_CONFIG_DIR to keep a separate one.",
            ),
            VaultError::ChangedElsewhere => f.write_str(
                "another mastokey changed the vault passphrase while this one was running, so this change was not made. \
                 Unlock with the passphrase now in effect and try again.",
            ),
            VaultError::HeldByAgent => f.write_str(
                "the vault was opened through the unlock agent, which cannot change the passphrase. \
                 Run the command again with MASTOKEY_NO_AGENT=1 and the current passphrase.",
            ),
            VaultError::AgentStopped => f.write_str(
                "the unlock agent stopped while this command was using it (it timed out, was locked \
                 or killed); nothing was changed. Run the command again: it asks for the passphrase, \
                 or run `mastokey unlock` first.",
            ),
            VaultError::NoConfigDir => f.write_str(
                "no home directory was found to keep the vault in. Set MASTOKEY_CONFIG_DIR to a directory.",
            ),
            VaultError::EmptyPassphrase => f.write_str(
                "an empty passphrase cannot protect the vault; nothing was changed. Choose a passphrase.",
            ),
            VaultError::Io { path, source } => write!(
                f,
                "could not read or write {}: {source}. Check the disk and the directory, then try again.",
                name(path)
            ),
            VaultError::PassphraseSource { variable, problem } => match problem {
                PassphraseProblem::CommandNotStarted { detail } => write!(
                    f,
                    "the command in {variable} could not be started ({detail}). Fix the variable or unset it."
                ),
                PassphraseProblem::CommandFailed { status: Some(code) } => write!(
                    f,
                    "the command in {variable} failed with exit status {code}. Run it by hand to see why, or unset the variable."
                ),
                PassphraseProblem::CommandFailed { status: None } => write!(
                    f,
                    "the command in {variable} was killed by a signal. Run it by hand to see why, or unset the variable."
                ),
                PassphraseProblem::CommandTimedOut { secs } => write!(
                    f,
                    "the command in {variable} did not finish within {secs} s and was stopped. Run it by hand to see why, or unset the variable."
                ),
                PassphraseProblem::FileUnreadable { path, detail } => write!(
                    f,
                    "the passphrase file {} named by {variable} cannot be read ({detail}). Check the path and its permissions.",
                    name(path)
                ),
                PassphraseProblem::TooLong { max } => write!(
                    f,
                    "what {variable} gives is longer than {max} bytes, which is not a passphrase; reading stopped there. Fix it, or unset the variable to be asked instead."
                ),
                PassphraseProblem::NotUtf8 => write!(
                    f,
                    "{variable} gives a passphrase that is not UTF-8 text. Fix it, or unset the variable to be asked instead."
                ),
                PassphraseProblem::Empty => write!(
                    f,
                    "{variable} gives an empty passphrase. Fix it, or unset the variable to be asked instead."
                ),
            },
        }
    }
}

impl std::error::Error for VaultError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VaultError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
