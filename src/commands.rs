//! The non-interactive commands, one file each. They never start the TUI (`lib.rs` sends
//! `mastokey` and `mastokey add` to the wizard).

#[cfg(unix)]
mod agent;
mod completions;
mod exec;
mod import;
mod list;
pub mod output;
mod passwd;
mod remove;
mod token;
mod unlock;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::cli::Command;
use crate::error::Error;

#[cfg(unix)]
pub use agent::parse_timeout;

/// The process environment, read through one function so tests can pass their own.
pub type Env = dyn Fn(&str) -> Option<OsString>;

/// The real process environment.
pub fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
pub fn no_color(env: &Env) -> bool {
    env("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Runs one command. `Add` never reaches here: it is the wizard's.
pub fn run(command: Command, env: &Env) -> Result<ExitCode, Error> {
    match command {
        Command::Add { .. } => Err(Error::NotATerminal),
        Command::List { json } => list::run(json, env).map(done),
        Command::Verify { accounts, json } => verify::run(&accounts, json, env),
        Command::Token { account } => token::run(&account, env).map(done),
        Command::Exec { account, command } => exec::run(&account, &command, env),
        Command::Remove {
            account,
            revoke,
            yes,
        } => remove::run(&account, revoke, yes, env).map(done),
        Command::Import {
            server,
            from_toot,
            replace,
            stray,
        } => {
            if !stray.is_empty() || server.as_deref().is_some_and(looks_like_token) {
                return Err(Error::TokenAsArgument);
            }
            let source = match from_toot {
                Some(path) => import::Source::Toot(path),
                // clap requires SERVER without --from-toot.
                None => import::Source::Server(server.unwrap_or_default()),
            };
            import::run(source, replace, env)
        }
        #[cfg(unix)]
        Command::Unlock { timeout } => agent::unlock(timeout, env).map(done),
        #[cfg(unix)]
        Command::Lock => agent::lock(env).map(done),
        #[cfg(unix)]
        Command::Status => agent::status(env),
        #[cfg(unix)]
        Command::AgentServe { socket, timeout } => agent::serve(&socket, timeout).map(done),
        Command::Passwd => passwd::run(env).map(done),
        Command::Completions { shell } => completions::run(shell).map(done),
    }
}

fn done((): ()) -> ExitCode {
    ExitCode::SUCCESS
}

/// A token given where the server goes (`mastokey import TOKEN`): long, and nothing but the
/// characters of a token, with no dot, colon, slash or @ that a server name or address has.
/// Refused without being echoed, like a token given after the server.
fn looks_like_token(text: &str) -> bool {
    text.len() >= 30
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
