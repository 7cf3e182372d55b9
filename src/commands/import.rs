//! `mastokey import SERVER` (one token from stdin) and `mastokey import --from-toot [PATH]`: adopt
//! tokens made elsewhere. The checks and the save are `accounts::adopt`'s, shared with the wizard.
//!
//! The token is checked before the vault is opened, so a token that is not valid costs no
//! passphrase and saves nothing.

mod toot;

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::verify::block_on;
use super::{Env, output, unlock};
use crate::accounts::adopt::{self, Adoption, Candidate, Checked};
use crate::accounts::where_to_revoke;
use crate::error::Error;
use crate::mastodon::{Client, parse_server_input};
use crate::secret::Secret;
use crate::vault::{self, Kdf, Vault};

/// A token is a few dozen characters; more than this on stdin is not one token.
const MAX_TOKEN_BYTES: u64 = 4096;

/// Where the tokens come from.
pub enum Source {
    /// One token on stdin, for this server.
    Server(String),
    /// toot's config file (its default place when `None`).
    Toot(Option<PathBuf>),
}

pub fn run(source: Source, replace: bool, env: &Env) -> Result<ExitCode, Error> {
    let server = match source {
        Source::Toot(path) => return toot::run(path, replace, env),
        Source::Server(server) => server,
    };
    let input = parse_server_input(&server)?;
    let token = read_token()?;
    let client = Client::new()?;
    let checked = block_on(async {
        let caps = client.discover(&input).await?;
        let checked = adopt::check_token(&client, &caps, token, None).await?;
        Ok::<_, Error>((caps, checked))
    })??;
    let candidate = match checked {
        (_, Checked::Valid(candidate)) => candidate,
        (caps, Checked::NotValid { detail, .. }) => {
            return Err(Error::TokenNotValid {
                server: caps.base.as_str().to_owned(),
                detail,
            });
        }
    };
    output::println(&describe(&candidate))?;
    let mut vault = open_or_create(env)?;
    let adoption = save(&mut vault, &candidate, replace)?;
    output::println(&saved_line(&candidate, &adoption))?;
    Ok(ExitCode::SUCCESS)
}

/// The token: typed without echo on a terminal, else the first line of stdin.
fn read_token() -> Result<Secret, Error> {
    if io::stdin().is_terminal() {
        return unlock::prompt("Access token: ").map_err(|e| match e {
            Error::EmptyPassphrase => Error::NoTokenTyped,
            other => other,
        });
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    io::stdin()
        .lock()
        .take(MAX_TOKEN_BYTES)
        .read_to_end(&mut bytes)
        .map_err(Error::Terminal)?;
    let text = String::from_utf8_lossy(&bytes);
    let token = text.lines().next().unwrap_or_default().trim();
    if token.is_empty() {
        return Err(Error::NoToken);
    }
    Ok(Secret::new(token))
}

/// "Token of @alice@social.example (Alice) on https://…; app "toot", scopes: read write."
pub(super) fn describe(candidate: &Candidate) -> String {
    let name = if candidate.account.display_name.is_empty() {
        String::new()
    } else {
        format!(" ({})", candidate.account.display_name)
    };
    let app = candidate
        .app_name
        .as_ref()
        .map_or_else(String::new, |n| format!(", app \"{n}\""));
    let scopes = if candidate.scopes.is_empty() {
        "scopes: not said by the server".to_owned()
    } else {
        format!("scopes: {}", candidate.scopes.join(" "))
    };
    format!(
        "Token of @{}{name} on {}{app}; {scopes}.",
        candidate.handle(),
        candidate.server.base.as_str()
    )
}

/// Saves, asking Replace or Keep at a terminal when the account is stored already.
pub(super) fn save(
    vault: &mut Vault,
    candidate: &Candidate,
    replace: bool,
) -> Result<Adoption, Error> {
    let replace = replace
        || (adopt::is_stored(vault, candidate)
            && io::stdin().is_terminal()
            && ask_replace(&candidate.handle())?);
    Ok(adopt::save(
        vault,
        candidate,
        replace,
        jiff::Timestamp::now(),
    )?)
}

pub(super) fn saved_line(candidate: &Candidate, adoption: &Adoption) -> String {
    let handle = candidate.handle();
    let revoke_note = if candidate.app.is_some() {
        String::new()
    } else {
        format!(
            " mastokey has no app credentials for this token, so `mastokey remove --revoke` \
             cannot revoke it: revoke it {}.",
            where_to_revoke(
                candidate.server.base.as_str(),
                Some(candidate.server.software.as_str())
            )
        )
    };
    match adoption {
        Adoption::Added(_) => format!("Saved {handle}.{revoke_note}"),
        Adoption::Replaced(_) => format!("Replaced the stored {handle}.{revoke_note}"),
        Adoption::Kept(_) => format!(
            "{handle} is already stored; kept the stored entry. Give --replace to replace it."
        ),
    }
}

/// "… is already stored. Replace it? [r/K]" on stderr; replace only for an explicit r.
fn ask_replace(handle: &str) -> Result<bool, Error> {
    let mut err = io::stderr();
    let _ = write!(
        err,
        "{handle} is already stored. [R]eplace it with this token or [K]eep the stored one? [r/K] "
    );
    let _ = err.flush();
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Terminal)?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "r" | "replace"
    ))
}

/// The vault, created when there is none yet (with the passphrase from a variable, or typed
/// twice at the terminal).
pub(super) fn open_or_create(env: &Env) -> Result<Vault, Error> {
    let (dir, exists) = unlock::locate(env)?;
    if exists {
        return unlock::open_at(&dir, env);
    }
    let passphrase = match vault::passphrase_from_env(env)? {
        // The same minimum as a passphrase typed in the wizard or at `passwd`.
        Some(passphrase) if passphrase.expose().chars().count() < vault::MIN_PASSPHRASE_LEN => {
            return Err(Error::NewVaultPassphraseTooShort {
                min: vault::MIN_PASSPHRASE_LEN,
            });
        }
        Some(passphrase) => passphrase,
        None if io::stdin().is_terminal() => {
            unlock::new_passphrase("New vault passphrase: ", "New vault passphrase again: ")?
        }
        None => return Err(Error::NoPassphraseSource),
    };
    let vault = Vault::create(&dir, &passphrase, Kdf::default())?;
    // Said, so nobody is surprised later by a vault they did not know they made.
    output::eprintln(&format!(
        "mastokey: created a new vault in {}; its passphrase is the one given.",
        dir.display()
    ));
    Ok(vault)
}
