//! The Verify and save step: the first passphrase, known accounts, retries.

use super::*;
use crate::accounts::{NotRevoked, Unkept};
use crate::platform::ClipboardKind;
use crate::wizard::msg::Copied;

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
    // `a` ("Add another account") goes back to step 1 with the server filled in and discovering.
    let effects = key(&mut state, Key::Char('a'));
    assert!(matches!(effects.as_slice(), [Effect::Discover { .. }]));
    assert!(screen(&state).contains("Server: social.example"));
}

/// Answers the single revoke in `effects` with `result`; returns what the screen does next.
pub(super) fn revoke_answered(
    state: &mut State,
    effects: &[Effect],
    result: Result<bool, NotRevoked>,
) -> Vec<Effect> {
    let stamp = stamp_of(effects);
    assert!(
        matches!(effects, [Effect::Revoke { .. }]),
        "expected a revoke: {effects:?}"
    );
    send(state, Msg::Revoked { stamp, result })
}

fn refused() -> NotRevoked {
    NotRevoked::Failed(ApiError::Timeout {
        host: "social.example".into(),
        seconds: 30,
    })
}

#[test]
fn a_known_account_asks_to_keep_or_replace_starting_on_keep() {
    let mut state = signed_in_again_as_a_known_account();
    let s = screen(&state);
    assert!(s.contains("already in the vault"), "{s}");
    // force_login was ignored: the screen says so, and how to switch accounts.
    assert!(s.contains("signed you in as this account again"), "{s}");
    assert!(s.contains("open the sign-in link in a private"), "{s}");
    snap("verify_duplicate", &state);
    // Enter on the focused choice keeps the old token: nothing is saved; the new one is
    // revoked and never offered for copying.
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Revoke {
            unkept: Unkept::New { token, app, .. },
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(token.expose(), "tok-2");
    assert_eq!(app.client_id, "client-id-1");
    let s = screen(&state);
    assert!(s.contains("old token was kept"), "{s}");
    assert!(!s.contains("Copy token"), "{s}");
    revoke_answered(&mut state, &effects, Ok(true));
    assert!(screen(&state).contains("new token was revoked"));
    // No key reaches a copy of the discarded token.
    for k in [Key::Right, Key::Right, Key::Left, Key::Right] {
        key(&mut state, k);
        assert!(!screen(&state).contains("Copy token"));
    }
    key(&mut state, Key::Left);
    let effects = key(&mut state, Key::Enter);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Copy { .. })),
        "{effects:?}"
    );
}

#[test]
fn a_failed_revoke_of_the_new_token_is_said() {
    let mut state = signed_in_again_as_a_known_account();
    let effects = key(&mut state, Key::Enter);
    revoke_answered(&mut state, &effects, Err(refused()));
    let s = screen(&state);
    assert!(s.contains("new token could not be revoked"), "{s}");
    assert!(s.contains("Authorized apps"), "{s}");
}

#[test]
fn replacing_a_known_account_revokes_the_old_token_then_saves() {
    let mut state = signed_in_again_as_a_known_account();
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Revoke {
            unkept:
                Unkept::Stored {
                    key: old,
                    new_token,
                },
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*old, key_of("7"));
    // The server may have given the same token again: that one is never revoked.
    assert_eq!(new_token.expose(), "tok-2");
    let effects = revoke_answered(&mut state, &effects, Err(refused()));
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
    // A retry saves again without a second revoke.
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
    let stamp = stamp_of(&effects);
    saved_alice(&mut state, stamp);
    let s = screen(&state);
    assert!(s.contains("stored token was replaced"), "{s}");
    assert!(s.contains("old token could not be revoked"), "{s}");
    assert!(s.contains("Copy token"), "{s}");
}

#[test]
fn replacing_a_token_made_elsewhere_says_so_without_an_alarm() {
    let mut state = signed_in_again_as_a_known_account();
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let effects = revoke_answered(&mut state, &effects, Err(NotRevoked::NoCredentials));
    let stamp = stamp_of(&effects);
    saved_alice(&mut state, stamp);
    let s = screen(&state);
    assert!(s.contains("stored token was replaced"), "{s}");
    assert!(s.contains("made elsewhere"), "{s}");
    assert!(!s.contains("could not be revoked"), "{s}");
}

#[test]
fn leaving_a_token_that_could_not_be_checked_revokes_it() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::AccountPending),
        },
    );
    // Esc asks first; the token goes only once the user says so.
    assert!(key(&mut state, Key::Esc).is_empty());
    assert!(screen(&state).contains("Discard this token?"));
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Revoke {
            unkept: Unkept::New { token, .. },
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(token.expose(), "tok-123");
    assert!(screen(&state).contains("Revoking the token that could not be checked"));
    revoke_answered(&mut state, &effects, Ok(true));
    assert!(matches!(state.step, Step::Scopes(_)));
    let notice = state.session.notice.as_ref().map(|n| n.text.clone());
    assert_eq!(
        notice.as_deref(),
        Some("The token that could not be checked was revoked.")
    );
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

/// bob@social.example is stored from `https://other.example` (a server claiming
/// social.example's domain, or social.example under another address); now bob signs in on
/// social.example itself.
fn signed_in_with_a_handle_stored_from_another_address() -> State {
    let mut stored = row("bob@social.example", "9", Some(CheckStatus::Valid));
    stored.server = "https://other.example".into();
    stored.key = AccountKey::new("https://other.example", "9");
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![stored])),
        Start::Add(Some("social.example".into())),
        None,
    );
    discovered(&mut state, 1, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-bob");
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("9", "bob")),
        },
    );
    assert!(
        effects.is_empty(),
        "nothing is saved before the user says: {effects:?}"
    );
    state
}

