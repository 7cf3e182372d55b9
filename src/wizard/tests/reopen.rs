//! A wizard opened through the unlock agent, whose agent stopped before the save (its idle
//! timeout): the failed save asks for the vault passphrase right there, reopens the vault the
//! way the Unlock screen does, and saves again. The token is never lost.

use super::adopt::{at_adopt, saved_candidate_state};
use super::*;

/// Types `passphrase` into the save-failed form and presses Enter: the vault is reopened.
fn unlock_with(state: &mut State, passphrase: &str) -> u64 {
    typed(state, passphrase);
    let effects = key(state, Key::Enter);
    let [
        Effect::Unlock {
            stamp,
            passphrase: sent,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(sent.expose(), passphrase);
    assert!(
        !screen(state).contains(passphrase),
        "the passphrase is never drawn"
    );
    *stamp
}

#[test]
fn a_sign_in_whose_agent_stopped_asks_the_passphrase_and_saves_the_same_token() {
    let (mut state, stamp) = at_verify(true);
    // The agent opened the vault: no Unlock screen was shown.
    state.session.vault = VaultStatus::Unlocked(view_with(Vec::new()));
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Err(VaultError::AgentStopped),
        },
    );
    let s = screen(&state);
    assert!(s.contains("unlock agent stopped"), "{s}");
    assert!(s.contains("Type the vault passphrase"), "{s}");
    assert!(!s.contains("Run the command again"), "{s}");
    assert!(s.contains("Enter unlock and save"), "{s}");
    snap("verify_reopen", &state);
    // `q` and `c` are letters of the passphrase here, not quit or copy.
    let stamp = unlock_with(&mut state, "wrong qc");
    assert!(!state.session.quit);
    send(
        &mut state,
        Msg::Unlocked {
            stamp,
            result: Err(VaultError::WrongPassphrase),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Type the vault passphrase"), "still asking: {s}");
    let stamp = unlock_with(&mut state, "long enough passphrase");
    let effects = send(
        &mut state,
        Msg::Unlocked {
            stamp,
            result: Ok(view_with(Vec::new())),
        },
    );
    // The same token is saved into the reopened vault.
    let [Effect::Save { stamp, save }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(save.token.expose(), "tok-123");
    let saved = view_with(vec![row("alice@social.example", "7", None)]);
    send(
        &mut state,
        Msg::Saved {
            stamp: *stamp,
            result: Ok(saved),
        },
    );
    assert!(screen(&state).contains("Saved in the vault"));
    assert_eq!(state.session.saved, [key_of("7")]);
}

#[test]
fn another_failed_save_still_offers_try_again_not_the_passphrase() {
    let (mut state, stamp) = at_verify(true);
    state.session.vault = VaultStatus::Unlocked(view_with(Vec::new()));
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Err(VaultError::LockTimeout {
                path: "/x/vault.lock".into(),
            }),
        },
    );
    let s = screen(&state);
    assert!(!s.contains("Type the vault passphrase"), "{s}");
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::Save { .. }]
    ));
}

#[test]
fn a_token_whose_agent_stopped_asks_the_passphrase_and_saves_it() {
    let mut state = saved_candidate_state(at_adopt(VaultStatus::Unlocked(view_with(Vec::new()))));
    let effects = key(&mut state, Key::Enter);
    let [Effect::Adopt { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    send(
        &mut state,
        Msg::Adopted {
            stamp: *stamp,
            result: Err(VaultError::AgentStopped),
        },
    );
    let s = screen(&state);
    assert!(s.contains("unlock agent stopped"), "{s}");
    assert!(s.contains("Enter unlock and save"), "{s}");
    snap("adopt_reopen", &state);
    let stamp = unlock_with(&mut state, "long enough passphrase");
    let effects = send(
        &mut state,
        Msg::Unlocked {
            stamp,
            result: Ok(view_with(Vec::new())),
        },
    );
    let [
        Effect::Adopt {
            candidate,
            new_vault: None,
            replace: false,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(candidate.token.expose(), "tok-made-on-the-website");
    // Esc on the form discards, as Esc does on any failed save of this screen.
    send(
        &mut state,
        Msg::Adopted {
            stamp: stamp_of_adopt(&effects),
            result: Err(VaultError::AgentStopped),
        },
    );
    key(&mut state, Key::Esc);
    assert!(screen(&state).contains("The token was not saved."));
}

fn stamp_of_adopt(effects: &[Effect]) -> u64 {
    match effects {
        [Effect::Adopt { stamp, .. }] => *stamp,
        other => panic!("{other:?}"),
    }
}
