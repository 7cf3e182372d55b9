//! `mastokey exec ACCOUNT -- CMD...`: runs CMD with `MASTODON_ACCESS_TOKEN` and
//! `MASTODON_API_BASE_URL` (the server's base URL, no trailing slash) in its environment alone.
//! The `MASTOKEY_PASSPHRASE*` variables are removed from CMD's environment: it gets one token, not
//! the key to the whole vault.
//!
//! On Unix mastokey replaces itself with CMD (`execvp`), so CMD gets the terminal's signals
//! directly (Ctrl-C reaches it, not a waiting parent), and its exit status, signals included, is
//! the one the shell sees. Elsewhere CMD runs as a child and its exit code is returned.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use super::{Env, unlock};
use crate::accounts;
use crate::error::Error;
use crate::vault::PASSPHRASE_VARIABLES;

pub const TOKEN_VARIABLE: &str = "MASTODON_ACCESS_TOKEN";
pub const BASE_URL_VARIABLE: &str = "MASTODON_API_BASE_URL";

pub fn run(query: &str, command: &[OsString], env: &Env) -> Result<ExitCode, Error> {
    let (vault, key) = unlock::open_for_account(query, env)?;
    let unknown = || Error::UnknownAccount {
        query: query.to_owned(),
        known: Vec::new(),
    };
    let account = vault.data().find_account(&key).ok_or_else(unknown)?;
    let base = crate::base_url::canonical(&account.server);
    let token = accounts::token_of(vault.data(), &key).ok_or_else(unknown)?;
    super::token::warn_if_not_valid(vault.data(), &key);
    drop(vault);

    // clap requires at least one word after `--`.
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Exec {
            program: String::new(),
            source: std::io::ErrorKind::NotFound.into(),
        });
    };
    let mut child = Command::new(program);
    // The child's environment only: mastokey's own stays as it was.
    child
        .args(args)
        .env(TOKEN_VARIABLE, token.expose())
        .env(BASE_URL_VARIABLE, &base);
    for name in PASSPHRASE_VARIABLES {
        child.env_remove(name);
    }
    let failed = |source| Error::Exec {
        program: program.to_string_lossy().into_owned(),
        source,
    };
    platform::run(child).map_err(failed)
}

#[cfg(unix)]
mod platform {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, ExitCode};

    /// Becomes the command; returns only when it could not be started.
    pub fn run(mut command: Command) -> std::io::Result<ExitCode> {
        Err(command.exec())
    }
}

#[cfg(not(unix))]
mod platform {
    use std::process::{Command, ExitCode};

    /// Runs the command with inherited stdio and passes its exit code on (1 when it has none).
    pub fn run(mut command: Command) -> std::io::Result<ExitCode> {
        let status = command.status()?;
        let code = status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1);
        Ok(ExitCode::from(code))
    }
}
