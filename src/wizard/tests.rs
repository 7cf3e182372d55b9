//! The wizard without a terminal: synthetic messages through the pure `update`, and render
//! snapshots of every screen at 80×24 and at a size below the minimum.

use std::path::PathBuf;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::mastodon::{
    ApiError, Capabilities, RegisteredApp, Software, TokenGrant, VerifiedAccount,
};
use crate::secret::Secret;
use crate::vault::VaultError;
use crate::vault::model::CheckStatus;

use super::msg::{Effect, Key, Msg, PreparedApp};
use super::state::{Session, Start, State, Step, VaultStatus, update};
use super::theme::Theme;
use super::view;
use super::view_model::{AccountRow, VaultView};

const BASE: &str = "https://social.example/";

fn now() -> Timestamp {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

fn caps(modern: bool) -> Capabilities {
    Capabilities {
        base: crate::mastodon::BaseUrl::parse(BASE).unwrap(),
        domain: "social.example".into(),
        title: Some("Social Example".into()),
        software: Software {
            name: "Mastodon".into(),
            version: Some(if modern { "4.7.0" } else { "4.2.9" }.into()),
        },
        metadata: modern,
        profile_scope: modern,
        pkce_s256: modern,
        scopes_supported: None,
        loopback_http: false,
    }
}

fn app() -> RegisteredApp {
    RegisteredApp {
        client_id: "client-id-1".into(),
        client_secret: Secret::new("client-secret-1"),
        scopes: vec!["profile".into()],
        redirect_uris: super::authorize::redirect_uris(),
    }
}

fn account(id: &str, name: &str) -> VerifiedAccount {
    VerifiedAccount {
        id: id.into(),
        username: name.into(),
        acct: name.into(),
        display_name: name.to_uppercase(),
        url: None,
    }
}

fn row(handle: &str, id: &str, status: Option<CheckStatus>) -> AccountRow {
    AccountRow {
        handle: handle.into(),
        server: BASE.trim_end_matches('/').into(),
        id: id.into(),
        display_name: "Alice".into(),
        scopes: vec!["profile".into()],
        created_at: now(),
        last_checked_at: status.map(|_| now()),
        last_status: status,
        last_detail: status.map(|_| "@alice".into()),
    }
}

fn view_with(rows: Vec<AccountRow>) -> VaultView {
    VaultView {
        accounts: rows,
        servers: vec![BASE.trim_end_matches('/').into()],
    }
}

fn start(status: VaultStatus, start: Start, env: Option<Secret>) -> (State, Vec<Effect>) {
    let mut session = Session::new(status, false, PathBuf::from("/home/me/.config/mastokey"));
    session.now = now();
    State::new(start, session, env)
}

fn send(state: &mut State, msg: Msg) -> Vec<Effect> {
    update(state, msg)
}

fn key(state: &mut State, k: Key) -> Vec<Effect> {
    update(state, Msg::Key(k))
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, Msg::Key(Key::Char(c)));
    }
}

fn render_at(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::render(state, frame, Theme::new(true)))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn screen(state: &State) -> String {
    render_at(state, 80, 24)
}

/// Replaces the random `state` and PKCE challenge in the drawn link with `x`s of the same
/// length, so the wrapped layout stays exactly as drawn.
fn scrub_link(state: &State, screen: &str, width: usize) -> String {
    let Step::Authorize(authorize) = &state.step else {
        panic!("not on the authorize step")
    };
    let url = authorize.url().to_owned();
    let mut scrubbed = url.clone();
    for name in ["state=", "code_challenge="] {
        if let Some(start) = scrubbed.find(name).map(|i| i + name.len()) {
            let end = scrubbed[start..]
                .find('&')
                .map_or(scrubbed.len(), |e| start + e);
            scrubbed.replace_range(start..end, &"x".repeat(end - start));
        }
    }
    let mut out = screen.to_owned();
    for (a, b) in url
        .as_bytes()
        .chunks(width)
        .zip(scrubbed.as_bytes().chunks(width))
    {
        out = out.replace(
            std::str::from_utf8(a).unwrap(),
            std::str::from_utf8(b).unwrap(),
        );
    }
    out
}

