//! `mastokey token ACCOUNT`: the bare token and a newline on stdout, for piping into a secret
//! store. Nothing else ever goes to stdout; diagnostics go to stderr.

use super::{Env, output, unlock};
use crate::accounts;
use crate::error::{Error, Warning};
use crate::vault::model::{AccountKey, VaultData};

pub fn run(query: &str, env: &Env) -> Result<(), Error> {
    let (vault, key) = unlock::open_for_account(query, env)?;
    let token = accounts::token_of(vault.data(), &key).ok_or_else(|| Error::UnknownAccount {
        query: query.to_owned(),
        known: Vec::new(),
    })?;
    warn_if_not_valid(vault.data(), &key);
    // The one place the token is meant to leave mastokey in clear.
    output::println(token.expose())
}

/// A warning on stderr when the last check of the token said it does not work: the token is
/// still handed out (the check may be old), but a script's failure is then no mystery.
pub(super) fn warn_if_not_valid(data: &VaultData, key: &AccountKey) {
    let Some(status) = data
        .find_account(key)
        .and_then(|a| a.last_status)
        .filter(|s| s.not_valid())
    else {
        return;
    };
    let account = data.argument_name(key).unwrap_or_default();
    output::warn(&Warning::LastCheckNotValid {
        account,
        status: accounts::check::status_label(status),
    });
}
