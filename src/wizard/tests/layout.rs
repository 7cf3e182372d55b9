//! The readability checklist, for every screen at the sizes people use: every field visible,
//! no button split across rows, the footer complete or visibly shortened, and the "too small"
//! message whole in the too-small window. `snap` runs `assert_readable` on every snapshot.

use super::*;
use crate::wizard::home::HomeScreen;

/// The checklist on one render of `state` at `width`×`height`.
pub(super) fn assert_readable(state: &State, width: u16, height: u16) {
    let shown = render_at(state, width, height);
    if width < crate::wizard::view::MIN_WIDTH || height < crate::wizard::view::MIN_HEIGHT {
        return assert_too_small_fits(&shown, width, height);
    }
    for row in shown.lines() {
        assert_buttons_whole(row, &shown);
    }
    if state.confirm.is_some() {
        // "Discard this token?" takes every key, and the footer says the question's.
        let footer = shown.lines().last().unwrap_or_default();
        assert!(
            footer.contains("Esc keep"),
            "footer not the question's:\n{shown}"
        );
        return;
    }
    let keys = crate::wizard::view::with_help(
        state.step.screen().keys(&state.session),
        state.step.help_key(),
    );
    let full: String = keys
        .iter()
        .flat_map(|(k, w)| [" ", k, " ", w, " "])
        .collect();
    let footer = shown.lines().last().unwrap_or_default();
    if crate::wizard::view::width(&full) <= usize::from(width) {
        assert_eq!(footer, full.trim_end(), "footer incomplete:\n{shown}");
    } else {
        assert!(
            footer.contains(" … ") || footer.ends_with(" …"),
            "footer cut without `…`:\n{shown}"
        );
    }
}

/// A button is `[ label ]`; its two halves must be on the same row. Checkboxes (`[ ]`, `[x]`)
/// and bracketed scope lists (`[read]`) are not buttons.
fn assert_buttons_whole(row: &str, shown: &str) {
    // A popup's border hides what lies under it on purpose: check only the popup's own row.
    let border = ['│', '╭', '╮', '╰', '╯'];
    let row = match (row.find(border), row.rfind(border)) {
        (Some(first), Some(last)) if first < last => &row[first + '│'.len_utf8()..last],
        _ => row,
    };
    let chars: Vec<char> = row.chars().collect();
    let mut open = 0_i32;
    for (i, pair) in chars.windows(2).enumerate() {
        let next = chars.get(i + 2).copied().unwrap_or(' ');
        if pair == ['[', ' '] && next != ']' && next != ' ' {
            open += 1;
        }
        let before = if i == 0 { ' ' } else { chars[i - 1] };
        if pair == [' ', ']'] && before != '[' {
            open -= 1;
            assert!(
                open >= 0,
                "a button's end without its start: {row:?}\n{shown}"
            );
        }
    }
    assert_eq!(open, 0, "a button split across rows: {row:?}\n{shown}");
}

fn assert_too_small_fits(shown: &str, width: u16, height: u16) {
    let text: String = shown.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(text.contains(&format!("{width}×{height}")), "{shown}");
    assert!(text.contains("Ctrl-C to quit."), "cut:\n{shown}");
}

