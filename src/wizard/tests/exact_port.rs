//! Apps with an exact loopback redirect URI (servers that match redirect URIs exactly), the
//! registration fallbacks said on screen, and one-redirect servers.

use super::*;

use tokio::sync::watch;

use crate::mastodon::CallbackError;
use crate::wizard::msg::CallbackHandle;

const EXACT: &str = "http://127.0.0.1:41234/callback";

fn exact_app(uris: &[&str], scopes: &[&str]) -> RegisteredApp {
    RegisteredApp {
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        redirect_uris: uris.iter().map(|s| (*s).to_owned()).collect(),
        ..app()
    }
}

/// At the Authorize step with this app; returns the effects that came with it.
fn authorize_with(prepared: PreparedApp) -> (State, Vec<Effect>) {
    let mut state = at_scopes(false);
    let stamp = stamp_of(&key(&mut state, Key::Enter));
    let effects = send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Ok(prepared),
        },
    );
    assert!(matches!(state.step, Step::Authorize(_)));
    (state, effects)
}

fn url_of(state: &State) -> String {
    let Step::Authorize(a) = &state.step else {
        panic!("not on the authorize step")
    };
    a.url().to_owned()
}

fn prepared(app: RegisteredApp) -> PreparedApp {
    PreparedApp {
        app,
        reused: true,
        substituted: Vec::new(),
        single_redirect: None,
    }
}

