//! End to end, the real binary in a pty: what the Verify step does when the account that signs
//! in is already stored (the server ignored `force_login`), or when its handle is stored from
//! another server address (a server claiming another's domain). Harness in `support/e2e.rs`.

use mastokey::mastodon::{BaseUrl, Client};
use mastokey::secret::Secret;

use crate::support::e2e::{
    E2e, PASSPHRASE, approve_and_paste, choose_first_passphrase, seed_vault,
};
use crate::support::fake_server::{FakeServer, Mode};
use crate::support::pty::{CTRL_C, ENTER};

fn token_works(server: &FakeServer, token: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = BaseUrl::parse(&server.base_url()).unwrap();
    runtime
        .block_on(
            Client::new()
                .unwrap()
                .verify_credentials(&base, &Secret::new(token)),
        )
        .is_ok()
}

#[test]
fn the_same_account_again_says_so_and_keeping_the_old_token_revokes_the_new_one() {
    let t = E2e::new(Mode::Mastodon47);
    let seeded = seed_vault(&t, &["alice"]);
    let mut pty = t.spawn(
        &["add", &t.server.base_url()],
        &[("MASTOKEY_PASSPHRASE", PASSPHRASE)],
    );
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    approve_and_paste(&t, &mut pty, "alice", 1);
    let screen = pty.wait_for("already in the vault");
    assert!(
        screen.contains("signed you in as this account again"),
        "{screen}"
    );
    assert_eq!(t.server.active_tokens(), 2);
    // The focus starts on the choice that changes nothing: keep the old token.
    pty.send(ENTER);
    let screen = pty.wait_for("The new token was revoked on the server.");
    assert!(!screen.contains("Copy token"), "{screen}");
    assert_eq!(t.server.active_tokens(), 1);
    assert!(
        token_works(&t.server, &seeded[0]),
        "the kept token must still work"
    );
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    assert_eq!(vault.data().accounts.len(), 1);
    assert_eq!(vault.data().accounts[0].token.expose(), seeded[0]);
}

#[test]
fn a_server_claiming_a_stored_domain_is_named_and_keep_both_keeps_both() {
    let t = E2e::new(Mode::Mastodon47);
    let seeded = seed_vault(&t, &["bob"]);
    let hostile = FakeServer::start(Mode::Mastodon47).with_domain("social.example");
    hostile.add_user("bob");
    let mut pty = t.spawn(
        &["add", &hostile.base_url()],
        &[("MASTOKEY_PASSPHRASE", PASSPHRASE)],
    );
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER);
    let url = t.wait_opened(1);
    let code = hostile.approve(&url, "bob").unwrap().code;
    pty.paste(&code);
    pty.send(ENTER);
    let screen = pty.wait_for("is already stored from");
    let real = t.server.base_url().replace("http://", "");
    let fake = hostile.base_url().replace("http://", "");
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "@bob@social.example is already stored from {real}; this sign-in came from {fake}."
        )),
        "{screen}"
    );
    assert!(flat.contains("may be another account"), "{screen}");
    pty.send(ENTER); // "Keep both" has the focus
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    let data = vault.data();
    let servers: Vec<&str> = data.accounts.iter().map(|a| a.server.as_str()).collect();
    assert_eq!(data.accounts.len(), 2, "{servers:?}");
    assert!(
        data.accounts
            .iter()
            .all(|a| a.handle() == "bob@social.example")
    );
    // Two entries, named apart by their labels.
    let labels = data.labels();
    assert_ne!(labels[0], labels[1], "{labels:?}");
    assert!(token_works(&t.server, &seeded[0]));
}

#[test]
fn keeping_the_old_token_never_revokes_it_when_the_server_gave_the_same_one_again() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    approve_and_paste(&t, &mut pty, "alice", 1);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send("a"); // "Add another account"
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    // The server ignores force_login and signs alice in again: same user, app and scopes,
    // so Mastodon hands out the same token.
    approve_and_paste(&t, &mut pty, "alice", 2);
    pty.wait_for("signed you in as this account again");
    pty.send(ENTER); // Keep old token
    pty.wait_for("nothing to revoke");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    let stored = vault.data().accounts[0].token.expose().to_owned();
    assert!(
        token_works(&t.server, &stored),
        "the kept token was revoked"
    );
}
