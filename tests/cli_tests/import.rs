//! `import SERVER` (a token on stdin) and `import --from-toot`, against the fake server.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{Cli, Run, add, check_token};
use crate::support::fake_server::{FakeServer, Mode};

/// Runs `command` with `input` on stdin.
fn run_with_stdin(command: &mut Command, input: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn import(cli: &Cli, args: &[&str], token: &str) -> Run {
    let mut full = vec!["import"];
    full.extend_from_slice(args);
    run_with_stdin(&mut cli.command(&full), &format!("{token}\n"))
}

#[test]
fn a_valid_token_is_described_and_saved_without_app_credentials() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let (_, token) = server.create_token("alice", &["read", "write"]);
    let out = import(&cli, &[&server.base_url()], &token);
    out.code(0);
    assert!(out.stdout.contains("@alice@social.example"), "{out:?}");
    assert!(out.stdout.contains("app \"mastokey tests\""), "{out:?}");
    assert!(out.stdout.contains("scopes: read write"), "{out:?}");
    assert!(
        out.stdout.contains("/oauth/authorized_applications"),
        "{out:?}"
    );
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token));
    let vault = cli.unlock();
    let stored = &vault.data().accounts[0];
    assert_eq!(stored.handle(), "alice@social.example");
    assert_eq!(stored.token.expose(), token);
    assert!(!stored.has_app());
    assert_eq!(stored.scopes, ["read", "write"]);
    // The token is usable like any other.
    let printed = cli.run(&["token", "alice"]);
    assert_eq!(printed.code(0).stdout.trim(), token);
}

#[test]
fn remove_revoke_of_an_adopted_token_removes_it_and_names_the_page() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let (_, token) = server.create_token("alice", &["read"]);
    import(&cli, &[&server.base_url()], &token).code(0);
    let out = cli.run(&["remove", "alice", "--revoke"]);
    out.code(0);
    assert!(
        out.stdout.contains(&format!(
            "{}/oauth/authorized_applications",
            server.base_url()
        )),
        "{out:?}"
    );
    assert!(out.stdout.contains("was not revoked"), "{out:?}");
    assert!(cli.unlock().data().accounts.is_empty());
    // Nothing was asked of the server, and the token still works.
    assert!(server.requests().iter().all(|r| r.path != "/oauth/revoke"));
    check_token(&server.base_url(), &token).unwrap();
}

#[test]
fn on_a_server_without_mastodons_page_the_revoke_hint_names_its_settings() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::GoToSocial);
    let (_, token) = server.create_token("alice", &["read"]);
    let out = import(&cli, &[&server.base_url()], &token);
    out.code(0);
    assert!(!out.stdout.contains("authorized_applications"), "{out:?}");
    assert!(out.stdout.contains("in the server's settings"), "{out:?}");
    let out = cli.run(&["remove", "alice", "--revoke"]);
    out.code(0);
    assert!(!out.stdout.contains("authorized_applications"), "{out:?}");
    assert!(out.stdout.contains("in the server's settings"), "{out:?}");
}

#[test]
fn an_invalid_token_exits_1_and_saves_nothing() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let (_, token) = server.create_token("alice", &["read"]);
    assert!(server.revoke_token(&token));
    let out = import(&cli, &[&server.base_url()], &token);
    out.code(1);
    assert!(out.stderr.contains("Nothing was saved"), "{out:?}");
    // The cause once, without the check's own advice.
    assert!(
        out.stderr
            .contains("refused the token: the token was revoked"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("Create a new token"), "{out:?}");
    // Advice for a stored account does not fit a token that was never stored.
    assert!(!out.stderr.contains("Re-authorize"), "{out:?}");
    assert!(!out.stderr.contains(".."), "{out:?}");
    assert!(cli.unlock().data().accounts.is_empty());
    let out = import(&cli, &[&server.base_url()], "");
    out.code(2);
    assert!(out.stderr.contains("no token"), "{out:?}");
}

#[test]
fn a_token_whose_scopes_the_server_does_not_tell_is_listed_as_unknown() {
    let cli = Cli::new();
    cli.create_vault();
    // snac's app check names the app but not its scopes.
    let server = FakeServer::start(Mode::Snac);
    let (_, token) = server.create_token("alice", &["read"]);
    import(&cli, &[&server.base_url()], &token).code(0);
    let out = cli.run(&["list"]);
    let row = out
        .code(0)
        .stdout
        .lines()
        .find(|l| l.contains("alice"))
        .unwrap_or_default()
        .to_owned();
    assert!(row.contains("unknown"), "{out:?}");
}

