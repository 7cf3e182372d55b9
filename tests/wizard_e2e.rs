//! End to end: the real binary in a pseudo-terminal against the fake server (harness in
//! `support/e2e.rs`).

use std::time::Duration;

use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault};

use crate::support::e2e::{
    E2e, PASSPHRASE, approve_and_paste, browser_follows, choose_first_passphrase, redirect_port,
    seed_vault, wait_port_closed,
};
use crate::support::fake_server::Mode;
use crate::support::pty::{CTRL_C, DOWN, ENTER, ESC, TAB};

#[test]
fn first_account_posting_bot_then_reopen_with_the_passphrase() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    let screen = pty.wait_for("2/5 Scopes");
    assert!(screen.contains("(•) Account check only"), "{screen}");
    pty.send(DOWN); // "Posting bot"
    pty.send(" ");
    pty.wait_for("Selected: profile write:media write:statuses");
    pty.send(ENTER);
    let (url, _) = approve_and_paste(&t, &mut pty, "alice", 1);
    assert!(
        url.contains("code_challenge_method=S256"),
        "PKCE on 4.7: {url}"
    );
    assert!(!url.contains("force_login"), "{url}");
    choose_first_passphrase(&mut pty);
    let screen = pty.wait_for("Saved in the vault");
    assert!(screen.contains("@alice@social.example"), "{screen}");
    assert!(
        screen.contains("profile write:media write:statuses"),
        "{screen}"
    );
    pty.send(ENTER); // Done has the focus

    pty.wait_for("Accounts");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    // Once the full screen is gone, the shell keeps what was saved and what to do next.
    let screen = pty.screen();
    assert!(screen.contains("✓ Saved alice@social.example"), "{screen}");
    assert!(
        screen.contains("mastokey token alice@social.example"),
        "{screen}"
    );

    let vault = t.unlock();
    let account = vault.data().accounts_with_handle("alice@social.example")[0];
    assert_eq!(account.scopes, ["profile", "write:media", "write:statuses"]);
    // The token never reached the screen.
    let token = account.token.expose().to_owned();
    assert!(!String::from_utf8_lossy(&pty.raw_output()).contains(&token));

    let mut pty = t.spawn(&[], &[]);
    pty.wait_for("Type your vault passphrase");
    pty.send("wrong passphrase");
    pty.send(ENTER);
    pty.wait_for("passphrase");
    let screen = pty.wait_for_within("rong", Duration::from_secs(20));
    assert!(
        screen.to_lowercase().contains("wrong passphrase"),
        "{screen}"
    );
    pty.send(PASSPHRASE);
    pty.send(ENTER);
    let screen = pty.wait_for("@alice@social.example");
    assert!(screen.contains("valid"), "{screen}");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
}

#[test]
fn old_server_falls_back_to_read_accounts() {
    let t = E2e::new(Mode::Mastodon42);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    let screen = pty.wait_for("2/5 Scopes");
    assert!(screen.contains("profile scope: no"), "{screen}");
    assert!(screen.contains("Selected: read:accounts"), "{screen}");
    pty.send(ENTER);
    let (url, _) = approve_and_paste(&t, &mut pty, "alice", 1);
    assert!(url.contains("scope=read%3Aaccounts"), "{url}");
    assert!(!url.contains("code_challenge"), "no PKCE before 4.3: {url}");
    choose_first_passphrase(&mut pty);
    let screen = pty.wait_for("Saved in the vault");
    assert!(screen.contains("Scopes        read:accounts"), "{screen}");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    assert_eq!(vault.data().accounts[0].scopes, ["read:accounts"]);
}

#[test]
fn two_accounts_in_one_session_force_a_fresh_login() {
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
    let screen = pty.wait_for("then sign in as the new account");
    assert!(screen.contains("4/5 Authorize"), "{screen}");
    let (url, _) = approve_and_paste(&t, &mut pty, "bob", 2);
    assert!(url.contains("force_login=true"), "{url}");
    pty.wait_for("@bob@social.example");
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    let handles: Vec<String> = vault
        .data()
        .accounts
        .iter()
        .map(mastokey::vault::StoredAccount::handle)
        .collect();
    assert_eq!(handles.len(), 2, "{handles:?}");
    assert!(handles.contains(&"alice@social.example".to_owned()));
    assert!(handles.contains(&"bob@social.example".to_owned()));
    // The second sign-in reused the app registered for the first.
    assert_eq!(t.server.apps_registered(), 1);
}

