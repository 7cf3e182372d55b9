//! `mastokey remove ACCOUNT [--revoke] [--yes]`: removes an account from the vault, optionally
//! revoking its token on the server first.
//!
//! Asks for confirmation only when stdin is a terminal and `--yes` is absent; in scripts it just
//! does it. With `--revoke`, a server that cannot be reached or refuses does not stop the local
//! removal the user asked for: a warning on stderr says to revoke on the website, and the exit
//! code is 0.

use std::io::{self, BufRead, IsTerminal, Write};

use super::verify::block_on;
use super::{Env, output, unlock};
use crate::accounts;
use crate::error::{Error, Warning};
use crate::mastodon::Client;

pub fn run(query: &str, revoke: bool, yes: bool, env: &Env) -> Result<(), Error> {
    let (mut vault, handle) = unlock::open_for_account(query, env)?;
    if !yes && io::stdin().is_terminal() && !confirm(&handle, revoke)? {
        return output::println("Nothing was removed.");
    }
    if revoke {
        match accounts::revoke_material(vault.data(), &handle) {
            Some((base, app, token)) => {
                let client = Client::new()?;
                if let Err(error) = block_on(client.revoke(&base, &app, &token))? {
                    output::warn(&Warning::RevokeFailed {
                        account: handle.clone(),
                        error,
                    });
                }
            }
            None => output::warn(&Warning::RevokeImpossible {
                account: handle.clone(),
            }),
        }
    }
    accounts::remove(&mut vault, &handle)?;
    output::println(&format!("Removed {handle} from the vault."))
}

/// "Remove alice@social.example …? [y/N]" on stderr; yes only for an explicit y or yes.
fn confirm(handle: &str, revoke: bool) -> Result<bool, Error> {
    let what = if revoke {
        "Revoke the token of"
    } else {
        "Remove"
    };
    let mut err = io::stderr();
    let _ = write!(
        err,
        "{what} {handle}{}? [y/N] ",
        if revoke {
            " and remove it from the vault"
        } else {
            " from the vault"
        }
    );
    let _ = err.flush();
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Terminal)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
