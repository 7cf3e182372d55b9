//! Unlock and save costs of a 200-account vault at the shipped work factor (scrypt 2^17).
//!
//! `cargo run --release --example vault-bench` (a debug build measures the unoptimised crate).

use std::path::Path;
use std::time::{Duration, Instant};

use mastokey::secret::Secret;
use mastokey::vault::{CheckStatus, Kdf, StoredAccount, StoredApp, StoredServer, Vault};

const ACCOUNTS: usize = 200;
const RUNS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let passphrase = Secret::new("benchmark passphrase");
    let kdf = Kdf::default();
    println!(
        "vault with {ACCOUNTS} accounts, scrypt 2^{}, {RUNS} runs each",
        kdf.log_n()
    );

    let start = Instant::now();
    let mut vault = Vault::create(dir.path(), &passphrase, kdf)?;
    let create = start.elapsed();
    vault.update(|data| {
        data.upsert_server(server());
        for n in 0..ACCOUNTS {
            data.upsert_account(account(n));
        }
    })?;
    let rss_before_unlock = status_kib("VmRSS");

    let mut unlocks = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let opened = Vault::unlock(dir.path(), &passphrase)?;
        unlocks.push(start.elapsed());
        assert_eq!(opened.data().accounts.len(), ACCOUNTS);
    }
    let rss_after_unlock = status_kib("VmRSS");

    let mut saves = Vec::new();
    for run in 0..RUNS {
        let at = jiff::Timestamp::now();
        let key = vault.data().accounts[run % ACCOUNTS].key();
        let start = Instant::now();
        vault.update(|data| data.record_check(&key, CheckStatus::Valid, None, at))?;
        saves.push(start.elapsed());
    }

    let vault_size = std::fs::metadata(dir.path().join("vault.age"))?.len();
    println!("create (one derivation): {:>8.1} ms", ms(create));
    println!(
        "unlock, median:          {:>8.1} ms",
        ms(median(&mut unlocks))
    );
    println!(
        "save (update), median:   {:>8.1} ms",
        ms(median(&mut saves))
    );
    println!("vault.age size:          {vault_size:>8} bytes");
    print_kib("RSS before unlocks", rss_before_unlock);
    print_kib("RSS after unlocks", rss_after_unlock);
    print_kib("peak RSS (VmHWM)", status_kib("VmHWM"));
    list(dir.path());
    Ok(())
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A field of `/proc/self/status` in KiB (Linux only; `None` elsewhere).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn print_kib(label: &str, kib: Option<u64>) {
    match kib {
        // KiB counts of a process are far below 2^52: the cast is exact.
        #[allow(clippy::cast_precision_loss)]
        Some(kib) => println!("{label:<25} {:>8.1} MiB", kib as f64 / 1024.0),
        None => println!("{label:<25} unavailable (no /proc/self/status)"),
    }
}

fn list(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        println!("files: {}", names.join(", "));
    }
}

fn server() -> StoredServer {
    StoredServer {
        base_url: "https://social.example".into(),
        domain: "social.example".into(),
        software: Some("mastodon".into()),
        version: Some("4.5.0".into()),
        verify_needs_read: false,
        apps: vec![StoredApp {
            client_id: "x".repeat(43),
            client_secret: Secret::new("s".repeat(43)),
            scopes: vec!["profile".into()],
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            created_at: jiff::Timestamp::now(),
        }],
    }
}

fn account(n: usize) -> StoredAccount {
    StoredAccount {
        id: format!("1090{n:014}"),
        username: format!("user{n}"),
        domain: "social.example".into(),
        server: "https://social.example".into(),
        display_name: format!("User number {n}"),
        token: Secret::new(format!("{n:0>43}")),
        scopes: vec!["profile".into(), "write:statuses".into()],
        client_id: "x".repeat(43),
        created_at: jiff::Timestamp::now(),
        last_checked_at: None,
        last_status: None,
        last_detail: None,
        expires_at: None,
    }
}