/// Discovery answered for `stamp` with a modern (4.3+) or old server.
fn discovered(state: &mut State, stamp: u64, modern: bool) -> Vec<Effect> {
    send(
        state,
        Msg::Discovered {
            stamp,
            result: Ok(caps(modern)),
        },
    )
}

/// The app is ready for `stamp` (reused from the vault, or just registered).
fn app_ready(state: &mut State, stamp: u64, reused: bool) -> Vec<Effect> {
    send(
        state,
        Msg::AppReady {
            stamp,
            result: Ok(PreparedApp { app: app(), reused }),
        },
    )
}

/// A successful code exchange giving `token` (scope `profile`); returns the verify request's stamp.
fn exchanged(state: &mut State, stamp: u64, token: &str) -> u64 {
    let grant = TokenGrant {
        dropped: Vec::new(),
        access_token: Secret::new(token),
        scopes: vec!["profile".into()],
        created_at: None,
    };
    stamp_of(&send(
        state,
        Msg::Exchanged {
            stamp,
            result: Ok(grant),
        },
    ))
}

/// Snapshots the screen at 80×24 and at the minimum size, 60×16.
fn snap(name: &str, state: &State) {
    for (suffix, width, height) in [("", 80, 24), ("_small", 60, 16)] {
        let mut shown = render_at(state, width, height);
        if matches!(state.step, Step::Authorize(_)) {
            shown = scrub_link(state, &shown, usize::from(width) - 2);
        }
        insta::assert_snapshot!(format!("{name}{suffix}"), shown);
    }
}

/// The stamp of the single effect of the given kind.
fn stamp_of(effects: &[Effect]) -> u64 {
    // The loopback listener's bookkeeping rides along with the step changes; skip it here.
    let effects: Vec<&Effect> = effects
        .iter()
        .filter(|e| {
            !matches!(
                e,
                Effect::StopCallback
                    | Effect::ListenForCallback { .. }
                    | Effect::AwaitCallback { .. }
            )
        })
        .collect();
    match effects.as_slice() {
        [
            Effect::Discover { stamp, .. }
            | Effect::PrepareApp { stamp, .. }
            | Effect::Exchange { stamp, .. }
            | Effect::Verify { stamp, .. }
            | Effect::Save { stamp, .. }
            | Effect::CreateVaultAndSave { stamp, .. }
            | Effect::Unlock { stamp, .. }
            | Effect::VerifyAccounts { stamp, .. }
            | Effect::RemoveAccount { stamp, .. },
        ] => *stamp,
        other => panic!("expected one stamped effect, got {other:?}"),
    }
}

/// A fresh wizard (no vault) that has discovered the server and shows the scopes.
fn at_scopes(modern: bool) -> State {
    let (mut state, _) = start(VaultStatus::Missing, Start::Add(None), None);
    typed(&mut state, "social.example");
    let effects = key(&mut state, Key::Enter);
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::Discovered {
            stamp,
            result: Ok(caps(modern)),
        },
    );
    assert!(matches!(state.step, Step::Scopes(_)));
    state
}

fn at_authorize(modern: bool) -> State {
    let mut state = at_scopes(modern);
    let effects = key(&mut state, Key::Enter);
    let stamp = stamp_of(&effects);
    app_ready(&mut state, stamp, false);
    assert!(matches!(state.step, Step::Authorize(_)));
    state
}

/// Pastes a code and presses Enter; returns the exchange's stamp.
fn submit_code(state: &mut State, code: &str) -> u64 {
    send(state, Msg::Paste(Secret::new(code)));
    stamp_of(&key(state, Key::Enter))
}

fn at_verify(modern: bool) -> (State, u64) {
    let mut state = at_authorize(modern);
    let stamp = submit_code(&mut state, "the-code");
    let verify_stamp = exchanged(&mut state, stamp, "tok-123");
    (state, verify_stamp)
}

// ---- Server step ----

