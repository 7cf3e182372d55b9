//! The top-level error, its exit code, and every user-facing message.
//!
//! Lower layers return typed errors that carry facts, never prose. Their `Display` impls live
//! next to their types (`mastodon/errors/wording.rs`, `vault/error.rs`, `platform.rs`). Each
//! message says what happened and what to do next.

use std::fmt;
use std::process::ExitCode;

use crate::vault::{PASSPHRASE, PASSPHRASE_COMMAND, PASSPHRASE_FILE};

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
    /// `remove --revoke`: the server did not revoke the token, so the account was kept.
    NotRevoked {
        /// How to name the account on the command line.
        account: String,
        error: crate::mastodon::ApiError,
    },
    /// `remove --revoke`: the app that issued the token is not in the vault, so it cannot be
    /// revoked from here; the account was kept.
    CannotRevoke { account: String },
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
    /// The vault is locked, no `MASTOKEY_PASSPHRASE_*` variable is set and stdin is no terminal.
    NoPassphraseSource,
    /// `passwd` needs a terminal to type the new passphrase into.
    NewPassphraseNeedsTerminal,
    /// A new passphrase shorter than `min` characters.
    PassphraseTooShort { min: usize },
    /// `import` with no vault yet: the passphrase from a variable is too short for a new one.
    NewVaultPassphraseTooShort { min: usize },
    /// The passphrase typed at the prompt is not UTF-8 text.
    PromptNotText,
    /// The line typed at the prompt is longer than `max` bytes.
    PromptTooLong { max: usize },
    /// Writing the command's output failed (not a closed pipe: that is silently fine).
    Output(std::io::Error),
    /// `import`: the server refused the token (nothing was saved).
    TokenNotValid { server: String, detail: String },
    /// `import`: stdin held no token.
    NoToken,
    /// Enter was pressed at the token prompt with nothing typed.
    NoTokenTyped,
    /// `import SERVER TOKEN`: the token was given as an argument.
    TokenAsArgument,
    /// `import --from-toot`: toot's config file could not be read.
    Toot(crate::accounts::adopt::toot::TootError),
    /// The unlock agent could not be started or reached.
    #[cfg(unix)]
    Agent(crate::agent::AgentError),
}

