//! What the shell shows after the full screen closes, and the exit code.

use super::*;
use crate::wizard::farewell::{QUIT_UNSAVED, farewell};

#[test]
fn a_saved_account_is_named_with_the_next_command_and_exit_0() {
    let (mut state, stamp) = at_first_save(true);
    saved_alice(&mut state, stamp);
    let end = farewell(&state);
    assert_eq!(end.code, 0);
    assert_eq!(end.warning, None);
    assert_eq!(end.lines[0], "✓ Saved alice@social.example");
    assert!(
        end.lines[1].contains("mastokey token alice@social.example"),
        "{:?}",
        end.lines
    );
}

#[test]
fn an_account_saved_twice_in_one_run_is_named_once() {
    let (mut state, stamp) = at_first_save(true);
    saved_alice(&mut state, stamp);
    // Saved again later in the run (a replaced token): the same key once more.
    let again = state.session.saved[0].clone();
    state.session.saved.push(again);
    let end = farewell(&state);
    assert_eq!(end.lines.len(), 3, "{:?}", end.lines);
}

#[test]
fn quitting_the_next_add_after_a_save_names_both_and_exits_130() {
    let (mut state, stamp) = at_first_save(true);
    saved_alice(&mut state, stamp);
    // Done is settled: quitting there is an ordinary end.
    assert_eq!(farewell(&state).code, 0);
    // `a`: the next account, left at Scopes.
    key(&mut state, Key::Char('a'));
    let end = farewell(&state);
    assert_eq!(end.code, QUIT_UNSAVED);
    assert_eq!(end.lines[0], "✓ Saved alice@social.example");
    let warning = end.warning.unwrap_or_default();
    assert!(
        warning.contains("before the next account was saved"),
        "{warning}"
    );
}

#[test]
fn ctrl_c_at_unlock_of_an_add_quits_that_add() {
    let (state, _) = start(
        VaultStatus::Locked,
        Start::Add(Some("social.example".into())),
        None,
    );
    assert_eq!(farewell(&state).code, QUIT_UNSAVED);
    // Opening the accounts and leaving at Unlock is an ordinary end.
    let (state, _) = start(VaultStatus::Locked, Start::Home, None);
    assert_eq!(farewell(&state).code, 0);
}

#[test]
fn quitting_an_add_before_saving_says_so_and_exits_130() {
    let mut state = at_scopes(true);
    let end = farewell(&state);
    assert_eq!(end.code, QUIT_UNSAVED);
    assert!(end.warning.unwrap().contains("the vault was not changed"));
    assert!(end.lines.is_empty());
    // Home is an ordinary place to leave.
    let view = view_with(vec![row("alice@social.example", "7", None)]);
    let (home, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    assert_eq!(farewell(&home).code, 0);
    key(&mut state, Key::Esc);
    assert_eq!(
        farewell(&state).code,
        QUIT_UNSAVED,
        "the Server step is part of adding"
    );
}