#[test]
fn empty_vault_starts_at_the_server_step_and_rejects_bad_input_keeping_the_text() {
    let (mut state, effects) = start(VaultStatus::Missing, Start::Home, None);
    assert!(effects.is_empty());
    assert!(screen(&state).contains("1/5 Server"));
    typed(&mut state, "http://evil.example");
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(s.contains("Server: ▏http://evil.example"), "{s}");
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
    assert!(s.contains("Server: ▏social.example"), "{s}");
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
    assert!(s.contains("Server: ▏social.example"), "{s}");
    snap("server_known_servers", &state);
}

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
    // The wording is relative to the clock (mastodon::retry_wording): a reset 9½ minutes ahead.
    let reset = Timestamp::now() + jiff::SignedDuration::from_secs(9 * 60 + 30);
    send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Err(ApiError::RateLimited { reset: Some(reset) }),
        },
    );
    let s = screen(&state);
    assert!(s.contains("10 minutes."), "{s}");
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
    // The focus moved to the code field: `q` is text now, not quit.
    key(&mut state, Key::Char('q'));
    assert!(!state.session.quit);
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
    assert!(s.contains("10 minutes"), "{s}");
    snap("authorize_invalid_grant", &state);
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
    // `n` registers again on request (outside the code field).
    key(&mut state, Key::Tab);
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
fn leaving_an_unsaved_token_keeps_it_to_copy() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    assert!(screen(&state).contains("Choose a passphrase"));
    key(&mut state, Key::Esc);
    let s = screen(&state);
    assert!(s.contains("Not saved"), "{s}");
    // "Copy token" has the focus.
    let effects = key(&mut state, Key::Enter);
    let [Effect::Copy { text, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(text.expose(), "tok-123");
}

#[test]
fn a_failed_first_save_retries_into_the_vault_it_created() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Enter);
    typed(&mut state, "long enough passphrase");
    let stamp = stamp_of(&key(&mut state, Key::Enter));
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
    assert!(s.contains("sign in as the NEW account"), "{s}");
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

// ---- Verify and save ----

#[test]
fn first_save_asks_for_a_passphrase_twice_then_creates_the_vault() {
    let (mut state, stamp) = at_verify(true);
    assert!(screen(&state).contains("Checking the new token"));
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    let s = screen(&state);
    assert!(s.contains("@alice@social.example"), "{s}");
    assert!(s.contains("Choose a passphrase"), "{s}");
    snap("verify_new_passphrase", &state);
    typed(&mut state, "short");
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("at least 8 characters"));
    key(&mut state, Key::Ctrl('u'));
    typed(&mut state, "long enough passphrase");
    key(&mut state, Key::Enter);
    typed(&mut state, "long enough passphrasX");
    assert!(key(&mut state, Key::Enter).is_empty());
    let s = screen(&state);
    assert!(s.contains("passphrases differ"), "{s}");
    typed(&mut state, "long enough passphrase");
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::CreateVaultAndSave {
            stamp,
            passphrase,
            save,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "long enough passphrase");
    assert_eq!(save.token.expose(), "tok-123");
    assert_eq!(save.account.id, "7");
    let stamp = *stamp;
    let view = view_with(vec![row(
        "alice@social.example",
        "7",
        Some(CheckStatus::Valid),
    )]);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Ok(view),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Saved in the vault"), "{s}");
    snap("verify_saved", &state);
    // "Add another account" goes back to step 1 with the server filled in and discovering.
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Discover { .. }]));
    assert!(screen(&state).contains("Server: ▏social.example"));
}

/// alice is stored; signing in as her again reaches the replace-or-keep question.
fn signed_in_again_as_a_known_account() -> State {
    let view = view_with(vec![row("alice@social.example", "7", None)]);
    let (mut state, _) = start(
        VaultStatus::Unlocked(view),
        Start::Add(Some("social.example".into())),
        None,
    );
    discovered(&mut state, 1, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-2");
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    state
}

#[test]
fn a_known_account_asks_to_replace_or_keep() {
    let mut state = signed_in_again_as_a_known_account();
    let s = screen(&state);
    assert!(s.contains("already in the vault"), "{s}");
    snap("verify_duplicate", &state);
    // Keep the old token: nothing is saved.
    key(&mut state, Key::Right);
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("old token was kept"));
}

