use std::process::ExitCode;

fn main() -> ExitCode {
    match mastokey::run(std::env::args_os()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("mastokey: {error}");
            error.exit_code()
        }
    }
}
