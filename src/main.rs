mod process;

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before a passphrase or token can be in memory.
    process::harden();
    match mastokey::run(std::env::args_os()) {
        Ok(code) => code,
        Err(error) => {
            // Errors echo arguments and server text: cleaned like all other output.
            mastokey::commands::output::eprintln(&format!("mastokey: {error}"));
            error.exit_code()
        }
    }
}
