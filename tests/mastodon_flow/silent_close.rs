//! A server that closes each connection after one response without `Connection: close` (snac):
//! no request may fail because it met a connection the server had already closed.

use std::time::Duration;

use super::{OOB, Session, strings};
use crate::support::fake_server::{FakeServer, Mode};
use mastokey::mastodon::{Client, parse_server_input};

fn closing(mode: Mode) -> FakeServer {
    FakeServer::with_quirks(mode, |q| q.close_after_response = true)
}

/// The budget "0 false network errors in 50 sign-ins": register, approve, exchange, verify, on
/// one client whose pool holds connections the server has closed.
#[tokio::test]
async fn fifty_sign_ins_through_silent_closes_all_succeed() {
    let session = Session::with_server(closing(Mode::Mastodon47)).await;
    let mut failures = Vec::new();
    for round in 0..50 {
        // Mastodon 4.3+ allows 5 registrations per 10 minutes: keep under the throttle.
        session.server.advance(Duration::from_secs(121));
        let outcome = async {
            let app = session.register(&["read"]).await?;
            let request = session.authorize(&app, &["read"], OOB, false);
            let code = session.approve(&request, "alice");
            let grant = session.exchange(&app, &request, &code).await?;
            session.verify(&grant.access_token).await
        }
        .await;
        match outcome {
            Ok(account) => assert_eq!(account.username, "alice"),
            Err(error) => failures.push(format!("round {round}: {error}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
}

/// Discovery runs several GETs at once, so several pooled connections die together.
#[tokio::test]
async fn discovery_through_silent_closes_never_fails() {
    for mode in [Mode::Mastodon47, Mode::Snac] {
        let server = closing(mode);
        let client = Client::new().unwrap();
        let input = parse_server_input(&server.base_url()).unwrap();
        for round in 0..45 {
            let caps = client.discover(&input).await;
            assert!(caps.is_ok(), "{mode:?} round {round}: {caps:?}");
        }
    }
}

/// A POST is never sent on a pooled connection: the server sees every one of them, so a code is
/// never spent on a dead connection (a POST is not retried, since it may have been acted on).
#[tokio::test]
async fn posts_reach_the_server_after_gets_on_the_same_client() {
    let session = Session::with_server(closing(Mode::Mastodon47)).await;
    let app = session.register(&["read"]).await.unwrap();
    let request = session.authorize(&app, &["read"], OOB, false);
    let code = session.approve(&request, "alice");
    session.server.clear_requests();
    let grant = session.exchange(&app, &request, &code).await.unwrap();
    assert_eq!(grant.scopes, strings(&["read"]));
    let posts: Vec<_> = session
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "the token request was sent once");
}
