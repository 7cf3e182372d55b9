//! The top-level error, its exit code, and every user-facing message.
//!
//! Lower layers return typed errors that carry facts, never prose; their `Display` impls live in
//! this module (`error/mastodon.rs`, `error/vault.rs`) so the wording of the whole tool can be
//! read and changed in one place. Each message says what happened and what to do next.

mod mastodon;
mod vault;

use std::fmt;
use std::process::ExitCode;

pub const EXIT_INVALID: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_VAULT: u8 = 3;
pub const EXIT_NETWORK: u8 = 4;

#[derive(Debug)]
pub enum Error {
    /// The server name the user gave cannot be used.
    Input(crate::mastodon::InputError),
    /// A network or server failure.
    Api(crate::mastodon::ApiError),
    /// The vault could not be opened, read or written.
    Vault(crate::vault::VaultError),
    /// No stored account matches what the user typed.
    UnknownAccount { query: String, known: Vec<String> },
    /// Several stored accounts match what the user typed.
    AmbiguousAccount {
        query: String,
        candidates: Vec<String>,
    },
    /// The vault holds no accounts yet.
    NoAccounts,
    /// The wizard needs a terminal on stdin and stdout.
    NotATerminal,
    /// The terminal could not be set up or drawn to.
    Terminal(std::io::Error),
    /// `exec` could not start the command.
    Exec {
        program: String,
        source: std::io::Error,
    },
    /// A passphrase prompt was cancelled or the two entries differed.
    PassphraseMismatch,
    /// A passphrase prompt read nothing.
    EmptyPassphrase,
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    pub fn code(&self) -> u8 {
        match self {
            Error::Input(_)
            | Error::UnknownAccount { .. }
            | Error::AmbiguousAccount { .. }
            | Error::NoAccounts
            | Error::NotATerminal
            | Error::Exec { .. } => EXIT_USAGE,
            Error::Api(_) => EXIT_NETWORK,
            Error::Vault(_) | Error::PassphraseMismatch | Error::EmptyPassphrase => EXIT_VAULT,
            Error::Terminal(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(e) => write!(f, "{e}"),
            Error::Api(e) => write!(f, "{e}"),
            Error::Vault(e) => write!(f, "{e}"),
            Error::UnknownAccount { query, known } if known.is_empty() => write!(
                f,
                "no stored account matches \"{query}\", and the vault holds no accounts yet. Add one with `mastokey add`."
            ),
            Error::UnknownAccount { query, known } => write!(
                f,
                "no stored account matches \"{query}\". Stored accounts: {}.",
                known.join(", ")
            ),
            Error::AmbiguousAccount { query, candidates } => write!(
                f,
                "\"{query}\" matches several accounts: {}. Type more of the name.",
                candidates.join(", ")
            ),
            Error::NoAccounts => {
                f.write_str("the vault holds no accounts yet. Add one with `mastokey add`.")
            }
            Error::NotATerminal => f.write_str(
                "the wizard needs an interactive terminal. For scripts, use the commands: `mastokey --help`.",
            ),
            Error::Terminal(e) => write!(f, "the terminal could not be used: {e}"),
            Error::Exec { program, source } => {
                write!(f, "could not run \"{program}\": {source}. Check the command name and your PATH.")
            }
            Error::PassphraseMismatch => {
                f.write_str("the two passphrases differ; nothing was changed. Try again.")
            }
            Error::EmptyPassphrase => {
                f.write_str("an empty passphrase was given; nothing was changed.")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::mastodon::InputError> for Error {
    fn from(e: crate::mastodon::InputError) -> Self {
        Error::Input(e)
    }
}

impl From<crate::mastodon::ApiError> for Error {
    fn from(e: crate::mastodon::ApiError) -> Self {
        Error::Api(e)
    }
}

impl From<crate::vault::VaultError> for Error {
    fn from(e: crate::vault::VaultError) -> Self {
        Error::Vault(e)
    }
}

impl fmt::Display for crate::platform::PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::platform::PlatformError;
        match self {
            PlatformError::BrowserCommand { command, detail } => write!(
                f,
                "the browser command from $BROWSER (\"{command}\") could not start: {detail}. Copy the link instead (c)."
            ),
            PlatformError::NoBrowser { .. } => f.write_str(
                "no browser could be opened here. Copy the link (c) and open it in a browser where you can sign in.",
            ),
            PlatformError::NoClipboard { detail } => {
                write!(f, "nothing could be copied: no clipboard is reachable ({detail}). Select the text with the mouse instead.")
            }
        }
    }
}

impl std::error::Error for crate::platform::PlatformError {}
