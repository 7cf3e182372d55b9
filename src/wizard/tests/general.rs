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

#[test]
fn every_screen_renders_small_without_panicking() {
    let states = [at_scopes(true), at_authorize(true), at_verify(false).0];
    for state in &states {
        for (w, h) in [(1, 1), (20, 5), (59, 15), (60, 16), (200, 60)] {
            render_at(state, w, h);
        }
        assert!(render_at(state, 60, 16).contains("Add account"));
    }
}

/// DESIGN §8: keys pressed to add an account to an unlocked vault, besides typing the server
/// and pasting the code, at most 6.
#[test]
fn adding_an_account_to_an_unlocked_vault_takes_six_keys() {
    let view = view_with(vec![row("zed@other.example", "9", None)]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    let keys = std::cell::Cell::new(0);
    let press = |state: &mut State, k: Key| {
        keys.set(keys.get() + 1);
        update(state, Msg::Key(k))
    };
    press(&mut state, Key::Char('a'));
    for c in "social.example".chars() {
        update(&mut state, Msg::Key(Key::Char(c)));
    }
    let stamp = stamp_of(&press(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    let stamp = stamp_of(&press(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    assert!(matches!(
        press(&mut state, Key::Enter).as_slice(),
        [Effect::OpenBrowser { .. }]
    ));
    send(&mut state, Msg::Paste(Secret::new("code")));
    let stamp = stamp_of(&press(&mut state, Key::Enter));
    let stamp = exchanged(&mut state, stamp, "t");
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("1", "alice")),
        },
    );
    let [Effect::Save { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    send(
        &mut state,
        Msg::Saved {
            stamp: *stamp,
            result: Ok(view_with(Vec::new())),
        },
    );
    assert_eq!(keys.get(), 5, "saved after 5 keys");
    // Esc leaves the final screen for Home: the sixth key.
    press(&mut state, Key::Esc);
    assert!(matches!(state.step, Step::Home(_)));
    assert_eq!(keys.get(), 6);
}
