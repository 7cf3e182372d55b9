//! Getting the vault open for a command: a `MASTOKEY_PASSPHRASE_*` variable, else a
//! no-echo prompt when stdin is a terminal, else a clear error naming the variables.

#[cfg(unix)]
mod prompt;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use super::Env;
use super::output;
use crate::error::{Error, Warning};
use crate::secret::Secret;
use crate::vault::model::AccountKey;
use crate::vault::{self, Resolve, Vault, VaultError};

/// Tries at the prompt before giving up, as sudo does; each costs one key derivation.
const PROMPT_TRIES: usize = 3;

/// The vault directory and whether a vault is there. A vault that cannot be opened whatever
/// the passphrase (a file missing, a link) is reported here, before a passphrase is asked.
pub fn locate(env: &Env) -> Result<(PathBuf, bool), Error> {
    let dir = vault::config_dir(env)?;
    let exists = Vault::inspect(&dir)?;
    Ok((dir, exists))
}

/// Opens the vault, or `None` when there is none yet (nothing is asked then).
pub fn open_if_present(env: &Env) -> Result<Option<Vault>, Error> {
    let (dir, exists) = locate(env)?;
    if !exists {
        return Ok(None);
    }
    open_at(&dir, env).map(Some)
}

/// Opens the vault in `dir`: through the unlock agent when one runs and holds the key (unless
/// `MASTOKEY_NO_AGENT` is set), else with a passphrase.
pub fn open_at(dir: &Path, env: &Env) -> Result<Vault, Error> {
    #[cfg(unix)]
    if let Some(vault) = crate::agent::client::open_vault(dir, env) {
        return Ok(vault);
    }
    open_with_passphrase(dir, env)
}

/// Opens the vault in `dir` with a passphrase (variables, else the prompt), never the agent.
pub fn open_with_passphrase(dir: &Path, env: &Env) -> Result<Vault, Error> {
    if let Some(passphrase) = vault::passphrase_from_env(env)? {
        return Ok(Vault::unlock(dir, &passphrase)?);
    }
    if !io::stdin().is_terminal() {
        return Err(Error::NoPassphraseSource);
    }
    for attempt in 1..=PROMPT_TRIES {
        let passphrase = prompt("Vault passphrase: ")?;
        match Vault::unlock(dir, &passphrase) {
            Err(VaultError::WrongPassphrase) if attempt < PROMPT_TRIES => {
                output::warn(&Warning::WrongPassphraseRetry);
            }
            result => return Ok(result?),
        }
    }
    Err(VaultError::WrongPassphrase.into())
}

/// Asks on stderr and reads from the terminal without echo (see `prompt`). An empty answer is
/// refused.
#[cfg(unix)]
pub fn prompt(question: &str) -> Result<Secret, Error> {
    let mut tty = prompt::DevTty::open().map_err(Error::Terminal)?;
    prompt::ask(&mut tty, question)
}

/// Asks on stderr and reads from the console without echo. An empty answer is refused.
#[cfg(not(unix))]
pub fn prompt(question: &str) -> Result<Secret, Error> {
    let config = rpassword::ConfigBuilder::new()
        .output_writer(io::stderr())
        .build();
    let answer =
        rpassword::prompt_password_with_config(question, config).map_err(Error::Terminal)?;
    let answer = Secret::new(answer);
    if answer.is_empty() {
        return Err(Error::EmptyPassphrase);
    }
    Ok(answer)
}

/// The key of the one stored account `query` names (see `VaultData::resolve` for the forms).
pub fn resolve(vault: &Vault, query: &str) -> Result<AccountKey, Error> {
    match vault.data().resolve(query) {
        Ok(account) => Ok(account.key()),
        Err(Resolve::Unknown { known }) => Err(Error::UnknownAccount {
            query: query.to_owned(),
            known,
        }),
        Err(Resolve::Ambiguous { candidates }) => Err(Error::AmbiguousAccount {
            query: query.to_owned(),
            candidates,
        }),
    }
}

/// Opens the vault for a command about one account and resolves it. Without a vault the account
/// is simply unknown (and nothing is asked).
pub fn open_for_account(query: &str, env: &Env) -> Result<(Vault, AccountKey), Error> {
    let Some(vault) = open_if_present(env)? else {
        return Err(Error::UnknownAccount {
            query: query.to_owned(),
            known: Vec::new(),
        });
    };
    let key = resolve(&vault, query)?;
    Ok((vault, key))
}
