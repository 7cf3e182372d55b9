#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream as StdTcpStream;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

use super::page::{Page, read_head, route};
use super::*;

const CODE: &str = "Qm9vbV9jb2RlX3dpdGhfNDNfY2hhcmFjdGVyc19sb25n";
const STATE: &str = "st4te-xyz";

fn client() -> reqwest::Client {
    crate::mastodon::install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn spawn_wait(listener: &CallbackListener) -> JoinHandle<Result<Secret, CallbackError>> {
    tokio::spawn(listener.wait(STATE.to_owned()))
}

async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn finished(
    handle: JoinHandle<Result<Secret, CallbackError>>,
) -> Result<Secret, CallbackError> {
    tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("wait resolves")
        .unwrap()
}

#[tokio::test]
async fn good_state_gives_the_code_and_the_thank_you_page() {
    let listener = CallbackListener::bind().await.unwrap();
    let uri = listener.redirect_uri();
    assert_eq!(
        uri,
        format!("http://127.0.0.1:{}/callback", listener.port())
    );
    assert_ne!(listener.port(), 0);
    let waiting = spawn_wait(&listener);

    let (status, headers, body) = get(&format!("{uri}?code={CODE}&state={STATE}")).await;
    assert_eq!(status, 200);
    assert!(body.contains(
        "mastokey received the authorization. You can close this tab and return to the terminal."
    ));
    assert!(!body.contains(CODE), "the code is never echoed");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["connection"], "close");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[tokio::test]
async fn wrong_or_missing_state_is_a_mismatch_and_wait_can_be_rearmed() {
    let listener = CallbackListener::bind().await.unwrap();
    let uri = listener.redirect_uri();

    let waiting = spawn_wait(&listener);
    let (status, _, body) = get(&format!("{uri}?code={CODE}&state=other")).await;
    assert_eq!(status, 400);
    assert!(body.contains("This sign-in answer does not belong to the current mastokey request"));
    assert!(!body.contains(CODE));
    assert_eq!(
        finished(waiting).await.unwrap_err(),
        CallbackError::StateMismatch
    );

    let waiting = spawn_wait(&listener);
    let (status, _, _) = get(&format!("{uri}?code={CODE}")).await;
    assert_eq!(status, 400);
    assert_eq!(
        finished(waiting).await.unwrap_err(),
        CallbackError::StateMismatch
    );

    // Re-armed: the right answer still gets through on the same port.
    let waiting = spawn_wait(&listener);
    let (status, _, _) = get(&format!("{uri}?code={CODE}&state={STATE}")).await;
    assert_eq!(status, 200);
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[tokio::test]
async fn denial_missing_and_bad_codes() {
    let listener = CallbackListener::bind().await.unwrap();
    let uri = listener.redirect_uri();
    let cases = [
        (
            format!(
                "{uri}?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.&state={STATE}"
            ),
            200,
            CallbackError::Denied,
        ),
        (
            format!("{uri}?state={STATE}"),
            400,
            CallbackError::MissingCode,
        ),
        (
            format!("{uri}?code=%3Cscript%3E&state={STATE}"),
            400,
            CallbackError::InvalidCode,
        ),
        // GoToSocial after Allow on a redirect mismatch: the server's error, not a denial.
        (
            format!(
                "{uri}?error=server_error&error_description=The+authorization+server+encountered+an+unexpected+condition%1B%5B2J&state={STATE}"
            ),
            400,
            CallbackError::ServerError {
                description: "The authorization server encountered an unexpected condition[2J"
                    .into(),
            },
        ),
        // A denial for another request is foreign, like any other answer.
        (
            format!("{uri}?error=access_denied&state=old"),
            400,
            CallbackError::StateMismatch,
        ),
    ];
    for (url, expected_status, expected) in cases {
        let waiting = spawn_wait(&listener);
        let (status, _, body) = get(&url).await;
        assert_eq!(status, expected_status, "{url}");
        assert!(!body.contains("script"), "nothing is echoed");
        assert_eq!(finished(waiting).await.unwrap_err(), expected, "{url}");
    }
}

#[tokio::test]
async fn other_paths_get_404_and_keep_it_listening() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);

    for path in ["/favicon.ico", "/", "/callback/extra", "/CALLBACK"] {
        let (status, headers, _) = get(&format!("http://127.0.0.1:{port}{path}")).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(headers["cache-control"], "no-store");
    }
    let response = client()
        .post(format!(
            "http://127.0.0.1:{port}/callback?code={CODE}&state={STATE}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(!waiting.is_finished());

    let (status, _, _) = get(&format!(
        "{}?state={STATE}&code={CODE}",
        listener.redirect_uri()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

fn refused(port: u16) -> bool {
    StdTcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
}

#[tokio::test]
async fn dropping_the_listener_closes_the_port() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    assert!(!refused(port));
    drop(listener);
    assert!(refused(port));

    // With a wait pending: it resolves with Closed and lets the socket go.
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);
    tokio::task::yield_now().await;
    drop(listener);
    assert_eq!(finished(waiting).await.unwrap_err(), CallbackError::Closed);
    assert!(refused(port));
}

async fn raw_exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    // The server may answer (and close) before everything was written.
    let _ = stream.write_all(request).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
    answer
}

#[tokio::test]
async fn garbage_and_oversized_requests_do_not_stop_it() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);

    let answer = raw_exchange(port, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert!(
        answer.starts_with(b"HTTP/1.1 400 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let answer = raw_exchange(port, b"GET /callback HTTP/1.1 extra\r\n\r\n").await;
    assert!(answer.starts_with(b"HTTP/1.1 400 "));
    // Not UTF-8, no end of head, then EOF: dropped without an answer.
    let answer = raw_exchange(port, &[0xff, 0xfe, 0x00, 0x80, b'\r', b'\n']).await;
    assert!(answer.is_empty());
    let answer = raw_exchange(port, b"\xff\xfe /callback HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with(b"HTTP/1.1 400 "));
    // Headers beyond the limit: 431. Exactly one byte too many, all of it read before the answer,
    // so the close is clean and the page always arrives.
    let mut huge =
        format!("GET /callback?code={CODE}&state={STATE} HTTP/1.1\r\nX-Fill: ").into_bytes();
    huge.resize(MAX_HEAD + 1, b'a');
    let answer = raw_exchange(port, &huge).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 431 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(!waiting.is_finished());

    // A raw, well-formed request still works.
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    let request =
        format!("GET /callback?code={CODE}&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[tokio::test]
async fn a_head_terminator_split_over_two_reads_is_found() {
    // `chain` hands out the two parts in separate reads, whatever the timing.
    let first = b"GET /callback?code=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r".as_slice();
    let mut reader = first.chain(b"\n".as_slice());
    let head = read_head(&mut reader).await.ok().unwrap();
    assert_eq!(head, b"GET /callback?code=x HTTP/1.1\r\nHost: 127.0.0.1");
}

#[tokio::test]
async fn an_idle_connection_does_not_block_the_callback() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);
    // A browser's speculative connection that never sends anything.
    let _idle = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    let (status, _, _) = get(&format!(
        "{}?code={CODE}&state={STATE}",
        listener.redirect_uri()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[test]
fn routing_without_a_network() {
    let ok = format!("GET /callback?code={CODE}&state={STATE} HTTP/1.1\r\nHost: x");
    let (page, outcome) = route(ok.as_bytes(), STATE);
    assert_eq!(page, Page::Received);
    assert_eq!(outcome.unwrap().unwrap().expose(), CODE);
    // Absolute form, as through a proxy.
    let absolute = format!("GET http://127.0.0.1:4711/callback?code={CODE}&state={STATE} HTTP/1.1");
    assert_eq!(route(absolute.as_bytes(), STATE).0, Page::Received);
    assert_eq!(
        route(b"GET http://127.0.0.1:4711 HTTP/1.1", STATE).0,
        Page::NotFound
    );
    assert_eq!(route(b"", STATE).0, Page::BadRequest);
    assert_eq!(route(b"GET /callback SPDY/3", STATE).0, Page::BadRequest);
    let (page, outcome) = route(b"GET /callback HTTP/1.0", STATE);
    assert_eq!(page, Page::WrongState);
    assert_eq!(outcome.unwrap().unwrap_err(), CallbackError::StateMismatch);
    // An empty expected state never matches, not even a blank one.
    assert_eq!(
        route(b"GET /callback?state=&code=abc HTTP/1.1", "").0,
        Page::WrongState
    );
    // Odd extra parameters do not spoil a good answer.
    let extra = format!("GET /callback?next=http://x/%20y&code={CODE}&state={STATE} HTTP/1.1");
    assert_eq!(route(extra.as_bytes(), STATE).0, Page::Received);
}

#[test]
fn responses_are_well_formed() {
    for page in [
        Page::Received,
        Page::WrongState,
        Page::Denied,
        Page::ServerError,
        Page::NoCode,
        Page::NotFound,
        Page::MethodNotAllowed,
        Page::BadRequest,
        Page::TooLarge,
    ] {
        let response = page.response();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with(&format!("HTTP/1.1 {}\r\n", page.status())));
        assert!(head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())));
        assert!(head.ends_with("\r\nConnection: close"));
        assert!(body.contains(page.text()));
    }
}

#[tokio::test]
async fn twenty_idle_connections_do_not_starve_the_callback() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .await
                .unwrap(),
        );
    }
    // Half-sent requests are idle too.
    for stream in idle.iter_mut().take(5) {
        stream.write_all(b"GET /callback?co").await.unwrap();
    }
    let (status, _, _) = get(&format!(
        "{}?code={CODE}&state={STATE}",
        listener.redirect_uri()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[tokio::test]
async fn more_idle_connections_than_the_limit_still_let_the_callback_in() {
    let listener = CallbackListener::bind().await.unwrap();
    let port = listener.port();
    let waiting = spawn_wait(&listener);
    // Held open (unused) until the end, so none of them is closed by this side.
    let mut idle = Vec::new();
    for _ in 0..MAX_CONNECTIONS + 8 {
        idle.push(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .await
                .unwrap(),
        );
    }
    let (status, _, _) = get(&format!(
        "{}?code={CODE}&state={STATE}",
        listener.redirect_uri()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
}

#[test]
fn callback_messages_say_what_and_what_next() {
    for error in [
        CallbackError::Bind {
            detail: "permission denied".into(),
        },
        CallbackError::StateMismatch,
        CallbackError::PortTaken { port: 43123 },
        CallbackError::Denied,
        CallbackError::ServerError {
            description: "The authorization server encountered an unexpected condition".into(),
        },
        CallbackError::MissingCode,
        CallbackError::InvalidCode,
        CallbackError::Closed,
    ] {
        crate::mastodon::errors::check_shape(&error.to_string());
    }
}

/// A reused app's exact loopback URI: its port is bound again, and a taken port is said so.
#[tokio::test]
async fn bind_port_binds_that_port_or_says_it_is_taken() {
    let first = CallbackListener::bind().await.unwrap();
    let port = first.port();
    assert_eq!(
        CallbackListener::bind_port(port).await.unwrap_err(),
        CallbackError::PortTaken { port }
    );
    drop(first);
    let again = CallbackListener::bind_port(port).await.unwrap();
    assert_eq!(again.port(), port);
    assert_eq!(again.redirect_uri(), super::loopback_uri(port));
    assert_eq!(super::loopback_port(&again.redirect_uri()), Some(port));
    for not_exact in [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:99999/callback",
        "http://127.0.0.1:+80/callback",
        "http://localhost:80/callback",
        "urn:ietf:wg:oauth:2.0:oob",
    ] {
        assert_eq!(super::loopback_port(not_exact), None, "{not_exact}");
    }
}