#[test]
fn an_exact_loopback_uri_binds_its_port_and_the_link_is_final_at_once() {
    let app = exact_app(&[redirect_oob(), EXACT], &["read:accounts"]);
    let (mut state, effects) = authorize_with(prepared(app));
    let [
        Effect::ListenForCallback {
            stamp,
            state: want,
            port,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*port, Some(41234));
    let url = url_of(&state);
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A41234%2Fcallback"),
        "{url}"
    );
    // Open pressed before the listener is up: the browser opens once the port listens, on the
    // link it serves.
    assert!(key(&mut state, Key::Enter).is_empty());
    let (sender, _receiver) = watch::channel(want.clone());
    let effects = send(
        &mut state,
        Msg::CallbackReady {
            stamp: *stamp,
            result: Ok(CallbackHandle::new(EXACT.into(), sender)),
        },
    );
    let [Effect::OpenBrowser { url: opened }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(opened, &url);
    send(&mut state, Msg::BrowserOpened(Ok(())));
    let s = screen(&state);
    assert!(s.contains("continues by itself"), "{s}");
    assert_eq!(url_of(&state), url);
}

#[test]
fn the_apps_port_taken_falls_back_to_the_code_and_says_so() {
    let app = exact_app(&[redirect_oob(), EXACT], &["read:accounts"]);
    let (mut state, effects) = authorize_with(prepared(app));
    let [Effect::ListenForCallback { stamp, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // Open pressed before the listener ran: once the port turns out taken, the browser opens
    // the link that shows a code, never the one that ends on the taken port.
    assert!(key(&mut state, Key::Enter).is_empty());
    let effects = send(
        &mut state,
        Msg::CallbackReady {
            stamp: *stamp,
            result: Err(CallbackError::PortTaken { port: 41234 }),
        },
    );
    let [Effect::OpenBrowser { url }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(url.contains("redirect_uri=urn%3Aietf"), "{url}");
    let s = screen(&state);
    assert!(
        s.contains("port mastokey registered with this server is in use"),
        "{s}"
    );
    assert!(url_of(&state).contains("redirect_uri=urn%3Aietf"));
    // The code is typed next: the field has the keys.
    assert!(state.step.text_focused());
}

#[test]
fn a_port_taken_by_another_program_moves_enter_to_the_code_flow() {
    // Nothing pressed yet: the link and Enter switch to the code.
    let app = exact_app(&[redirect_oob(), EXACT], &["read:accounts"]);
    let (mut state, effects) = authorize_with(prepared(app));
    let stamp = listen_stamp(&effects);
    let taken = Msg::CallbackReady {
        stamp,
        result: Err(CallbackError::PortTaken { port: 41234 }),
    };
    assert!(send(&mut state, taken).is_empty());
    let s = screen(&state);
    assert!(s.contains("so the sign-in uses"), "{s}");
    let effects = key(&mut state, Key::Enter);
    let [Effect::OpenBrowser { url }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(url.contains("redirect_uri=urn%3Aietf"), "{url}");
    assert!(!url.contains("41234"), "{url}");

    // An app with the loopback address only (one redirect per app): Enter gets an app for the
    // code flow, as `m` does, and the button says so.
    let app = exact_app(&[EXACT], &["read:accounts"]);
    let (mut state, effects) = authorize_with(PreparedApp {
        single_redirect: Some(EXACT.into()),
        ..prepared(app)
    });
    let stamp = listen_stamp(&effects);
    let taken = Msg::CallbackReady {
        stamp,
        result: Err(CallbackError::PortTaken { port: 41234 }),
    };
    send(&mut state, taken);
    let s = screen(&state);
    assert!(s.contains("Another program is using port 41234"), "{s}");
    assert!(s.contains("[ Sign in with a code ]"), "{s}");
    assert!(s.contains("Enter use a code"), "{s}");
    snap_text("authorize_port_taken_one_redirect", &s);
    let effects = key(&mut state, Key::Enter);
    let [
        Effect::PrepareApp {
            listen,
            force_new: false,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("never the link to the taken port: {effects:?}")
    };
    assert_eq!(*listen, crate::wizard::msg::Listen::CodeOnly);
    let state = start_dead_loopback();
    // The dead link is never offered: not for clicking (OSC 8), and `o` and `c` both get the
    // code flow.
    assert_eq!(state_link(&state), None);
    for letter in ['o', 'c'] {
        let mut state = start_dead_loopback();
        let effects = key(&mut state, Key::Char(letter));
        assert!(
            matches!(effects.as_slice(), [Effect::PrepareApp { .. }]),
            "{letter}: never the link to the taken port: {effects:?}"
        );
    }
}

/// An app with the loopback address only, whose port another program holds.
fn start_dead_loopback() -> State {
    let (mut state, effects) = authorize_with(PreparedApp {
        single_redirect: Some(EXACT.into()),
        ..prepared(exact_app(&[EXACT], &["read:accounts"]))
    });
    send(
        &mut state,
        Msg::CallbackReady {
            stamp: listen_stamp(&effects),
            result: Err(CallbackError::PortTaken { port: 41234 }),
        },
    );
    state
}

fn state_link(state: &State) -> Option<String> {
    match &state.step {
        Step::Authorize(s) => s.shown_link(),
        _ => None,
    }
}

#[test]
fn a_refused_scope_is_said_and_the_registered_scopes_are_asked_for() {
    let app = exact_app(&[redirect_oob(), EXACT], &["read"]);
    let (state, _) = authorize_with(PreparedApp {
        app,
        reused: false,
        substituted: vec![("read:accounts".into(), "read".into())],
        single_redirect: None,
    });
    let s = screen(&state);
    assert!(s.contains("read:accounts → read"), "{s}");
    assert!(s.contains("approve mastokey (read)"), "{s}");
    assert!(url_of(&state).contains("scope=read&"));
}

#[test]
fn a_server_with_one_redirect_per_app_and_only_the_code_says_why() {
    let app = exact_app(&[redirect_oob()], &["read:accounts"]);
    let (state, effects) = authorize_with(PreparedApp {
        app,
        reused: false,
        substituted: Vec::new(),
        single_redirect: Some(redirect_oob().into()),
    });
    assert!(effects.is_empty(), "{effects:?}");
    let s = screen(&state);
    assert!(s.contains("one redirect address per app"), "{s}");
}

fn listen_stamp(effects: &[Effect]) -> u64 {
    let [Effect::ListenForCallback { stamp, .. }] = effects else {
        panic!("{effects:?}")
    };
    *stamp
}

fn redirect_oob() -> &'static str {
    super::super::redirect::OOB_REDIRECT
}

#[test]
fn m_on_an_app_with_only_the_loopback_uri_registers_one_for_the_code() {
    let app = exact_app(&[EXACT], &["read:accounts"]);
    let (mut state, _) = authorize_with(PreparedApp {
        app,
        reused: false,
        substituted: Vec::new(),
        single_redirect: Some(EXACT.into()),
    });
    let effects = key(&mut state, Key::Char('m'));
    let [
        Effect::PrepareApp {
            listen,
            force_new: false,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*listen, crate::wizard::msg::Listen::CodeOnly);
    // The app for the code arrives: still the code flow, so the field keeps the focus.
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Ok(PreparedApp {
                reused: false,
                ..prepared(exact_app(&[redirect_oob()], &["read:accounts"]))
            }),
        },
    );
    assert!(state.step.text_focused());
    // Nothing was opened yet: nothing to approve "again".
    let s = screen(&state);
    assert!(s.contains("registered an app for the code flow"), "{s}");
    assert!(s.contains("then type the code here"), "{s}");
    assert!(!s.contains("again"), "{s}");
    typed(&mut state, "on");
    let s = screen(&state);
    assert!(s.contains("Code: on"), "{s}");
}

#[test]
fn m_reuses_the_code_flows_app_a_former_run_registered_and_says_so() {
    let (mut state, _) = authorize_with(PreparedApp {
        single_redirect: Some(EXACT.into()),
        ..prepared(exact_app(&[EXACT], &["read:accounts"]))
    });
    let effects = key(&mut state, Key::Char('m'));
    let stamp = stamp_of(&effects);
    send(
        &mut state,
        Msg::AppReady {
            stamp,
            result: Ok(prepared(exact_app(&[redirect_oob()], &["read:accounts"]))),
        },
    );
    let s = screen(&state);
    assert!(s.contains("Signing in with the code"), "{s}");
    assert!(!s.contains("registered"), "{s}");
    assert!(url_of(&state).contains("redirect_uri=urn%3Aietf"));
}

#[test]
fn registering_again_keeps_the_running_listeners_port() {
    let app = exact_app(&[redirect_oob(), EXACT], &["read:accounts"]);
    let (mut state, effects) = authorize_with(prepared(app));
    let [
        Effect::ListenForCallback {
            stamp, state: want, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    let (sender, _receiver) = watch::channel(want.clone());
    send(
        &mut state,
        Msg::CallbackReady {
            stamp: *stamp,
            result: Ok(CallbackHandle::new(EXACT.into(), sender)),
        },
    );
    let effects = key(&mut state, Key::Char('n'));
    let [Effect::PrepareApp { listen, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*listen, crate::wizard::msg::Listen::Port(41234));
}

#[test]
fn the_qr_view_says_why_an_app_without_the_code_page_has_no_qr_code() {
    let app = exact_app(&[EXACT], &["read:accounts"]);
    let (mut state, _) = authorize_with(PreparedApp {
        single_redirect: Some(EXACT.into()),
        ..prepared(app)
    });
    key(&mut state, Key::Char('r'));
    let big = render_at(&state, 100, 45);
    assert!(big.contains("No QR code for this sign-in"), "{big}");
    assert!(big.contains("then m to sign in with a code"), "{big}");
    assert!(!big.contains('█'), "no useless code: {big}");
    snap_text("authorize_qr_no_code_page", &screen(&state));
    // Nothing else happens on this view; Esc goes back to the link.
    assert!(key(&mut state, Key::Char('n')).is_empty());
    key(&mut state, Key::Esc);
    assert!(screen(&state).contains("4/5 Authorize"));
}
