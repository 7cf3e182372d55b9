//! `mastokey completions SHELL`: a completion script on stdout.

use clap::CommandFactory;
use clap_complete::Shell;

use super::output;
use crate::cli::Cli;
use crate::error::Error;

pub fn run(shell: Shell) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mastokey", &mut script);
    output::print(&String::from_utf8_lossy(&script))
}
