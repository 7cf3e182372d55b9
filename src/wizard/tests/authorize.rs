//! The Authorize step: the link, the pasted code, the forgotten app, the browser.

use super::*;

// ---- Authorize step ----

#[test]
fn authorize_opens_the_browser_then_takes_a_pasted_code() {
    let mut state = at_authorize(true);
    let s = screen(&state);
    assert!(s.contains("code_challenge_method="), "{s}");
    assert!(!s.contains("force_login"), "{s}");
    snap("authorize", &state);
    let effects = key(&mut state, Key::Enter);
    let [Effect::OpenBrowser { url }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(url.contains("client_id=client-id-1"));
    // The focus moved to the code field: `q` is text now, not quit.
    key(&mut state, Key::Char('q'));
    assert!(!state.session.quit);
    key(&mut state, Key::Backspace);
    send(&mut state, Msg::Paste(Secret::new("  abc-DEF_123 \n")));
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Exchange {
            code,
            verifier,
            redirect_uri,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(code.expose(), "abc-DEF_123");
    assert!(verifier.is_some(), "PKCE verifier sent on a modern server");
    assert_eq!(redirect_uri, "urn:ietf:wg:oauth:2.0:oob");
}

#[test]
fn a_refused_code_keeps_the_user_on_the_authorize_screen() {
    let mut state = at_authorize(true);
    let stamp = submit_code(&mut state, "wrong");
    send(
        &mut state,
        Msg::Exchanged {
            stamp,
            result: Err(ApiError::InvalidGrant),
        },
    );
    let s = screen(&state);
    assert!(s.contains("4/5 Authorize"), "{s}");
    assert!(s.contains("refused the code"), "{s}");
    snap("authorize_invalid_grant", &state);
    // Another code can be pasted and sent at once.
    let effects = {
        send(&mut state, Msg::Paste(Secret::new("good")));
        key(&mut state, Key::Enter)
    };
    assert!(matches!(effects.as_slice(), [Effect::Exchange { .. }]));
}

#[test]
fn a_forgotten_app_is_registered_again_once() {
    let mut state = at_authorize(true);
    let stamp = submit_code(&mut state, "code");
    let effects = send(
        &mut state,
        Msg::Exchanged {
            stamp,
            result: Err(ApiError::InvalidClient),
        },
    );
    let [
        Effect::PrepareApp {
            stamp,
            force_new: true,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let mut fresh = app();
    fresh.client_id = "client-id-2".into();
    send(
        &mut state,
        Msg::AppReady {
            stamp: *stamp,
            result: Ok(PreparedApp {
                app: fresh,
                reused: false,
                substituted: Vec::new(),
                single_redirect: None,
            }),
        },
    );
    let s = screen(&state);
    assert!(s.contains("A new app was registered"), "{s}");
    let effects = key(&mut state, Key::Enter);
    let [Effect::OpenBrowser { url }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(url.contains("client_id=client-id-2"), "{url}");
    // A second invalid_client is shown, not retried forever.
    let stamp = submit_code(&mut state, "code");
    let effects = send(
        &mut state,
        Msg::Exchanged {
            stamp,
            result: Err(ApiError::InvalidClient),
        },
    );
    assert!(effects.is_empty());
    assert!(matches!(state.step, Step::Authorize(_)));
    let s = screen(&state);
    assert!(s.contains("Press n to register a new"), "{s}");
    // `n` registers again on request (outside the code field).
    key(&mut state, Key::Tab);
    let effects = key(&mut state, Key::Char('n'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::PrepareApp {
                force_new: true,
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_failed_first_save_retries_into_the_vault_it_created() {
    let (mut state, stamp) = at_first_save(true);
    // The vault was created, then storing the account failed.
    send(
        &mut state,
        Msg::VaultCreated {
            view: view_with(Vec::new()),
        },
    );
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
    // Enter saves into the existing vault instead of creating it again.
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Save { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_second_account_on_the_same_server_forces_a_login() {
    let view = view_with(vec![row("alice@social.example", "1", None)]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view),
        Start::Add(Some("social.example".into())),
        None,
    );
    let stamp = 1;
    discovered(&mut state, stamp, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let s = screen(&state);
    assert!(s.contains("force_login=true"), "{s}");
    assert!(s.contains("Some servers skip the fresh sign-in"), "{s}");
    snap("authorize_force_login", &state);
}

#[test]
fn the_browser_failing_is_said_and_the_link_stays() {
    let mut state = at_authorize(false);
    key(&mut state, Key::Enter);
    send(
        &mut state,
        Msg::BrowserOpened(Err(crate::platform::PlatformError::NoBrowser {
            detail: "x".into(),
        })),
    );
    let s = screen(&state);
    assert!(s.contains("No browser could be opened"), "{s}");
    assert!(s.contains("oauth/authorize?"), "{s}");
    assert!(
        !s.contains("code_challenge"),
        "no PKCE on an old server: {s}"
    );
}
