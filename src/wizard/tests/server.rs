//! The Server step: parsing, discovery, known servers.

use super::*;

// ---- Server step ----

#[test]
fn empty_vault_starts_at_the_server_step_and_rejects_bad_input_keeping_the_text() {
    let (mut state, effects) = start(VaultStatus::Missing, Start::Home, None);
    assert!(effects.is_empty());
    assert!(screen(&state).contains("1/5 Server"));
    typed(&mut state, "http://evil.example");
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(s.contains("Server: http://evil.example"), "{s}");
    assert!(s.contains("http"), "{s}");
    snap("server_plain_http_error", &state);
}

#[test]
fn discovery_failure_is_inline_and_a_stale_result_is_dropped() {
    // `add SERVER` starts discovery right away.
    let (mut state2, effects) = start(
        VaultStatus::Missing,
        Start::Add(Some("social.example".into())),
        None,
    );
    let stamp = stamp_of(&effects);
    // Esc stops waiting; the late answer must not move the wizard on.
    key(&mut state2, Key::Esc);
    send(
        &mut state2,
        Msg::Discovered {
            stamp,
            result: Ok(caps(true)),
        },
    );
    assert!(matches!(state2.step, Step::Server(_)));
    // A real failure shows what to do and keeps the typed text.
    let stamp = stamp_of(&key(&mut state2, Key::Enter));
    send(
        &mut state2,
        Msg::Discovered {
            stamp,
            result: Err(ApiError::Timeout {
                host: "social.example".into(),
                seconds: 30,
            }),
        },
    );
    let s = screen(&state2);
    assert!(s.contains("social.example did not answer"), "{s}");
    assert!(s.contains("Server: social.example"), "{s}");
    snap("server_timeout", &state2);
    // Typing clears the error.
    key(&mut state2, Key::Char('x'));
    assert!(!screen(&state2).contains("did not answer"));
}

#[test]
fn known_servers_are_offered() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Add(None), None);
    key(&mut state, Key::Down);
    let s = screen(&state);
    assert!(s.contains("Server: social.example"), "{s}");
    snap("server_known_servers", &state);
}

#[test]
fn a_long_discovery_error_is_shown_whole_at_the_minimum_size() {
    let (mut state, _) = start(VaultStatus::Missing, Start::Home, None);
    typed(&mut state, "a-rather-long-server-name.social.example");
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    send(
        &mut state,
        Msg::Discovered {
            stamp,
            result: Err(ApiError::Tls {
                host: "a-rather-long-server-name.social.example".into(),
            }),
        },
    );
    let s = render_at(&state, 60, 16).replace("\n ", " ");
    assert!(s.contains("the server's https is broken."), "{s}");
    // The examples under the question wrap whole instead of being cut at the edge.
    assert!(s.contains("@alice@mastodon.social"), "{s}");
}

/// The token path's Server step explains that path: Ctrl-T there goes back to signing in.
#[test]
fn the_token_paths_server_help_is_its_own() {
    let (mut state, _) = start(VaultStatus::Missing, Start::Home, None);
    let sign_in = state.step.screen().help();
    assert!(
        sign_in.contains("Ctrl-T: you already have a token"),
        "{sign_in}"
    );
    key(&mut state, Key::Ctrl('t'));
    let help = state.step.screen().help();
    assert!(!help.contains("you already have a token"), "{help}");
    assert!(!help.contains("instead of signing in"), "{help}");
    assert!(help.contains("Ctrl-T: back to signing in"), "{help}");
    assert!(help.contains("paste the token"), "{help}");
    // And the footer agrees with it.
    let s = screen(&state);
    assert!(s.contains("Ctrl-T sign in instead"), "{s}");
}
