//! `mastokey token ACCOUNT` with and without the unlock agent: median wall time of the real
//! binary against a 200-account vault at the shipped work factor (scrypt 2^17).
//!
//! `cargo run --release --example agent-bench -- --bin target/release/mastokey [--runs N]`
//!
//! Prints `ROW` lines for `bench/run.sh`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mastokey::secret::Secret;
use mastokey::vault::{Kdf, StoredAccount, Vault};

const PASSPHRASE: &str = "benchmark passphrase";
const ACCOUNTS: usize = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut bin = PathBuf::from("target/release/mastokey");
    let mut runs = 20usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bin" => bin = PathBuf::from(args.next().ok_or("--bin needs a path")?),
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let tmp = tempfile::tempdir()?;
    let config = tmp.path().join("config");
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime)?;
    let mut vault = Vault::create(&config, &Secret::new(PASSPHRASE), Kdf::default())?;
    vault.update(|data| {
        for n in 0..ACCOUNTS {
            data.upsert_account(account(n));
        }
    })?;
    drop(vault);
    let command = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("MASTOKEY_CONFIG_DIR", &config)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let without = median(runs, || {
        let mut c = command(&["token", "user7@social.example"]);
        c.env("MASTOKEY_PASSPHRASE", PASSPHRASE)
            .env("MASTOKEY_NO_AGENT", "1");
        c
    })?;
    let unlocked = command(&["unlock", "--timeout", "5m"])
        .env("MASTOKEY_PASSPHRASE", PASSPHRASE)
        .status()?;
    if !unlocked.success() {
        return Err("mastokey unlock failed".into());
    }
    let with = median(runs, || command(&["token", "user7@social.example"]));
    let _ = command(&["lock"]).status();
    let with = with?;
    println!("token, {runs} runs each: without the agent {without:.1?}, with it {with:.1?}");
    println!(
        "ROW\ttoken ACCOUNT, unlocked agent (median)\t{:.1} ms\t< 10 ms\t{}",
        ms(with),
        if with < Duration::from_millis(10) {
            "ok"
        } else {
            "OVER"
        }
    );
    println!(
        "ROW\ttoken ACCOUNT, passphrase variable, scrypt 2^17 (median)\t{:.1} ms\tabout 250 ms\tinfo",
        ms(without)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median wall time of `runs` runs; every run must succeed.
fn median(
    runs: usize,
    mut command: impl FnMut() -> Command,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let status = command().status()?;
        times.push(start.elapsed());
        if !status.success() {
            return Err(format!("mastokey token failed: {status}").into());
        }
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn account(n: usize) -> StoredAccount {
    StoredAccount {
        id: n.to_string(),
        username: format!("user{n}"),
        domain: "social.example".into(),
        server: "https://social.example".into(),
        display_name: String::new(),
        token: Secret::new(format!("token-{n:040}")),
        scopes: vec!["profile".into()],
        client_id: String::new(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        last_checked_at: None,
        last_status: None,
        last_detail: None,
        expires_at: None,
    }
}
