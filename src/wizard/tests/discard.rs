//! Nothing is lost: Esc on the passphrase screen stays there, leaving an unsaved token asks
//! "Discard this token?" first, and the Saved screen starts on the choice that starts nothing.

use super::verify::revoke_answered;
use super::*;

/// A new vault's Verify step, alice (id 7) checked: the passphrase screen.
fn at_new_passphrase() -> State {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    assert!(screen(&state).contains("Choose a passphrase"));
    state
}

fn asks(state: &State) -> bool {
    screen(state).contains("Discard this token?")
}

/// The last line of the screen: the footer.
fn footer(state: &State) -> String {
    screen(state).lines().last().unwrap_or_default().to_owned()
}

#[test]
fn esc_on_the_passphrase_screen_keeps_the_token_and_returns_to_the_fields() {
    let mut state = at_new_passphrase();
    assert!(
        footer(&state).contains("Esc to the buttons"),
        "{}",
        footer(&state)
    );
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Tab);
    typed(&mut state, "long");
    // From the second field back to the first, then out to the buttons, then back again.
    key(&mut state, Key::Esc);
    assert!(footer(&state).contains("Esc to the buttons"));
    key(&mut state, Key::Esc);
    let s = screen(&state);
    assert!(s.contains("Choose a passphrase"), "{s}");
    assert!(!asks(&state), "{s}");
    assert!(
        footer(&state).contains("Esc to the first field"),
        "{}",
        footer(&state)
    );
    assert!(
        !state.step.text_focused(),
        "the buttons are not a text field"
    );
    key(&mut state, Key::Esc);
    assert!(state.step.text_focused());
    assert!(screen(&state).contains("Choose a passphrase"));
    // Nothing typed was lost: the second field still holds "long", so Save reports a mismatch.
    key(&mut state, Key::Tab);
    key(&mut state, Key::Tab);
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("passphrases differ"));
    typed(&mut state, "long enough passphrase");
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::CreateVaultAndSave { .. }]),
        "{effects:?}"
    );
}

#[test]
fn quitting_with_an_unsaved_token_asks_first_starting_on_keep() {
    let mut state = at_new_passphrase();
    // Ctrl-C in a field asks; Enter on the first choice keeps the token.
    key(&mut state, Key::Ctrl('c'));
    assert!(!state.session.quit);
    assert!(asks(&state), "{}", screen(&state));
    snap("verify_discard_question", &state);
    key(&mut state, Key::Enter);
    assert!(!asks(&state));
    assert!(!state.session.quit);
    // q on the buttons asks too; Esc keeps.
    key(&mut state, Key::Esc);
    key(&mut state, Key::Char('q'));
    assert!(asks(&state));
    key(&mut state, Key::Esc);
    assert!(!asks(&state) && !state.session.quit);
    // Choosing "Discard it" revokes the token, then quits.
    key(&mut state, Key::Char('q'));
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    assert!(!state.session.quit);
    revoke_answered(&mut state, &effects, Ok(true));
    assert!(state.session.quit);
}

#[test]
fn a_second_ctrl_c_on_the_question_forces_the_quit() {
    let mut state = at_new_passphrase();
    key(&mut state, Key::Ctrl('c'));
    assert!(asks(&state) && !state.session.quit);
    key(&mut state, Key::Ctrl('c'));
    assert!(state.session.quit);
    let end = crate::wizard::farewell::farewell(&state);
    assert_eq!(end.code, crate::wizard::farewell::QUIT_UNSAVED);
}

