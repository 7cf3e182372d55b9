//! What holds on every screen: help, quitting, small terminals, the key budget.

use super::*;

// ---- Everywhere ----

#[test]
fn help_ctrl_c_and_tiny_terminals() {
    let mut state = at_scopes(true);
    key(&mut state, Key::Char('?'));
    let s = screen(&state);
    assert!(s.contains("Help"), "{s}");
    snap("help_scopes", &state);
    key(&mut state, Key::Char('x'));
    assert!(!screen(&state).contains("Press any key to close"));
    let small = render_at(&state, 40, 12);
    assert!(small.contains("Terminal too small"), "{small}");
    snap_text("too_small", &small);
    // A 1×1 terminal must not panic.
    render_at(&state, 1, 1);
    key(&mut state, Key::Ctrl('c'));
    assert!(state.session.quit);
}

/// One state per screen, each reached the way a user reaches it.
fn one_state_per_screen() -> Vec<State> {
    let locked = start(VaultStatus::Locked, Start::Home, None).0;
    let home = start(
        VaultStatus::Unlocked(view_with(vec![row("alice@social.example", "1", None)])),
        Start::Home,
        None,
    )
    .0;
    let server = start(VaultStatus::Missing, Start::Home, None).0;
    let mut register = at_scopes(true);
    key(&mut register, Key::Enter);
    vec![
        locked,
        home,
        server,
        at_scopes(true),
        register,
        at_authorize(true),
        at_verify(false).0,
        super::adopt::at_adopt(VaultStatus::Missing),
    ]
}

#[test]
fn every_screen_renders_at_any_size_without_panicking() {
    let states = one_state_per_screen();
    let steps: Vec<&str> = states
        .iter()
        .map(|s| match s.step {
            Step::Unlock(_) => "unlock",
            Step::Home(_) => "home",
            Step::Server(_) => "server",
            Step::Scopes(_) => "scopes",
            Step::Register(_) => "register",
            Step::Authorize(_) => "authorize",
            Step::Verify(_) => "verify",
            Step::Adopt(_) => "adopt",
        })
        .collect();
    assert_eq!(
        steps,
        [
            "unlock",
            "home",
            "server",
            "scopes",
            "register",
            "authorize",
            "verify",
            "adopt"
        ]
    );
    for state in &states {
        for (w, h) in [(1, 1), (20, 5), (59, 15), (60, 16), (200, 60)] {
            render_at(state, w, h);
        }
        let title = state.step.screen().title();
        assert!(render_at(state, 60, 16).contains(title), "{title}");
    }
}

/// Feeds messages through `update`, counting every key press on the way.
struct Counted {
    state: State,
    keys: usize,
}

impl Counted {
    fn feed(&mut self, msg: Msg) -> Vec<Effect> {
        if matches!(msg, Msg::Key(_)) {
            self.keys += 1;
        }
        update(&mut self.state, msg)
    }

    fn press(&mut self, k: Key) -> Vec<Effect> {
        self.feed(Msg::Key(k))
    }
}

