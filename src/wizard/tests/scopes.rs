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
        s.contains("profile is unavailable: this server does not say it supports profile"),
        "{s}"
    );
    assert!(s.contains("Selected: read:accounts"), "{s}");
}

/// A vault that learned from a step-up that this server checks tokens only with `read`.
fn at_scopes_where_read_is_needed() -> State {
    let mut view = view_with(Vec::new());
    view.verify_needs_read_on = vec![format!("{SERVER}/")];
    let (mut state, effects) = start(
        VaultStatus::Unlocked(view),
        Start::Add(Some("social.example".into())),
        None,
    );
    discovered(&mut state, stamp_of(&effects), true);
    assert!(matches!(state.step, Step::Scopes(_)));
    state
}

#[test]
fn scopes_add_read_where_a_step_up_was_needed_and_say_why() {
    let mut state = at_scopes_where_read_is_needed();
    let s = screen(&state);
    assert!(s.contains("Selected: read\n"), "{s}");
    assert!(s.contains("(•) Account check only"), "{s}");
    assert!(
        s.contains("This server tells whose a token is only to tokens that may read"),
        "{s}"
    );
    assert!(s.contains("`read` is added."), "{s}");
    // The preset's own description no longer tells the whole truth: the detail says so.
    assert!(
        s.contains("Here `read` is added: the token can read"),
        "{s}"
    );
    snap("scopes_read_needed", &state);
    // Every preset adds it: the posting bot too.
    key(&mut state, Key::Down);
    key(&mut state, Key::Char(' '));
    let s = screen(&state);
    assert!(
        s.contains("Selected: read write:media write:statuses"),
        "{s}"
    );
    // The user may still leave it out; the line says what that costs.
    key(&mut state, Key::Home);
    for _ in 0..4 {
        key(&mut state, Key::Down); // the `read` row
    }
    key(&mut state, Key::Char(' '));
    let s = screen(&state);
    assert!(s.contains("Selected: write:media write:statuses"), "{s}");
    assert!(
        s.contains("without `read`, one more sign-in follows."),
        "{s}"
    );
    let effects = key(&mut state, Key::Enter);
    let prepare = effects.iter().find_map(|e| match e {
        Effect::PrepareApp { scopes, .. } => Some(scopes.clone()),
        _ => None,
    });
    assert_eq!(
        prepare.as_deref(),
        Some(&["write:media".to_owned(), "write:statuses".to_owned()][..])
    );
}

#[test]
fn scopes_elsewhere_add_nothing() {
    let state = at_scopes(true);
    let s = screen(&state);
    assert!(!s.contains("tokens that may read"), "{s}");
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
    assert!(screen(&state).contains("Server: social.example"));
}

/// The scopes the Register step was asked for.
fn chosen(effects: &[Effect]) -> Vec<String> {
    match effects {
        [Effect::PrepareApp { scopes, .. }] => scopes.clone(),
        other => panic!("expected PrepareApp, got {other:?}"),
    }
}

#[test]
fn coarse_scope_metadata_leaves_presets_whole_and_granular_scopes_selectable() {
    // Metadata that lists only the coarse scopes (and so not `profile`).
    let mut caps = caps(true);
    caps.profile_scope = false;
    caps.scopes_supported = Some(
        ["read", "write", "follow", "push"]
            .map(String::from)
            .to_vec(),
    );
    let mut state = at_scopes_with(caps);
    let s = screen(&state);
    assert!(s.contains("Selected: read:accounts"), "{s}");
    assert_eq!(s.matches("(•)").count(), 1, "one preset marked: {s}");
    assert!(s.contains("(•) Account check only"), "{s}");
    assert!(!s.contains("[]"), "no empty preset: {s}");
    assert!(
        s.contains("[read:accounts write:statuses write:media]"),
        "{s}"
    );
    assert!(!s.contains("not offered"), "{s}");
    // No row says read:accounts is impossible while profile's row says it is used instead.
    assert!(!s.contains("unavailable: not"), "{s}");
    snap("scopes_coarse_metadata", &state);
    // A granular scope the list leaves out can still be ticked.
    for _ in 0..10 {
        key(&mut state, Key::Down);
    }
    let s = screen(&state);
    assert!(s.contains("(not advertised)"), "{s}");
    // The defaults go through.
    key(&mut state, Key::Home);
    let effects = key(&mut state, Key::Enter);
    assert_eq!(chosen(&effects), ["read:accounts"]);
}

#[test]
fn enter_keeps_a_selection_that_matches_no_preset() {
    let mut state = at_scopes(true);
    // profile, then add read:statuses further down: no preset matches any more.
    key(&mut state, Key::Home);
    for _ in 0..3 {
        key(&mut state, Key::Down);
    }
    key(&mut state, Key::Char(' ')); // untick profile
    key(&mut state, Key::Down);
    key(&mut state, Key::Down); // read
    key(&mut state, Key::Down); // write
    key(&mut state, Key::Down); // read:accounts (group title skipped)
    let before = screen(&state);
    key(&mut state, Key::Char(' '));
    let s = screen(&state);
    assert_ne!(before, s);
    assert!(!s.contains("(•)"), "no preset matches: {s}");
    let picked: Vec<String> = s
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Selected: "))
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    // Back to the top, onto a preset, and Enter: the selection stays what it was.
    key(&mut state, Key::Home);
    let effects = key(&mut state, Key::Enter);
    assert_eq!(chosen(&effects), picked);
}

#[test]
fn snac_says_scopes_are_not_enforced() {
    let mut caps = caps(false);
    caps.software = Software {
        name: "snac".into(),
        version: Some("2.94".into()),
    };
    let s = screen(&at_scopes_with(caps));
    assert!(s.contains("This server ignores scopes"), "{s}");
    // The focused preset's promise ("nothing else") is corrected where it is made.
    assert!(s.contains("the token can do everything"), "{s}");
    assert!(!screen(&at_scopes(false)).contains("ignores scopes"));
}

#[test]
fn gotosocial_does_not_offer_collections() {
    let mut caps = caps(false);
    caps.software = Software {
        name: "GoToSocial".into(),
        version: Some("0.20.0".into()),
    };
    let mut state = at_scopes_with(caps);
    for _ in 0..9 {
        key(&mut state, Key::Down);
    }
    let s = screen(&state);
    let row = s.lines().find(|l| l.contains("read:collections")).unwrap();
    assert!(row.contains("[-]"), "{s}");
    assert!(row.contains("unavailable: GoToSocial does not have"), "{s}");
    assert!(!s.contains("needs Mastodon"), "{s}");
    key(&mut state, Key::Char(' '));
    assert!(screen(&state).contains("Selected: read:accounts\n"));
}

#[test]
fn reauthorize_lists_a_stored_scope_that_has_no_row() {
    let mut stored = row("alice@social.example", "1", Some(CheckStatus::Revoked));
    stored.scopes = vec!["read:accounts".into(), "snac:everything".into()];
    let (mut state, _) = start(
        VaultStatus::Unlocked(view_with(vec![stored])),
        Start::Home,
        None,
    );
    key(&mut state, Key::Enter);
    // A revoked token's details open on Re-authorize.
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    key(&mut state, Key::End);
    let s = screen(&state);
    assert!(s.contains("Selected: read:accounts snac:everything"), "{s}");
    assert!(s.contains("[x] snac:everything"), "{s}");
    // Enter keeps it as it is.
    let effects = key(&mut state, Key::Enter);
    assert_eq!(chosen(&effects), ["read:accounts", "snac:everything"]);
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