#[test]
fn the_discard_button_asks_then_revokes_the_new_token() {
    let mut state = at_new_passphrase();
    key(&mut state, Key::Esc);
    key(&mut state, Key::Right);
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(asks(&state));
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let [Effect::Revoke { unkept, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(matches!(unkept, crate::accounts::Unkept::New { .. }));
    let s = screen(&state);
    assert!(s.contains("The new token was discarded"), "{s}");
    assert!(!s.contains("Copy token"), "{s}");
    // Nothing is held any more: q quits at once.
    key(&mut state, Key::Char('q'));
    assert!(state.session.quit);
}

#[test]
fn esc_on_the_known_account_question_asks_before_discarding() {
    let mut state = signed_in_again_as_a_known_account();
    assert!(screen(&state).contains("already in the vault"));
    assert!(key(&mut state, Key::Esc).is_empty());
    assert!(asks(&state));
    // Keep: the question is still there, untouched.
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("already in the vault"));
    key(&mut state, Key::Esc);
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    revoke_answered(&mut state, &effects, Ok(true));
    let s = screen(&state);
    assert!(s.contains("The old token was kept"), "{s}");
    assert!(s.contains("new token was revoked"), "{s}");
}

#[test]
fn the_saved_screen_starts_on_done_and_a_adds_another() {
    let (mut state, stamp) = at_first_save(true);
    saved_alice(&mut state, stamp);
    assert!(
        footer(&state).contains("a add another"),
        "{}",
        footer(&state)
    );
    key(&mut state, Key::Enter);
    assert!(
        matches!(state.step, Step::Home(_)),
        "Enter on Done goes Home"
    );
}

#[test]
fn a_replaced_token_also_starts_on_done() {
    let view = view_with(vec![row("alice@social.example", "7", None)]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view.clone()),
        Start::Add(Some("social.example".into())),
        None,
    );
    discovered(&mut state, 1, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-2");
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let effects = revoke_answered(&mut state, &effects, Ok(true));
    send(
        &mut state,
        Msg::Saved {
            stamp: stamp_of(&effects),
            result: Ok(view),
        },
    );
    assert!(screen(&state).contains("stored token was replaced"));
    key(&mut state, Key::Enter);
    assert!(matches!(state.step, Step::Home(_)));
}

#[test]
fn add_another_account_keeps_the_scopes_just_chosen() {
    let mut state = at_scopes(true);
    key(&mut state, Key::Down); // Posting bot
    key(&mut state, Key::Char(' '));
    let chosen = "Selected: profile write:media write:statuses";
    assert!(screen(&state).contains(chosen));
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, false);
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-1");
    let stamp = stamp_of(&first_save_of_alice(&mut state, stamp));
    saved_alice(&mut state, stamp);
    let stamp = stamp_of(&key(&mut state, Key::Char('a')));
    discovered(&mut state, stamp, true);
    let s = screen(&state);
    assert!(s.contains(chosen), "{s}");
    // On a server without `profile` the same choice is fitted to it.
    let mut old = state;
    key(&mut old, Key::Esc);
    let stamp = stamp_of(&key(&mut old, Key::Enter));
    discovered(&mut old, stamp, false);
    let s = screen(&old);
    assert!(
        s.contains("Selected: read:accounts write:media write:statuses"),
        "{s}"
    );
    // Home forgets it: an account added from there starts on the default preset.
    key(&mut old, Key::Esc);
    key(&mut old, Key::Esc);
    assert!(matches!(old.step, Step::Home(_)), "{}", screen(&old));
    key(&mut old, Key::Char('a'));
    typed(&mut old, "social.example");
    let stamp = stamp_of(&key(&mut old, Key::Enter));
    discovered(&mut old, stamp, true);
    let s = screen(&old);
    assert!(
        s.contains("Selected: profile") && !s.contains(chosen),
        "{s}"
    );
}

#[test]
fn a_failed_save_keeps_the_token_to_copy_and_asks_before_discarding() {
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
    assert!(
        footer(&state).contains("c copy token"),
        "{}",
        footer(&state)
    );
    let effects = key(&mut state, Key::Char('c'));
    let [Effect::Copy { text, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(text.expose(), "tok-123");
    assert!(screen(&state).contains("could not be saved"));
    assert!(key(&mut state, Key::Esc).is_empty());
    assert!(asks(&state));
}

/// Both passphrase screens (a sign-in's first save and a pasted token's) are one form: the same
/// footer, the same Esc, the same help for its keys.
#[test]
fn the_token_passphrase_screen_behaves_and_reads_as_the_sign_in_one() {
    let mut state =
        super::adopt::saved_candidate_state(super::adopt::at_adopt(VaultStatus::Missing));
    key(&mut state, Key::Enter);
    let footer = |s: &State| screen(s).lines().last().unwrap_or_default().to_owned();
    let (mut sign_in, stamp) = at_verify(true);
    send(
        &mut sign_in,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    assert_eq!(footer(&state), footer(&sign_in));
    assert!(
        footer(&state).contains("Esc to the buttons"),
        "{}",
        footer(&state)
    );
    // Esc from the first field goes to the buttons and back, never off the form.
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Esc);
    assert!(!state.step.text_focused());
    assert!(
        footer(&state).contains("Esc to the first field"),
        "{}",
        footer(&state)
    );
    key(&mut state, Key::Esc);
    assert!(state.step.text_focused());
    let s = screen(&state);
    assert!(s.contains("Choose a passphrase for your new vault"), "{s}");
    // What was typed is still there: Enter moves on to the second field.
    key(&mut state, Key::Enter);
    typed(&mut state, "long enough passphrase");
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Adopt { .. }]),
        "{effects:?}"
    );
    // One wording of the keys in both helps.
    let esc = "Esc steps back: from the second field to the first, from the first to the buttons";
    let mut adopt =
        super::adopt::saved_candidate_state(super::adopt::at_adopt(VaultStatus::Missing));
    key(&mut adopt, Key::Enter);
    for help in [adopt.step.screen().help(), sign_in.step.screen().help()] {
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(esc), "{help}");
        assert!(
            !flat.contains("Esc moves back to the first field"),
            "{help}"
        );
    }
}
