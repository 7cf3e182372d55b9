//! Quitting with a new token unsaved: a confirmed quit revokes it on the server first, within a
//! bound, and the shell says how that went.

use std::time::{Duration, Instant};

use crate::support::e2e::{E2e, approve_and_paste};
use crate::support::fake_server::{Fault, Mode};
use crate::support::pty::{CTRL_C, ENTER, Pty};

/// At the first save's passphrase screen, with alice's new token issued.
fn at_passphrase(t: &E2e) -> Pty {
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    approve_and_paste(t, &mut pty, "alice", 1);
    pty.wait_for("Choose a passphrase");
    assert_eq!(t.server.active_tokens(), 1);
    pty
}

/// Ctrl-C in the field asks; → "Discard it", Enter.
fn quit_and_discard(pty: &mut Pty) {
    pty.send(CTRL_C);
    pty.wait_for("Discard this token?");
    pty.send("\x1b[C");
    pty.send(ENTER);
}

#[test]
fn a_confirmed_quit_revokes_the_unsaved_token() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = at_passphrase(&t);
    quit_and_discard(&mut pty);
    assert_eq!(pty.wait_exit(), 130);
    let screen = pty.screen();
    assert!(screen.contains("the unsaved token was revoked"), "{screen}");
    assert_eq!(
        t.server.active_tokens(),
        0,
        "nothing left live on the server"
    );
}

#[test]
fn a_server_that_does_not_answer_the_revoke_does_not_hold_the_quit() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = at_passphrase(&t);
    t.server.set_fault("/oauth/revoke", Fault::Hang);
    let started = Instant::now();
    quit_and_discard(&mut pty);
    assert_eq!(pty.wait_exit(), 130);
    // The bound is 5 s; the request timeout (30 s) never comes into it.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let screen = pty.screen();
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("could not be revoked: the server did not answer within 5 seconds"),
        "{screen}"
    );
}