/// A state per screen and per popup, each reached the way a user reaches it.
fn states() -> Vec<(&'static str, State)> {
    let home_view = || {
        let mut long = row(
            "alice.longname@localhost.example",
            "1",
            Some(CheckStatus::Revoked),
        );
        long.last_detail = Some("the token was revoked. Create a new token.".into());
        view_with(vec![long, row("bob@social.example", "2", None)])
    };
    let home = start(VaultStatus::Unlocked(home_view()), Start::Home, None).0;
    let mut details = start(VaultStatus::Unlocked(home_view()), Start::Home, None).0;
    key(&mut details, Key::Enter);
    let mut confirm = start(VaultStatus::Unlocked(home_view()), Start::Home, None).0;
    key(&mut confirm, Key::Enter);
    key(&mut confirm, Key::Right);
    key(&mut confirm, Key::Enter);
    let mut empty = start(VaultStatus::Missing, Start::Home, None).0;
    empty.step = Step::Home(HomeScreen::default());
    let mut register = at_scopes(true);
    key(&mut register, Key::Enter);
    let (mut passphrase, stamp) = at_verify(true);
    send(
        &mut passphrase,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    let mut scopes_detail = at_scopes(false);
    for _ in 0..3 {
        key(&mut scopes_detail, Key::Down);
    }
    let (mut saved, stamp) = at_first_save(true);
    send(
        &mut saved,
        Msg::Saved {
            stamp,
            result: Ok(view_with(vec![row("alice@social.example", "7", None)])),
        },
    );
    let mut typed_server = start(VaultStatus::Missing, Start::Home, None).0;
    typed(&mut typed_server, "social.example");
    let mut token_server = start(VaultStatus::Missing, Start::Home, None).0;
    key(&mut token_server, Key::Ctrl('t'));
    let adopt = super::adopt::at_adopt(VaultStatus::Missing);
    let mut adopt_passphrase =
        super::adopt::saved_candidate_state(super::adopt::at_adopt(VaultStatus::Missing));
    key(&mut adopt_passphrase, Key::Enter);
    vec![
        ("unlock", start(VaultStatus::Locked, Start::Home, None).0),
        ("home", home),
        ("home details", details),
        ("remove confirmation", confirm),
        ("empty home", empty),
        ("server", start(VaultStatus::Missing, Start::Home, None).0),
        ("scopes", at_scopes(true)),
        ("scopes, unavailable row", scopes_detail),
        ("register", register),
        ("authorize", at_authorize(true)),
        ("new passphrase", passphrase),
        ("saved", saved),
        ("server, typed", typed_server),
        ("token server", token_server),
        ("token", adopt),
        ("token passphrase", adopt_passphrase),
    ]
}

/// Every footer, complete or shortened, names the key that opens the help.
#[test]
fn every_footer_names_the_help_key() {
    for (name, state) in states() {
        for (w, h) in [(60, 16), (80, 24), (200, 50)] {
            let shown = render_at(&state, w, h);
            let footer = shown.lines().last().unwrap_or_default();
            let key = state.step.help_key();
            assert!(
                footer.contains(&format!("{key} help")),
                "{name} at {w}×{h}: {footer:?}"
            );
        }
    }
}

/// `?` is named only where it opens the help; F1 where `?` would be typed.
#[test]
fn the_footer_names_f1_where_a_question_mark_is_text() {
    let states = states();
    let footer = |name: &str| {
        let (_, state) = states.iter().find(|(n, _)| *n == name).unwrap();
        render_at(state, 80, 24).lines().last().unwrap().to_owned()
    };
    assert!(footer("server").contains("? help"), "{}", footer("server"));
    for name in ["server, typed", "unlock", "new passphrase", "token"] {
        assert!(footer(name).contains("F1 help"), "{name}: {}", footer(name));
    }
    assert!(footer("home details").contains("? help"));
}

/// At the minimum size a help box that cannot show all its text says so, and the way out
/// always shows.
#[test]
fn every_help_box_at_the_minimum_size_ends_visibly() {
    for (name, mut state) in states() {
        let help = state.step.screen().help();
        state.help = true;
        let s = render_at(&state, 60, 16);
        let text = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("Press any key to close this help."),
            "{name}: no way out:\n{s}"
        );
        let last_words: Vec<&str> = help.split_whitespace().rev().take(3).collect();
        let last: String = last_words.into_iter().rev().collect::<Vec<_>>().join(" ");
        // Rows of the box joined: a word is never split across rows, so the end reads whole.
        let inside: String = s
            .lines()
            .filter_map(|l| {
                let first = l.find('│')?;
                let rest = &l[first + '│'.len_utf8()..];
                Some(rest[..rest.rfind('│')?].trim().to_owned())
            })
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            inside.contains(&last) || inside.contains("… (enlarge the window to read the rest)"),
            "{name}: the help is cut without a sign:\n{s}"
        );
    }
}

#[test]
fn every_screen_passes_the_checklist_at_every_size() {
    for (name, state) in states() {
        for (w, h) in [
            (60, 16),
            (80, 24),
            (110, 34),
            (200, 50),
            (30, 5),
            (59, 15),
            (20, 5),
        ] {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert_readable(&state, w, h);
            }));
            assert!(result.is_ok(), "{name} at {w}×{h}");
        }
    }
}