#[test]
fn a_token_the_server_will_not_describe_is_explained_not_called_invalid() {
    let cli = Cli::new();
    cli.create_vault();
    // Takahē tells whose a token is only to a token with `read`.
    let server = FakeServer::start(Mode::Takahe);
    let (_, token) = server.create_token("alice", &["read:accounts"]);
    let out = import(&cli, &[&server.base_url()], &token);
    out.code(1);
    assert!(
        out.stderr
            .contains("only when the token may read everything"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("Re-authorize"), "{out:?}");
    assert!(cli.unlock().data().accounts.is_empty());
}

#[test]
fn an_unreachable_server_exits_4() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let base = server.base_url();
    drop(server);
    import(&cli, &[&base], "some-token").code(4);
    assert!(cli.unlock().data().accounts.is_empty());
}

#[test]
fn a_stored_account_is_kept_unless_replace_is_given() {
    let cli = Cli::new();
    let mut vault = cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let first = add(&mut vault, &server, "alice");
    let (_, second) = server.create_token("alice", &["read"]);
    let out = import(&cli, &[&server.base_url()], &second);
    out.code(0);
    assert!(out.stdout.contains("already stored"), "{out:?}");
    let stored = cli.unlock();
    assert_eq!(stored.data().accounts.len(), 1);
    assert_eq!(stored.data().accounts[0].token.expose(), first.token);
    assert!(stored.data().accounts[0].has_app());

    import(&cli, &["--replace", &server.base_url()], &second).code(0);
    let stored = cli.unlock();
    assert_eq!(stored.data().accounts.len(), 1);
    assert_eq!(stored.data().accounts[0].token.expose(), second);
}

#[test]
fn the_stored_token_imported_again_keeps_its_app_and_stays_revocable() {
    let cli = Cli::new();
    let mut vault = cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    let first = add(&mut vault, &server, "alice");
    drop(vault);
    import(&cli, &["--replace", &server.base_url()], &first.token).code(0);
    let stored = cli.unlock();
    let alice = &stored.data().accounts[0];
    assert_eq!(alice.token.expose(), first.token);
    assert!(
        alice.has_app(),
        "the same token still has the app that issued it"
    );
}

#[test]
fn from_toot_saves_the_valid_accounts_with_their_app_and_leaves_the_file_alone() {
    let cli = Cli::new();
    cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    // alice signs in through the real flow, so her app's credentials are known for the fixture.
    let scratch = Cli::new();
    let mut scratch_vault = scratch.create_vault();
    let alice = add(&mut scratch_vault, &server, "alice");
    let app = &scratch_vault.data().servers[0].apps[0];
    let (_, bob_token) = server.create_token("bob", &["read"]);
    let xdg = cli.dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("toot")).unwrap();
    let config = xdg.join("toot/config.json");
    let fixture = include_str!("../fixtures/toot/config.json")
        .replace("@BASE@", &server.base_url())
        .replace("@CLIENT_ID@", &app.client_id)
        .replace("@CLIENT_SECRET@", app.client_secret.expose())
        .replace("@ALICE_TOKEN@", &alice.token)
        .replace("@BOB_TOKEN@", &bob_token);
    std::fs::write(&config, &fixture).unwrap();
    let before = std::fs::metadata(&config).unwrap().modified().unwrap();

    let out = super::run(
        cli.command(&["import", "--from-toot"])
            .env("XDG_CONFIG_HOME", &xdg),
    );
    // carol's token is not valid: exit 1, the others are saved.
    out.code(1);
    assert!(out.stdout.contains("3 account(s)"), "{out:?}");
    assert!(out.stdout.contains("carol@bob.local: not valid"), "{out:?}");
    assert!(out.stdout.contains("still in"), "{out:?}");
    for secret in [
        alice.token.as_str(),
        bob_token.as_str(),
        app.client_secret.expose(),
    ] {
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), fixture);
    assert_eq!(
        std::fs::metadata(&config).unwrap().modified().unwrap(),
        before
    );
    let vault = cli.unlock();
    let mut handles: Vec<String> = vault
        .data()
        .accounts
        .iter()
        .map(mastokey::vault::StoredAccount::handle)
        .collect();
    handles.sort();
    assert_eq!(handles, ["alice@social.example", "bob@social.example"]);
    let stored_alice = vault
        .data()
        .accounts
        .iter()
        .find(|a| a.username == "alice")
        .unwrap();
    assert_eq!(stored_alice.client_id, app.client_id);

    // alice came with her app: --revoke really revokes.
    cli.run(&["remove", "alice", "--revoke"]).code(0);
    assert!(check_token(&server.base_url(), &alice.token).is_err());
    assert!(server.requests().iter().any(|r| r.path == "/oauth/revoke"));
}

