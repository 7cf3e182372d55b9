//! Re-authorizing a stored account.

use super::verify::revoke_answered;
use super::*;
use crate::accounts::Unkept;

/// Home → details → Re-authorize, signing in as `as_id`; returns the state at the verify result.
fn reauthorize_as(as_id: &str, as_name: &str) -> State {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Revoked),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    // A revoked token's details open on Re-authorize.
    let effects = key(&mut state, Key::Enter);
    let stamp = stamp_of(&effects);
    discovered(&mut state, stamp, true);
    assert!(screen(&state).contains("Selected: profile"));
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    assert!(
        screen(&state).contains("force_login=true") || {
            let Step::Authorize(a) = &state.step else {
                panic!()
            };
            a.url().contains("force_login=true")
        }
    );
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-new");
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account(as_id, as_name)),
        },
    );
    if as_id == "1" {
        // The stored token is revoked first (unless the server gave the same one again).
        let effects = revoke_answered(&mut state, &effects, Ok(true));
        let [Effect::Save { save, .. }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(save.account.id, "1");
    } else {
        assert!(effects.is_empty(), "{effects:?}");
    }
    state
}

#[test]
fn reauthorizing_the_same_account_replaces_its_token() {
    reauthorize_as("1", "alice");
}

#[test]
fn reauthorizing_as_another_account_never_overwrites_the_first() {
    let mut state = reauthorize_as("2", "bob");
    let s = screen(&state);
    assert!(s.contains("This is not @alice@social.example"), "{s}");
    assert!(
        s.contains("[ Sign in again as @alice@social.example ]"),
        "{s}"
    );
    snap("verify_wrong_account", &state);
    // Save separately, a deliberate second choice: a normal save of bob (not a replacement of
    // alice).
    key(&mut state, Key::Down);
    let effects = key(&mut state, Key::Enter);
    let [Effect::Save { save, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(save.account.id, "2");
    // Or discard: nothing is saved, and the new token is revoked.
    let mut state = reauthorize_as("2", "bob");
    key(&mut state, Key::Down);
    key(&mut state, Key::Down);
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
    assert!(screen(&state).contains("new token was discarded"));
    // Or Enter at once: back to the sign-in for alice, nothing saved, bob's token revoked.
    let mut state = reauthorize_as("2", "bob");
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(state.step, Step::Register(_)));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Save { .. })),
        "{effects:?}"
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::Revoke { .. })));
    app_ready(&mut state, stamp_of(&effects[..1]), true);
    let s = screen(&state);
    assert!(
        s.contains("Re-authorizing: sign in as @alice@social.example"),
        "{s}"
    );
}

#[test]
fn step_up_signs_in_again_with_read_in_one_key_press() {
    use super::super::flow::with_read;
    assert_eq!(
        with_read(&[
            "read:accounts".into(),
            "write:statuses".into(),
            "profile".into()
        ]),
        ["read", "write:statuses"]
    );
    // A 4.2-like server: the token has `read:accounts`, and this server wants `read` to check it.
    let (mut state, stamp) = at_verify(false);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::InsufficientScope),
        },
    );
    let s = screen(&state);
    assert!(
        s.contains("Press Enter to sign in again with `read`"),
        "{s}"
    );
    assert!(s.contains("Enter sign in again with read"), "{s}");
    // A first sign-in has no account to "re-authorize", and nothing went wrong on the user's
    // side: the screen says what happens next, not the check's generic advice.
    assert!(s.contains("One more sign-in is needed."), "{s}");
    assert!(!s.contains("could not be checked"), "{s}");
    assert!(!s.contains("Re-authorize the account"), "{s}");
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(state.step, Step::Register(_)));
    let prepare = effects.iter().find_map(|e| match e {
        Effect::PrepareApp { scopes, .. } => Some(scopes.clone()),
        _ => None,
    });
    assert_eq!(prepare.as_deref(), Some(&["read".to_owned()][..]));
    // The narrow token is not kept: it is revoked on the way.
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Revoke { .. })),
        "{effects:?}"
    );
}

#[test]
fn a_step_up_that_worked_is_remembered_and_the_next_sign_in_asks_for_read_at_once() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::InsufficientScope),
        },
    );
    let stamp = stamp_of(&key(&mut state, Key::Enter)[..1]);
    app_ready(&mut state, stamp, false);
    let stamp = submit_code(&mut state, "the-code");
    let stamp = exchanged(&mut state, stamp, "tok-read");
    let effects = first_save_of_alice(&mut state, stamp);
    // The save tells the vault, so later runs know it too.
    let Some(Effect::CreateVaultAndSave { stamp, save, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(save.server.verify_needs_read);
    // The session knows it without the vault: the view the save returns says nothing of it.
    let stamp = *stamp;
    saved_alice(&mut state, stamp);
    let stamp = stamp_of(&key(&mut state, Key::Char('a')));
    discovered(&mut state, stamp, true);
    let s = screen(&state);
    assert!(s.contains("Selected: read\n"), "{s}");
    assert!(s.contains("`read` is added."), "{s}");
    // Enter asks for `read` from the start: one sign-in, no step-up.
    let effects = key(&mut state, Key::Enter);
    let prepare = effects.iter().find_map(|e| match e {
        Effect::PrepareApp { scopes, .. } => Some(scopes.clone()),
        _ => None,
    });
    assert_eq!(prepare.as_deref(), Some(&["read".to_owned()][..]));
}

#[test]
fn a_step_up_that_did_not_finish_teaches_nothing() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::InsufficientScope),
        },
    );
    key(&mut state, Key::Enter);
    assert!(state.session.verify_needs_read_on.is_empty());
    assert!(!state.session.verify_needs_read(SERVER));
}

