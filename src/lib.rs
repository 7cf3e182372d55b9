//! mastokey: create Mastodon OAuth access tokens, keep them in an encrypted vault, re-verify them.
//!
//! Layers, imports pointing one way only:
//! `wizard`/`commands` → `vault`, `mastodon`, `platform` → `secret`.
//! `error` words every user-facing message and maps errors to exit codes.

pub mod cli;
pub mod commands;
pub mod error;
pub mod mastodon;
pub mod platform;
pub mod secret;
pub mod vault;
pub mod wizard;

use std::ffi::OsString;
use std::process::ExitCode;

pub use error::Error;

/// Parses the command line and runs it. The caller prints the error once and exits with its code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Error> {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(clap_error) => return Ok(cli::report_usage_error(&clap_error)),
    };
    commands::dispatch(cli)
}
