//! The Scopes and Register steps.

use super::*;

// ---- Scopes step ----

#[test]
fn scopes_on_a_modern_server_preselect_profile() {
    let state = at_scopes(true);
    let s = screen(&state);
    assert!(s.contains("Selected: profile"), "{s}");
    assert!(s.contains("(•) Account check only"), "{s}");
    snap("scopes_modern", &state);
}

#[test]
fn scopes_on_an_old_server_fall_back_to_read_accounts_with_the_reason() {
    let mut state = at_scopes(false);
    let s = screen(&state);
    assert!(s.contains("Selected: read:accounts"), "{s}");
    assert!(s.contains("profile scope: no"), "{s}");
    snap("scopes_old_server", &state);
    // Walk to the profile row and try to tick it: the reason is shown, nothing changes.
    for _ in 0..3 {
        key(&mut state, Key::Down);
    }
    key(&mut state, Key::Char(' '));
    let s = screen(&state);
    assert!(
        s.contains("profile is unavailable: needs Mastodon 4.3"),
        "{s}"
    );
    assert!(s.contains("Selected: read:accounts"), "{s}");
}

#[test]
fn scopes_toggle_presets_and_require_one() {
    let mut state = at_scopes(true);
    key(&mut state, Key::Down); // Posting bot
    key(&mut state, Key::Char(' '));
    assert!(screen(&state).contains("Selected: profile write:media write:statuses"));
    // Untick everything, one at a time, by going to each granular row.
    key(&mut state, Key::Home);
    key(&mut state, Key::Down);
    key(&mut state, Key::Down);
    key(&mut state, Key::Down); // profile row
    key(&mut state, Key::Char(' '));
    assert!(screen(&state).contains("Selected: write:media write:statuses"));
    // Read everything preset, then untick `read` in the list.
    key(&mut state, Key::Home);
    key(&mut state, Key::Down);
    key(&mut state, Key::Down);
    key(&mut state, Key::Char(' '));
    assert!(screen(&state).contains("Selected: read\n"));
    for _ in 0..2 {
        key(&mut state, Key::Down);
    }
    key(&mut state, Key::Char(' '));
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("Choose at least one scope"));
    // Esc goes back with the server text kept.
    key(&mut state, Key::Esc);
    assert!(screen(&state).contains("Server: ▏social.example"));
}

// ---- Register step ----

#[test]
fn registration_rate_limit_says_when_and_enter_retries() {
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let reset: Timestamp = "2026-11-28T12:40:00Z".parse().unwrap();
    send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Err(ApiError::RateLimited { reset: Some(reset) }),
        },
    );
    let s = screen(&state);
    assert!(
        s.contains("Try again in\n 40 minutes") || s.contains("Try again in 40 minutes"),
        "{s}"
    );
    assert!(s.contains("3/5 Register"), "{s}");
    snap("register_rate_limited", &state);
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::PrepareApp {
            force_new: false,
            ..
        }]
    ));
}
