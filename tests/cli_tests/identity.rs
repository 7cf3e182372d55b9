//! Entries that share a handle: a hostile server claiming another server's domain, and one
//! honest server reached under two addresses. Every command names each entry and acts on the
//! one named, never on the first with the same handle.

use mastokey::vault::StoredAccount;

use super::{Added, Cli, add, add_at, check_token};
use crate::support::fake_server::{FakeServer, Mode};

/// The real bob on `localhost:R` (stored under `http://localhost:R`), and a server on
/// `127.0.0.1:H` claiming the real server's domain with its own bob.
struct Clash {
    cli: Cli,
    real: FakeServer,
    hostile: FakeServer,
    real_bob: Added,
    fake_bob: Added,
    /// `bob@localhost:R`
    handle: String,
    /// `127.0.0.1:H`
    hostile_host: String,
}

impl Clash {
    fn new() -> Clash {
        let cli = Cli::new();
        let real = FakeServer::start(Mode::Mastodon47);
        let domain = format!("localhost:{}", port(&real));
        let real = real.with_domain(&domain);
        let hostile = FakeServer::start(Mode::Mastodon47).with_domain(&domain);
        let mut vault = cli.create_vault();
        let real_base = format!("http://{domain}");
        let real_bob = add_at(&mut vault, &real, "bob", &real_base);
        let fake_bob = add(&mut vault, &hostile, "bob");
        assert_eq!(real_bob.handle, fake_bob.handle);
        let hostile_host = hostile.base_url().trim_start_matches("http://").to_owned();
        Clash {
            cli,
            real,
            hostile,
            handle: real_bob.handle.clone(),
            real_bob,
            fake_bob,
            hostile_host,
        }
    }

    fn entries(&self) -> Vec<StoredAccount> {
        self.cli
            .unlock()
            .data()
            .accounts
            .iter()
            .map(clone_meta)
            .collect()
    }

    fn hostile_name(&self) -> String {
        format!("{}@{}", self.handle, self.hostile_host)
    }
}

fn port(server: &FakeServer) -> String {
    server.base_url().rsplit(':').next().unwrap().to_owned()
}

fn clone_meta(a: &StoredAccount) -> StoredAccount {
    StoredAccount {
        id: a.id.clone(),
        username: a.username.clone(),
        domain: a.domain.clone(),
        server: a.server.clone(),
        display_name: a.display_name.clone(),
        token: a.token.duplicate(),
        scopes: a.scopes.clone(),
        client_id: a.client_id.clone(),
        created_at: a.created_at,
        last_checked_at: a.last_checked_at,
        last_status: a.last_status,
        last_detail: a.last_detail.clone(),
        expires_at: a.expires_at,
    }
}

#[test]
fn list_names_each_entry_of_a_shared_handle_with_its_server() {
    let c = Clash::new();
    let out = c.cli.run(&["list"]);
    out.code(0);
    let rows: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out:?}");
    assert!(rows[0].starts_with(&format!("{}  ", c.handle)), "{out:?}");
    assert!(rows[0].contains(&format!("http://{}", &c.handle["bob@".len()..])));
    let hostile_label = format!("{} ({})", c.handle, c.hostile_host);
    assert!(rows[1].starts_with(&hostile_label), "{out:?}");
    assert!(rows[1].contains(&c.hostile.base_url()), "{out:?}");
    // The JSON keeps its shape: the handle, and the server that tells the two apart.
    let json = c.cli.run(&["list", "--json"]).json();
    let servers: Vec<&str> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["server"].as_str().unwrap())
        .collect();
    assert_eq!(
        servers,
        [format!("http://{}", &c.handle[4..]), c.hostile.base_url()]
    );
}

#[test]
fn token_and_exec_name_each_entry() {
    let c = Clash::new();
    let token = |name: &str| {
        let out = c.cli.run(&["token", name]);
        out.code(0);
        out.stdout.trim_end().to_owned()
    };
    assert_eq!(token(&c.handle), c.real_bob.token);
    assert_eq!(token(&c.hostile_name()), c.fake_bob.token);
    assert_eq!(
        token(&format!("{} ({})", c.handle, c.hostile_host)),
        c.fake_bob.token
    );
    assert_eq!(
        token(&format!("{}@{}/", c.handle, c.hostile.base_url())),
        c.fake_bob.token
    );
    let out = c.cli.run(&[
        "exec",
        &c.hostile_name(),
        "--",
        "sh",
        "-c",
        "echo \"$MASTODON_API_BASE_URL\"",
    ]);
    out.code(0);
    assert_eq!(out.stdout.trim_end(), c.hostile.base_url());
    // A prefix matching both lists the names that pick each.
    let out = c.cli.run(&["token", "bo"]);
    out.code(2);
    assert!(
        out.stderr
            .contains(&format!("{}, {} ({})", c.handle, c.handle, c.hostile_host)),
        "{out:?}"
    );
    assert!(!out.stdout.contains(&c.real_bob.token));
}