#[test]
fn replacing_a_known_account_saves() {
    let mut state = signed_in_again_as_a_known_account();
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::Saved {
            stamp,
            result: Err(VaultError::LockTimeout {
                path: "/x/vault.lock".into(),
            }),
        },
    );
    let s = screen(&state);
    assert!(s.contains("could not be saved"), "{s}");
    snap("verify_save_failed", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::Save { .. }]
    ));
}

#[test]
fn a_token_that_fails_verification_can_be_checked_again() {
    let (mut state, stamp) = at_verify(true);
    send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Err(ApiError::AccountPending),
        },
    );
    let s = screen(&state);
    assert!(s.contains("could not be checked"), "{s}");
    snap("verify_account_pending", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::Verify { .. }]
    ));
}

// ---- Unlock ----

#[test]
fn unlock_with_the_environment_then_home() {
    let secret = Secret::new("from env");
    let (mut state, effects) = start(VaultStatus::Locked, Start::Home, Some(secret));
    let stamp = stamp_of(&effects);
    assert!(screen(&state).contains("Unlocking"));
    send(
        &mut state,
        Msg::Unlocked {
            stamp,
            result: Err(VaultError::WrongPassphrase),
        },
    );
    let s = screen(&state);
    assert!(s.contains("came from the environment"), "{s}");
    snap("unlock_wrong_passphrase", &state);
    typed(&mut state, "typed one");
    let effects = key(&mut state, Key::Enter);
    let [Effect::Unlock { stamp, passphrase }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), "typed one");
    let view = view_with(vec![row(
        "alice@social.example",
        "7",
        Some(CheckStatus::Revoked),
    )]);
    send(
        &mut state,
        Msg::Unlocked {
            stamp: *stamp,
            result: Ok(view),
        },
    );
    assert!(matches!(state.step, Step::Home(_)));
}

// ---- Home ----

