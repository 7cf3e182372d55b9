//! `mastokey import --from-toot [PATH]`: lists the accounts in toot's config, checks each, saves
//! the valid ones (with toot's app credentials, so they can be revoked). toot's file is only
//! read. Exit code as for `verify`: 1 when any token is not valid, else 4 when any check could
//! not be made, else 0.

use std::path::PathBuf;
use std::process::ExitCode;

use super::super::verify::block_on;
use super::super::{Env, output};
use super::{describe, open_or_create, save, saved_line};
use crate::accounts::adopt::{self, Checked, toot};
use crate::error::{EXIT_INVALID, EXIT_NETWORK, Error};
use crate::mastodon::{Client, parse_server_input};

pub fn run(path: Option<PathBuf>, replace: bool, env: &Env) -> Result<ExitCode, Error> {
    let path = path.or_else(|| toot::default_path(env)).ok_or_else(|| {
        Error::Toot(toot::TootError::Unreadable {
            path: PathBuf::from("toot/config.json"),
            detail: "neither XDG_CONFIG_HOME nor HOME is set".into(),
        })
    })?;
    let accounts = toot::read(&path).map_err(Error::Toot)?;
    output::println(&format!(
        "{} account(s) in {}:",
        accounts.len(),
        path.display()
    ))?;
    let client = Client::new()?;
    let mut valid = Vec::new();
    let (mut invalid, mut failed) = (false, false);
    for account in accounts {
        let name = account.name.clone();
        let result = block_on(async {
            let input = parse_server_input(&account.server)?;
            let caps = client.discover(&input).await?;
            Ok::<_, Error>(adopt::check_token(&client, &caps, account.token, account.app).await?)
        })?;
        match result {
            Ok(Checked::Valid(candidate)) => {
                output::println(&format!("  {name}: valid. {}", describe(&candidate)))?;
                valid.push(candidate);
            }
            Ok(Checked::NotValid { detail, .. }) => {
                invalid = true;
                output::println(&format!("  {name}: not valid ({detail}); not imported."))?;
            }
            Err(error) => {
                failed = true;
                output::println(&format!("  {name}: not checked: {error} Not imported."))?;
            }
        }
    }
    if !valid.is_empty() {
        let mut vault = open_or_create(env)?;
        for candidate in &valid {
            let adoption = save(&mut vault, candidate, replace)?;
            output::println(&saved_line(candidate, &adoption))?;
        }
    }
    output::println(&format!(
        "toot's file was not changed: its plaintext copy of these tokens is still in {}. Delete \
         it (or log out of toot) if mastokey should be the only place that holds them.",
        path.display()
    ))?;
    Ok(if invalid {
        ExitCode::from(EXIT_INVALID)
    } else if failed {
        ExitCode::from(EXIT_NETWORK)
    } else {
        ExitCode::SUCCESS
    })
}
