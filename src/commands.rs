//! Entry points: the wizard (`mastokey`, `mastokey add`) and the non-interactive commands,
//! which never start the TUI. Each command lives in its own file.

pub mod accounts;
pub mod check;
mod completions;
mod exec;
mod list;
pub mod output;
mod passwd;
mod remove;
mod token;
mod unlock;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::mastodon::Client;
use crate::platform::{SystemBrowser, SystemClipboard, is_ssh_session};
use crate::vault::{self, Vault};
use crate::wizard::{self, Deps, Start};

/// The process environment, read through one function so tests can pass their own.
pub type Env = dyn Fn(&str) -> Option<OsString>;

fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
pub fn no_color(env: &Env) -> bool {
    env("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn dispatch(cli: Cli) -> Result<ExitCode, Error> {
    let env: &Env = &process_env;
    match cli.command {
        None => tui(Start::Home, env),
        Some(Command::Add { server }) => tui(Start::Add(server), env),
        Some(Command::List { json }) => list::run(json, env).map(done),
        Some(Command::Verify { accounts, json }) => verify::run(&accounts, json, env),
        Some(Command::Token { account }) => token::run(&account, env).map(done),
        Some(Command::Exec { account, command }) => exec::run(&account, &command, env),
        Some(Command::Remove {
            account,
            revoke,
            yes,
        }) => remove::run(&account, revoke, yes, env).map(done),
        Some(Command::Passwd) => passwd::run(env).map(done),
        Some(Command::Completions { shell }) => completions::run(shell).map(done),
    }
}

fn done((): ()) -> ExitCode {
    ExitCode::SUCCESS
}

fn tui(start: Start, env: &Env) -> Result<ExitCode, Error> {
    let dir = vault::config_dir(env)?;
    let env_passphrase = if Vault::exists(&dir) {
        vault::passphrase_from_env(env)?
    } else {
        None
    };
    let browser = env("BROWSER").and_then(|b| b.into_string().ok());
    let deps = Deps {
        client: Client::new()?,
        browser: Arc::new(SystemBrowser::new(browser, &vault::PASSPHRASE_VARIABLES)),
        clipboard: Box::new(SystemClipboard::new()),
        dir,
        no_color: no_color(env),
        ssh: is_ssh_session(env),
        env_passphrase,
    };
    wizard::run(start, deps)
}
