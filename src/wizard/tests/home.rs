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
    // The confirmation opens on Cancel; two steps left reach "Revoke and remove".
    key(&mut state, Key::Left);
    key(&mut state, Key::Left);
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

// ---- Home: the first-timer's path (issue 13) ----

/// The footer row of a rendered screen.
fn footer_of(shown: &str) -> &str {
    shown.lines().last().unwrap_or_default()
}

#[test]
fn an_empty_home_says_what_to_do_and_offers_only_adding() {
    for vault in [
        VaultStatus::Unlocked(view_with(Vec::new())),
        // Before the first save there is no vault at all: the same words, not a blank screen.
        VaultStatus::Missing,
    ] {
        let mut state = start(vault, Start::Add(None), None).0;
        state.step = Step::Home(super::super::home::HomeScreen::default());
        let s = screen(&state);
        assert!(s.contains("No accounts yet."), "{s}");
        assert!(s.contains("Press a to add one"), "{s}");
        let footer = footer_of(&s);
        assert!(footer.contains("a add account"), "{s}");
        assert!(!footer.contains("verify"), "{s}");
        assert!(!footer.contains("details"), "{s}");
        // Nothing to verify or open: v and Enter do nothing, a adds.
        assert!(key(&mut state, Key::Char('v')).is_empty());
        assert!(key(&mut state, Key::Enter).is_empty());
        assert!(matches!(state.step, Step::Home(_)));
        key(&mut state, Key::Char('a'));
        assert!(matches!(state.step, Step::Server(_)));
    }
}

#[test]
fn the_remove_confirmation_starts_on_cancel() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    for _ in 0..4 {
        key(&mut state, Key::Right); // to "Remove…"
    }
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("Remove this account from the vault?"));
    // Enter right away is Cancel: nothing is removed and the question closes.
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(!s.contains("Remove this account"), "{s}");
    assert!(s.contains("[ Copy token ]"), "{s}");
}

#[test]
fn a_revoked_token_opens_on_re_authorize_and_says_so() {
    let mut dead = row("alice@social.example", "1", Some(CheckStatus::Revoked));
    dead.last_detail = Some(
        "the token was revoked, for example under Authorized apps on the server's website. \
         Create a new token for this account."
            .into(),
    );
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![dead])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("Press Re-authorize"), "{s}");
    assert!(!s.contains("Create a new token"), "{s}");
    assert!(s.contains("revoked — the token was revoked"), "{s}");
    snap("home_details_revoked", &state);
    // The focus is on Re-authorize: Enter starts it.
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Discover { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_verify_summary_names_the_accounts_that_failed() {
    let view = view_with(vec![
        row("alice@social.example", "1", None),
        row("bob@social.example", "2", None),
        row("carol@social.example", "3", None),
    ]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    let stamp = stamp_of(&key(&mut state, Key::Char('v')));
    let mut after = view_with(vec![
        row("alice@social.example", "1", Some(CheckStatus::Valid)),
        row("bob@social.example", "2", Some(CheckStatus::Revoked)),
        row("carol@social.example", "3", Some(CheckStatus::Timeout)),
    ]);
    after.accounts[1].last_detail = Some("x".into());
    send(
        &mut state,
        Msg::ChecksRecorded {
            stamp,
            result: Ok(after),
        },
    );
    // The notice wraps: read it as one line.
    let s = screen(&state).replace("\n ", " ");
    assert!(
        s.contains(
            "Checked: 1 of 3 tokens valid; bob@social.example revoked; carol@social.example timeout."
        ),
        "{s}"
    );
}

#[test]
fn details_has_its_own_help_that_fits() {
    let view = view_with(vec![row("alice@social.example", "1", None)]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    key(&mut state, Key::Char('?'));
    let s = screen(&state);
    assert!(
        s.contains("Re-authorize: sign in again as this account"),
        "{s}"
    );
    assert!(s.contains("Press any key to close this help."), "{s}");
}

/// Rows with a long handle, a long server name and several scopes.
fn wide_rows() -> VaultView {
    let mut long = row(
        "alice.longname@localhost.example",
        "1",
        Some(CheckStatus::Valid),
    );
    long.scopes = ["read", "write", "follow", "push"]
        .map(String::from)
        .to_vec();
    let mut other = row("bob@social.example", "2", None);
    other.server = "https://mastodon.very-long-server-name.example".into();
    view_with(vec![long, other])
}

#[test]
fn home_columns_fit_their_content_and_cut_the_name_last() {
    let (state, _) = start(VaultStatus::Unlocked(wide_rows()), Start::Home, None);
    // 80 columns: the handle is whole; Scopes gives way (with an ellipsis).
    let s = render_at(&state, 80, 24);
    assert!(s.contains("@alice.longname@localhost.example "), "{s}");
    assert!(s.contains('…'), "{s}");
    // 60 columns: Scopes is hidden rather than cut to a stub, Server is down to its least,
    // and the handle, the column that tells rows apart, stays whole; every cut is marked.
    let s = render_at(&state, 60, 16);
    let first = s.lines().nth(2).unwrap();
    assert!(
        first.starts_with(" @alice.longname@localhost.example "),
        "{s}"
    );
    assert!(first.contains("social.…"), "{s}");
    assert!(!s.contains("Scopes"), "{s}");
    // 200 columns: the columns sit side by side, not spread across the width.
    let s = render_at(&state, 200, 50);
    let header = s.lines().nth(1).unwrap();
    let last = header.find("Last check").unwrap();
    assert!(last < 120, "{header}");
    snap("home_wide_content", &state);
}

#[test]
fn details_buttons_wrap_whole_at_sixty_columns() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    let s = render_at(&state, 60, 16);
    assert!(s.contains("[ Re-authorize ]"), "{s}");
    assert!(s.contains("[ Remove… ]"), "{s}");
}

#[test]
fn details_compare_scopes_as_sets_whatever_the_repeats() {
    // Two entries of one scope against two different scopes: not the same set.
    let mut stored = row("alice@social.example", "1", Some(CheckStatus::Valid));
    stored.scopes = ["read", "write"].map(String::from).to_vec();
    stored.requested = Some(vec!["read".into(), "read".into()]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![stored.clone()])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(
        s.contains("Scopes read write  (asked for read read)"),
        "{s}"
    );
    // The same set in another order and with a repeat: no "asked for".
    stored.requested = Some(vec!["write".into(), "read".into(), "write".into()]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![stored])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(
        s.contains("Scopes read write ") && !s.contains("asked for"),
        "{s}"
    );
}