#[test]
fn verify_records_each_result_on_the_entry_it_checked() {
    let c = Clash::new();
    assert!(c.hostile.revoke_token(&c.fake_bob.token));
    let out = c.cli.run(&["verify", &c.hostile_name(), "--json"]);
    out.code(1);
    let results = out.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 1, "{out:?}");
    assert_eq!(results[0]["server"], c.hostile.base_url());
    assert_eq!(results[0]["status"], "revoked");
    let entries = c.entries();
    assert_eq!(
        entries[0].last_checked_at, None,
        "the real bob was not checked"
    );
    assert_eq!(
        entries[1].last_status,
        Some(mastokey::vault::CheckStatus::Revoked)
    );

    // All of them: each line shows its own server and status.
    let out = c.cli.run(&["verify"]);
    out.code(1);
    // Header, two rows, summary.
    assert_eq!(out.stdout.lines().count(), 4, "{out:?}");
    let real_line = out
        .stdout
        .lines()
        .skip(1)
        .find(|l| !l.contains(&c.hostile_host))
        .unwrap();
    assert!(real_line.starts_with(&format!("{} ", c.handle)), "{out:?}");
    assert!(real_line.contains(" valid "), "{out:?}");
    let hostile_line = out
        .stdout
        .lines()
        .find(|l| l.contains(&c.hostile_host))
        .unwrap();
    assert!(hostile_line.contains("revoked"), "{out:?}");
    let entries = c.entries();
    assert_eq!(
        entries[0].last_status,
        Some(mastokey::vault::CheckStatus::Valid)
    );
    assert_eq!(
        entries[1].last_status,
        Some(mastokey::vault::CheckStatus::Revoked)
    );
}

#[test]
fn remove_revoke_of_the_impostor_leaves_the_real_account_alone() {
    let c = Clash::new();
    let out = c.cli.run(&["remove", &c.hostile_name(), "--revoke"]);
    out.code(0);
    assert!(out.stdout.contains(&c.hostile_host), "{out:?}");
    // Revoked on the hostile server, not on the real one.
    assert!(c.real.requests().iter().all(|r| r.path != "/oauth/revoke"));
    assert!(
        c.hostile
            .requests()
            .iter()
            .any(|r| r.path == "/oauth/revoke")
    );
    check_token(&c.real.base_url(), &c.real_bob.token).unwrap();
    let entries = c.entries();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].server.contains("localhost"),
        "{}",
        entries[0].server
    );
    assert!(
        entries[0]
            .token
            .same_as(&mastokey::secret::Secret::new(c.real_bob.token.clone()))
    );
}

#[test]
fn remove_by_bare_handle_removes_the_entry_on_the_claimed_server() {
    let c = Clash::new();
    c.cli.run(&["remove", &c.handle]).code(0);
    let entries = c.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].server, c.hostile.base_url());
    // And the other one by its name with the server.
    c.cli.run(&["remove", &c.hostile_name()]).code(0);
    assert!(c.entries().is_empty());
}

/// One honest server stored twice, as `127.0.0.1:PORT` and `localhost:PORT`.
#[test]
fn the_same_account_under_two_addresses_is_two_named_entries() {
    let cli = Cli::new();
    let server = FakeServer::start(Mode::Mastodon47);
    let domain = format!("localhost:{}", port(&server));
    let server = server.with_domain(&domain);
    let mut vault = cli.create_vault();
    let by_ip = add(&mut vault, &server, "carol");
    let by_name = add_at(&mut vault, &server, "carol", &format!("http://{domain}"));
    drop(vault);
    let ip_host = server.base_url().trim_start_matches("http://").to_owned();
    let ip_name = format!("{}@{ip_host}", by_ip.handle);

    let out = cli.run(&["list"]);
    out.code(0);
    assert!(
        out.stdout
            .contains(&format!("{} ({ip_host})", by_ip.handle)),
        "{out:?}"
    );

    let out = cli.run(&["token", &ip_name]);
    assert_eq!(out.code(0).stdout.trim_end(), by_ip.token);
    let out = cli.run(&["token", &by_name.handle]);
    assert_eq!(out.code(0).stdout.trim_end(), by_name.token);

    cli.run(&["remove", &ip_name, "--revoke"]).code(0);
    assert!(check_token(&server.base_url(), &by_ip.token).is_err());
    check_token(&server.base_url(), &by_name.token).unwrap();
    let vault = cli.unlock();
    assert_eq!(vault.data().accounts.len(), 1);
    assert_eq!(vault.data().accounts[0].server, format!("http://{domain}"));
}
