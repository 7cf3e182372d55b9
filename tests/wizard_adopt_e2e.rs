//! End to end, the real binary in a pseudo-terminal: adopting a token made on the server
//! (Home → i → server → paste → check → save), a refused token that leaves the vault as it was,
//! and the wizard opening the vault through an unlocked agent without asking.

use crate::support::e2e::{E2e, PASSPHRASE, choose_first_passphrase, seed_vault};
use crate::support::fake_server::Mode;
use crate::support::pty::{CTRL_C, ENTER};

/// Hermetic: no agent of the user running these tests is asked.
const NO_AGENT: (&str, &str) = ("MASTOKEY_NO_AGENT", "1");
const WITH_PASSPHRASE: (&str, &str) = ("MASTOKEY_PASSPHRASE", PASSPHRASE);

#[test]
fn home_i_adopts_a_token_made_on_the_server_and_list_shows_it() {
    let t = E2e::new(Mode::Mastodon47);
    seed_vault(&t, &["bob"]);
    // What the server's Development page would show: a token for alice, with its app.
    let (_, token) = t.server.create_token("alice", &["read", "write"]);
    let mut pty = t.spawn(&[], &[WITH_PASSPHRASE, NO_AGENT]);
    pty.wait_for("@bob@social.example");
    pty.send("i");
    pty.wait_for("Which Mastodon server is the token for?");
    pty.send(&t.server.base_url());
    pty.send(ENTER);
    pty.wait_for("Paste the access token");
    pty.paste(&token);
    pty.send(ENTER);
    let screen = pty.wait_for("@alice@social.example");
    for shown in [
        "Scopes  read write",
        "App     mastokey tests",
        "/oauth/authorized_applications",
    ] {
        assert!(screen.contains(shown), "{shown}: {screen}");
    }
    pty.send(ENTER); // Save in the vault
    pty.wait_for("Saved in the vault");
    pty.send(ENTER); // Done has the focus
    pty.wait_for("Accounts");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    assert!(pty.screen().contains("✓ Saved alice@social.example"));
    assert!(
        !String::from_utf8_lossy(&pty.raw_output()).contains(&token),
        "the token never reaches the terminal"
    );

    let (code, listed) = t.cli(&["list"]);
    assert_eq!(code, 0, "{listed}");
    assert!(listed.contains("alice@social.example"), "{listed}");
    let vault = t.unlock();
    let alice = vault.data().accounts_with_handle("alice@social.example")[0];
    assert_eq!(alice.token.expose(), token);
    assert!(
        !alice.has_app(),
        "a token made elsewhere comes without its app"
    );
}

#[test]
fn ctrl_t_adopts_into_a_new_vault() {
    let t = E2e::new(Mode::Mastodon47);
    let (_, token) = t.server.create_token("alice", &["read"]);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[NO_AGENT]);
    pty.wait_for("2/5 Scopes");
    // Back to the server step, switched to "I have a token".
    pty.send("\x1b");
    pty.wait_for("1/5 Server");
    pty.send("\x14"); // Ctrl-T
    pty.wait_for("Which Mastodon server is the token for?");
    pty.send(ENTER);
    pty.wait_for("Paste the access token");
    pty.paste(&token);
    pty.send(ENTER);
    pty.wait_for("@alice@social.example");
    pty.send(ENTER);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    let vault = t.unlock();
    assert_eq!(vault.data().accounts[0].token.expose(), token);
}

#[test]
fn a_refused_token_is_said_and_the_vault_is_unchanged() {
    let t = E2e::new(Mode::Mastodon47);
    seed_vault(&t, &["bob"]);
    let before = t.vault_bytes();
    let mut pty = t.spawn(&[], &[WITH_PASSPHRASE, NO_AGENT]);
    pty.wait_for("@bob@social.example");
    pty.send("i");
    pty.wait_for("Which Mastodon server is the token for?");
    pty.send(&t.server.base_url());
    pty.send(ENTER);
    pty.wait_for("Paste the access token");
    pty.paste("not-a-token-of-this-server");
    pty.send(ENTER);
    let screen = pty.wait_for("refused this token");
    assert!(screen.contains("Nothing was saved"), "{screen}");
    pty.send(CTRL_C);
    // Quit while adding, before anything was saved.
    assert_eq!(pty.wait_exit(), 130);
    assert_eq!(t.vault_bytes(), before, "the vault files are unchanged");
}

