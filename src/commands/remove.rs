//! `mastokey remove ACCOUNT [--revoke] [--yes]`: removes an account from the vault, optionally
//! revoking its token on the server first (the policy is `accounts::remove`'s, shared with the
//! wizard).
//!
//! Asks for confirmation only when stdin is a terminal and `--yes` is absent; in scripts it just
//! does it. With `--revoke`, a revoke that fails keeps the account in the vault (its token still
//! works and would otherwise be lost): the error names `mastokey remove ACCOUNT` without
//! `--revoke` to remove it here only, and the exit code is 4 (3 when the vault lacks the app
//! that issued the token). After a revoke the token is checked: one the server still accepts
//! keeps the account too (exit 4, naming the server's settings page).

use std::io::{self, BufRead, IsTerminal};
use std::sync::{Arc, Mutex};

use super::verify::block_on;
use super::{Env, output, unlock};
use crate::accounts::{self, NotRevoked, Removal};
use crate::error::Error;
use crate::mastodon::Client;

pub fn run(query: &str, revoke: bool, yes: bool, env: &Env) -> Result<(), Error> {
    let (vault, key) = unlock::open_for_account(query, env)?;
    let data = vault.data();
    let unknown = || Error::UnknownAccount {
        query: query.to_owned(),
        known: Vec::new(),
    };
    let label = data.label(&key).ok_or_else(unknown)?;
    let argument = data.argument_name(&key).ok_or_else(unknown)?;
    // An adopted token (no app credentials) is removed here only; the user revokes it by hand.
    let manual_revoke = data
        .find_account(&key)
        .filter(|a| revoke && !a.has_app())
        .map(|a| {
            let software = data
                .find_server(&a.server)
                .and_then(|s| s.software.as_deref());
            accounts::where_to_revoke(&a.server, software)
        });
    if !yes && io::stdin().is_terminal() && !confirm(&label, revoke)? {
        return output::println("Nothing was removed.");
    }
    let client = Client::new()?;
    let shared = Arc::new(Mutex::new(Some(vault)));
    match block_on(accounts::revoke_then_remove(&client, &shared, &key, revoke))?? {
        Removal::Removed { revoked: true } => output::println(&format!(
            "Removed {label} from the vault; its token was revoked (it no longer works on the server)."
        )),
        Removal::Removed { revoked: false } => match manual_revoke {
            Some(page) => output::println(&format!(
                "Removed {label} from the vault. Its token was not revoked: it was imported without \
                 its app's credentials, so only the server can revoke it. Revoke it {page}."
            )),
            None => output::println(&format!("Removed {label} from the vault.")),
        },
        Removal::Kept(NotRevoked::Failed(error)) => Err(Error::NotRevoked {
            account: argument,
            error,
        }),
        Removal::Kept(NotRevoked::NoCredentials) => Err(Error::CannotRevoke { account: argument }),
        Removal::Missing => Err(unknown()),
    }
}

/// "Remove alice@social.example …? [y/N]" on stderr; yes only for an explicit y or yes.
fn confirm(label: &str, revoke: bool) -> Result<bool, Error> {
    let what = if revoke {
        "Revoke the token of"
    } else {
        "Remove"
    };
    output::ask(&format!(
        "{what} {label}{}? [y/N] ",
        if revoke {
            " and remove it from the vault"
        } else {
            " from the vault"
        }
    ));
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Terminal)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
