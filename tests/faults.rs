//! The fault suite: one test per failure a user can meet, each asserting what the screen (or
//! the command's output) says and that the vault is left exactly as it was.

use std::net::TcpListener;

use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault};

use crate::support::e2e::{E2e, PASSPHRASE, seed_vault};
use crate::support::fake_server::{Fault, Mode, UserState};
use crate::support::pty::{CTRL_C, ENTER, Pty};

/// A vault that exists (so "unchanged" means something) and the wizard at `add SERVER`.
fn wizard_with_vault(t: &E2e, server: &str) -> (Pty, Vec<(String, Vec<u8>)>) {
    if !Vault::exists(&t.config_dir()) {
        Vault::create(
            &t.config_dir(),
            &Secret::new(PASSPHRASE),
            Kdf::insecure_for_tests(10),
        )
        .unwrap();
    }
    let before = t.vault_bytes();
    let pty = t.spawn(&["add", server], &[("MASTOKEY_PASSPHRASE", PASSPHRASE)]);
    (pty, before)
}

/// Quits with Ctrl-C and checks the vault did not change (exit 130: quit before the account
/// being added was saved).
fn quit_unchanged(t: &E2e, mut pty: Pty, before: &[(String, Vec<u8>)]) {
    pty.send(CTRL_C);
    assert_eq!(pty.wait_exit(), 130);
    assert_eq!(before, t.vault_bytes().as_slice(), "the vault changed");
}

/// Discovery of `server` fails with a message containing `expected`, the typed text kept.
fn discovery_fails(server: &str, expected: &str) {
    let t = E2e::new(Mode::Mastodon47);
    let (pty, before) = wizard_with_vault(&t, server);
    let screen = pty.wait_for(expected);
    assert!(screen.contains("1/5 Server"), "{screen}");
    assert!(
        screen.contains(&format!("Server: {server}")),
        "the typed text is kept: {screen}"
    );
    quit_unchanged(&t, pty, &before);
}

#[test]
fn connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    discovery_fails(
        &format!("http://127.0.0.1:{port}"),
        "was refused or broken off",
    );
}

#[test]
fn dns_failure() {
    discovery_fails(
        "mastodon.invalid",
        "could not be found (no such name in DNS)",
    );
}

#[test]
fn tls_failure() {
    // https to a plain-http loopback port: the handshake fails the way a bad certificate does.
    let t = E2e::new(Mode::Mastodon47);
    let server = t.server.base_url().replace("http://", "https://");
    let (pty, before) = wizard_with_vault(&t, &server);
    pty.wait_for("No secure connection to 127.0.0.1");
    quit_unchanged(&t, pty, &before);
}

#[test]
fn plain_http_to_a_public_host_is_refused_before_any_request() {
    discovery_fails("http://social.example", "would be reached over plain http");
}

#[test]
fn server_error_500_with_html() {
    let t = E2e::new(Mode::Mastodon47);
    t.server.set_fault("/api/", Fault::Html5xx(500));
    let (pty, before) = wizard_with_vault(&t, &t.server.base_url());
    let screen = pty.wait_for("HTTP 500");
    assert!(
        !screen.contains("<html"),
        "no markup reaches the screen: {screen}"
    );
    quit_unchanged(&t, pty, &before);
}

/// Discovery works; registration meets `fault`; the Register step says `expected`.
fn registration_fails(fault: Fault, expected: &str) {
    let t = E2e::new(Mode::Mastodon47);
    t.server.set_fault("/api/v1/apps", fault);
    let (mut pty, before) = wizard_with_vault(&t, &t.server.base_url());
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    let screen = pty.wait_for(expected);
    assert!(screen.contains("3/5 Register"), "{screen}");
    // Fixed on the server: Enter retries and moves on.
    t.server.clear_faults();
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    quit_unchanged(&t, pty, &before);
}

#[test]
fn bad_gateway_502() {
    registration_fails(Fault::Html5xx(502), "gateway");
}

#[test]
fn rate_limited_429_says_when() {
    registration_fails(Fault::RateLimited, "Try again in");
}

#[test]
fn malformed_json() {
    registration_fails(Fault::MalformedJson, "could not be read");
}

#[test]
fn html_where_json_was_expected() {
    // A plain website on loopback: every path answers a web page.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().flatten().take(20) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body =
                "<html><head><title>My blog</title></head><body>\u{1b}[31mhello</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    discovery_fails(
        &format!("http://127.0.0.1:{port}"),
        "does not look like a Mastodon server",
    );
}