/// A private runtime directory for the agent's socket.
fn runtime_dir(t: &E2e) -> String {
    let runtime = t.dir.path().join("run");
    std::fs::create_dir(&runtime).unwrap();
    runtime.to_str().unwrap().to_owned()
}

/// Runs `mastokey ARGS` (unlock, lock) with the agent's runtime directory.
fn agent(t: &E2e, runtime: &str, args: &[&str], passphrase: bool) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mastokey"));
    command
        .args(args)
        .env_clear()
        .env("MASTOKEY_CONFIG_DIR", t.config_dir())
        .env("XDG_RUNTIME_DIR", runtime)
        .env("HOME", t.dir.path().join("home"))
        .env("PATH", "/usr/bin:/bin");
    if passphrase {
        command.env("MASTOKEY_PASSPHRASE", PASSPHRASE);
    }
    command.output().unwrap()
}

#[test]
fn an_unlocked_agent_skips_the_unlock_screen() {
    let t = E2e::new(Mode::Mastodon47);
    seed_vault(&t, &["bob"]);
    let runtime = runtime_dir(&t);
    assert!(
        agent(&t, &runtime, &["unlock", "--timeout", "60"], true)
            .status
            .success()
    );
    // No passphrase anywhere: only the agent can open the vault.
    let mut pty = t.spawn(&[], &[("XDG_RUNTIME_DIR", &runtime)]);
    let screen = pty.wait_for("@bob@social.example");
    assert!(!screen.contains("passphrase"), "{screen}");
    // Writes go through the agent too: a verify run records its results.
    pty.send("v");
    pty.wait_for("valid");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    // Turned off, the wizard asks.
    let mut pty = t.spawn(&[], &[("XDG_RUNTIME_DIR", &runtime), NO_AGENT]);
    pty.wait_for("Type your vault passphrase");
    pty.send(CTRL_C);
    pty.wait_exit();
    assert!(agent(&t, &runtime, &["lock"], false).status.success());
    // Locked again: the wizard asks for the passphrase.
    let mut pty = t.spawn(&[], &[("XDG_RUNTIME_DIR", &runtime)]);
    pty.wait_for("Type your vault passphrase");
    pty.send(CTRL_C);
    pty.wait_exit();
}

/// The agent that opened the vault forgets the key (its idle timeout) while the wizard runs:
/// the save asks for the passphrase right there and stores the token.
#[test]
fn a_save_after_the_agent_timed_out_asks_the_passphrase_and_keeps_the_token() {
    let t = E2e::new(Mode::Mastodon47);
    seed_vault(&t, &["bob"]);
    let (_, token) = t.server.create_token("alice", &["read"]);
    let runtime = runtime_dir(&t);
    assert!(
        agent(&t, &runtime, &["unlock", "--timeout", "4"], true)
            .status
            .success()
    );
    let mut pty = t.spawn(&[], &[("XDG_RUNTIME_DIR", &runtime)]);
    let screen = pty.wait_for("@bob@social.example");
    assert!(
        !screen.contains("passphrase"),
        "opened through the agent: {screen}"
    );
    pty.send("i");
    pty.wait_for("Which Mastodon server is the token for?");
    pty.send(&t.server.base_url());
    pty.send(ENTER);
    pty.wait_for("Paste the access token");
    pty.paste(&token);
    pty.send(ENTER);
    pty.wait_for("@alice@social.example");
    // The agent times out and removes its socket.
    let sockets = std::path::Path::new(&runtime).join("mastokey");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_dir(&sockets)
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.path().extension().is_some_and(|x| x == "sock"))
    {
        assert!(std::time::Instant::now() < deadline, "the agent still runs");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    pty.send(ENTER); // Save in the vault
    let screen = pty.wait_for("Type the vault passphrase to open it again");
    assert!(screen.contains("unlock agent stopped"), "{screen}");
    pty.send(PASSPHRASE);
    pty.send(ENTER);
    pty.wait_for("Saved in the vault");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    let vault = t.unlock();
    let alice = vault.data().accounts_with_handle("alice@social.example")[0];
    assert_eq!(alice.token.expose(), token);
}
