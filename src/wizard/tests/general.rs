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
    let effects = run.feed(Msg::Verified {
        stamp,
        result: Ok(account("1", "alice")),
    });
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
