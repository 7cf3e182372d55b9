//! "I already have a token": Home `i` or `Ctrl-T` on the Server step, the masked token field,
//! the check, whose token it is, Keep/Replace, the first save, a refused token.

use super::*;
use crate::accounts::ServerRecord;
use crate::accounts::adopt::{Adoption, Candidate, Checked};

const TOKEN: &str = "tok-made-on-the-website";

/// What the server says of `TOKEN`: alice (id 7), app "Elk", scopes read write, no app
/// credentials.
fn candidate() -> Candidate {
    Candidate {
        server: ServerRecord::from_capabilities(&caps(true)),
        account: account("7", "alice"),
        token: Secret::new(TOKEN),
        app_name: Some("Elk".into()),
        scopes: vec!["read".into(), "write".into()],
        app: None,
    }
}

/// From the server step in token mode: the server is typed and discovered.
fn discover(state: &mut State) {
    typed(state, "social.example");
    let stamp = stamp_of(&key(state, Key::Enter));
    discovered(state, stamp, true);
    assert!(matches!(state.step, Step::Adopt(_)));
}

/// The token screen of a wizard started on `vault` (Home `i` when it has accounts, else
/// `Ctrl-T` on the server step).
pub(super) fn at_adopt(vault: VaultStatus) -> State {
    let (mut state, _) = start(vault, Start::Home, None);
    if matches!(state.step, Step::Home(_)) {
        key(&mut state, Key::Char('i'));
    } else {
        key(&mut state, Key::Ctrl('t'));
    }
    let s = screen(&state);
    assert!(s.contains("Add a token you have"), "{s}");
    assert!(s.contains("Which Mastodon server is the token for?"), "{s}");
    discover(&mut state);
    state
}

/// Pastes `TOKEN` and presses Enter; returns the check's stamp, after checking what it asks.
fn paste_and_check(state: &mut State) -> u64 {
    send(state, Msg::Paste(Secret::new(format!("  {TOKEN}\n"))));
    assert!(!screen(state).contains(TOKEN), "the token is never drawn");
    let effects = key(state, Key::Enter);
    let [Effect::CheckToken { stamp, caps, token }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        token.expose(),
        TOKEN,
        "pasted blanks and line breaks are not the token"
    );
    assert_eq!(caps.base.as_str(), SERVER);
    assert!(screen(state).contains("Checking the token with social.example"));
    *stamp
}

fn checked(state: &mut State, stamp: u64, result: Checked) -> Vec<Effect> {
    send(
        state,
        Msg::TokenChecked {
            stamp,
            result: Ok(result),
        },
    )
}

fn valid() -> Checked {
    Checked::Valid(Box::new(candidate()))
}

/// `TOKEN` pasted and checked on the token screen `state`: "Save this token in the vault?".
pub(super) fn saved_candidate_state(mut state: State) -> State {
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    assert!(screen(&state).contains("Save this token in the vault?"));
    state
}

