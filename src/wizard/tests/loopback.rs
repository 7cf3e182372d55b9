//! The loopback listener, another device, the QR code.

use super::*;

use tokio::sync::watch;

use crate::wizard::msg::CallbackHandle;

const LOOPBACK_URI: &str = "http://127.0.0.1:45678/callback";

/// The listener's side of the handle: it sees the state a callback must carry, and that the
/// handle was dropped (which makes the executor close the port).
struct Listener(watch::Receiver<String>);

impl Listener {
    fn closed(&self) -> bool {
        self.0.has_changed().is_err()
    }

    fn state(&self) -> String {
        self.0.borrow().clone()
    }
}

/// At the authorize step with the listener running; returns the listener's stamp.
fn listening() -> (State, u64, Listener) {
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = app_ready(&mut state, stamp, true);
    let [
        Effect::ListenForCallback {
            stamp,
            state: expected,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let stamp = *stamp;
    let (sender, receiver) = watch::channel(expected.clone());
    let effects = send(
        &mut state,
        Msg::CallbackReady {
            stamp,
            result: Ok(CallbackHandle::new(LOOPBACK_URI.into(), sender)),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    let listener = Listener(receiver);
    assert!(!listener.closed());
    (state, stamp, listener)
}

fn state_param(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

fn authorize_url_of(state: &State) -> String {
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    a.url().to_owned()
}

#[test]
fn the_loopback_listener_takes_the_code_without_a_paste() {
    let (mut state, stamp, listener) = listening();
    let url = authorize_url_of(&state);
    assert_eq!(
        listener.state(),
        state_param(&url),
        "the listener waits for the link's state"
    );
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
    assert!(
        !listener.closed(),
        "still listening while the code is exchanged"
    );
    // Leaving the step after the exchange closes the port.
    let stamp = match effects
        .iter()
        .find(|e| matches!(e, Effect::Exchange { .. }))
    {
        Some(Effect::Exchange { stamp, .. }) => *stamp,
        _ => unreachable!(),
    };
    let grant = TokenGrant {
        access_token: Secret::new("t"),
        scopes: vec!["profile".into()],
        created_at: None,
        expires_in: None,
        dropped: Vec::new(),
    };
    send(
        &mut state,
        Msg::Exchanged {
            stamp,
            result: Ok(grant),
        },
    );
    assert!(matches!(state.step, Step::Verify(_)));
    assert!(listener.closed());
}

#[test]
fn a_callback_with_a_foreign_state_is_refused_and_shown() {
    let (mut state, stamp, listener) = listening();
    let effects = send(
        &mut state,
        Msg::CallbackReceived {
            stamp,
            result: Err(crate::mastodon::CallbackError::StateMismatch),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!listener.closed(), "still listening");
    let s = screen(&state);
    assert!(s.contains("another sign-in attempt"), "{s}");
}

#[test]
fn another_device_and_ssh_use_the_out_of_band_code() {
    let (mut state, _, listener) = listening();
    let effects = key(&mut state, Key::Char('m'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(listener.closed());
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
    let (mut state, _, _listener) = listening();
    let state_param = state_param(&authorize_url_of(&state));
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
    let (mut state, _, _listener) = listening();
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
    let (mut state, _, listener) = listening();
    let effects = key(&mut state, Key::Esc);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(state.step, Step::Scopes(_)));
    assert!(listener.closed());
}

#[test]
fn quitting_closes_the_port() {
    let (mut state, _, listener) = listening();
    key(&mut state, Key::Char('q'));
    assert!(state.session.quit);
    // The runner ends with the state; nothing else holds the listener.
    drop(state);
    assert!(listener.closed());
}

#[test]
fn a_listener_that_comes_too_late_is_closed_at_once() {
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = app_ready(&mut state, stamp, true);
    let [Effect::ListenForCallback { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let stamp = *stamp;
    // The out-of-band link is opened before the listener runs: it stays out-of-band.
    key(&mut state, Key::Enter);
    let (sender, receiver) = watch::channel(String::new());
    send(
        &mut state,
        Msg::CallbackReady {
            stamp,
            result: Ok(CallbackHandle::new(LOOPBACK_URI.into(), sender)),
        },
    );
    assert!(Listener(receiver).closed());
    assert!(authorize_url_of(&state).contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"));
}

#[test]
fn a_new_app_gives_a_new_state_and_the_listener_waits_for_it() {
    let (mut state, _, listener) = listening();
    let before = listener.state();
    let stamp = stamp_of(&key(&mut state, Key::Char('n')));
    app_ready(&mut state, stamp, false);
    let url = authorize_url_of(&state);
    assert_ne!(listener.state(), before);
    assert_eq!(listener.state(), state_param(&url));
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A45678%2Fcallback"),
        "{url}"
    );
}

#[test]
fn the_qr_code_view_and_its_size_fallback() {
    let (mut state, _, _listener) = listening();
    key(&mut state, Key::Char('r'));
    let small = screen(&state);
    assert!(small.contains("The QR code does not fit"), "{small}");
    snap_text("authorize_qr_too_small", &small);
    let big = render_at(&state, 100, 45);
    assert!(big.contains("Scan with your phone"), "{big}");
    assert!(
        big.contains('█') || big.contains('▀') || big.contains('▄'),
        "{big}"
    );
    // `r` is a letter of the code here; Esc goes back.
    key(&mut state, Key::Char('r'));
    assert!(render_at(&state, 100, 45).contains("Scan with your phone"));
    key(&mut state, Key::Esc);
    assert!(screen(&state).contains("4/5 Authorize"));
}

/// How the Authorize step is left.
#[derive(Debug, Clone, Copy)]
enum Leave {
    Esc,
    Quit,
    Success,
}

/// The real listener, started by the executor for the Authorize screen, closes its port however
/// the step is left.
#[tokio::test]
async fn leaving_authorize_any_way_closes_the_real_port() {
    for leave in [Leave::Esc, Leave::Quit, Leave::Success] {
        leave_authorize_with_a_real_listener(leave).await;
    }
}

async fn leave_authorize_with_a_real_listener(leave: Leave) {
    use std::time::{Duration, Instant};

    use crate::wizard::executor::{Executor, Services};

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let mut executor = Executor::new(
        Services {
            client: crate::mastodon::Client::new().unwrap(),
            browser: std::sync::Arc::new(crate::platform::fake::FakeBrowser::default()),
            clipboard: Box::new(crate::platform::fake::FakeClipboard::default()),
            dir: dir.path().to_owned(),
            clock: jiff::Timestamp::now,
        },
        tx,
    );
    let mut state = at_scopes(true);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    for effect in app_ready(&mut state, stamp, true) {
        executor.execute(effect);
    }
    let ready = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(ready, Msg::CallbackReady { result: Ok(_), .. }));
    send(&mut state, ready);
    let url = authorize_url_of(&state);
    let redirect = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    let connect = || tokio::net::TcpStream::connect(("127.0.0.1", port));
    assert!(connect().await.is_ok(), "listening on {port}");

    match leave {
        Leave::Esc => {
            key(&mut state, Key::Esc);
            assert!(matches!(state.step, Step::Scopes(_)));
        }
        // The runner's loop ends, and the state with it.
        Leave::Quit => {
            key(&mut state, Key::Char('q'));
            assert!(state.session.quit);
            drop(state);
        }
        Leave::Success => {
            let stamp = submit_code(&mut state, "the-code");
            exchanged(&mut state, stamp, "tok");
            assert!(matches!(state.step, Step::Verify(_)));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while connect().await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "{leave:?}: port {port} still open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn after_m_the_code_field_has_the_focus_and_every_letter_is_text() {
    let (mut state, _, listener) = listening();
    key(&mut state, Key::Char('m'));
    assert!(listener.closed());
    assert!(state.step.text_focused(), "the code is typed next");
    // Each of the step's one-letter commands, and the global ones, typed into the code.
    for c in "rqnomc?".chars() {
        let effects = key(&mut state, Key::Char(c));
        assert!(effects.is_empty(), "{c}: {effects:?}");
    }
    assert!(!state.session.quit);
    assert!(!state.help);
    let s = screen(&state);
    assert!(s.contains("Code: rqnomc?"), "{s}");
    assert!(s.contains("Enter use code"), "{s}");
    assert!(!s.contains("The QR code"), "{s}");
    // The note does not offer `r` as if it were a command here.
    let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("(or Tab, then r for a QR code)"), "{s}");
    key(&mut state, Key::Backspace);
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::Exchange {
            code, redirect_uri, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(code.expose(), "rqnomc");
    assert_eq!(redirect_uri, super::super::redirect::OOB_REDIRECT);
}

#[test]
fn the_qr_code_holds_the_link_that_shows_a_code_and_the_field_takes_the_letters() {
    let (mut state, _, listener) = listening();
    assert!(authorize_url_of(&state).contains("127.0.0.1"));
    key(&mut state, Key::Char('r'));
    // A phone cannot reach this computer's 127.0.0.1: the QR code is the out-of-band link.
    let url = authorize_url_of(&state);
    assert!(
        url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"),
        "{url}"
    );
    assert!(listener.closed());
    let lines = crate::wizard::qr::qr_lines(&url).unwrap();
    let big = render_at(&state, 100, 45);
    for line in &lines {
        assert!(big.contains(line.as_str()), "{big}");
    }
    assert!(state.step.text_focused());
    typed(&mut state, "rqn");
    assert!(!state.session.quit);
    let big = render_at(&state, 100, 45);
    assert!(big.contains("Code: rqn"), "{big}");
    assert!(big.contains("Scan with your phone"), "{big}");
    assert!(big.contains("Enter use code"), "{big}");
    // Esc goes back to the link, the code kept; Enter sends it with the out-of-band URI.
    key(&mut state, Key::Esc);
    let s = screen(&state);
    assert!(s.contains("4/5 Authorize"), "{s}");
    assert!(s.contains("Code: rqn"), "{s}");
    let effects = key(&mut state, Key::Enter);
    let [Effect::Exchange { redirect_uri, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(redirect_uri, super::super::redirect::OOB_REDIRECT);
}
