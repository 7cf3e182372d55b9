//! Unlock and Home: the accounts list, checks, details, removal.

use super::*;
use crate::accounts::{NotRevoked, Removal};
use crate::wizard::msg::Removed;

// ---- Unlock ----

#[test]
fn unlock_with_the_environment_then_home() {
    let secret = Secret::new("from env");
    let (mut state, effects) = start(VaultStatus::Locked, Start::Home, Some(secret));
    let stamp = stamp_of(&effects);
    assert!(screen(&state).contains("Unlocking"));
    send(
        &mut state,
        Msg::Unlocked {
            stamp,
            result: Err(VaultError::WrongPassphrase),
        },
    );
    let s = screen(&state);
    assert!(s.contains("came from the environment"), "{s}");
    snap("unlock_wrong_passphrase", &state);
    typed(&mut state, "typed one");
    let effects = key(&mut state, Key::Enter);
    let [Effect::Unlock { stamp, passphrase }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "typed one");
    let view = view_with(vec![row(
        "alice@social.example",
        "7",
        Some(CheckStatus::Revoked),
    )]);
    send(
        &mut state,
        Msg::Unlocked {
            stamp: *stamp,
            result: Ok(view),
        },
    );
    assert!(matches!(state.step, Step::Home(_)));
}

// ---- Home ----

#[test]
fn home_verifies_all_accounts_with_rows_updating_live() {
    let view = view_with(vec![
        row("alice@social.example", "1", Some(CheckStatus::Valid)),
        row("bob@social.example", "2", None),
    ]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    snap("home", &state);
    let effects = key(&mut state, Key::Char('v'));
    let [Effect::VerifyAccounts { stamp, keys }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(keys.len(), 2);
    let stamp = *stamp;
    send(
        &mut state,
        Msg::AccountChecked {
            stamp,
            key: key_of("2"),
            status: CheckStatus::Revoked,
            detail: "x".into(),
        },
    );
    let s = screen(&state);
    assert!(s.contains("revoked · just now"), "{s}");
    assert!(s.contains("checking…"), "{s}");
    // A stale run's rows are ignored.
    send(
        &mut state,
        Msg::AccountChecked {
            stamp: stamp + 99,
            key: key_of("1"),
            status: CheckStatus::Invalid,
            detail: "x".into(),
        },
    );
    assert!(!screen(&state).contains("invalid"));
}

#[test]
fn home_details_reveal_copy_and_remove_with_revoke() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("[ Reveal ]"), "{s}");
    assert!(!s.contains("tok-"), "{s}");
    snap("home_details", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::CopyStoredToken { .. }]
    ));
    key(&mut state, Key::Right);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::RevealStoredToken { .. }]
    ));
    send(
        &mut state,
        Msg::Revealed {
            key: key_of("1"),
            token: Secret::new("tok-visible"),
        },
    );
    assert!(screen(&state).contains("tok-visible"));
    for _ in 0..3 {
        key(&mut state, Key::Right); // to "Remove…"
    }
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("Revoke and remove"));
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::RemoveAccount {
            revoke: true,
            stamp,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    // The server cannot be reached: the revoke fails, so nothing is removed and the live token
    // stays in the vault.
    let kept = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let removal = Removed {
        view: kept,
        label: "alice@social.example".into(),
        removal: Removal::Kept(NotRevoked::Failed(ApiError::Connect {
            host: "social.example".into(),
        })),
    };
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result: Ok(removal),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Nothing was removed"), "{s}");
    assert!(s.contains("Remove here only"), "{s}");
    // Try again: the revoke works this time.
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::RemoveAccount {
            revoke: true,
            stamp,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let removal = Removed {
        view: view_with(Vec::new()),
        label: "alice@social.example".into(),
        removal: Removal::Removed { revoked: true },
    };
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result: Ok(removal),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Removed alice@social.example"), "{s}");
    assert!(s.contains("revoked on the server"), "{s}");
    assert!(s.contains("No accounts yet"), "{s}");
    // Closing the popup dropped the revealed token from the state.
    assert!(!s.contains("tok-visible"));
}

#[test]
fn verify_pressed_again_while_checking_does_nothing() {
    let view = view_with(vec![row("alice@social.example", "1", None)]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    key(&mut state, Key::Right);
    key(&mut state, Key::Right); // to "Verify"
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::VerifyAccounts { .. }]
    ));
    // A second Enter while the check runs neither starts another nor asks to remove.
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(!s.contains("Remove this account"), "{s}");
}

#[test]
fn details_show_requested_beside_granted_and_no_empty_brackets() {
    let mut stored = row("alice@social.example", "1", Some(CheckStatus::Valid));
    stored.display_name = String::new();
    stored.scopes = ["follow", "read", "write"].map(String::from).to_vec();
    stored.requested = Some(vec!["read:accounts".into()]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![stored])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("@alice@social.example"), "{s}");
    assert!(!s.contains("()"), "{s}");
    assert!(
        s.contains("Scopes follow read write  (asked for read:accounts)"),
        "{s}"
    );
    snap("home_details_granted_more", &state);
    // Re-authorize asks for what was asked for last, not for what was granted.
    for _ in 0..3 {
        key(&mut state, Key::Right);
    }
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    let s = screen(&state);
    assert!(s.contains("Selected: read:accounts\n"), "{s}");
}

#[test]
fn an_expiring_token_is_flagged_in_home_and_dated_in_details() {
    let mut soon = row("alice@social.example", "1", Some(CheckStatus::Valid));
    soon.expires_at = Some(now() + jiff::SignedDuration::from_hours(3 * 24 + 1));
    let mut later = row("bob@social.example", "2", Some(CheckStatus::Valid));
    later.key = key_of("2");
    later.expires_at = Some(now() + jiff::SignedDuration::from_hours(30 * 24));
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![soon, later])),
        Start::Home,
        None,
    );
    let s = screen(&state);
    let alice = s.lines().find(|l| l.contains("@alice")).unwrap();
    assert!(alice.contains("valid · 3 days left"), "{s}");
    let bob = s.lines().find(|l| l.contains("@bob")).unwrap();
    assert!(
        bob.contains("valid · just now"),
        "only near expiries in the list: {s}"
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("Token expires in 3 days (2026-12-01)"), "{s}");
    snap("home_details_expiring", &state);
}
