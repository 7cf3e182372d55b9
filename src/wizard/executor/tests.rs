//! The executor without a terminal: effects in, messages out, against the platform fakes and
//! the real loopback listener.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::{Executor, Services};
use crate::mastodon::{CallbackError, Client};
use crate::platform::fake::{FakeBrowser, FakeClipboard};
use crate::secret::Secret;
use crate::vault::VaultError;
use crate::wizard::msg::{CallbackHandle, Copied, Effect, Msg};

const DEADLINE: Duration = Duration::from_secs(5);

struct Harness {
    executor: Executor,
    rx: UnboundedReceiver<Msg>,
    browser: FakeBrowser,
    clipboard: FakeClipboard,
    dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let (browser, clipboard) = (FakeBrowser::default(), FakeClipboard::default());
    let (tx, rx) = unbounded_channel();
    let services = Services {
        client: Client::new().unwrap(),
        browser: std::sync::Arc::new(browser.clone()),
        clipboard: Box::new(clipboard.clone()),
        dir: dir.path().to_owned(),
        clock: jiff::Timestamp::now,
    };
    Harness {
        executor: Executor::new(services, tx),
        rx,
        browser,
        clipboard,
        dir,
    }
}

async fn next(rx: &mut UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .expect("no message within the deadline")
        .expect("the executor's channel closed")
}

/// Starts the listener for `state` and returns its handle and port.
async fn listening(h: &mut Harness, state: &str) -> (CallbackHandle, u16) {
    h.executor.execute(Effect::ListenForCallback {
        stamp: 1,
        state: state.into(),
        port: None,
    });
    let Msg::CallbackReady {
        stamp: 1,
        result: Ok(handle),
    } = next(&mut h.rx).await
    else {
        panic!("the listener did not start")
    };
    let port = port_of(&handle.redirect_uri);
    (handle, port)
}

fn port_of(redirect_uri: &str) -> u16 {
    url::Url::parse(redirect_uri).unwrap().port().unwrap()
}