#[test]
fn ctrl_t_then_paste_shows_whose_token_and_the_first_save_creates_the_vault() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    assert!(checked(&mut state, stamp, valid()).is_empty());
    let s = screen(&state);
    for shown in [
        "@alice@social.example",
        "(ALICE)",
        "App     Elk",
        "Scopes  read write",
        "cannot revoke",
        "Save in the vault",
    ] {
        assert!(s.contains(shown), "{shown}: {s}");
    }
    assert!(!s.contains(TOKEN));
    snap("adopt_checked", &state);
    // Save: no vault yet, so the Verify step's passphrase form comes first.
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("Choose a passphrase for your new vault"));
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Enter);
    typed(&mut state, "long enough passphrase");
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Adopt {
            stamp,
            candidate,
            replace: false,
            new_vault: Some(passphrase),
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "long enough passphrase");
    assert_eq!(candidate.token.expose(), TOKEN);
    let stamp = *stamp;
    let saved = view_with(vec![row(
        "alice@social.example",
        "7",
        Some(CheckStatus::Valid),
    )]);
    send(
        &mut state,
        Msg::VaultCreated {
            view: VaultView::default(),
        },
    );
    send(
        &mut state,
        Msg::Adopted {
            stamp,
            result: Ok((Adoption::Added(key_of("7")), saved)),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Saved in the vault"), "{s}");
    assert!(
        s.contains("cannot revoke"),
        "the saved screen says it too: {s}"
    );
    assert_eq!(state.session.saved, [key_of("7")]);
    snap("adopt_saved", &state);
    // Done has the focus: Enter goes Home, where the account now is.
    let s = screen(&state);
    assert!(
        s.contains("a add another"),
        "the footer names the shortcut: {s}"
    );
    key(&mut state, Key::Enter);
    assert!(matches!(state.step, Step::Home(_)));
}

#[test]
fn home_i_saves_into_the_unlocked_vault_and_add_another_stays_on_the_server() {
    let view = view_with(vec![row("zed@social.example", "9", None)]);
    let mut state = at_adopt(VaultStatus::Unlocked(view));
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Adopt {
            stamp,
            replace: false,
            new_vault: None,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let stamp = *stamp;
    // A failed save keeps the checked token: Enter tries again.
    send(
        &mut state,
        Msg::Adopted {
            stamp,
            result: Err(VaultError::Missing),
        },
    );
    assert!(screen(&state).contains("could not be saved"));
    let effects = key(&mut state, Key::Enter);
    let stamp = match effects.as_slice() {
        [Effect::Adopt { stamp, .. }] => *stamp,
        other => panic!("{other:?}"),
    };
    let both = view_with(vec![
        row("alice@social.example", "7", Some(CheckStatus::Valid)),
        row("zed@social.example", "9", None),
    ]);
    send(
        &mut state,
        Msg::Adopted {
            stamp,
            result: Ok((Adoption::Added(key_of("7")), both)),
        },
    );
    assert!(screen(&state).contains("Saved in the vault"));
    // Add another (`a`, or Left then Enter): the same server, an empty field.
    key(&mut state, Key::Char('a'));
    assert!(matches!(state.step, Step::Adopt(_)));
    assert!(screen(&state).contains("Paste the access token"));
}

#[test]
fn a_stored_account_asks_keep_or_replace_starting_on_keep() {
    let view = || view_with(vec![row("alice@social.example", "7", None)]);
    let mut state = at_adopt(VaultStatus::Unlocked(view()));
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    let s = screen(&state);
    assert!(s.contains("already in the vault"), "{s}");
    // Keep is first: Enter changes nothing.
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(s.contains("The stored token was kept"), "{s}");
    assert!(state.session.saved.is_empty());

    let mut state = at_adopt(VaultStatus::Unlocked(view()));
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Adopt {
                replace: true,
                new_vault: None,
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_refused_token_saves_nothing_and_says_so() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    let effects = checked(
        &mut state,
        stamp,
        Checked::NotValid {
            status: CheckStatus::Invalid,
            detail: "the token is not valid".into(),
        },
    );
    assert!(effects.is_empty(), "nothing is saved: {effects:?}");
    let s = screen(&state);
    assert!(s.contains("refused this token"), "{s}");
    assert!(s.contains("Nothing was saved"), "{s}");
    assert!(matches!(state.session.vault, VaultStatus::Missing));
    snap("adopt_refused", &state);
    // The field is empty again: Enter asks for a token instead of checking nothing.
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("Paste the token, then press Enter."));
}

#[test]
fn a_network_failure_keeps_the_token_for_another_try_and_a_stale_answer_is_dropped() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    // Esc stops waiting; the late answer must not move the screen on.
    key(&mut state, Key::Esc);
    checked(&mut state, stamp, valid());
    assert!(!screen(&state).contains("@alice"));
    let effects = key(&mut state, Key::Enter);
    let stamp = match effects.as_slice() {
        [Effect::CheckToken { stamp, token, .. }] if token.expose() == TOKEN => *stamp,
        other => panic!("{other:?}"),
    };
    send(
        &mut state,
        Msg::TokenChecked {
            stamp,
            result: Err(ApiError::Timeout {
                host: "social.example".into(),
                seconds: 30,
            }),
        },
    );
    assert!(screen(&state).contains("social.example did not answer"));
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::CheckToken { .. }]
    ));
}

#[test]
fn esc_goes_back_to_the_server_step_for_a_token() {
    let mut state = at_adopt(VaultStatus::Missing);
    key(&mut state, Key::Esc);
    assert!(matches!(state.step, Step::Server(_)));
    let s = screen(&state);
    assert!(s.contains("Add a token you have"), "{s}");
    assert!(s.contains("Server: social.example"), "{s}");
    // Ctrl-T turns it back into a sign-in: discovery then goes to the scopes.
    key(&mut state, Key::Ctrl('t'));
    assert!(screen(&state).contains("1/5 Server"));
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    assert!(matches!(state.step, Step::Scopes(_)));
}

#[test]
fn the_help_fits_and_the_details_of_an_adopted_entry_say_it_cannot_be_revoked_here() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    key(&mut state, Key::Char('?'));
    let s = screen(&state);
    assert!(
        s.contains("under Authorized apps."),
        "the whole help shows: {s}"
    );

    let mut adopted = row("alice@social.example", "7", Some(CheckStatus::Valid));
    adopted.revocable = false;
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![adopted])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("mastokey cannot revoke it"), "{s}");
    // The buttons still show below the longer text; at 60 columns the address stays whole.
    assert!(s.contains("Copy token"), "{s}");
    let narrow = render_at(&state, 60, 16);
    assert!(
        narrow.contains("social.example/oauth/authorized_applications"),
        "{narrow}"
    );
}

