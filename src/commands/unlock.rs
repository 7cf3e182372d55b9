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
use crate::vault::{self, MIN_PASSPHRASE_LEN, Resolve, Vault, VaultError};

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
        return match Vault::unlock(dir, &passphrase) {
            Err(VaultError::WrongPassphrase) => Err(VaultError::WrongPassphraseFrom {
                // The variable the passphrase was just read from.
                variable: vault::passphrase_source(env).unwrap_or(vault::PASSPHRASE),
            }
            .into()),
            result => Ok(result?),
        };
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

/// How many times a new passphrase may be typed (too short, or not the same twice) before the
/// command gives up: one slip must not cost the work done before (typing the old passphrase).
pub const NEW_PASSPHRASE_TRIES: usize = 3;

/// Asks for a new passphrase twice at the terminal, with the strength hint the wizard shows
/// (`vault::passphrase_strength`). A short, empty or mismatched one is asked again, up to
/// [`NEW_PASSPHRASE_TRIES`] times; then the last problem is the error.
pub fn new_passphrase(question: &str, again: &str) -> Result<Secret, Error> {
    new_passphrase_with(question, again, prompt, output::eprintln)
}

fn new_passphrase_with(
    question: &str,
    again: &str,
    mut ask: impl FnMut(&str) -> Result<Secret, Error>,
    mut tell: impl FnMut(&str),
) -> Result<Secret, Error> {
    let mut problem = Error::EmptyPassphrase;
    for attempt in 1..=NEW_PASSPHRASE_TRIES {
        let retry = if attempt < NEW_PASSPHRASE_TRIES {
            " Try again."
        } else {
            ""
        };
        let new = match ask(question) {
            Ok(new) => new,
            Err(Error::EmptyPassphrase) => {
                tell(&format!("An empty passphrase is not one.{retry}"));
                problem = Error::EmptyPassphrase;
                continue;
            }
            Err(other) => return Err(other),
        };
        let hint = crate::vault::passphrase_strength(new.expose());
        if new.expose().chars().count() < MIN_PASSPHRASE_LEN {
            tell(&format!("Strength: {hint}.{retry}"));
            problem = Error::PassphraseTooShort {
                min: MIN_PASSPHRASE_LEN,
            };
            continue;
        }
        tell(&format!("Strength: {hint}"));
        let confirmed = match ask(again) {
            Ok(confirmed) => confirmed,
            Err(Error::EmptyPassphrase) => Secret::new(""),
            Err(other) => return Err(other),
        };
        if new.same_as(&confirmed) {
            return Ok(new);
        }
        tell(&format!("The two passphrases differ.{retry}"));
        problem = Error::PassphraseMismatch;
    }
    Err(problem)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Runs the loop on scripted answers; returns the result, what was told, and the answers left.
    fn typed(answers: &[&str]) -> (Result<String, String>, Vec<String>, usize) {
        let mut answers: std::collections::VecDeque<&str> = answers.iter().copied().collect();
        let mut told = Vec::new();
        let result = new_passphrase_with(
            "New: ",
            "Again: ",
            |_| match answers.pop_front() {
                Some("") => Err(Error::EmptyPassphrase),
                Some(answer) => Ok(Secret::new(answer)),
                None => Err(Error::Terminal(io::ErrorKind::UnexpectedEof.into())),
            },
            |text| told.push(text.to_owned()),
        );
        let result = result
            .map(|s| s.expose().to_owned())
            .map_err(|e| e.to_string());
        (result, told, answers.len())
    }

    #[test]
    fn a_short_or_mismatched_passphrase_is_asked_again() {
        let (result, told, left) = typed(&[
            "short",
            "long enough one",
            "typo",
            "long enough one",
            "long enough one",
        ]);
        assert_eq!(result.unwrap(), "long enough one");
        assert_eq!(left, 0);
        assert_eq!(
            told[0],
            "Strength: too short (at least 8 characters). Try again."
        );
        assert!(told[1].starts_with("Strength: "), "{told:?}");
        assert_eq!(told[2], "The two passphrases differ. Try again.");
        assert_eq!(told.len(), 4, "{told:?}");
    }

    #[test]
    fn three_slips_end_it_with_the_last_problem() {
        let (result, told, left) = typed(&["short", "", "long enough one", "other one", "unused"]);
        assert!(result.unwrap_err().contains("differ"));
        assert_eq!(left, 1, "no fourth try");
        assert_eq!(told.last().unwrap(), "The two passphrases differ.");
        let (result, _, _) = typed(&["a", "b", "c"]);
        assert!(result.unwrap_err().contains("shorter than 8"));
    }
}
