//! `mastokey token ACCOUNT`: the bare token and a newline on stdout, for piping into a secret
//! store. Nothing else ever goes to stdout; diagnostics go to stderr.

use super::{Env, output, unlock};
use crate::accounts;
use crate::error::Error;

pub fn run(query: &str, env: &Env) -> Result<(), Error> {
    let (vault, key) = unlock::open_for_account(query, env)?;
    let token = accounts::token_of(vault.data(), &key).ok_or_else(|| Error::UnknownAccount {
        query: query.to_owned(),
        known: Vec::new(),
    })?;
    // The one place the token is meant to leave mastokey in clear.
    output::println(token.expose())
}
