//! The wizard without a terminal: synthetic messages through the pure `update`, and render
//! snapshots of every screen at 80×24 and at a size below the minimum.

use std::path::PathBuf;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::mastodon::{
    ApiError, BaseUrl, Capabilities, RegisteredApp, Software, TokenGrant, VerifiedAccount,
};
use crate::secret::Secret;
use crate::vault::VaultError;
use crate::vault::model::{AccountKey, CheckStatus};

use super::flow::{State, Step, update};
use super::msg::{Effect, Key, Msg, PreparedApp};
use super::random::SeededRandom;
use super::state::{Session, Start, VaultStatus};
use super::theme::Theme;
use super::view_model::{AccountRow, VaultView};

const BASE: &str = "https://social.example/";
/// `BASE` as the vault stores it.
const SERVER: &str = "https://social.example";

/// The key of the test account with this id on `BASE`.
fn key_of(id: &str) -> AccountKey {
    AccountKey::new(SERVER, id)
}

fn now() -> Timestamp {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

fn caps(modern: bool) -> Capabilities {
    Capabilities {
        base: BaseUrl::parse(BASE).unwrap(),
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
        redirect_uris: vec![
            super::redirect::OOB_REDIRECT.into(),
            super::redirect::LOOPBACK_REDIRECT.into(),
        ],
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
        key: key_of(id),
        label: handle.into(),
        handle: handle.into(),
        server: SERVER.into(),
        software: Some("Mastodon".into()),
        id: id.into(),
        display_name: "Alice".into(),
        scopes: vec!["profile".into()],
        revocable: true,
        requested: None,
        created_at: now(),
        expires_at: None,
        last_checked_at: status.map(|_| now()),
        last_status: status,
        last_detail: status.map(|_| "@alice".into()),
    }
}

fn view_with(rows: Vec<AccountRow>) -> VaultView {
    VaultView {
        accounts: rows,
        servers: vec![SERVER.into()],
        verify_needs_read_on: Vec::new(),
    }
}

fn start(status: VaultStatus, start: Start, env: Option<Secret>) -> (State, Vec<Effect>) {
    let mut session = Session::new(
        status,
        false,
        PathBuf::from("/home/me/.config/mastokey"),
        Box::new(SeededRandom(7)),
    );
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
        .draw(|frame| state.render(frame, Theme::new(true)))
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
            result: Ok(PreparedApp {
                app: app(),
                reused,
                substituted: Vec::new(),
                single_redirect: None,
            }),
        },
    )
}

/// A successful code exchange giving `token` (scope `profile`); returns the verify request's stamp.
fn exchanged(state: &mut State, stamp: u64, token: &str) -> u64 {
    let grant = TokenGrant {
        access_token: Secret::new(token),
        scopes: vec!["profile".into()],
        created_at: None,
        expires_in: None,
        dropped: Vec::new(),
    };
    stamp_of(&send(
        state,
        Msg::Exchanged {
            stamp,
            result: Ok(grant),
        },
    ))
}

/// Snapshots the screen at 80×24 and at the minimum size, 60×16. The sign-in link is drawn as
/// is: its `state` and PKCE challenge come from the seeded generator.
fn snap(name: &str, state: &State) {
    for (suffix, width, height) in [("", 80, 24), ("_small", 60, 16)] {
        layout::assert_readable(state, width, height);
        snap_text(&format!("{name}{suffix}"), &render_at(state, width, height));
    }
}

/// One snapshot, named under this module whichever test module asks for it.
fn snap_text(name: &str, shown: &str) {
    insta::assert_snapshot!(name.to_owned(), shown);
}

/// The stamp of the single effect of the given kind.
fn stamp_of(effects: &[Effect]) -> u64 {
    // The loopback listener's start rides along with the Authorize step; skip it here.
    let effects: Vec<&Effect> = effects
        .iter()
        .filter(|e| !matches!(e, Effect::ListenForCallback { .. }))
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
            | Effect::RemoveAccount { stamp, .. }
            | Effect::Revoke { stamp, .. },
        ] => *stamp,
        other => panic!("expected one stamped effect, got {other:?}"),
    }
}

/// A fresh wizard (no vault) that has discovered the server and shows the scopes.
fn at_scopes(modern: bool) -> State {
    at_scopes_with(caps(modern))
}

/// As `at_scopes`, with the server's capabilities given.
fn at_scopes_with(caps: Capabilities) -> State {
    let (mut state, _) = start(VaultStatus::Missing, Start::Add(None), None);
    typed(&mut state, "social.example");
    let effects = key(&mut state, Key::Enter);
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::Discovered {
            stamp,
            result: Ok(caps),
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

/// From a new vault's Verify step: alice (id 7) checks out and the first passphrase is typed
/// twice; returns the stamp of the save that creates the vault.
fn at_first_save(modern: bool) -> (State, u64) {
    let (mut state, stamp) = at_verify(modern);
    let stamp = stamp_of(&first_save_of_alice(&mut state, stamp));
    (state, stamp)
}

/// The save at `stamp` succeeds: the vault holds alice (id 7).
fn saved_alice(state: &mut State, stamp: u64) -> Vec<Effect> {
    send(
        state,
        Msg::Saved {
            stamp,
            result: Ok(view_with(vec![row("alice@social.example", "7", None)])),
        },
    )
}

/// The check at `stamp` answers alice (id 7); the new vault's passphrase is typed twice and
/// Enter saves: the effects of that Enter.
fn first_save_of_alice(state: &mut State, stamp: u64) -> Vec<Effect> {
    send(
        state,
        Msg::Verified {
            stamp,
            result: Ok(account("7", "alice")),
        },
    );
    typed(state, "long enough passphrase");
    key(state, Key::Enter);
    typed(state, "long enough passphrase");
    key(state, Key::Enter)
}

mod adopt;
mod authorize;
mod discard;
mod exact_port;
mod farewell;
mod general;
mod home;
mod layout;
mod leaving;
mod loopback;
mod no_answer;
mod reauth;
mod register;
mod reopen;
mod scopes;
mod server;
mod verify;

/// alice is stored; signing in as her again reaches the replace-or-keep question.
pub(super) fn signed_in_again_as_a_known_account() -> State {
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
