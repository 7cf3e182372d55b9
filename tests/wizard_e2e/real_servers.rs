//! The default journey on servers that behave like real ones (takahē, GoToSocial, Mitra, snac,
//! and Mastodon with a coarse scope list): Enter through the defaults, the browser stand-in
//! approves, the account is saved; then `verify` says valid, then invalid after a revoke made
//! elsewhere, and `remove --revoke` leaves the token dead on the server.

use std::time::{Duration, Instant};

use crate::support::e2e::{E2e, PASSPHRASE, browser_follows, choose_first_passphrase};
use crate::support::fake_server::{FakeServer, Mode};
use crate::support::pty::{CTRL_C, ENTER, Pty, TAB};

/// What the browser stand-in does with the link mastokey opened: approve as `user`, then follow
/// the redirect to the loopback listener, or show the code, which the user pastes.
fn browser_approves(t: &E2e, pty: &mut Pty, user: &str, nth: usize) {
    let url = t.wait_opened(nth);
    let approval = t
        .server
        .approve(&url, user)
        .unwrap_or_else(|page| panic!("the browser shows an error: {page}\n{}", pty.screen()));
    if approval.redirect.starts_with("http://127.0.0.1:") {
        let page = browser_follows(&approval.redirect);
        assert!(page.contains("You can close this tab"), "{page}");
    } else {
        // mastokey chose the code flow by itself: it says so, and the code is pasted.
        pty.paste(&approval.code);
        pty.send(ENTER);
    }
}

/// Polls the screen until it shows `a` (0) or `b` (1).
fn wait_either(pty: &Pty, a: &str, b: &str) -> usize {
    let start = Instant::now();
    loop {
        let screen = pty.screen();
        if screen.contains(a) {
            return 0;
        }
        if screen.contains(b) {
            return 1;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "neither {a:?} nor {b:?}: {screen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Enter through the defaults; returns the saved account's token.
fn default_journey(t: &E2e, user: &str, first: bool) -> String {
    let nth = t.opened().len() + 1;
    let extra: &[(&str, &str)] = if first {
        &[]
    } else {
        &[("MASTOKEY_PASSPHRASE", PASSPHRASE)]
    };
    let mut pty = t.spawn(&["add", &t.server.base_url()], extra);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER); // "Open in browser" has the focus
    browser_approves(t, &mut pty, user, nth);
    let next = if first {
        "Choose a passphrase"
    } else {
        "Saved in the vault"
    };
    if wait_either(&pty, next, "One more sign-in is needed") == 1 {
        // The server needs `read` to check a token (Takahē): the screen says so and why, and one
        // key press signs in again with `read` (the narrow token is revoked).
        pty.wait_for("Press Enter to sign in again with `read`");
        pty.send(ENTER);
        pty.wait_for("4/5 Authorize");
        pty.send(ENTER);
        browser_approves(t, &mut pty, user, nth + 1);
    }
    if first {
        choose_first_passphrase(&mut pty);
    }
    let screen = pty.wait_for_within("Saved in the vault", Duration::from_secs(20));
    assert!(screen.contains(&format!("@{user}@")), "{screen}");
    pty.send(CTRL_C);
    pty.wait_exit();
    let vault = t.unlock();
    let account = vault
        .data()
        .accounts
        .iter()
        .find(|a| a.username == user)
        .unwrap_or_else(|| panic!("{user} is not in the vault"));
    account.token.expose().to_owned()
}

/// Whether the server still takes the token (asked as any client would, with mastokey's own
/// client).
fn live(t: &E2e, token: &str) -> bool {
    let base = mastokey::mastodon::BaseUrl::parse(&t.server.base_url()).unwrap();
    let client = mastokey::mastodon::Client::new().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let secret = mastokey::secret::Secret::new(token);
    runtime
        .block_on(client.verify_credentials(&base, &secret))
        .is_ok()
}

fn whole_journey(t: &E2e) {
    let alice = default_journey(t, "alice", true);
    let (code, text) = t.cli(&["verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(t.server.revoke_token(&alice));
    let (code, text) = t.cli(&["verify"]);
    assert_eq!(code, 1, "{text}");
    // A second account, then removed with --revoke: its token is dead on the server.
    t.server.set_browser_user("bob");
    let bob = default_journey(t, "bob", false);
    assert!(live(t, &bob));
    let handle = format!("bob@{}", t.server.domain());
    let (code, text) = t.cli(&["remove", &handle, "--revoke"]);
    assert_eq!(code, 0, "{text}");
    assert!(!live(t, &bob), "{text}");
}

#[test]
fn default_journey_on_takahe() {
    whole_journey(&E2e::new(Mode::Takahe));
}

/// A server that checks a token only when it has `read` (Takahē): the first add steps up once,
/// and the vault remembers it, so the next add there asks for `read` at once: one sign-in, and
/// the app registered for `read` is reused.
#[test]
fn on_takahe_the_step_up_is_paid_once() {
    let t = E2e::new(Mode::Takahe);
    default_journey(&t, "alice", true);
    assert_eq!(t.opened().len(), 2, "the first add signs in twice");
    let apps = t.server.apps_registered();
    let vault = t.unlock();
    let server = &vault.data().servers[0];
    assert!(server.verify_needs_read, "{:?}", server.base_url);
    drop(vault);
    t.server.set_browser_user("bob");
    default_journey(&t, "bob", false);
    assert_eq!(t.opened().len(), 3, "the second add signs in once");
    assert_eq!(t.server.apps_registered(), apps, "no app registered again");
    let vault = t.unlock();
    let bob = vault.data().accounts.iter().find(|a| a.username == "bob");
    assert!(bob.is_some_and(|a| a.scopes.iter().any(|s| s == "read")));
}

#[test]
fn default_journey_on_gotosocial() {
    whole_journey(&E2e::new(Mode::GoToSocial));
}

#[test]
fn default_journey_on_mitra() {
    whole_journey(&E2e::new(Mode::Mitra));
}

#[test]
fn default_journey_on_snac_closing_each_connection() {
    whole_journey(&E2e::with_server(FakeServer::with_quirks(
        Mode::Snac,
        |q| {
            q.close_after_response = true;
        },
    )));
}

#[test]
fn default_journey_on_mastodon_with_coarse_scope_metadata() {
    whole_journey(&E2e::with_server(FakeServer::with_quirks(
        Mode::Mastodon47,
        |q| q.coarse_scope_metadata = true,
    )));
}

#[test]
fn no_answer_from_the_browser_says_to_press_m_and_m_finishes_with_a_code() {
    let t = E2e::new(Mode::GoToSocial);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER);
    t.wait_opened(1);
    // The browser shows an error page that never reaches mastokey: after a few seconds the
    // screen says what to do, without a key pressed (the runner ticks until then).
    let screen = pty.wait_for_within("No answer from the browser yet", Duration::from_secs(15));
    assert!(screen.contains("m other device"), "{screen}");
    assert!(!screen.contains("continues by itself"), "{screen}");
    pty.send("m");
    pty.wait_for("Sign in on another device");
    // The code field has the focus: Tab to "Open in browser".
    pty.send(TAB);
    pty.send(ENTER);
    let url = t.wait_opened(2);
    assert!(
        url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "{url}"
    );
    let approval = t.server.approve(&url, "alice").unwrap();
    pty.paste(&approval.code);
    pty.send(ENTER);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
}