#[test]
fn the_new_passphrase_form_shows_both_fields_at_the_minimum_size() {
    let (_, mut state) = states().pop().unwrap();
    let s = render_at(&state, 60, 16);
    assert!(s.contains("Passphrase:"), "{s}");
    assert!(s.contains("Type it again:"), "{s}");
    typed(&mut state, "a");
    let s = render_at(&state, 60, 16);
    assert!(s.contains("Type it again:"), "{s}");
}

#[test]
fn the_too_small_message_fits_the_too_small_window() {
    let state = at_scopes(true);
    for (w, h) in [(30, 5), (59, 15), (40, 12), (24, 4)] {
        let s = render_at(&state, w, h);
        assert_too_small_fits(&s, w, h);
    }
}

#[test]
fn scope_rows_are_cut_with_an_ellipsis_and_the_focused_row_is_shown_whole() {
    let mut state = at_scopes(false);
    for width in [60, 80, 110] {
        let s = render_at(&state, width, 24);
        // A cut row ends with `…`; a row that fits ends with its own last word.
        let row = s.lines().find(|l| l.contains("( ) Posting bot")).unwrap();
        assert!(
            row.ends_with('…') || row.ends_with('.'),
            "{width} columns: {row:?}"
        );
    }
    // The unavailable `profile` row: its whole reason is under the list.
    for _ in 0..3 {
        key(&mut state, Key::Down);
    }
    let s = render_at(&state, 60, 16).replace("\n ", " ");
    assert!(
        s.contains("profile is unavailable: this server does not say it supports profile"),
        "{s}"
    );
    assert!(s.contains("read:accounts is used instead."), "{s}");
}

#[test]
fn the_step_header_counts_a_step_that_passed_by_itself_as_done() {
    // The app was reused: Register passed without a stop, and Authorize shows it done.
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let s = render_at(&state, 80, 24);
    let header = s.lines().next().unwrap();
    assert!(
        header.ends_with("Server ✓  Scopes ✓  Register ✓  4/5 Authorize"),
        "{header}"
    );
    // Where the names do not fit, the ticks still count every step before this one.
    let s = render_at(&state, 60, 16);
    let header = s.lines().next().unwrap();
    assert!(header.ends_with("✓✓✓ 4/5 Authorize"), "{header}");
}

#[test]
fn the_authorize_footer_says_what_enter_does() {
    let state = at_authorize(true);
    let s = render_at(&state, 110, 34);
    let footer = s.lines().last().unwrap();
    assert!(!footer.contains("Enter press"), "{footer}");
    // Enter presses the focused button, and the footer names it.
    assert!(footer.contains("Enter open"), "{footer}");
}

#[test]
fn every_help_box_fits_whole_at_80x24() {
    for (name, mut state) in states() {
        let help = state.step.screen().help();
        state.help = true;
        let s = render_at(&state, 80, 24);
        // Read the box's text as one paragraph: its rows are the inside of the border.
        let rows: Vec<Vec<char>> = s.lines().map(|l| l.chars().collect()).collect();
        let (top, left) = rows
            .iter()
            .enumerate()
            .find_map(|(y, r)| {
                let x = r
                    .windows(6)
                    .position(|w| w == ['╭', ' ', 'H', 'e', 'l', 'p'])?;
                Some((y, x))
            })
            .unwrap_or_else(|| panic!("{name}: no help box:\n{s}"));
        let text: String = rows[top + 1..]
            .iter()
            .take_while(|r| r.get(left) == Some(&'│'))
            .map(|r| {
                let inside: String = r.iter().skip(left + 1).take(70).collect();
                inside.trim().to_owned()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let last_words: Vec<&str> = help.split_whitespace().rev().take(3).collect();
        let last: String = last_words.into_iter().rev().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&last), "{name}: the help's end is cut:\n{s}");
        assert!(
            text.contains("Ctrl-C quit, vault untouched"),
            "{name}:\n{s}"
        );
        assert!(
            text.contains("Press any key to close this help."),
            "{name}:\n{s}"
        );
    }
}

#[test]
fn cut_help_boxes_read_as_cut() {
    for (name, snapshot) in [
        ("home details", "help_home_details"),
        ("saved", "help_saved"),
        ("authorize", "help_authorize"),
    ] {
        let (_, mut state) = states().into_iter().find(|(n, _)| *n == name).unwrap();
        state.help = true;
        snap(snapshot, &state);
    }
}
