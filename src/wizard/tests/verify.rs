//! The Verify and save step: the first passphrase, known accounts, retries.

use super::*;

// ---- Verify and save ----

#[test]
fn first_save_asks_for_a_passphrase_twice_then_creates_the_vault() {
    let (mut state, stamp) = at_verify(true);
    assert!(screen(&state).contains("Checking the new token"));
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    let s = screen(&state);
    assert!(s.contains("@alice@social.example"), "{s}");
    assert!(s.contains("Choose a passphrase"), "{s}");
    snap("verify_new_passphrase", &state);
    typed(&mut state, "short");
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("at least 8 characters"));
    key(&mut state, Key::Ctrl('u'));
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Enter);
    typed(&mut state, "long enough passphrasX");
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(s.contains("passphrases differ"), "{s}");
    typed(&mut state, "long enough passphrase");
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::CreateVaultAndSave {
            stamp,
            passphrase,
            save,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "long enough passphrase");
    assert_eq!(save.token.expose(), "tok-123");
    assert_eq!(save.account.id, "7");
    let stamp = *stamp;
    let view = view_with(vec![row(
        "alice@social.example",
        "7",
        Some(CheckStatus::Valid),
    )]);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Ok(view),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Saved in the vault"), "{s}");
    snap("verify_saved", &state);
    // "Add another account" goes back to step 1 with the server filled in and discovering.
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Discover { .. }]));
    assert!(screen(&state).contains("Server: ▏social.example"));
}

/// alice is stored; signing in as her again reaches the replace-or-keep question.
fn signed_in_again_as_a_known_account() -> State {
    let view = view_with(vec![row("alice@social.example", "7", None)]);
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
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    state
}

#[test]
fn a_known_account_asks_to_replace_or_keep() {
    let mut state = signed_in_again_as_a_known_account();
    let s = screen(&state);
    assert!(s.contains("already in the vault"), "{s}");
    snap("verify_duplicate", &state);
    // Keep the old token: nothing is saved.
    key(&mut state, Key::Right);
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("old token was kept"));
}

#[test]
fn replacing_a_known_account_saves() {
    let mut state = signed_in_again_as_a_known_account();
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
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
    assert!(s.contains("could not be saved"), "{s}");
    snap("verify_save_failed", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::Save { .. }]
    ));
}

#[test]
fn a_token_that_fails_verification_can_be_checked_again() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::AccountPending),
        },
    );
    let s = screen(&state);
    assert!(s.contains("could not be checked"), "{s}");
    snap("verify_account_pending", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::Verify { .. }]
    ));
}
