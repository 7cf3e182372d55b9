//! Non-interactive commands. None of them starts the TUI.

use std::process::ExitCode;

use crate::cli::Cli;
use crate::error::Error;

pub fn dispatch(cli: Cli) -> Result<ExitCode, Error> {
    let _ = cli;
    Ok(ExitCode::SUCCESS)
}
