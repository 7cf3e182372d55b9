//! `mastokey verify` of 200 stored accounts against three local fake servers that answer the API
//! after 20 ms, at the shipped work factor (scrypt 2^17). Budgets (ARCHITECTURE.md): wall time under
//! unlock + 300 ms, peak RSS under the key derivation's 128 MiB + 30 MB.
//!
//! ```text
//! cargo build --release && cargo run --release --example verify-bench
//! ```
//!
//! It times `Vault::unlock` in this process, then runs `target/release/mastokey verify --json`
//! under `/usr/bin/time -v` a few times.

// The example uses only a few of the harness methods; the rest would be reported as unused here.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/fake_server.rs"]
mod fake_server;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fake_server::{Config, FakeServer, Fault, Mode};
use futures_util::future::join_all;
use jiff::Timestamp;
use mastokey::mastodon::BaseUrl;
use mastokey::mastodon::Client;
use mastokey::secret::Secret;
use mastokey::vault::{Kdf, StoredAccount, StoredApp, StoredServer, Vault};

const ACCOUNTS: usize = 200;
const SERVERS: usize = 3;
const LATENCY: Duration = Duration::from_millis(20);
const RUNS: usize = 5;
const UNLOCKS: usize = 3;
const PASSPHRASE: &str = "benchmark passphrase";
/// The key derivation's own memory (scrypt 2^17, r = 8) plus the 30 MB budget, in KiB.
const RSS_BUDGET_KIB: u64 = 128 * 1024 + 30_000_000 / 1024;
const WALL_BUDGET: Duration = Duration::from_millis(300);

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

struct Issued {
    server: usize,
    user: String,
    client_id: String,
    token: String,
    id: String,
}

