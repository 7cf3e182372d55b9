//! Leaving the Verify step says what it really does: a copied token is not revoked behind the
//! user's back, a quit during a save waits for it instead of asking, and the question is
//! announced in a window too small to draw it.

use super::verify::revoke_answered;
use super::*;
use crate::platform::ClipboardKind;
use crate::wizard::farewell::{QUIT_UNSAVED, farewell};

fn asks(state: &State) -> bool {
    screen(state).contains("Discard this token?")
}

/// A first save that failed: the token is still only in memory.
fn at_save_failed() -> State {
    let (mut state, stamp) = at_first_save(true);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Err(VaultError::LockTimeout {
                path: "/x/vault.lock".into(),
            }),
        },
    );
    assert!(screen(&state).contains("could not be saved"));
    state
}

/// `c` on the failed save, and the clipboard took the token.
fn copy_token(state: &mut State) {
    let effects = key(state, Key::Char('c'));
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { .. }]),
        "{effects:?}"
    );
    send(
        state,
        Msg::Copied {
            what: super::super::msg::Copied::Token,
            result: Ok(ClipboardKind::Desktop),
        },
    );
}

#[test]
fn a_copied_token_is_not_revoked_when_discarded_and_the_question_says_so() {
    let mut state = at_save_failed();
    copy_token(&mut state);
    assert!(key(&mut state, Key::Esc).is_empty());
    assert!(asks(&state));
    let s = screen(&state);
    assert!(s.contains("You copied it, so leaving"), "{s}");
    assert!(s.contains("Authorized apps"), "{s}");
    assert!(!s.contains("revokes it on the server"), "{s}");
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    assert!(
        effects.is_empty(),
        "no revoke of a copied token: {effects:?}"
    );
    let s = screen(&state);
    assert!(s.contains("The new token was discarded"), "{s}");
    assert!(s.contains("The copy you made stays valid"), "{s}");
    assert!(!s.contains("Copy token"), "{s}");
}

#[test]
fn quitting_after_a_copy_says_the_token_stays_valid() {
    let mut state = at_save_failed();
    copy_token(&mut state);
    key(&mut state, Key::Char('q'));
    let s = screen(&state);
    assert!(s.contains("You copied it, so quitting"), "{s}");
    assert!(!s.contains("Quitting now loses it"), "{s}");
}

#[test]
fn a_copy_that_failed_leaves_the_discard_revoking() {
    let mut state = at_save_failed();
    key(&mut state, Key::Char('c'));
    send(
        &mut state,
        Msg::Copied {
            what: super::super::msg::Copied::Token,
            result: Err(crate::platform::PlatformError::NoClipboard {
                detail: "none".into(),
            }),
        },
    );
    key(&mut state, Key::Esc);
    assert!(screen(&state).contains("mastokey revokes it on the server"));
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Revoke { .. }]),
        "{effects:?}"
    );
}

#[test]
fn quitting_while_saving_waits_for_the_save_without_asking() {
    let (mut state, stamp) = at_first_save(true);
    assert!(key(&mut state, Key::Char('q')).is_empty());
    assert!(!asks(&state) && !state.session.quit);
    let s = screen(&state);
    assert!(s.contains("Saving… mastokey quits once it is done"), "{s}");
    // Other keys do not hide what is going on.
    key(&mut state, Key::Char('x'));
    assert!(screen(&state).contains("Ctrl-C again to quit anyway"));
    saved_alice(&mut state, stamp);
    assert!(state.session.quit, "quits once saved");
    assert_eq!(farewell(&state).code, 0);
}

#[test]
fn a_second_ctrl_c_while_saving_quits_and_says_the_save_may_have_finished() {
    let (mut state, _) = at_first_save(true);
    key(&mut state, Key::Ctrl('c'));
    assert!(!state.session.quit && !asks(&state));
    key(&mut state, Key::Ctrl('c'));
    assert!(state.session.quit);
    let end = farewell(&state);
    assert_eq!(end.code, QUIT_UNSAVED);
    let warning = end.warning.unwrap_or_default();
    assert!(
        warning.contains("may or may not be in the vault"),
        "{warning}"
    );
}

#[test]
fn a_failed_save_cancels_the_waiting_quit() {
    let (mut state, stamp) = at_first_save(true);
    key(&mut state, Key::Char('q'));
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Err(VaultError::LockTimeout {
                path: "/x/vault.lock".into(),
            }),
        },
    );
    assert!(!state.session.quit);
    let s = screen(&state);
    assert!(s.contains("Not quitting: the token was not saved"), "{s}");
    // Now nothing is in flight: q asks as usual, and it is true that nothing is stored.
    key(&mut state, Key::Char('q'));
    let s = screen(&state);
    assert!(asks(&state), "{s}");
    assert!(s.contains("Quitting now loses it"), "{s}");
}