/// Polls until nothing accepts connections on `port` any more.
async fn assert_port_closes(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
        assert!(start.elapsed() < DEADLINE, "port {port} is still open");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn callback(port: u16, query: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request =
        format!("GET /callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
}

#[tokio::test]
async fn dropping_the_callback_handle_closes_the_port() {
    let mut h = harness();
    let (handle, port) = listening(&mut h, "s1").await;
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_ok());
    drop(handle);
    assert_port_closes(port).await;
}

#[tokio::test]
async fn callbacks_come_back_one_by_one_for_the_state_the_handle_expects() {
    let mut h = harness();
    let (handle, port) = listening(&mut h, "s1").await;
    callback(port, "code=first&state=s1").await;
    let Msg::CallbackReceived {
        stamp: 1,
        result: Ok(code),
    } = next(&mut h.rx).await
    else {
        panic!("no code")
    };
    assert_eq!(code.expose(), "first");
    // A new link: the old state is refused, the new one accepted, on the same port.
    handle.expect("s2".into());
    callback(port, "code=old&state=s1").await;
    assert!(matches!(
        next(&mut h.rx).await,
        Msg::CallbackReceived {
            result: Err(CallbackError::StateMismatch),
            ..
        }
    ));
    callback(port, "code=second&state=s2").await;
    let Msg::CallbackReceived {
        result: Ok(code), ..
    } = next(&mut h.rx).await
    else {
        panic!("no second code")
    };
    assert_eq!(code.expose(), "second");
}

#[tokio::test]
async fn the_browser_opens_the_link() {
    let mut h = harness();
    h.executor.execute(Effect::OpenBrowser {
        url: "https://social.example/oauth/authorize".into(),
    });
    assert!(matches!(next(&mut h.rx).await, Msg::BrowserOpened(Ok(()))));
    let opened = h
        .browser
        .opened
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    assert_eq!(*opened, ["https://social.example/oauth/authorize"]);
}

#[tokio::test]
async fn a_copied_token_is_cleared_when_its_time_is_up_and_when_the_wizard_ends() {
    let mut h = harness();
    let content = |h: &Harness| h.clipboard.content.lock().unwrap().clone();
    h.executor.execute(Effect::Copy {
        what: Copied::Token,
        text: Secret::new("tok-1"),
        generation: 1,
    });
    assert!(matches!(
        next(&mut h.rx).await,
        Msg::Copied {
            what: Copied::Token,
            result: Ok(_)
        }
    ));
    assert_eq!(content(&h).as_deref(), Some("tok-1"));
    // An older copy's timer leaves the newer token alone.
    h.executor.execute(Effect::ClearClipboard { generation: 0 });
    assert_eq!(content(&h).as_deref(), Some("tok-1"));
    h.executor.execute(Effect::ClearClipboard { generation: 1 });
    assert_eq!(content(&h), None);

    h.executor.execute(Effect::Copy {
        what: Copied::Token,
        text: Secret::new("tok-2"),
        generation: 2,
    });
    next(&mut h.rx).await;
    h.executor.clear_copied_token();
    assert_eq!(content(&h), None);
}

#[tokio::test]
async fn without_an_open_vault_nothing_is_removed_or_saved() {
    let mut h = harness();
    h.executor.execute(Effect::RemoveAccount {
        stamp: 3,
        key: crate::vault::model::AccountKey::new("https://social.example", "1"),
        revoke: false,
    });
    assert!(matches!(
        next(&mut h.rx).await,
        Msg::Removed {
            stamp: 3,
            result: Err(VaultError::Missing)
        }
    ));
}

/// A token made elsewhere, as `accounts::adopt::check_token` would describe it.
fn adopted_candidate(token: &str) -> crate::accounts::adopt::Candidate {
    use crate::mastodon::{BaseUrl, Capabilities, Software, VerifiedAccount};
    let caps = Capabilities {
        base: BaseUrl::parse("https://social.example/").unwrap(),
        domain: "social.example".into(),
        title: None,
        software: Software {
            name: "Mastodon".into(),
            version: Some("4.7.0".into()),
        },
        metadata: true,
        profile_scope: true,
        pkce_s256: true,
        scopes_supported: None,
        loopback_http: false,
    };
    crate::accounts::adopt::Candidate {
        server: crate::accounts::ServerRecord::from_capabilities(&caps),
        account: VerifiedAccount {
            id: "7".into(),
            username: "alice".into(),
            acct: "alice".into(),
            display_name: "Alice".into(),
            url: None,
        },
        token: Secret::new(token),
        app_name: Some("Elk".into()),
        scopes: vec!["read".into()],
        app: None,
    }
}

#[tokio::test]
async fn adopting_creates_the_vault_on_the_first_save_then_keeps_a_stored_account() {
    use crate::accounts::adopt::Adoption;
    let mut h = harness();
    h.executor.execute(Effect::Adopt {
        stamp: 3,
        candidate: Box::new(adopted_candidate("tok-1")),
        replace: false,
        new_vault: Some(Secret::new("long enough passphrase")),
    });
    assert!(matches!(next(&mut h.rx).await, Msg::VaultCreated { .. }));
    let Msg::Adopted {
        stamp: 3,
        result: Ok((Adoption::Added(key), view)),
    } = next(&mut h.rx).await
    else {
        panic!("not adopted")
    };
    assert_eq!(view.account(&key).unwrap().handle, "alice@social.example");
    assert!(!view.account(&key).unwrap().revocable);
    // The vault stays open: the next save needs no passphrase, and a stored account is kept.
    h.executor.execute(Effect::Adopt {
        stamp: 4,
        candidate: Box::new(adopted_candidate("tok-2")),
        replace: false,
        new_vault: None,
    });
    let Msg::Adopted {
        stamp: 4,
        result: Ok((Adoption::Kept(_), _)),
    } = next(&mut h.rx).await
    else {
        panic!("not kept")
    };
    let vault =
        crate::vault::Vault::unlock(h.dir.path(), &Secret::new("long enough passphrase")).unwrap();
    assert_eq!(vault.data().accounts[0].token.expose(), "tok-1");
}