#[test]
fn invalid_client_registers_a_new_app_once() {
    let t = E2e::new(Mode::Mastodon47);
    // The vault remembers an app whose secret the server no longer accepts.
    let (client_id, _) = t.server.create_token("bob", &["profile"]);
    let mut vault = Vault::create(
        &t.config_dir(),
        &Secret::new(PASSPHRASE),
        Kdf::insecure_for_tests(10),
    )
    .unwrap();
    vault
        .update(|data| {
            data.upsert_server(mastokey::vault::StoredServer {
                base_url: t.server.base_url(),
                domain: "social.example".into(),
                software: None,
                version: None,
                verify_needs_read: false,
                apps: vec![mastokey::vault::StoredApp {
                    client_id: client_id.clone(),
                    client_secret: Secret::new("forgotten-secret"),
                    scopes: vec!["profile".into()],
                    redirect_uris: vec![
                        "urn:ietf:wg:oauth:2.0:oob".into(),
                        "http://127.0.0.1:45999/callback".into(),
                    ],
                    created_at: jiff::Timestamp::now(),
                }],
            });
        })
        .unwrap();
    let (mut pty, before) = wizard_with_vault(&t, &t.server.base_url());
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    // The stored app is checked before it is reused: refused, so a new one is registered at
    // once, and the sign-in goes through with it.
    pty.wait_for("4/5 Authorize");
    assert_eq!(t.server.apps_registered(), 2, "one new app");
    pty.send(ENTER);
    let url = t.wait_opened(1);
    assert!(!url.contains(&format!("client_id={client_id}&")), "{url}");
    let approval = t.server.approve(&url, "alice").unwrap();
    pty.paste(&approval.code);
    pty.send(ENTER);
    pty.wait_for("Saved in the vault");
    assert_eq!(t.server.apps_registered(), 2);
    pty.send(CTRL_C);
    assert_eq!(pty.wait_exit(), 0);
    assert_ne!(before, t.vault_bytes(), "the account was saved");
}

/// Signing in as `user` gives a token whose check fails with `expected` on the Verify step.
fn account_state_fails(user: &str, state: UserState, expected: &str) {
    let t = E2e::new(Mode::Mastodon47);
    t.server.set_user_state(user, state);
    let (mut pty, before) = wizard_with_vault(&t, &t.server.base_url());
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER);
    let url = t.wait_opened(1);
    let approval = t.server.approve(&url, user).unwrap();
    pty.paste(&approval.code);
    pty.send(ENTER);
    let screen = pty.wait_for(expected);
    assert!(
        screen.contains("The token could not be checked"),
        "{screen}"
    );
    // The token exists but is unsaved: Ctrl-C asks first, and a second one quits.
    pty.send(CTRL_C);
    pty.wait_for("Discard this token?");
    quit_unchanged(&t, pty, &before);
}

#[test]
fn account_pending() {
    account_state_fails("pat", UserState::Pending, "waiting for approval");
}

#[test]
fn account_unconfirmed() {
    account_state_fails(
        "una",
        UserState::Unconfirmed,
        "e-mail address is not confirmed",
    );
}

#[test]
fn account_disabled() {
    account_state_fails("dee", UserState::Disabled, "disabled or suspended");
}

#[test]
fn stored_tokens_revoked_invalid_and_insufficient_show_on_home() {
    let t = E2e::new(Mode::Mastodon47);
    let tokens = seed_vault(&t, &["alice", "bob"]);
    t.server.revoke_token(&tokens[0]);
    // bob's token is swapped for one that only posts; carol's for one the server never issued.
    let (_, posting_only) = t.server.create_token("bob", &["write:statuses"]);
    let mut vault = t.unlock();
    vault
        .update(|data| {
            let bob = data
                .accounts
                .iter_mut()
                .find(|a| a.username == "bob")
                .unwrap();
            bob.token = Secret::new(posting_only.clone());
            let carol = mastokey::vault::StoredAccount {
                id: "999".into(),
                username: "carol".into(),
                domain: bob.domain.clone(),
                server: bob.server.clone(),
                display_name: "Carol".into(),
                token: Secret::new("never-issued"),
                scopes: vec!["profile".into()],
                client_id: bob.client_id.clone(),
                created_at: bob.created_at,
                last_checked_at: None,
                last_status: None,
                last_detail: None,
                expires_at: None,
            };
            data.accounts.push(carol);
        })
        .unwrap();
    let mut pty = t.spawn(&[], &[("MASTOKEY_PASSPHRASE", PASSPHRASE)]);
    pty.wait_for("@carol@social.example");
    pty.send("v");
    let screen = pty.wait_for("Checked: 0 of 3 tokens valid");
    assert!(screen.contains("revoked"), "{screen}");
    assert!(screen.contains("insufficient scope"), "{screen}");
    assert!(screen.contains("invalid"), "{screen}");
    pty.send("q");
    pty.wait_exit();
}

