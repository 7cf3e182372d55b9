//! remove, with and without --revoke, against a live and a dead server: a revoke that fails
//! keeps the account.

use mastokey::mastodon::ApiError;

use super::{World, check_token};
use crate::support::fake_server::FakeServer;

fn handles(w: &World) -> Vec<String> {
    w.cli
        .unlock()
        .data()
        .accounts
        .iter()
        .map(mastokey::vault::StoredAccount::handle)
        .collect()
}

#[test]
fn remove_without_revoke_keeps_the_token_alive_on_the_server() {
    let w = World::new();
    // stdin is not a terminal: no question is asked.
    let out = w.cli.run(&["remove", "alice"]);
    out.code(0);
    assert!(
        out.stdout.contains("Removed alice@social.example"),
        "{out:?}"
    );
    assert_eq!(handles(&w), ["alan@social.example", "bob@other.example"]);
    check_token(&w.social.base_url(), &w.alice.token).unwrap();
}

#[test]
fn remove_revoke_revokes_on_a_live_server() {
    let w = World::new();
    let out = w.cli.run(&["remove", "alan", "--revoke", "--yes"]);
    out.code(0);
    assert_eq!(out.stderr, "", "no warning when the revoke works");
    w.assert_no_token_in(&out.stdout);
    assert_eq!(handles(&w), ["alice@social.example", "bob@other.example"]);
    assert!(matches!(
        check_token(&w.social.base_url(), &w.alan.token),
        Err(ApiError::TokenRevoked | ApiError::TokenInvalid)
    ));
    let revoke = w
        .social
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth/revoke")
        .unwrap();
    assert_eq!(revoke.method, "POST");
    check_token(&w.social.base_url(), &w.alice.token).unwrap();
}

#[test]
fn remove_revoke_on_a_dead_server_keeps_the_account_and_exits_4() {
    let World {
        cli, other, bob, ..
    } = World::new();
    drop::<FakeServer>(other);
    let out = cli.run(&["remove", "bob", "--revoke"]);
    out.code(4);
    assert_eq!(out.stdout, "", "{out:?}");
    assert!(out.stderr.contains("was not revoked"), "{out:?}");
    assert!(out.stderr.contains("still in the vault"), "{out:?}");
    assert!(
        out.stderr
            .contains("`mastokey remove bob@other.example` (without --revoke)"),
        "{out:?}"
    );
    assert!(!out.stderr.contains(&bob.token));
    let vault = cli.unlock();
    assert_eq!(
        vault.data().accounts_with_handle("bob@other.example").len(),
        1
    );
    assert_eq!(vault.data().accounts.len(), 3);
    // The way out the message names: remove it here only.
    cli.run(&["remove", "bob@other.example"]).code(0);
    assert!(
        cli.unlock()
            .data()
            .accounts_with_handle("bob@other.example")
            .is_empty()
    );
}

#[test]
fn remove_revoke_without_the_app_in_the_vault_keeps_the_account_and_exits_3() {
    let w = World::new();
    w.cli
        .unlock()
        .update(|d| d.servers.retain(|s| s.domain != "other.example"))
        .unwrap();
    let out = w.cli.run(&["remove", "bob", "--revoke"]);
    out.code(3);
    assert!(
        out.stderr.contains("cannot be revoked from here"),
        "{out:?}"
    );
    assert!(out.stderr.contains("Nothing was removed"), "{out:?}");
    assert!(
        out.stderr.contains("`mastokey remove bob@other.example`"),
        "{out:?}"
    );
    assert_eq!(handles(&w).len(), 3);
    check_token(&w.other.base_url(), &w.bob.token).unwrap();
}

#[test]
fn remove_asks_first_in_a_terminal() {
    use crate::support::pty::{ENTER, Pty};

    let w = World::new();
    let config = w.cli.config();
    let home = w.cli.dir.path().join("home");
    let spawn = || {
        Pty::spawn(
            super::bin(),
            &["remove", "alice"],
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
    let mut pty = spawn();
    pty.wait_for("Remove alice@social.example from the vault? [y/N]");
    pty.send(&format!("n{ENTER}"));
    assert_eq!(pty.wait_exit(), 0);
    pty.wait_for("Nothing was removed.");
    assert_eq!(handles(&w).len(), 3);

    let mut pty = spawn();
    pty.wait_for("[y/N]");
    pty.send(&format!("y{ENTER}"));
    assert_eq!(pty.wait_exit(), 0);
    pty.wait_for("Removed alice@social.example");
    assert_eq!(handles(&w), ["alan@social.example", "bob@other.example"]);
}
