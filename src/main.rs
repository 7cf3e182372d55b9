mod process;

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before a passphrase or token can be in memory.
    process::harden();
    match mastokey::run(std::env::args_os()) {
        Ok(code) => code,
        Err(error) => {
            mastokey::report(&error);
            error.exit_code()
        }
    }
}