// ---- The vault ----

/// Runs `mastokey ARGS` on the vault in `t`, with `passphrase` in the environment.
fn mastokey(t: &E2e, args: &[&str], passphrase: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mastokey"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", t.dir.path().join("home"))
        .env("MASTOKEY_CONFIG_DIR", t.config_dir())
        .env("MASTOKEY_PASSPHRASE", passphrase)
        .output()
        .unwrap()
}

/// A damaged or unopenable vault: `mastokey ARGS` exits 3 saying `expected`; no file changes.
fn vault_refuses(t: &E2e, args: &[&str], passphrase: &str, expected: &str) {
    let before = t.vault_bytes();
    let out = mastokey(t, args, passphrase);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert_eq!(before, t.vault_bytes(), "the vault changed");
}

fn with_one_account() -> E2e {
    let t = E2e::new(Mode::Mastodon47);
    seed_vault(&t, &["alice"]);
    t
}

#[test]
fn vault_wrong_passphrase() {
    let t = with_one_account();
    vault_refuses(
        &t,
        &["list"],
        "not the passphrase",
        "wrong passphrase: the vault stays locked",
    );
}

#[test]
fn vault_truncated() {
    let t = with_one_account();
    let path = t.config_dir().join("vault.age");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    vault_refuses(&t, &["token", "alice"], PASSPHRASE, "cannot be read");
}

#[test]
fn vault_corrupt() {
    let t = with_one_account();
    std::fs::write(
        t.config_dir().join("vault.age"),
        b"this is not an age file\n",
    )
    .unwrap();
    vault_refuses(&t, &["verify"], PASSPHRASE, "restore it from");
}

#[test]
fn vault_from_a_future_version() {
    let t = with_one_account();
    let key_txt = crate::vault_tests::recover_key_text(&t.config_dir());
    let key_line = key_txt
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    let identity: age::x25519::Identity = key_line.parse().unwrap();
    let future = br#"{"version":9,"servers":[],"accounts":[],"new":"shape"}"#;
    let sealed = age::encrypt(&identity.to_public(), future).unwrap();
    std::fs::write(t.config_dir().join("vault.age"), sealed).unwrap();
    vault_refuses(
        &t,
        &["list", "--json"],
        PASSPHRASE,
        "written by a newer mastokey",
    );
}

#[test]
fn vault_lock_held_by_another_process() {
    let t = with_one_account();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(t.config_dir().join("vault.lock"))
        .unwrap();
    lock.lock().unwrap();
    vault_refuses(
        &t,
        &["remove", "alice", "--yes"],
        PASSPHRASE,
        "another mastokey is still saving",
    );
    lock.unlock().unwrap();
    // Once the other process is done, the same command works.
    assert_eq!(
        mastokey(&t, &["remove", "alice", "--yes"], PASSPHRASE)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn vault_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let t = with_one_account();
    let dir = t.config_dir();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = dir.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        // Root ignores directory permissions (CI runs as root): nothing to prove here.
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        eprintln!("skipped: running as root, a read-only directory is still writable");
        return;
    }
    vault_refuses(
        &t,
        &["remove", "alice", "--yes"],
        PASSPHRASE,
        "permission denied",
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// The wizard, too, refuses a vault whose `vault.age` is gone while its backup is there: before
/// the fix it opened as an empty vault and the next save replaced the backup.
#[test]
fn vault_missing_with_its_backup_stops_the_wizard_before_anything_is_saved() {
    let t = with_one_account();
    let dir = t.config_dir();
    std::fs::rename(dir.join("vault.age"), dir.join("vault.age.bak")).unwrap();
    let before = t.vault_bytes();
    let mut pty = t.spawn(&[], &[("MASTOKEY_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(pty.wait_exit(), 3, "{}", pty.screen());
    pty.wait_for("mv ");
    assert!(pty.screen().contains("vault.age.bak"), "{}", pty.screen());
    assert_eq!(before, t.vault_bytes(), "the vault changed");
    vault_refuses(&t, &["list"], PASSPHRASE, "is missing");
}