#[test]
fn home_verifies_all_accounts_with_rows_updating_live() {
    let view = view_with(vec![
        row("alice@social.example", "1", Some(CheckStatus::Valid)),
        row("bob@social.example", "2", None),
    ]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    snap("home", &state);
    let effects = key(&mut state, Key::Char('v'));
    let [Effect::VerifyAccounts { stamp, handles }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(handles.len(), 2);
    let stamp = *stamp;
    send(
        &mut state,
        Msg::AccountChecked {
            stamp,
            handle: "bob@social.example".into(),
            status: CheckStatus::Revoked,
            detail: "x".into(),
        },
    );
    let s = screen(&state);
    assert!(s.contains("revoked · just now"), "{s}");
    assert!(s.contains("checking…"), "{s}");
    // A stale run's rows are ignored.
    send(
        &mut state,
        Msg::AccountChecked {
            stamp: stamp + 99,
            handle: "alice@social.example".into(),
            status: CheckStatus::Invalid,
            detail: "x".into(),
        },
    );
    assert!(!screen(&state).contains("invalid"));
}

#[test]
fn home_details_reveal_copy_and_remove_with_revoke() {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    let s = screen(&state);
    assert!(s.contains("[ Reveal ]"), "{s}");
    assert!(!s.contains("tok-"), "{s}");
    snap("home_details", &state);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::CopyStoredToken { .. }]
    ));
    key(&mut state, Key::Right);
    assert!(matches!(
        key(&mut state, Key::Enter).as_slice(),
        [Effect::RevealStoredToken { .. }]
    ));
    send(
        &mut state,
        Msg::Revealed {
            handle: "alice@social.example".into(),
            token: Secret::new("tok-visible"),
        },
    );
    assert!(screen(&state).contains("tok-visible"));
    for _ in 0..3 {
        key(&mut state, Key::Right); // to "Remove…"
    }
    key(&mut state, Key::Enter);
    assert!(screen(&state).contains("Revoke and remove"));
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::RemoveAccount {
            revoke: true,
            stamp,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    // The server cannot be reached: the revoke fails, so nothing is removed and the live token
    // stays in the vault.
    let kept = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Valid),
    )]);
    let removal = super::msg::Removal {
        view: kept,
        handle: "alice@social.example".into(),
        revoke: Some(Err(ApiError::Connect {
            host: "social.example".into(),
        })),
        removed: false,
    };
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result: Ok(removal),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Nothing was removed"), "{s}");
    assert!(s.contains("Remove here only"), "{s}");
    // Try again: the revoke works this time.
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::RemoveAccount {
            revoke: true,
            stamp,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let removal = super::msg::Removal {
        view: view_with(Vec::new()),
        handle: "alice@social.example".into(),
        revoke: Some(Ok(())),
        removed: true,
    };
    send(
        &mut state,
        Msg::Removed {
            stamp: *stamp,
            result: Ok(removal),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Removed alice@social.example"), "{s}");
    assert!(s.contains("revoked on the server"), "{s}");
    assert!(s.contains("No accounts yet"), "{s}");
    // Closing the popup dropped the revealed token from the state.
    assert!(!s.contains("tok-visible"));
}

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
    insta::assert_snapshot!("too_small", small);
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

/// Home → details → Re-authorize, signing in as `as_id`; returns the state at the verify result.
fn reauthorize_as(as_id: &str, as_name: &str) -> State {
    let view = view_with(vec![row(
        "alice@social.example",
        "1",
        Some(CheckStatus::Revoked),
    )]);
    let (mut state, _) = start(VaultStatus::Unlocked(view), Start::Home, None);
    key(&mut state, Key::Enter);
    for _ in 0..3 {
        key(&mut state, Key::Right);
    }
    let effects = key(&mut state, Key::Enter);
    let stamp = stamp_of(&effects);
    discovered(&mut state, stamp, true);
    assert!(screen(&state).contains("Selected: profile"));
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    app_ready(&mut state, stamp, true);
    assert!(
        screen(&state).contains("force_login=true") || {
            let Step::Authorize(a) = &state.step else {
                panic!()
            };
            a.url().contains("force_login=true")
        }
    );
    let stamp = submit_code(&mut state, "code");
    let stamp = exchanged(&mut state, stamp, "tok-new");
    let effects = send(
        &mut state,
        Msg::Verified {
            stamp,
            result: Ok(account(as_id, as_name)),
        },
    );
    if as_id == "1" {
        let [Effect::Save { save, .. }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(save.account.id, "1");
    } else {
        assert!(effects.is_empty(), "{effects:?}");
    }
    state
}

#[test]
fn reauthorizing_the_same_account_replaces_its_token() {
    reauthorize_as("1", "alice");
}

#[test]
fn reauthorizing_as_another_account_never_overwrites_the_first() {
    let mut state = reauthorize_as("2", "bob");
    let s = screen(&state);
    assert!(s.contains("This is not @alice@social.example"), "{s}");
    snap("verify_wrong_account", &state);
    // Save separately: a normal save of bob (not a replacement of alice).
    let effects = key(&mut state, Key::Enter);
    let [Effect::Save { save, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(save.account.id, "2");
    // Or discard: nothing is saved.
    let mut state = reauthorize_as("2", "bob");
    key(&mut state, Key::Right);
    assert!(key(&mut state, Key::Enter).is_empty());
    assert!(screen(&state).contains("old token was kept"));
}

// ---- Loopback capture, another device, QR (the "beyond copy and paste" issue) ----

const LOOPBACK_URI: &str = "http://127.0.0.1:45678/callback";

/// At the authorize step with the listener running; returns the listener's stamp.
fn listening() -> (State, u64) {
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = app_ready(&mut state, stamp, true);
    let [Effect::ListenForCallback { stamp }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let stamp = *stamp;
    let effects = send(
        &mut state,
        Msg::CallbackReady {
            stamp,
            result: Ok(LOOPBACK_URI.into()),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::AwaitCallback { .. }]),
        "{effects:?}"
    );
    (state, stamp)
}

fn authorize_url_of(state: &State) -> String {
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    a.url().to_owned()
}

#[test]
fn the_loopback_listener_takes_the_code_without_a_paste() {
    let (mut state, stamp) = listening();
    let url = authorize_url_of(&state);
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A45678%2Fcallback"),
        "{url}"
    );
    assert!(screen(&state).contains("continues by itself"));
    let effects = send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Ok(Secret::new("cb-code")),
        },
    );
    let exchange = effects.iter().find_map(|e| match e {
        Effect::Exchange {
            code, redirect_uri, ..
        } => Some((code.expose().to_owned(), redirect_uri.clone())),
        _ => None,
    });
    assert_eq!(
        exchange,
        Some(("cb-code".to_owned(), LOOPBACK_URI.to_owned()))
    );
    // Leaving the step after the exchange closes the port first.
    let stamp = match effects
        .iter()
        .find(|e| matches!(e, Effect::Exchange { .. }))
    {
        Some(Effect::Exchange { stamp, .. }) => *stamp,
        _ => unreachable!(),
    };
    let grant = TokenGrant {
        dropped: Vec::new(),
        access_token: Secret::new("t"),
        scopes: vec!["profile".into()],
        created_at: None,
    };
    let effects = send(
        &mut state,
        Msg::Exchanged {
            stamp,
            result: Ok(grant),
        },
    );
    assert!(
        matches!(effects.first(), Some(Effect::StopCallback)),
        "{effects:?}"
    );
}

#[test]
fn a_callback_with_a_foreign_state_is_refused_and_shown() {
    let (mut state, stamp) = listening();
    let effects = send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Err(crate::mastodon::CallbackError::StateMismatch),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::AwaitCallback { .. }]),
        "still listening: {effects:?}"
    );
    let s = screen(&state);
    assert!(s.contains("another sign-in attempt"), "{s}");
}