/// Something went wrong but the command still did what it could; printed on stderr, exit code
/// unchanged.
#[derive(Debug)]
pub enum Warning {
    /// A wrong passphrase at the prompt; another try follows.
    WrongPassphraseRetry,
    /// `passwd`: the old identity backup could not be deleted.
    BackupNotRemoved { error: crate::vault::VaultError },
    /// `verify`: the results were printed but could not be recorded in the vault.
    ChecksNotRecorded { error: crate::vault::VaultError },
    /// `token`, `exec`: the token is handed out, but its last check said it does not work.
    LastCheckNotValid {
        account: String,
        status: &'static str,
    },
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
            | Error::Exec { .. }
            | Error::NewPassphraseNeedsTerminal
            // Not 1: that code means a token is not valid (see the exit codes in the README).
            | Error::Terminal(_)
            | Error::Output(_)
            | Error::NoToken
            | Error::NoTokenTyped
            | Error::TokenAsArgument
            | Error::Toot(_) => EXIT_USAGE,
            Error::TokenNotValid { .. } => EXIT_INVALID,
            #[cfg(unix)]
            Error::Agent(_) => EXIT_VAULT,
            Error::Api(_) | Error::NotRevoked { .. } => EXIT_NETWORK,
            Error::Vault(_)
            | Error::CannotRevoke { .. }
            | Error::PassphraseMismatch
            | Error::EmptyPassphrase
            | Error::NoPassphraseSource
            | Error::PassphraseTooShort { .. }
            | Error::NewVaultPassphraseTooShort { .. }
            | Error::PromptNotText
            | Error::PromptTooLong { .. } => EXIT_VAULT,
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
                "\"{query}\" matches several accounts: {}. Type more of the name, or one of these names \
                 (quoted) or user@domain@SERVER to pick an entry that shares its handle.",
                candidates.join(", ")
            ),
            Error::NoAccounts => {
                f.write_str("the vault holds no accounts yet. Add one with `mastokey add`.")
            }
            // The server's error already says what to do about it; this adds only the way out.
            Error::NotRevoked { account, error } => write!(
                f,
                "the token of {account} was not revoked: {error} The account is still in the vault, \
                 so its token is not lost. Once the token is revoked, run `mastokey remove {account}` \
                 (without --revoke) to remove it here only."
            ),
            Error::CannotRevoke { account } => write!(
                f,
                "the token of {account} cannot be revoked from here: the app that issued it is not in \
                 the vault. Nothing was removed. Revoke the token on the server's website under \
                 Authorized apps, then run `mastokey remove {account}` (without --revoke) to remove it \
                 here only."
            ),
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
            Error::NoPassphraseSource => write!(
                f,
                "the vault is locked and there is no terminal to ask for its passphrase. \
                 Set {PASSPHRASE_COMMAND}, {PASSPHRASE_FILE} or {PASSPHRASE}, run the command in a terminal, \
                 or run `mastokey unlock` in a terminal first (then commands need no passphrase for a while)."
            ),
            Error::NewPassphraseNeedsTerminal => f.write_str(
                "the new passphrase can only be typed at a terminal (stdin is not one); nothing was changed. \
                 Run `mastokey passwd` in a terminal.",
            ),
            Error::NewVaultPassphraseTooShort { min } => write!(
                f,
                "there is no vault yet, and the passphrase from {PASSPHRASE_COMMAND}, {PASSPHRASE_FILE} \
                 or {PASSPHRASE} is shorter than the {min} characters a new vault needs; nothing was \
                 saved. Give a longer one, or run `mastokey` to create the vault."
            ),
            Error::PassphraseTooShort { min } => write!(
                f,
                "the new passphrase is shorter than {min} characters; nothing was changed. Choose a longer one."
            ),
            Error::PromptNotText => f.write_str(
                "what was typed is not UTF-8 text (check the terminal's character set); nothing was changed. Try again.",
            ),
            Error::PromptTooLong { max } => write!(
                f,
                "what was typed is longer than {max} bytes, which is not a passphrase; nothing was changed. Try again."
            ),
            Error::Output(e) => write!(f, "the output could not be written: {e}. Check where it goes."),
            Error::TokenNotValid { server, detail } => write!(
                f,
                "{server} refused the token: {}. Nothing was saved. Check that you copied the \
                 whole token and that it belongs to this server.",
                crate::mastodon::cause(detail)
            ),
            Error::TokenAsArgument => f.write_str(
                "import reads the token from stdin, not from the arguments (they show in `ps` \
                 and your shell's history); nothing was saved. Run `mastokey import SERVER` and \
                 paste it at the prompt, or `mastokey import SERVER < token.txt`. If others can \
                 read your history, revoke that token and make a new one.",
            ),
            Error::NoTokenTyped => f.write_str(
                "no token was typed; nothing was saved. Paste the token at the prompt and press \
                 Enter (it is not shown).",
            ),
            Error::NoToken => f.write_str(
                "no token was given on stdin; nothing was saved. Pipe it in, e.g. \
                 `mastokey import SERVER < token.txt`, or run the command in a terminal to type it.",
            ),
            Error::Toot(e) => write!(f, "{e}"),
            #[cfg(unix)]
            Error::Agent(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::WrongPassphraseRetry => f.write_str("wrong passphrase. Try again."),
            Warning::BackupNotRemoved { error } => write!(
                f,
                "warning: the backup of the old key file was not deleted: {error} It still opens with \
                 the old passphrase: delete identity.age.bak by hand."
            ),
            Warning::ChecksNotRecorded { error } => write!(
                f,
                "warning: the results above were not recorded in the vault: {error} `mastokey list` \
                 still shows the previous check; run `mastokey verify` again to record one."
            ),
            Warning::LastCheckNotValid { account, status } => write!(
                f,
                "warning: {account}: last check: {status}; run `mastokey` → Re-authorize to get a \
                 new token (or `mastokey verify {account}` if it works again)."
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_and_output_failures_are_not_the_invalid_token_code() {
        let io = || std::io::Error::other("broken");
        assert_eq!(Error::Terminal(io()).code(), EXIT_USAGE);
        assert_eq!(Error::Output(io()).code(), EXIT_USAGE);
    }

    #[test]
    fn a_refused_import_says_the_cause_once_without_the_checks_advice() {
        let e = Error::TokenNotValid {
            server: "https://social.example".into(),
            detail: "the token is not valid on this server (unknown or deleted). Create a new \
                     token for this account."
                .into(),
        };
        let text = e.to_string();
        assert_eq!(text.matches("not valid").count(), 1, "{text}");
        assert!(!text.contains(".."), "{text}");
        assert!(!text.contains("Create a new token"), "{text}");
        assert!(text.contains("Nothing was saved."), "{text}");
    }
}