#[test]
fn import_without_a_vault_creates_one_with_the_passphrase_variable() {
    let cli = Cli::new();
    let server = FakeServer::start(Mode::Mastodon47);
    let (_, token) = server.create_token("alice", &["read"]);
    let out = import(&cli, &[&server.base_url()], &token);
    assert!(
        out.code(0).stderr.contains("created a new vault"),
        "{out:?}"
    );
    assert_eq!(cli.unlock().data().accounts[0].token.expose(), token);
    // A passphrase shorter than the wizard's minimum makes no vault.
    let short = Cli::new();
    let out = run_with_stdin(
        short
            .locked(&["import", &server.base_url()])
            .env("MASTOKEY_PASSPHRASE", "abc"),
        &token,
    );
    assert!(out.code(3).stderr.contains("no vault yet"), "{out:?}");
    assert!(out.stderr.contains("nothing was saved"), "{out:?}");
    assert!(!short.config().join("vault.age").exists());
    // A token given as an argument is refused without being echoed.
    let out = run_with_stdin(
        &mut short.command(&["import", &server.base_url(), &token]),
        "",
    );
    assert!(
        out.code(2).stderr.contains("reads the token from stdin"),
        "{out:?}"
    );
    assert!(!out.stderr.contains(&token), "{out:?}");
    // Also one that starts with a hyphen, and one given in place of the server.
    let dashed = format!("-{token}");
    let base = server.base_url();
    for args in [vec!["import", &base, &dashed], vec!["import", &token]] {
        let out = run_with_stdin(&mut short.command(&args), "");
        assert!(out.code(2).stderr.contains("from stdin"), "{out:?}");
        assert!(!out.stderr.contains(&token), "{out:?}");
    }
    // Without a passphrase source and no terminal: nothing is created.
    let other = Cli::new();
    let out = run_with_stdin(&mut other.locked(&["import", &server.base_url()]), &token);
    out.code(3);
    assert!(!other.config().join("vault.age").exists());
}

#[test]
fn in_a_terminal_the_token_is_typed_unechoed_and_replace_is_asked() {
    use crate::support::pty::{ENTER, Pty};
    let cli = Cli::new();
    let mut vault = cli.create_vault();
    let server = FakeServer::start(Mode::Mastodon47);
    add(&mut vault, &server, "alice");
    let (_, second) = server.create_token("alice", &["read"]);
    let config = cli.config();
    let home = cli.dir.path().join("home");
    let base = server.base_url();
    let spawn = || {
        Pty::spawn(
            super::bin(),
            &["import", &base],
            &[
                ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
                ("HOME", home.to_str().unwrap()),
                ("PATH", "/usr/bin:/bin"),
                ("MASTOKEY_PASSPHRASE", super::PASSPHRASE),
            ],
            100,
            30,
        )
    };
    // Keep (the default) first, then Replace.
    for (answer, replaced) in [("", false), ("r", true)] {
        let mut pty = spawn();
        pty.wait_for("Access token:");
        pty.send(&format!("{second}{ENTER}"));
        pty.wait_for("[r/K]");
        pty.send(&format!("{answer}{ENTER}"));
        assert_eq!(pty.wait_exit(), 0, "{}", pty.screen());
        pty.wait_for(if replaced { "Replaced" } else { "kept" });
        let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
        assert!(!raw.contains(&second), "the token was echoed: {raw}");
        let stored = cli.unlock();
        assert_eq!(stored.data().accounts[0].token.expose() == second, replaced);
    }
}
