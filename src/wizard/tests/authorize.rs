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
    // The link opened shows a code: the focus moved to the code field, `q` is text now.
    key(&mut state, Key::Char('q'));
    assert!(!state.session.quit);
    assert!(screen(&state).contains("Code: q"));
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
    assert!(s.contains("mistyped or incomplete"), "{s}");
    // The code stays, shown as typed, so a typo is fixed in place.
    assert!(s.contains("Code: wrong"), "{s}");
    assert!(state.step.text_focused());
    snap("authorize_invalid_grant", &state);
    key(&mut state, Key::Backspace);
    typed(&mut state, "G");
    let effects = key(&mut state, Key::Enter);
    let [Effect::Exchange { code, stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(code.expose(), "wronG");
    send(
        &mut state,
        Msg::Exchanged {
            stamp: *stamp,
            result: Err(ApiError::InvalidGrant),
        },
    );
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
    // `n` registers again on request: the buttons have the focus, so it is a command.
    assert!(!state.step.text_focused());
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

fn url_of(state: &State) -> String {
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    a.url().to_owned()
}

#[test]
fn the_link_is_full_rows_from_the_first_column_that_read_back_as_one() {
    let state = at_authorize(true);
    let url = url_of(&state);
    for (width, height) in [(80, 24), (60, 16), (137, 30)] {
        let s = render_at(&state, width, height);
        let first = s
            .lines()
            .position(|l| l.starts_with("https://social.example/oauth/authorize?"))
            .unwrap_or_else(|| panic!("the link starts in the first column: {s}"));
        let rows = url.len().div_ceil(usize::from(width));
        let joined: String = s.lines().skip(first).take(rows).collect();
        assert_eq!(joined, url, "{s}");
    }
}

#[test]
fn over_ssh_the_focus_starts_on_copy_link() {
    let (mut state, _) = start(VaultStatus::Missing, Start::Add(None), None);
    state.session.ssh = true;
    typed(&mut state, "social.example");
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    assert!(screen(&state).contains("Enter copy"));
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_help_fits_at_80x24_and_the_footer_names_n() {
    let mut state = at_authorize(true);
    let s = screen(&state);
    assert!(s.contains("n new app"), "{s}");
    assert!(s.contains("q quit"), "the footer is complete: {s}");
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
    key(&mut state, Key::Char('?'));
    let s = screen(&state);
    assert!(s.contains("or open the link again."), "the last line: {s}");
    assert!(s.contains("Press any key to close"), "{s}");
    snap_text("authorize_help", &s);
}

#[test]
fn the_code_field_has_no_glyph_and_the_terminal_cursor_stands_after_the_code() {
    use ratatui::backend::Backend;
    let mut state = at_authorize(true);
    key(&mut state, Key::Tab);
    key(&mut state, Key::Tab);
    typed(&mut state, "abc");
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| state.render(frame, Theme::new(true)))
        .unwrap();
    let s = screen(&state);
    assert!(!s.contains('▏'), "{s}");
    let row = s.lines().position(|l| l.starts_with(" Code: abc")).unwrap();
    let cursor = terminal.backend_mut().get_cursor_position().unwrap();
    assert_eq!((cursor.x, cursor.y), (10, u16::try_from(row).unwrap()));
}

/// `mastokey add social.example` over SSH, at the Authorize step (focus on "Copy link").
fn over_ssh() -> State {
    let (mut state, _) = start(VaultStatus::Missing, Start::Add(None), None);
    state.session.ssh = true;
    typed(&mut state, "social.example");
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    state
}

#[test]
fn after_copying_the_code_flow_link_a_typed_code_is_text() {
    let mut state = over_ssh();
    // The way into the field is on screen while a button has the focus.
    assert!(screen(&state).contains("Tab type code"));
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { .. }]),
        "{effects:?}"
    );
    // The code comes next: its letters are never the buttons' commands.
    assert!(state.step.text_focused());
    for c in "rqnocm".chars() {
        assert!(key(&mut state, Key::Char(c)).is_empty(), "{c}");
    }
    assert!(!state.session.quit);
    let s = screen(&state);
    assert!(s.contains("Code: rqnocm"), "{s}");
    assert!(s.contains("4/5 Authorize"), "{s}");
    // `c` copies too, with the same effect on the focus.
    let mut state = over_ssh();
    key(&mut state, Key::Char('c'));
    assert!(state.step.text_focused());
}

#[test]
fn a_letter_that_is_no_command_moves_from_the_buttons_into_the_field() {
    let mut state = over_ssh();
    assert!(!state.step.text_focused());
    assert!(key(&mut state, Key::Char('x')).is_empty());
    assert!(state.step.text_focused());
    typed(&mut state, "Y7q");
    let s = screen(&state);
    assert!(s.contains("Code: xY7q"), "{s}");
    assert!(!state.session.quit);
}

#[test]
fn esc_from_a_qr_view_that_does_not_fit_lands_on_copy_link() {
    let mut state = over_ssh();
    key(&mut state, Key::Char('r'));
    let small = screen(&state);
    assert!(small.contains("The QR code does not fit"), "{small}");
    assert!(small.contains("press Esc to go back and"), "{small}");
    assert!(small.contains("the link (Enter)"), "{small}");
    key(&mut state, Key::Esc);
    assert!(!state.step.text_focused());
    assert!(screen(&state).contains("Enter copy"));
    let effects = key(&mut state, Key::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { .. }]),
        "{effects:?}"
    );
    // And `c`, as the view said before.
    let mut state = over_ssh();
    key(&mut state, Key::Char('r'));
    key(&mut state, Key::Esc);
    let effects = key(&mut state, Key::Char('c'));
    assert!(
        matches!(effects.as_slice(), [Effect::Copy { .. }]),
        "{effects:?}"
    );
}
