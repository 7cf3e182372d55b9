//! mastokey: create Mastodon OAuth access tokens, keep them in an encrypted vault, re-verify them.
//!
//! Layers, imports pointing one way only (ARCHITECTURE.md, Layers):
//! `wizard`/`commands` → `accounts` → `vault`, `mastodon`, `platform` → `base_url`, `secret`.
//! (`accounts` holds the account operations both front ends share.)
//! `error` maps errors to exit codes; each error type words itself beside its definition.
//!
//! The front ends are crate-private: only the layers the tests, benchmarks and fuzz targets
//! drive are public, so rustc reports dead code in the rest.

pub mod accounts;
#[cfg(unix)]
pub mod agent;
pub mod base_url;
pub(crate) mod cli;
pub(crate) mod commands;
pub mod error;
pub mod mastodon;
pub(crate) mod platform;
pub mod secret;
pub mod vault;
pub(crate) mod wizard;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use mastodon::Client;
use platform::{SystemBrowser, SystemClipboard, is_ssh_session};
use vault::Vault;
use wizard::{Deps, Services, Start};

pub use error::Error;

/// Prints a top-level error on stderr, once. Errors echo arguments and server text, so the line
/// is cleaned like all other output.
pub fn report(error: &Error) {
    commands::output::eprintln(&format!("mastokey: {error}"));
}

/// Parses the command line and runs it. The caller prints the error once and exits with its code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Error> {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(clap_error) => return Ok(cli::report_usage_error(&clap_error)),
    };
    let env: &commands::Env = &commands::process_env;
    match cli.command {
        None => tui(Start::Home, env),
        Some(cli::Command::Add { server }) => tui(Start::Add(server), env),
        Some(command) => commands::run(command, env),
    }
}

/// The wizard, with the real browser, clipboard and network.
fn tui(start: Start, env: &commands::Env) -> Result<ExitCode, Error> {
    let dir = vault::config_dir(env)?;
    // A vault that cannot be opened whatever the passphrase is reported before the terminal opens.
    let exists = Vault::inspect(&dir)?;
    // An unlocked agent opens it with no passphrase and no key derivation (a local socket, about
    // 2 ms, before the first frame; a hung one is given up on after 200 ms): the Unlock screen is
    // skipped.
    let unlocked = if exists { held_vault(&dir, env) } else { None };
    let env_passphrase = if exists && unlocked.is_none() {
        vault::passphrase_from_env(env)?
    } else {
        None
    };
    let browser = env("BROWSER").and_then(|b| b.into_string().ok());
    let no_color = commands::no_color(env);
    let deps = Deps {
        services: Services {
            client: Client::new()?,
            browser: Arc::new(SystemBrowser::new(browser, &vault::PASSPHRASE_VARIABLES)),
            clipboard: Box::new(SystemClipboard::new()),
            dir,
            clock: jiff::Timestamp::now,
        },
        no_color,
        hyperlinks: wizard::hyperlinks_supported(
            env("TERM").and_then(|t| t.into_string().ok()).as_deref(),
            no_color,
        ),
        ssh: is_ssh_session(env),
        env_passphrase,
        unlocked,
        random: Box::new(wizard::OsRandom),
    };
    wizard::run(start, deps)
}

/// The vault opened through a running, unlocked agent (unless `MASTOKEY_NO_AGENT` is set).
#[cfg(unix)]
fn held_vault(dir: &std::path::Path, env: &commands::Env) -> Option<Vault> {
    agent::client::probe_vault(dir, env)
}

#[cfg(not(unix))]
fn held_vault(_: &std::path::Path, _: &commands::Env) -> Option<Vault> {
    None
}