fn main() -> Result<()> {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/mastokey");
    if !binary.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            binary.display()
        )
        .into());
    }
    let servers: Vec<FakeServer> = (0..SERVERS)
        .map(|n| {
            FakeServer::start_with(Config {
                mode: Mode::Mastodon47,
                domain: format!("s{n}.example"),
                port: 0,
                quirks: None,
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(ACCOUNTS);
    for n in 0..ACCOUNTS {
        let server = n % SERVERS;
        let user = format!("user{n}");
        let (client_id, token) = servers[server].create_token(&user, &["profile"]);
        tokens.push(Issued {
            server,
            user,
            client_id,
            token,
            id: String::new(),
        });
    }
    account_ids(&servers, &mut tokens)?;
    // Only now: the set-up above should not pay the latency.
    for server in &servers {
        server.set_fault("/api/", Fault::Latency(LATENCY));
    }

    let dir = tempfile::tempdir()?;
    let config = dir.path().join("config");
    let passphrase = Secret::new(PASSPHRASE);
    let mut vault = Vault::create(&config, &passphrase, Kdf::default())?;
    fill(&mut vault, &servers, &tokens)?;
    drop(vault);

    let mut unlocks = Vec::new();
    for _ in 0..UNLOCKS {
        let start = Instant::now();
        let vault = Vault::unlock(&config, &passphrase)?;
        unlocks.push(start.elapsed());
        assert_eq!(vault.data().accounts.len(), ACCOUNTS);
    }
    let unlock = median(&mut unlocks);

    println!(
        "verify --json of {ACCOUNTS} accounts on {SERVERS} fake servers, {} ms API latency, \
         scrypt 2^{}, {RUNS} runs",
        LATENCY.as_millis(),
        Kdf::default().log_n()
    );
    println!(
        "unlock in process, median of {UNLOCKS}: {:>7.1} ms",
        ms(unlock)
    );
    println!(
        "{:>4}  {:>10}  {:>15}  {:>12}",
        "run", "wall ms", "wall-unlock ms", "peak RSS MiB"
    );
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    for run in 1..=RUNS {
        let (wall, rss_kib) = run_verify(&binary, &config, dir.path())?;
        println!(
            "{run:>4}  {:>10.1}  {:>15.1}  {:>12.1}",
            ms(wall),
            ms(wall) - ms(unlock),
            kib_to_mib(rss_kib)
        );
        walls.push(wall);
        peaks.push(rss_kib);
    }
    // Where the time goes: the same runs with the latency removed leave process start, unlock,
    // the requests themselves and the save; the rest is waiting on the 20 ms answers.
    for server in &servers {
        server.clear_faults();
    }
    let mut bare = Vec::new();
    for _ in 0..RUNS {
        bare.push(run_verify(&binary, &config, dir.path())?.0);
    }
    let bare = median(&mut bare);

    let wall = median(&mut walls);
    let peak = peaks.iter().copied().max().unwrap_or(0);
    let over = wall.saturating_sub(unlock);
    println!();
    println!(
        "wall, median:         {:>7.1} ms   budget unlock + 300 = {:.1} ms   {}",
        ms(wall),
        ms(unlock + WALL_BUDGET),
        verdict(wall <= unlock + WALL_BUDGET)
    );
    println!(
        "wall minus unlock:    {:>7.1} ms   budget 300 ms   {}",
        ms(over),
        verdict(over <= WALL_BUDGET)
    );
    println!(
        "without latency:      {:>7.1} ms wall, {:.1} ms minus unlock (the rest is waiting)",
        ms(bare),
        ms(bare.saturating_sub(unlock))
    );
    println!(
        "peak RSS, max:        {:>7.1} MiB  budget {:.1} MiB (128 MiB + 30 MB)   {}",
        kib_to_mib(peak),
        kib_to_mib(RSS_BUDGET_KIB),
        verdict(peak < RSS_BUDGET_KIB)
    );
    // Rows for bench/run.sh's summary table: what, figure, budget, verdict.
    let ok = |b: bool| if b { "ok" } else { "OVER" };
    println!(
        "ROW\tverify of 200 accounts, wall minus unlock (median)\t{:.1} ms ({:.1} ms wall)\t< 300 ms\t{}",
        ms(over),
        ms(wall),
        ok(over <= WALL_BUDGET)
    );
    println!(
        "ROW\tpeak RSS, verify of 200 accounts\t{:.1} MiB\t< 128 MiB + 30 MB\t{}",
        kib_to_mib(peak),
        ok(peak < RSS_BUDGET_KIB)
    );
    Ok(())
}

/// The fake assigns account ids; `verify` compares them, so ask the server once, without latency.
fn account_ids(servers: &[FakeServer], tokens: &mut [Issued]) -> Result<()> {
    let client = Client::new()?;
    let bases: Vec<BaseUrl> = servers
        .iter()
        .map(|s| BaseUrl::parse(&s.base_url()))
        .collect::<std::result::Result<_, _>>()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answers = runtime.block_on(join_all(tokens.iter().map(|t| {
        let token = Secret::new(t.token.clone());
        let base = &bases[t.server];
        let client = &client;
        async move { client.verify_credentials(base, &token).await }
    })));
    for (token, answer) in tokens.iter_mut().zip(answers) {
        token.id = answer?.id;
    }
    Ok(())
}

fn fill(vault: &mut Vault, servers: &[FakeServer], tokens: &[Issued]) -> Result<()> {
    let now = Timestamp::now();
    vault.update(|data| {
        for (n, server) in servers.iter().enumerate() {
            let apps = tokens
                .iter()
                .filter(|t| t.server == n)
                .map(|t| StoredApp {
                    client_id: t.client_id.clone(),
                    // Never used: the benchmark does not revoke.
                    client_secret: Secret::new("unused"),
                    scopes: vec!["profile".into()],
                    redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
                    created_at: now,
                })
                .collect();
            data.upsert_server(StoredServer {
                base_url: server.base_url(),
                domain: server.domain(),
                software: Some("mastodon".into()),
                version: Some("4.7.0".into()),
                apps,
                verify_needs_read: false,
            });
        }
        for t in tokens {
            data.upsert_account(StoredAccount {
                id: t.id.clone(),
                username: t.user.clone(),
                domain: servers[t.server].domain(),
                server: servers[t.server].base_url(),
                display_name: t.user.clone(),
                token: Secret::new(t.token.clone()),
                scopes: vec!["profile".into()],
                client_id: t.client_id.clone(),
                created_at: now,
                last_checked_at: None,
                last_status: None,
                last_detail: None,
                expires_at: None,
            });
        }
    })?;
    Ok(())
}

/// One `verify --json` under `/usr/bin/time -v`: wall time measured here, peak RSS from time.
fn run_verify(binary: &Path, config: &Path, tmp: &Path) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(binary)
        .args(["verify", "--json"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", tmp)
        .env("MASTOKEY_CONFIG_DIR", config)
        .env("MASTOKEY_PASSPHRASE", PASSPHRASE)
        .output()?;
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("verify failed ({}): {stderr}", output.status).into());
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let results = json["results"].as_array().map_or(0, Vec::len);
    let valid = json["results"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|r| r["status"] == "valid").count());
    if results != ACCOUNTS || valid != ACCOUNTS {
        return Err(format!("{valid} of {results} results valid, expected {ACCOUNTS}").into());
    }
    let rss = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or("no \"Maximum resident set size\" in the output of /usr/bin/time -v")?;
    Ok((wall, rss))
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[allow(clippy::cast_precision_loss)] // KiB counts far below 2^52
fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "within budget" } else { "OVER BUDGET" }
}
