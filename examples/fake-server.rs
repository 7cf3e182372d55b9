//! Runs the tests' fake Mastodon server by hand, to try the wizard against it:
//!
//! ```text
//! cargo run --example fake-server -- [--mode MODE] [--quirk NAME]... [--port N] [--domain D]
//! ```
//!
//! Modes: mastodon-4.7 (the default), mastodon-4.2, snac, takahe, gotosocial, mitra. Each `--quirk`
//! switches on one more behaviour seen on a real server (see `Quirks::NAMES`).
//!
//! It prints its URL and how to approve an authorization request, then serves until Ctrl-C.

// The same code as the integration tests, not a copy. The example uses only a few of the
// harness methods and re-exports the tests need; the rest would be reported as unused here.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/fake_server.rs"]
mod fake_server;

use std::process::ExitCode;

use fake_server::{Config, FakeServer, Mode, Quirks};

const USAGE: &str = "usage: fake-server [--mode mastodon-4.7|mastodon-4.2|snac|takahe|gotosocial|mitra] \
     [--quirk NAME]... [--port N] [--domain D]";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::default();
    let mut quirks = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg, None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--mode" => {
                config.mode = match value.as_str() {
                    "mastodon" | "4.7" => Mode::Mastodon47,
                    "4.2" => Mode::Mastodon42,
                    name => Mode::from_name(name)
                        .ok_or_else(|| format!("unknown mode {name}\n{USAGE}"))?,
                };
            }
            "--quirk" => quirks.push(value),
            "--port" => {
                config.port = value
                    .parse()
                    .map_err(|_| format!("--port needs a number from 0 to 65535, not {value}"))?;
            }
            "--domain" => config.domain = value,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    // Quirks add to the mode's own, whatever the order of the flags.
    if !quirks.is_empty() {
        let mut set: Quirks = config.mode.quirks();
        for name in &quirks {
            set.switch_on(name)?;
        }
        config.quirks = Some(set);
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mode = config.mode;
    let domain = config.domain.clone();
    let server = FakeServer::start_with(config);
    let base = server.base_url();
    println!(
        "fake {} server ({}) for {domain} listening on {base}",
        mode.name(),
        mode.version()
    );
    println!("quirks: {:?}", server.quirks());
    println!("users: alice, bob (active), pat (pending), una (unconfirmed), dee (disabled)");
    println!();
    println!("To approve: open the authorize URL in a browser, type a user name, press Authorize.");
    println!("Or with curl, copying client_id, redirect_uri and scope from the authorize URL:");
    println!(
        "  curl -si {base}/oauth/authorize -d response_type=code -d client_id=ID \\\n    \
         --data-urlencode redirect_uri=http://127.0.0.1:PORT/callback -d scope=SCOPES -d state=STATE -d user=alice"
    );
    println!("The code is in the Location header of the 302 answer.");
    println!("Press Ctrl-C to stop.");
    // The server runs on its own thread; this one just waits for the signal to end the process.
    loop {
        std::thread::park();
    }
}
