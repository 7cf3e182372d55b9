//! The Authorize step in the real binary: a code typed after `m` or after copying the link over
//! SSH (its letters are never commands), the link the terminal wraps as one line, and a typed
//! handle's account checked (Enter on another account saves nothing and signs in again).

use crate::support::e2e::{E2e, browser_follows, choose_first_passphrase};
use crate::support::fake_server::Mode;
use crate::support::pty::{CTRL_C, ENTER, Pty};

const BACKSPACE: &str = "\x7f";

/// The sign-in link as the screen's text gives it: the terminal wrapped it itself, so it is
/// one line, whole, from the first column.
fn link_on_screen(pty: &Pty, base: &str) -> String {
    let screen = pty.wait_for("/oauth/authorize?");
    screen
        .lines()
        .find(|l| l.starts_with(&format!("{base}/oauth/authorize?")))
        .unwrap_or_else(|| panic!("the link is not one line from the first column:\n{screen}"))
        .to_owned()
}

#[test]
fn after_m_a_typed_code_full_of_command_letters_is_accepted() {
    let t = E2e::new(Mode::Mastodon47);
    let base = t.server.base_url();
    let mut pty = t.spawn(&["add", &base], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("mastokey continues by itself");
    pty.send("m");
    pty.wait_for("Sign in on another device");
    let url = link_on_screen(&pty, base.trim_end_matches('/'));
    assert!(
        url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "{url}"
    );
    // Letters that are commands elsewhere on this step are text in the field.
    pty.send("mc?");
    pty.wait_for("Code: mc?");
    pty.send(&BACKSPACE.repeat(3));
    // A code holding r, q, n and o, typed key by key.
    type_a_code_full_of_command_letters_and_save(&t, &mut pty, &url);
}

#[test]
fn a_typed_handle_signed_in_as_another_account_is_caught_and_nothing_is_saved() {
    let t = E2e::new(Mode::Mastodon47);
    let base = t.server.base_url();
    let handle = format!(
        "@alice@{}",
        base.trim_start_matches("http://").trim_end_matches('/')
    );
    let mut pty = t.spawn(&["add", &handle], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("Sign in as @alice.");
    pty.wait_for("mastokey continues by itself");
    pty.send(ENTER); // "Open in browser"
    let url = t.wait_opened(1);
    let approval = t.server.approve(&url, "bob").unwrap();
    let page = browser_follows(&approval.redirect);
    assert!(page.contains("You can close this tab"), "{page}");
    let screen = pty.wait_for("This is not @alice");
    assert!(screen.contains("Nothing is saved yet"), "{screen}");
    assert!(!screen.contains("Choose a passphrase"), "{screen}");
    pty.send("\x1b[C\x1b[C"); // → → "Discard new token"
    pty.send(ENTER);
    pty.send(CTRL_C);
    pty.wait_exit();
    assert!(
        !t.config_dir().join("vault.age").exists(),
        "nothing was saved as bob"
    );
}

#[test]
fn over_ssh_a_code_typed_after_copying_the_link_is_accepted() {
    let t = E2e::new(Mode::Mastodon47);
    let base = t.server.base_url();
    let mut pty = t.spawn(
        &["add", &base],
        &[("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")],
    );
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    let screen = pty.wait_for("Over SSH");
    assert!(screen.contains("Enter copy"), "{screen}");
    assert!(screen.contains("Tab type code"), "{screen}");
    let url = link_on_screen(&pty, base.trim_end_matches('/'));
    pty.send(ENTER); // "Copy link": the code comes next, so the field takes the keys
    type_a_code_full_of_command_letters_and_save(&t, &mut pty, &url);
}

#[test]
fn enter_on_another_account_saves_nothing_and_signs_in_again_with_a_fresh_login() {
    let t = E2e::new(Mode::Mastodon47);
    let base = t.server.base_url();
    let handle = format!(
        "@alice@{}",
        base.trim_start_matches("http://").trim_end_matches('/')
    );
    let mut pty = t.spawn(&["add", &handle], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("mastokey continues by itself");
    pty.send(ENTER); // "Open in browser"
    let url = t.wait_opened(1);
    assert!(!url.contains("force_login"), "{url}");
    let approval = t.server.approve(&url, "bob").unwrap();
    browser_follows(&approval.redirect);
    let screen = pty.wait_for("This is not @alice");
    assert!(screen.contains("[ Sign in again as @alice ]"), "{screen}");
    pty.send(ENTER); // the first choice changes nothing stored
    let screen = pty.wait_for("4/5 Authorize");
    assert!(!screen.contains("Choose a passphrase"), "{screen}");
    assert!(screen.contains("Sign in as @alice."), "{screen}");
    pty.wait_for("mastokey continues by itself");
    let again = link_on_screen(&pty, base.trim_end_matches('/'));
    assert!(again.contains("force_login=true"), "{again}");
    pty.send(ENTER);
    let opened = t.wait_opened(2);
    assert!(opened.contains("force_login=true"), "{opened}");
    let approval = t.server.approve(&opened, "alice").unwrap();
    browser_follows(&approval.redirect);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    assert_eq!(
        vault
            .data()
            .accounts_with_handle("alice@social.example")
            .len(),
        1
    );
    assert!(
        vault
            .data()
            .accounts_with_handle("bob@social.example")
            .is_empty(),
        "nothing was saved as bob"
    );
}

/// Approves `url` as alice until the code holds r, q, n and o, types it key by key into the
/// focused code field, and saves: the account is in the vault once.
fn type_a_code_full_of_command_letters_and_save(t: &E2e, pty: &mut Pty, url: &str) {
    let code = (0..500)
        .map(|_| t.server.approve(url, "alice").unwrap().code)
        .find(|code| "rqno".chars().all(|c| code.contains(c)))
        .expect("a code with r, q, n and o");
    pty.send(&code);
    let screen = pty.wait_for(&format!("Code: {code}"));
    assert!(screen.contains("4/5 Authorize"), "{screen}");
    pty.send(ENTER);
    choose_first_passphrase(pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    assert_eq!(
        vault
            .data()
            .accounts_with_handle("alice@social.example")
            .len(),
        1
    );
}
