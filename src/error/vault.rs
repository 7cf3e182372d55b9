//! Wording of the vault's errors: what happened, and what to do next.

use std::fmt;

use crate::vault::{PassphraseProblem, VaultError};

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultError::WrongPassphrase => {
                f.write_str("wrong passphrase: the vault stays locked and nothing was changed. Try again.")
            }
            VaultError::Missing => f.write_str(
                "there is no vault yet. Add an account with `mastokey add` to create one.",
            ),
            VaultError::IdentityMissing => f.write_str(
                "vault.age is there but identity.age, the key that opens it, is missing. \
                 Restore identity.age (or copy identity.age.bak to it); nothing was changed.",
            ),
            VaultError::Corrupt { file, detail } => write!(
                f,
                "the vault file {} cannot be read: {detail}. Nothing was changed; restore it from {}.bak or a backup.",
                file.display(),
                file.display()
            ),
            VaultError::NewerVersion { found, supported } => write!(
                f,
                "the vault was written by a newer mastokey (format {found}; this one reads up to \
                 {supported}). Upgrade mastokey; nothing was changed."
            ),
            VaultError::PermissionDenied { path } => write!(
                f,
                "permission denied on {}. Check that your user owns it, then try again.",
                path.display()
            ),
            VaultError::LockTimeout { path } => write!(
                f,
                "another mastokey is still saving the vault (waited 10 s for {}). \
                 Let it finish, then try again.",
                path.display()
            ),
            VaultError::AlreadyExists => f.write_str(
                "a vault already exists here; nothing was changed. Unlock it with its passphrase, \
                 or set MASTOKEY_CONFIG_DIR to keep a separate one.",
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
                path.display()
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
                PassphraseProblem::FileUnreadable { path, detail } => write!(
                    f,
                    "the passphrase file {} named by {variable} cannot be read ({detail}). Check the path and its permissions.",
                    path.display()
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