#[test]
fn a_question_asked_while_checking_gives_way_to_the_save_it_started() {
    let view = view_with(vec![row("bob@social.example", "9", None)]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view),
        Start::Add(Some("social.example".into())),
        None,
    );
    discovered(&mut state, 1, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-2");
    key(&mut state, Key::Ctrl('c'));
    assert!(asks(&state));
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    assert!(!asks(&state), "{}", screen(&state));
    assert!(screen(&state).contains("mastokey quits once it is done"));
    send(
        &mut state,
        Msg::Saved {
            stamp: stamp_of(&effects),
            result: Ok(view_with(vec![
                row("alice@social.example", "7", None),
                row("bob@social.example", "9", None),
            ])),
        },
    );
    assert!(state.session.quit);
    assert_eq!(farewell(&state).code, 0);
}

#[test]
fn after_the_old_token_was_revoked_the_question_says_so() {
    let mut state = signed_in_again_as_a_known_account();
    // Replace: the stored token is revoked first. No question while that runs.
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    key(&mut state, Key::Char('q'));
    assert!(!asks(&state) && !state.session.quit);
    let effects = revoke_answered(&mut state, &effects, Ok(true));
    send(
        &mut state,
        Msg::Saved {
            stamp: stamp_of(&effects),
            result: Err(VaultError::LockTimeout {
                path: "/x/vault.lock".into(),
            }),
        },
    );
    assert!(!state.session.quit);
    key(&mut state, Key::Char('q'));
    let s = screen(&state);
    assert!(asks(&state), "{s}");
    assert!(s.contains("already revoked"), "{s}");
}

#[test]
fn a_window_too_small_for_the_question_says_one_is_waiting() {
    let mut state = at_save_failed();
    let small = render_at(&state, 40, 10);
    assert!(!small.contains("question"), "{small}");
    key(&mut state, Key::Char('q'));
    let small = render_at(&state, 40, 10);
    assert!(small.contains("A question is waiting"), "{small}");
    snap_text("verify_discard_question_40x10", &small);
    // The tiniest window still says it, in the short form.
    let tiny = render_at(&state, 30, 5);
    assert!(tiny.contains("A question is waiting."), "{tiny}");
    // Keys still answer it: Esc keeps the token.
    key(&mut state, Key::Esc);
    assert!(!asks(&state));
    assert!(!render_at(&state, 40, 10).contains("question"));
}