#[test]
fn a_wrong_code_then_a_good_one_on_the_same_screen() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER);
    let url = t.wait_opened(1);
    pty.paste("not-the-right-code");
    pty.send(ENTER);
    let screen = pty.wait_for("refused the code");
    assert!(screen.contains("4/5 Authorize"), "{screen}");
    let approval = t.server.approve(&url, "alice").unwrap();
    pty.paste(&format!("  {}\n", approval.code));
    pty.send(ENTER);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
}

#[test]
fn ctrl_c_at_the_code_step_leaves_the_vault_byte_identical() {
    let t = E2e::new(Mode::Mastodon47);
    Vault::create(
        &t.config_dir(),
        &Secret::new(PASSPHRASE),
        Kdf::insecure_for_tests(10),
    )
    .unwrap();
    let before = t.vault_bytes();
    let mut pty = t.spawn(
        &["add", &t.server.base_url()],
        &[("MASTOKEY_PASSPHRASE", PASSPHRASE)],
    );
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(TAB);
    pty.send(TAB);
    pty.send("half-typed");
    pty.send(CTRL_C);
    // Quit before the account was saved: said in the shell, and not a success for a script.
    assert_eq!(pty.wait_exit(), 130);
    let screen = pty.screen();
    assert!(
        screen.contains("quit before the account was saved"),
        "{screen}"
    );
    assert_eq!(before, t.vault_bytes());
}

#[test]
fn esc_and_q_on_the_passphrase_screen_keep_the_token_until_it_is_saved() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    approve_and_paste(&t, &mut pty, "alice", 1);
    pty.wait_for("Choose a passphrase");
    pty.send(ESC);
    let screen = pty.wait_for("Esc to the first field");
    assert!(screen.contains("Choose a passphrase"), "{screen}");
    pty.send("q");
    let screen = pty.wait_for("Discard this token?");
    assert!(screen.contains("[ Keep the token ]"), "{screen}");
    pty.send(ENTER); // "Keep the token" has the focus
    pty.send(ESC); // back into the first field
    pty.wait_for("Esc to the buttons");
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    let vault = t.unlock();
    assert_eq!(
        vault
            .data()
            .accounts_with_handle("alice@social.example")
            .len(),
        1
    );
}

#[test]
fn home_verifies_every_account_and_records_the_results() {
    let t = E2e::new(Mode::Mastodon47);
    let tokens = seed_vault(&t, &["alice", "bob"]);
    assert!(t.server.revoke_token(&tokens[1]));
    let mut pty = t.spawn(&[], &[("MASTOKEY_PASSPHRASE", PASSPHRASE)]);
    let screen = pty.wait_for("@bob@social.example");
    assert!(screen.contains("never"), "{screen}");
    pty.send("v");
    let screen = pty.wait_for("Checked: 1 of 2 tokens valid");
    // The summary names the account that failed.
    assert!(
        screen.contains("Checked: 1 of 2 tokens valid; bob@social.example revoked."),
        "{screen}"
    );
    assert!(screen.contains("valid · just now"), "{screen}");
    assert!(screen.contains("revoked · just now"), "{screen}");
    // Bob's details open on the button that fixes his token, and say so.
    pty.send("j\r");
    let screen = pty.wait_for("Press Re-authorize");
    assert!(!screen.contains("Create a new token"), "{screen}");
    pty.send("\x1b");
    // Closed (Home's own footer again) before `q`, so the two keys are not read as Alt-q.
    pty.wait_for("a add account");
    pty.send("q");
    assert_eq!(pty.wait_exit(), 0);
    let vault = t.unlock();
    let bob = vault.data().accounts_with_handle("bob@social.example")[0];
    assert_eq!(bob.last_status, Some(mastokey::vault::CheckStatus::Revoked));
    for token in &tokens {
        assert!(!String::from_utf8_lossy(&pty.raw_output()).contains(token.as_str()));
    }
}

