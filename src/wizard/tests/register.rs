//! The Register step's wait wording: relative and local, never a clock reading in UTC.

use super::*;

#[test]
fn a_rate_limited_registration_says_in_9_minutes() {
    let mut state = at_scopes(true);
    state.session.zone = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    state.session.now = "2026-11-28T12:31:00Z".parse().unwrap();
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let reset: Timestamp = "2026-11-28T12:40:00Z".parse().unwrap();
    send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Err(ApiError::RateLimited { reset: Some(reset) }),
        },
    );
    // The screen wraps the message: read it as one line.
    let s = screen(&state)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(s.contains("Try again in 9 minutes."), "{s}");
    for clock in ["UTC", "12:40", "13:40"] {
        assert!(!s.contains(clock), "{clock}: {s}");
    }
}