#[test]
fn a_handle_stored_from_another_address_asks_and_keep_both_is_first() {
    let mut state = signed_in_with_a_handle_stored_from_another_address();
    let s = screen(&state);
    assert!(
        s.contains("@bob@social.example is already stored from other.example; this sign-in came"),
        "{s}"
    );
    assert!(s.contains("from social.example."), "{s}");
    assert!(s.contains("may be another account"), "{s}");
    snap("verify_handle_clash", &state);
    // Keep both: a plain save of the new entry, nothing revoked or removed.
    let effects = key(&mut state, Key::Enter);
    let [Effect::Save { save, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(save.account.id, "9");
    assert_eq!(save.server.base.as_str(), SERVER);
}

#[test]
fn same_account_revokes_and_removes_the_other_entry_after_saving() {
    let mut state = signed_in_with_a_handle_stored_from_another_address();
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Revoke {
            unkept: Unkept::Stored { key: old, .. },
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let other = AccountKey::new("https://other.example", "9");
    assert_eq!(*old, other);
    let effects = revoke_answered(&mut state, &effects, Ok(true));
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
    let stamp = stamp_of(&effects);
    let both = view_with(vec![row("bob@social.example", "9", None)]);
    let effects = send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Ok(both),
        },
    );
    let [
        Effect::RemoveAccount {
            stamp,
            key: removed,
            revoke: false,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*removed, other);
    let result = Err(VaultError::LockTimeout {
        path: "/x/vault.lock".into(),
    });
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result,
        },
    );
    let s = screen(&state);
    assert!(s.contains("stored token was replaced"), "{s}");
    assert!(s.contains("old token was revoked"), "{s}");
    assert!(s.contains("could not be removed"), "{s}");
}

#[test]
fn discarding_the_new_token_of_a_clashing_handle_revokes_it() {
    let mut state = signed_in_with_a_handle_stored_from_another_address();
    key(&mut state, Key::Left);
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Revoke {
                unkept: Unkept::New { .. },
                ..
            }]
        ),
        "{effects:?}"
    );
    let s = screen(&state);
    assert!(s.contains("new token was discarded"), "{s}");
    assert!(!s.contains("Copy token"), "{s}");
}

/// The Done step after replacing a known account, with "Copy token" pressed; returns the
/// copy's generation.
fn copied_token(state: &mut State) -> u64 {
    key(state, Key::Right);
    let effects = key(state, Key::Enter);
    let effects = revoke_answered(state, &effects, Ok(false));
    let stamp = stamp_of(&effects);
    let view = view_with(vec![row("alice@social.example", "7", None)]);
    send(
        state,
        Msg::Saved {
            stamp,
            result: Ok(view),
        },
    );
    // Done has the focus; "Copy token" is left of it.
    key(state, Key::Left);
    let effects = key(state, Key::Enter);
    let [
        Effect::Copy {
            text, generation, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(text.expose(), "tok-2");
    *generation
}

fn notice(state: &State) -> String {
    state
        .session
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn the_terminal_clipboard_is_described_as_what_was_sent() {
    let mut state = signed_in_again_as_a_known_account();
    let generation = copied_token(&mut state);
    send(
        &mut state,
        Msg::Copied {
            what: Copied::Token,
            result: Ok(ClipboardKind::Terminal),
        },
    );
    let text = notice(&state);
    assert!(
        text.contains("sent to the terminal's clipboard (OSC 52)"),
        "{text}"
    );
    assert!(
        text.contains("If your terminal ignores OSC 52, use Reveal"),
        "{text}"
    );
    let effects = send(&mut state, Msg::ClipboardExpired { generation });
    assert!(matches!(
        effects.as_slice(),
        [Effect::ClearClipboard { .. }]
    ));
    assert_eq!(
        notice(&state),
        "mastokey asked the terminal to overwrite its clipboard."
    );
}

#[test]
fn the_desktop_clipboard_is_said_to_be_cleared() {
    let mut state = signed_in_again_as_a_known_account();
    let generation = copied_token(&mut state);
    send(
        &mut state,
        Msg::Copied {
            what: Copied::Token,
            result: Ok(ClipboardKind::Desktop),
        },
    );
    assert_eq!(
        notice(&state),
        "The token was copied to the clipboard; cleared again in 45 s."
    );
    send(&mut state, Msg::ClipboardExpired { generation });
    assert_eq!(notice(&state), "The token is no longer in the clipboard.");
}