/// The key budget: adding an account to an unlocked vault takes at most 6 key presses besides
/// typing the server and pasting the code. Every message goes through one counter.
#[test]
fn adding_an_account_to_an_unlocked_vault_takes_six_keys() {
    let view = view_with(vec![row("zed@other.example", "9", None)]);
    let (state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    let mut run = Counted { state, keys: 0 };
    let server = "social.example";
    run.press(Key::Char('a'));
    for c in server.chars() {
        run.press(Key::Char(c));
    }
    let stamp = stamp_of(&run.press(Key::Enter));
    run.feed(Msg::Discovered {
        stamp,
        result: Ok(caps(true)),
    });
    let effects = sign_in_from_scopes(&mut run, "1");
    let [Effect::Save { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    run.feed(Msg::Saved {
        stamp: *stamp,
        result: Ok(view_with(Vec::new())),
    });
    assert_eq!(run.keys - server.chars().count(), 5, "saved after 5 keys");
    // Esc leaves the final screen for Home: the sixth key.
    run.press(Key::Esc);
    assert!(matches!(run.state.step, Step::Home(_)));
    assert_eq!(run.keys - server.chars().count(), 6);
}

/// From the Scopes step with the default preset: Enter, the app, Enter to open the browser, the
/// pasted code, Enter, the token; returns the effects of the verify answer for `id`.
fn sign_in_from_scopes(run: &mut Counted, id: &str) -> Vec<Effect> {
    assert!(matches!(run.state.step, Step::Scopes(_)));
    let stamp = stamp_of(&run.press(Key::Enter));
    run.feed(Msg::AppReady {
        stamp,
        result: Ok(PreparedApp {
            app: app(),
            reused: true,
            substituted: Vec::new(),
            single_redirect: None,
        }),
    });
    assert!(matches!(
        run.press(Key::Enter).as_slice(),
        [Effect::OpenBrowser { .. }]
    ));
    run.feed(Msg::Paste(Secret::new("code")));
    let stamp = stamp_of(&run.press(Key::Enter));
    let grant = TokenGrant {
        access_token: Secret::new("t"),
        scopes: vec!["profile".into()],
        created_at: None,
        expires_in: None,
        dropped: Vec::new(),
    };
    let effects = run.feed(Msg::Exchanged {
        stamp,
        result: Ok(grant),
    });
    let stamp = stamp_of(&effects);
    run.feed(Msg::Verified {
        stamp,
        result: Ok(account(id, "alice")),
    })
}

/// Answers the save in `effects` with a vault holding alice (id 1).
fn answer_save(run: &mut Counted, effects: &[Effect]) {
    let stamp = stamp_of(effects);
    run.feed(Msg::Saved {
        stamp,
        result: Ok(view_with(vec![row("alice@social.example", "1", None)])),
    });
    assert!(screen(&run.state).contains("✓"), "{}", screen(&run.state));
}

/// Keys pressed besides typed text (server, passphrase) and the pasted code.
fn typed_into(run: &mut Counted, text: &str) {
    for c in text.chars() {
        run.feed(Msg::Key(Key::Char(c)));
    }
    run.keys -= text.chars().count();
}

/// The first account, no vault yet: default preset, loopback. 6 keys to saved, 7 to Home.
#[test]
fn the_first_account_takes_six_keys_to_save() {
    let (state, _) = start(VaultStatus::Missing, Start::Home, None);
    let mut run = Counted { state, keys: 0 };
    typed_into(&mut run, "social.example");
    let stamp = stamp_of(&run.press(Key::Enter));
    run.feed(Msg::Discovered {
        stamp,
        result: Ok(caps(true)),
    });
    let effects = sign_in_from_scopes(&mut run, "1");
    assert!(effects.is_empty(), "{effects:?}");
    typed_into(&mut run, "long enough passphrase");
    run.press(Key::Enter);
    typed_into(&mut run, "long enough passphrase");
    let effects = run.press(Key::Enter);
    answer_save(&mut run, &effects);
    assert_eq!(run.keys, 6, "saved after 6 keys");
    run.press(Key::Esc);
    assert!(matches!(run.state.step, Step::Home(_)));
    assert_eq!(run.keys, 7);
}

/// A second account started from the Saved screen: 4 keys to saved.
#[test]
fn a_second_account_from_the_saved_screen_takes_four_keys() {
    let (state, stamp) = at_first_save(true);
    let mut run = Counted { state, keys: 0 };
    run.feed(Msg::Saved {
        stamp,
        result: Ok(view_with(vec![row("alice@social.example", "7", None)])),
    });
    // Done has the focus; `a` is "Add another account".
    let stamp = stamp_of(&run.press(Key::Char('a')));
    run.feed(Msg::Discovered {
        stamp,
        result: Ok(caps(true)),
    });
    let effects = sign_in_from_scopes(&mut run, "1");
    answer_save(&mut run, &effects);
    assert_eq!(run.keys, 4, "saved after 4 keys");
}

/// Re-authorize a revoked account from Home: 5 keys to saved (it was 8).
#[test]
fn reauthorizing_from_home_takes_five_keys() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Revoked),
    )]);
    let (state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    let mut run = Counted { state, keys: 0 };
    run.press(Key::Enter);
    // The details of a revoked token open on Re-authorize.
    let stamp = stamp_of(&run.press(Key::Enter));
    run.feed(Msg::Discovered {
        stamp,
        result: Ok(caps(true)),
    });
    let effects = sign_in_from_scopes(&mut run, "1");
    // The stored token is revoked first, then saved.
    let [Effect::Revoke { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let effects = run.feed(Msg::Revoked {
        stamp: *stamp,
        result: Ok(true),
    });
    answer_save(&mut run, &effects);
    // 8 before the details of a dead token focused Re-authorize.
    assert_eq!(run.keys, 5, "saved after {} keys", run.keys);
}

#[test]
fn question_mark_in_an_empty_field_and_f1_anywhere_open_the_help() {
    let (mut state, _) = start(VaultStatus::Missing, Start::Home, None);
    assert!(state.step.text_focused());
    key(&mut state, Key::Char('?'));
    assert!(state.help, "? in the empty server field opens the help");
    key(&mut state, Key::Char('x'));
    assert!(!state.help);
    // Any key closed it without typing: the field is still empty, so `?` opens it again.
    key(&mut state, Key::Char('?'));
    assert!(state.help);
    key(&mut state, Key::Esc);
    typed(&mut state, "a?");
    assert!(!state.help, "? after other text is text");
    assert!(screen(&state).contains("a?"), "{}", screen(&state));
    key(&mut state, Key::F(1));
    assert!(state.help, "F1 opens the help from a field with text");
    key(&mut state, Key::F(1));
    assert!(!state.help);
    // A masked field (the unlock prompt): `?` is text even first, F1 opens the help
    // (`tests/leaving.rs` covers every masked field).
    let (mut locked, _) = start(VaultStatus::Locked, Start::Home, None);
    key(&mut locked, Key::Char('?'));
    assert!(!locked.help, "? may start a passphrase");
    key(&mut locked, Key::F(1));
    assert!(locked.help);
}

/// Every help box fits at 80×24: its last line ("Press any key to close this help.") shows, so
/// nothing above it was cut.
#[test]
fn the_help_of_every_screen_fits_at_80x24() {
    let mut states = one_state_per_screen();
    // Home's details (the list is in `states` already) have their own help.
    let mut details = start(
        VaultStatus::Unlocked(view_with(vec![row("alice@social.example", "1", None)])),
        Start::Home,
        None,
    )
    .0;
    key(&mut details, Key::Enter);
    states.push(details);
    let passphrase = {
        let (mut state, stamp) = at_verify(true);
        send(
            &mut state,
            Msg::Verified {
                stamp,
                result: Ok(account("7", "alice")),
            },
        );
        state
    };
    let saved = {
        let (mut state, stamp) = at_first_save(true);
        send(
            &mut state,
            Msg::Saved {
                stamp,
                result: Ok(view_with(vec![row("alice@social.example", "7", None)])),
            },
        );
        state
    };
    states.extend([passphrase, saved]);
    let mut checked = Vec::new();
    for mut state in states {
        let name = state.step.screen().title();
        key(&mut state, Key::F(1));
        let s = screen(&state);
        assert!(
            s.contains("Press any key to close this help."),
            "{name}:\n{s}"
        );
        checked.push(state.step.screen().help().to_owned());
    }
    assert_eq!(checked.len(), 11, "every screen was checked");
    checked.sort();
    checked.dedup();
    assert_eq!(checked.len(), 11, "each of them has its own help");
}

/// While a stored account is re-authorized, every step's header names it, not "Add account".
#[test]
fn re_authorize_steps_are_titled_with_the_account() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Revoked),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let title = "Re-authorize @alice@social.example";
    let header = |s: &State| screen(s).lines().next().unwrap_or_default().to_owned();
    assert!(matches!(state.step, Step::Server(_)));
    assert!(header(&state).contains(title), "{}", header(&state));
    discovered(&mut state, stamp, true);
    assert!(matches!(state.step, Step::Scopes(_)));
    assert!(header(&state).contains(title), "{}", header(&state));
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    assert!(matches!(state.step, Step::Register(_)));
    assert!(header(&state).contains(title), "{}", header(&state));
    app_ready(&mut state, stamp, true);
    assert!(matches!(state.step, Step::Authorize(_)));
    assert!(header(&state).contains(title), "{}", header(&state));
    let stamp = submit_code(&mut state, "code");
    exchanged(&mut state, stamp, "tok-new");
    assert!(matches!(state.step, Step::Verify(_)));
    assert!(header(&state).contains(title), "{}", header(&state));
    // A new account is still "Add account".
    let (fresh, _) = start(VaultStatus::Missing, Start::Home, None);
    assert!(header(&fresh).contains("Add account"), "{}", header(&fresh));
}