#[test]
fn a_question_mark_is_text_in_every_masked_field() {
    // The unlock prompt: `?` first is part of the passphrase; F1 opens the help.
    let (mut locked, _) = start(VaultStatus::Locked, Start::Home, None);
    key(&mut locked, Key::Char('?'));
    assert!(!locked.help, "? starts a passphrase");
    key(&mut locked, Key::F(1));
    assert!(locked.help);
    key(&mut locked, Key::Esc);
    typed(&mut locked, "pass");
    let effects = key(&mut locked, Key::Enter);
    let [Effect::Unlock { passphrase, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "?pass");
    // The new passphrase form: `?` first in either field is text.
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    typed(&mut state, "?long enough passphrase");
    assert!(!state.help);
    key(&mut state, Key::Enter);
    typed(&mut state, "?long enough passphrase");
    assert!(!state.help);
    let effects = key(&mut state, Key::Enter);
    let [Effect::CreateVaultAndSave { passphrase, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "?long enough passphrase");
}

/// `q` on a failed save, then "Discard it": returns the revoke's effects.
fn quit_and_discard(state: &mut State) -> Vec<Effect> {
    key(state, Key::Char('q'));
    assert!(asks(state), "{}", screen(state));
    key(state, Key::Right);
    key(state, Key::Enter)
}

#[test]
fn a_confirmed_quit_revokes_the_unsaved_token_then_quits() {
    let mut state = at_save_failed();
    let effects = quit_and_discard(&mut state);
    let [Effect::Revoke { unkept, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(matches!(unkept, crate::accounts::Unkept::New { .. }));
    // It waits for the answer, saying so, with the runner ticking for the deadline.
    assert!(!state.session.quit);
    assert!(state.needs_tick());
    let s = screen(&state);
    assert!(s.contains("Revoking the unsaved token"), "{s}");
    // Keys other than Ctrl-C wait too.
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(!state.session.quit);
    revoke_answered(&mut state, &effects, Ok(true));
    assert!(state.session.quit);
    let end = farewell(&state);
    assert_eq!(end.code, QUIT_UNSAVED);
    let warning = end.warning.unwrap_or_default();
    assert!(
        warning.contains("the unsaved token was revoked"),
        "{warning}"
    );
}

#[test]
fn a_network_failure_on_quit_is_one_clause_without_the_errors_advice() {
    let mut state = at_save_failed();
    let effects = quit_and_discard(&mut state);
    revoke_answered(
        &mut state,
        &effects,
        Err(crate::accounts::NotRevoked::Failed(
            crate::mastodon::ApiError::Timeout {
                host: "social.example".into(),
                seconds: 30,
            },
        )),
    );
    let warning = farewell(&state).warning.unwrap_or_default();
    let cause = warning
        .split("could not be revoked: ")
        .nth(1)
        .unwrap_or_default();
    assert!(cause.starts_with(char::is_lowercase), "{warning}");
    assert!(!cause.contains(". "), "one clause: {warning}");
    assert!(warning.contains("revoke it at https://"), "{warning}");
}

#[test]
fn a_revoke_that_fails_on_quit_is_said_in_the_shell() {
    let mut state = at_save_failed();
    let effects = quit_and_discard(&mut state);
    revoke_answered(
        &mut state,
        &effects,
        Err(crate::accounts::NotRevoked::NoCredentials),
    );
    assert!(state.session.quit);
    let warning = farewell(&state).warning.unwrap_or_default();
    assert!(
        warning.contains(
            "the unsaved token could not be revoked: the vault lacks the app that issued it"
        ),
        "{warning}"
    );
    assert!(
        warning.contains("revoke it at https://social.example/oauth/authorized_applications"),
        "{warning}"
    );
}

#[test]
fn a_dead_server_does_not_hold_the_quit_past_five_seconds() {
    let mut state = at_save_failed();
    quit_and_discard(&mut state);
    let started = state.session.now;
    state.session.now = started + jiff::SignedDuration::from_secs(4);
    send(&mut state, Msg::Tick);
    assert!(!state.session.quit, "still within the bound");
    state.session.now = started + jiff::SignedDuration::from_secs(5);
    send(&mut state, Msg::Tick);
    assert!(state.session.quit);
    let warning = farewell(&state).warning.unwrap_or_default();
    assert!(
        warning.contains("could not be revoked: the server did not answer within 5 seconds"),
        "{warning}"
    );
}

#[test]
fn ctrl_c_while_the_quit_revokes_quits_at_once_and_says_it_was_not_revoked() {
    let mut state = at_save_failed();
    quit_and_discard(&mut state);
    assert!(key(&mut state, Key::Ctrl('c')).is_empty());
    assert!(state.session.quit);
    let warning = farewell(&state).warning.unwrap_or_default();
    assert!(
        warning.contains("the unsaved token was not revoked: revoke it at https://"),
        "{warning}"
    );
}

#[test]
fn a_forced_quit_on_the_question_does_not_revoke_and_the_question_says_so() {
    let mut state = at_save_failed();
    key(&mut state, Key::Char('q'));
    let s = screen(&state);
    // The footer under the question is the question's.
    let footer = s.lines().last().unwrap_or_default();
    assert!(footer.contains("Ctrl-C quit, no revoke"), "{s}");
    assert!(key(&mut state, Key::Ctrl('c')).is_empty());
    assert!(state.session.quit);
    let warning = farewell(&state).warning.unwrap_or_default();
    assert!(
        warning.contains("the unsaved token was not revoked"),
        "{warning}"
    );
}

#[test]
fn a_copied_token_is_not_revoked_on_quit() {
    let mut state = at_save_failed();
    copy_token(&mut state);
    let effects = quit_and_discard(&mut state);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.session.quit);
    let warning = farewell(&state).warning.unwrap_or_default();
    assert!(!warning.contains("revoked"), "{warning}");
}

#[test]
fn quitting_on_the_known_account_question_revokes_the_new_token() {
    let mut state = signed_in_again_as_a_known_account();
    assert!(screen(&state).contains("already in the vault"));
    let effects = quit_and_discard(&mut state);
    let [Effect::Revoke { unkept, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let crate::accounts::Unkept::New { token, .. } = unkept else {
        panic!("the new token, never the stored one")
    };
    assert_eq!(token.expose(), "tok-2");
    revoke_answered(&mut state, &effects, Ok(true));
    assert!(state.session.quit);
}