#[test]
fn another_device_and_ssh_use_the_out_of_band_code() {
    let (mut state, _) = listening();
    let effects = key(&mut state, Key::Char('m'));
    assert!(
        matches!(effects.as_slice(), [Effect::StopCallback]),
        "{effects:?}"
    );
    assert!(authorize_url_of(&state).contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"));
    assert!(screen(&state).contains("Sign in on another device"));

    // Over SSH no listener is started at all.
    let (mut state, _) = start(VaultStatus::Missing, Start::Add(None), None);
    state.session.ssh = true;
    typed(&mut state, "social.example");
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    discovered(&mut state, stamp, true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = app_ready(&mut state, stamp, true);
    assert!(effects.is_empty(), "{effects:?}");
    let s = screen(&state);
    assert!(s.contains("Over SSH"), "{s}");
    assert!(s.contains("(over SSH)"), "{s}");
    snap("authorize_over_ssh", &state);
}

#[test]
fn a_pasted_callback_url_is_accepted_when_its_state_matches() {
    let (mut state, _) = listening();
    let url = authorize_url_of(&state);
    let state_param = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    send(
        &mut state,
        Msg::Paste(Secret::new(format!(
            "http://127.0.0.1:45678/callback?code=pasted-code&state={state_param}"
        ))),
    );
    let effects = key(&mut state, Key::Enter);
    let [Effect::Exchange { code, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(code.expose(), "pasted-code");
    // A foreign state is refused.
    let (mut state, _) = listening();
    send(
        &mut state,
        Msg::Paste(Secret::new(
            "http://127.0.0.1:45678/callback?code=x&state=forged",
        )),
    );
    assert!(key(&mut state, Key::Enter).is_empty());
}

#[test]
fn esc_leaves_the_step_and_closes_the_port() {
    let (mut state, _) = listening();
    let effects = key(&mut state, Key::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::StopCallback]),
        "{effects:?}"
    );
    assert!(matches!(state.step, Step::Scopes(_)));
}

#[test]
fn the_qr_code_view_and_its_size_fallback() {
    let (mut state, _) = listening();
    key(&mut state, Key::Char('r'));
    let small = screen(&state);
    assert!(small.contains("The QR code does not fit"), "{small}");
    insta::assert_snapshot!("authorize_qr_too_small", small);
    let big = render_at(&state, 100, 45);
    assert!(big.contains("Scan to sign in"), "{big}");
    assert!(
        big.contains('█') || big.contains('▀') || big.contains('▄'),
        "{big}"
    );
    key(&mut state, Key::Char('r'));
    assert!(screen(&state).contains("4/5 Authorize"));
}