#[test]
fn revoke_and_remove_of_an_adopted_entry_names_the_page_where_it_can_be_revoked() {
    use crate::accounts::Removal;
    use crate::wizard::msg::Removed;
    let mut adopted = row("alice@social.example", "7", Some(CheckStatus::Valid));
    adopted.revocable = false;
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![adopted])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    key(&mut state, Key::Left); // Remove…
    key(&mut state, Key::Enter); // the confirmation starts on Cancel
    key(&mut state, Key::Left);
    key(&mut state, Key::Left); // Revoke and remove
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::RemoveAccount {
            stamp,
            revoke: true,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result: Ok(Removed {
                view: view_with(Vec::new()),
                label: "alice@social.example".into(),
                removal: Removal::Removed { revoked: false },
            }),
        },
    );
    let notice = state.session.notice.as_ref().unwrap().text.clone();
    assert!(
        notice.starts_with("Removed alice@social.example."),
        "{notice}"
    );
    assert!(
        notice.contains("https://social.example/oauth/authorized_applications"),
        "{notice}"
    );
}

/// The saved screen starts on Done (the choice that starts nothing new); Add another is one
/// move away, or `a`.
#[test]
fn the_saved_screen_starts_on_done_and_a_adds_another() {
    let saved_state = || {
        let view = view_with(vec![row("zed@social.example", "9", None)]);
        let mut state = at_adopt(VaultStatus::Unlocked(view));
        let stamp = paste_and_check(&mut state);
        checked(&mut state, stamp, valid());
        let stamp = match key(&mut state, Key::Enter).as_slice() {
            [Effect::Adopt { stamp, .. }] => *stamp,
            other => panic!("{other:?}"),
        };
        let both = view_with(vec![
            row("alice@social.example", "7", None),
            row("zed@social.example", "9", None),
        ]);
        send(
            &mut state,
            Msg::Adopted {
                stamp,
                result: Ok((Adoption::Added(key_of("7")), both)),
            },
        );
        assert!(screen(&state).contains("Saved in the vault"));
        state
    };
    let mut state = saved_state();
    key(&mut state, Key::Enter);
    assert!(
        matches!(state.step, Step::Home(_)),
        "Enter on Done goes Home"
    );

    let mut state = saved_state();
    key(&mut state, Key::Left);
    key(&mut state, Key::Enter);
    assert!(
        matches!(state.step, Step::Adopt(_)),
        "Left, Enter adds another"
    );

    let mut state = saved_state();
    key(&mut state, Key::Char('a'));
    assert!(matches!(state.step, Step::Adopt(_)));
    assert!(screen(&state).contains("Paste the access token"));
    assert!(
        screen(&state).contains("social.example"),
        "on the same server"
    );
}

/// "Discard token" on the first save's passphrase form discards: nothing is stored, and the
/// screen is back to an empty token field.
#[test]
fn discard_token_on_the_passphrase_form_discards() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    checked(&mut state, stamp, valid());
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("Choose a passphrase for your new vault"));
    // First field → the buttons (Save) → Discard token.
    key(&mut state, Key::Esc);
    key(&mut state, Key::Right);
    let effects = key(&mut state, Key::Enter);
    assert!(effects.is_empty(), "nothing is saved: {effects:?}");
    let s = screen(&state);
    assert!(s.contains("Paste the access token"), "{s}");
    assert!(!s.contains("@alice"), "the checked token is gone: {s}");
    assert!(s.contains("The token was not saved."), "{s}");
    assert!(matches!(state.session.vault, VaultStatus::Missing));
    assert!(state.session.saved.is_empty());
}

/// Servers without Mastodon's Authorized-apps page (GoToSocial, snac, Takahē, Mitra) get no
/// address that would not open: the screen and the details say "in the server's settings".
#[test]
fn no_authorized_apps_address_on_servers_without_that_page() {
    let mut state = at_adopt(VaultStatus::Missing);
    let stamp = paste_and_check(&mut state);
    let mut elsewhere = candidate();
    elsewhere.server.software = "GoToSocial".into();
    checked(&mut state, stamp, Checked::Valid(Box::new(elsewhere)));
    let s = screen(&state);
    assert!(s.contains("cannot revoke it"), "{s}");
    assert!(s.contains("in the server's settings,"), "{s}");
    assert!(s.contains("under Access Tokens."), "{s}");
    assert!(!s.contains("authorized_applications"), "{s}");

    let mut adopted = row("alice@social.example", "7", Some(CheckStatus::Valid));
    adopted.revocable = false;
    adopted.software = Some("Takahē".into());
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![adopted])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(
        s.contains("mastokey cannot revoke it; do so in the server's"),
        "{s}"
    );
    assert!(!s.contains("authorized_applications"), "{s}");
}
