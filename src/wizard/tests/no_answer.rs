//! The loopback sign-in when no answer comes, or an error does: the code flow (`m`) is always
//! offered, and the screen never says two contradicting things.

use super::*;

use jiff::SignedDuration;
use tokio::sync::watch;

use crate::mastodon::CallbackError;
use crate::wizard::msg::CallbackHandle;

/// At the authorize step with the listener running and the link opened in the browser.
fn opened() -> (State, u64, watch::Receiver<String>) {
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = app_ready(&mut state, stamp, true);
    let [
        Effect::ListenForCallback {
            stamp, state: want, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let stamp = *stamp;
    let (sender, receiver) = watch::channel(want.clone());
    send(
        &mut state,
        Msg::CallbackReady {
            stamp,
            result: Ok(CallbackHandle::new(
                "http://127.0.0.1:45678/callback".into(),
                sender,
            )),
        },
    );
    let effects = key(&mut state, Key::Enter);
    assert!(matches!(effects.as_slice(), [Effect::OpenBrowser { .. }]));
    send(&mut state, Msg::BrowserOpened(Ok(())));
    (state, stamp, receiver)
}

#[test]
fn no_answer_after_a_few_seconds_says_to_press_m() {
    let (mut state, _, _listener) = opened();
    let s = screen(&state);
    assert!(s.contains("continues by itself"), "{s}");
    assert!(s.contains("m other device"), "m stays in the footer: {s}");
    assert!(!s.contains("No answer"), "{s}");
    assert!(state.needs_tick(), "the hint needs a tick to appear");
    // Time passes on the injected clock only.
    state.session.now = now() + SignedDuration::from_secs(7);
    send(&mut state, Msg::Tick);
    let s = screen(&state);
    assert!(s.contains("No answer from the browser yet"), "{s}");
    assert!(s.contains("press m"), "{s}");
    assert!(!s.contains("continues by itself"), "{s}");
    assert!(!state.needs_tick(), "no ticking once the hint shows");
    snap("authorize_no_answer", &state);
    // m switches to the code flow, and nothing about the loopback sign-in stays.
    key(&mut state, Key::Char('m'));
    let s = screen(&state);
    assert!(s.contains("Sign in on another device"), "{s}");
    assert!(!s.contains("continues by itself"), "{s}");
    assert!(!s.contains("No answer"), "{s}");
    assert!(
        authorize_url(&state).contains("urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "out-of-band link"
    );
}

#[test]
fn a_callback_error_replaces_continues_by_itself_and_offers_m_unless_denied() {
    let (mut state, stamp, _listener) = opened();
    send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Err(CallbackError::ServerError {
                description: "The authorization server encountered an unexpected condition".into(),
            }),
        },
    );
    let s = screen(&state);
    assert!(!s.contains("continues by itself"), "{s}");
    assert!(!s.contains("denied"), "{s}");
    assert!(s.contains("unexpected condition"), "{s}");
    assert!(s.contains("instead (m)"), "{s}");
    assert!(!s.contains("Press m"), "said once: {s}");
    snap("authorize_callback_server_error", &state);
    let (mut state, stamp, _listener) = opened();
    send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Err(CallbackError::Denied),
        },
    );
    let s = screen(&state);
    assert!(s.contains("denied"), "{s}");
    assert!(!s.contains("continues by itself"), "{s}");
    // After m, the denial is gone with the loopback sign-in.
    key(&mut state, Key::Char('m'));
    let s = screen(&state);
    assert!(!s.contains("denied"), "{s}");
}

#[test]
fn a_callback_without_a_code_offers_m() {
    let (mut state, stamp, _listener) = opened();
    send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Err(CallbackError::MissingCode),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Press m"), "{s}");
    assert!(!s.contains("continues by itself"), "{s}");
}

#[test]
fn m_is_a_letter_in_a_typed_code_on_the_code_flow() {
    let (mut state, _, _listener) = opened();
    key(&mut state, Key::Char('m'));
    key(&mut state, Key::Tab);
    key(&mut state, Key::Tab);
    key(&mut state, Key::Char('m'));
    let Step::Authorize(_) = &state.step else {
        panic!("left the step")
    };
    assert!(!screen(&state).contains("m code flow"));
}

fn authorize_url(state: &State) -> String {
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    a.url().to_owned()
}