#[test]
fn loopback_capture_needs_no_paste_and_refuses_a_foreign_state() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("continues by itself");
    pty.send(ENTER); // open the browser
    let url = t.wait_opened(1);
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    assert!(url.contains("code_challenge="), "{url}");
    let approval = t.server.approve(&url, "alice").unwrap();
    // A forged answer first: refused in the browser and on screen, and the wizard keeps waiting.
    let forged = approval.redirect.replace("state=", "state=forged");
    let page = browser_follows(&forged);
    assert!(page.starts_with("HTTP/1.1 400"), "{page}");
    pty.wait_for("another sign-in attempt");
    // The real answer: no key pressed, no code pasted.
    let page = browser_follows(&approval.redirect);
    assert!(page.contains("You can close this tab"), "{page}");
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    // The listener's port closed when the step was left.
    let port = redirect_port(&url);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    pty.send(CTRL_C);
    pty.wait_exit();
    assert!(!String::from_utf8_lossy(&pty.raw_output()).contains(&approval.code));
}

#[test]
fn over_ssh_the_code_is_pasted_from_another_device() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(
        &["add", &t.server.base_url()],
        &[("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")],
    );
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    let screen = pty.wait_for("Over SSH");
    assert!(screen.contains("(over SSH)"), "{screen}");
    // A browser here would open on the remote machine: "Copy link" has the focus.
    assert!(screen.contains("Enter copy"), "{screen}");
    pty.send("o"); // the browser stand-in plays the other device

    let url = t.wait_opened(1);
    assert!(
        url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "{url}"
    );
    let approval = t.server.approve(&url, "alice").unwrap();
    assert!(
        approval.redirect.contains("/oauth/authorize/native?code="),
        "{}",
        approval.redirect
    );
    pty.paste(&approval.code);
    pty.send(ENTER);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
}

#[test]
fn leaving_the_authorize_step_closes_the_listener() {
    let t = E2e::new(Mode::Mastodon42);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("continues by itself");
    pty.send("c"); // copy instead of open: the link on screen is the one that counts
    pty.send(ENTER);
    let url = t.wait_opened(1);
    assert!(!url.contains("code_challenge"), "no PKCE on 4.2: {url}");
    let port = redirect_port(&url);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    pty.send("\x1b");
    pty.wait_for("2/5 Scopes");
    wait_port_closed(port);
    pty.send(CTRL_C);
    pty.wait_exit();
}

#[test]
fn another_device_with_m_then_a_pasted_callback_address_works_too() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("continues by itself");
    // `m`: sign in on another device; the link switches to the out-of-band redirect.
    pty.send("m");
    pty.wait_for("Sign in on another device");
    // The code field has the focus: Tab to "Open in browser".
    pty.send(TAB);
    pty.send(ENTER);
    let url = t.wait_opened(1);
    assert!(
        url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "{url}"
    );
    assert!(url.contains("code_challenge="), "PKCE on 4.7: {url}");
    let approval = t.server.approve(&url, "alice").unwrap();
    pty.paste(&approval.code);
    pty.send(ENTER);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    // Add another: this time the browser lands on an unreachable 127.0.0.1 page, and the user
    // pastes the whole address it shows.
    pty.send("a");
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("continues by itself");
    pty.send(ENTER);
    let url = t.wait_opened(2);
    let approval = t.server.approve(&url, "bob").unwrap();
    assert!(
        approval.redirect.starts_with("http://127.0.0.1:"),
        "{}",
        approval.redirect
    );
    pty.paste(&approval.redirect);
    pty.send(ENTER);
    pty.wait_for("@bob@social.example");
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    assert_eq!(t.unlock().data().accounts.len(), 2);
}

mod authorize;
mod pending_apps;
mod quit;
mod real_servers;