/// `mastokey add @alice@social.example` up to the Authorize step.
fn add_typed_handle() -> State {
    let (mut state, _) = start(
        VaultStatus::Missing,
        Start::Add(Some("@alice@social.example".into())),
        None,
    );
    discovered(&mut state, 1, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, false);
    state
}

#[test]
fn a_typed_handle_names_the_account_and_another_one_is_caught() {
    let mut state = add_typed_handle();
    let s = screen(&state);
    assert!(s.contains("Sign in as @alice."), "{s}");
    snap("authorize_typed_handle", &state);
    key(&mut state, Key::Enter);
    send(&mut state, Msg::BrowserOpened(Ok(())));
    assert!(screen(&state).contains("sign in as @alice and approve"));
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-bob");
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("2", "bob")),
        },
    );
    // Caught as a re-authorization catches it: nothing is saved as bob.
    assert!(effects.is_empty(), "{effects:?}");
    let s = screen(&state);
    assert!(s.contains("This is not @alice"), "{s}");
    assert!(s.contains("Nothing is saved yet"), "{s}");
    assert!(!s.contains("Choose a passphrase"), "{s}");
    // Discarding revokes the new token and saves nothing.
    key(&mut state, Key::Down);
    key(&mut state, Key::Down);
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Revoke { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_typed_handles_own_account_goes_on_to_the_save() {
    let mut state = add_typed_handle();
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-alice");
    // Usernames compare without case, as servers treat them.
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "Alice")),
        },
    );
    let s = screen(&state);
    assert!(!s.contains("This is not"), "{s}");
    assert!(s.contains("Choose a passphrase"), "{s}");
}

#[test]
fn add_another_after_a_typed_handle_is_not_for_that_user_again() {
    use crate::wizard::state::ServerPick;
    let mut pick = ServerPick {
        text: "@alice@social.example".into(),
        caps: caps(true),
        reauth: None,
        user: Some("alice".into()),
        verify_needs_read: false,
    };
    assert_eq!(pick.add_another_text(), "social.example");
    let input = crate::mastodon::parse_server_input(&pick.add_another_text()).unwrap();
    assert_eq!(input.user, None);
    // A port stays; a loopback server over plain http keeps its scheme.
    pick.caps.base = BaseUrl::parse("https://social.example:8443/").unwrap();
    assert_eq!(pick.add_another_text(), "social.example:8443");
    pick.caps.base = BaseUrl::parse("http://127.0.0.1:3000/").unwrap();
    assert_eq!(pick.add_another_text(), "http://127.0.0.1:3000");
    pick.user = None;
    pick.text = "social.example:8443".into();
    assert_eq!(pick.add_another_text(), "social.example:8443");
}

/// The Verify step's answer for `add @alice@social.example` approved as bob.
fn typed_handle_approved_as_bob() -> State {
    let mut state = add_typed_handle();
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-bob");
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("2", "bob")),
        },
    );
    state
}

#[test]
fn enter_on_the_wrong_account_saves_nothing_and_signs_in_again_with_a_fresh_login() {
    let mut state = typed_handle_approved_as_bob();
    let s = screen(&state);
    assert!(s.contains("[ Sign in again as @alice ]"), "{s}");
    assert!(s.contains("[ Save as new account ]"), "{s}");
    snap("verify_wrong_typed_handle", &state);
    // Enter takes the first choice, which stores nothing: back to the sign-in, the token of
    // the account not wanted revoked on the way.
    let effects = key(&mut state, Key::Enter);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Save { .. } | Effect::CreateVaultAndSave { .. })),
        "{effects:?}"
    );
    assert!(!screen(&state).contains("Choose a passphrase"));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Revoke {
                unkept: Unkept::New { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    assert!(
        matches!(state.step, Step::Register(_)),
        "back to the sign-in"
    );
    let stamp = stamp_of(&effects[..1]);
    app_ready(&mut state, stamp, true);
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    // The link forces a fresh sign-in, and the screen still names the account.
    assert!(a.url().contains("force_login=true"), "{}", a.url());
    let s = screen(&state);
    assert!(s.contains("Sign in as @alice."), "{s}");
    // Approved as alice this time: saved as usual.
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-alice");
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    assert!(screen(&state).contains("Choose a passphrase"));
}
