//! The loopback callback listener: a tiny HTTP/1.1 server on `127.0.0.1:<ephemeral port>` that
//! receives the browser's redirect after "Authorize" (`GET /callback?code=…&state=…`).
//!
//! The app is registered with `http://127.0.0.1/callback`; Mastodon ignores the port of a
//! loopback IP literal, so [`CallbackListener::redirect_uri`] (port included) is what goes into
//! the authorize URL and, unchanged, into the code exchange.
//!
//! [`CallbackListener::wait`] resolves on every request to `/callback`: `Ok(code)` for the right
//! `state`, `Err(..)` otherwise (wrong or missing state, a denial, no usable code). The caller
//! re-arms by calling `wait` again. Other paths (`/favicon.ico`, …), unreadable requests and
//! idle connections are answered (or dropped) without resolving. Dropping the listener closes
//! the port; a `wait` still pending then resolves with [`CallbackError::Closed`].
//!
//! The code is never logged, and no page echoes anything from the request.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::errors::CodeInputError;
use super::oauth::parse_pasted_code;
use crate::secret::Secret;

/// The path registered as `http://127.0.0.1/callback`.
pub const CALLBACK_PATH: &str = "/callback";

/// Request line plus headers. Browsers send about 1 KiB, but cookies set on 127.0.0.1 by other
/// local servers (cookies ignore the port) can make it much longer.
const MAX_HEAD: usize = 32 * 1024;
/// Time for a connection to send its request; browsers open idle speculative connections.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;

/// Why the browser's answer could not be used, or why listening failed or stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// No port could be opened on 127.0.0.1 (the sanitised OS error).
    Bind { detail: String },
    /// A callback whose `state` is missing or not the one sent: not the answer to this request.
    StateMismatch,
    /// The user pressed "Deny" (`error=access_denied`), or the server sent another error.
    Denied,
    /// The right state, but no `code` parameter.
    MissingCode,
    /// The `code` parameter holds characters a code cannot have.
    InvalidCode,
    /// The listener was dropped while waiting.
    Closed,
}

/// A listening socket on `127.0.0.1:<ephemeral port>`. Dropping it closes the port.
#[derive(Debug)]
pub struct CallbackListener {
    listener: Arc<TcpListener>,
    port: u16,
    /// Never sent on: dropping it tells pending `wait`s to stop and release the socket.
    closed: watch::Sender<()>,
}

impl CallbackListener {
    /// Binds `127.0.0.1:0`, so the OS picks a free port.
    pub async fn bind() -> Result<Self, CallbackError> {
        let bind_error = |e: std::io::Error| CallbackError::Bind {
            detail: e.kind().to_string(),
        };
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let (closed, _) = watch::channel(());
        Ok(Self {
            listener: Arc::new(listener),
            port,
            closed,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>/callback`: for the authorize URL and the code exchange.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the next request to `/callback` and answers it with a small page.
    ///
    /// Resolves with the code when its `state` equals `expected_state`, and with an error for
    /// any other callback (the browser gets a 400 or a "denied" page); call `wait` again to keep
    /// listening. Requests to other paths get a 404 and do not resolve it. The future owns what
    /// it needs (`'static`, `Send`), so it can be spawned; dropping it stops serving but keeps
    /// the port open until the listener itself is dropped.
    pub fn wait(
        &self,
        expected_state: String,
    ) -> impl Future<Output = Result<Secret, CallbackError>> + Send + 'static {
        let listener = Arc::clone(&self.listener);
        let mut closed = self.closed.subscribe();
        let expected_state: Arc<str> = expected_state.into();
        async move {
            // Dropped on return, which aborts the connections still being served.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    // Only errs: nothing is ever sent, and the sender lives in the listener.
                    _ = closed.changed() => return Err(CallbackError::Closed),
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            if connections.len() < MAX_CONNECTIONS {
                                connections.spawn(serve(stream, Arc::clone(&expected_state)));
                            }
                        }
                        // Transient (a connection reset before accept, too many open files):
                        // pause instead of spinning, then keep listening.
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    },
                    Some(served) = connections.join_next() => {
                        if let Ok(Some(outcome)) = served {
                            return outcome;
                        }
                    }
                }
            }
        }
    }
}

/// What one connection brought: `None` when it was not a callback (keep listening).
type Outcome = Option<Result<Secret, CallbackError>>;

async fn serve(mut stream: TcpStream, expected_state: Arc<str>) -> Outcome {
    let (page, outcome) = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => route(&head, &expected_state),
        Ok(Err(HeadError::TooLarge)) => (Page::TooLarge, None),
        // Closed early, broken, or idle for too long: nobody to answer.
        Ok(Err(HeadError::Closed)) | Err(_) => return None,
    };
    // The outcome stands even if the browser went away before reading the page.
    let _ = tokio::time::timeout(WRITE_TIMEOUT, respond(&mut stream, page)).await;
    outcome
}

enum HeadError {
    TooLarge,
    Closed,
}

/// Reads up to the blank line that ends the headers; returns what precedes it.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, HeadError> {
    let mut head = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(HeadError::Closed);
        }
        // Search from just before the new bytes, in case the terminator straddles two reads.
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(from + end);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

/// Decides the page and the outcome of one request head (request line and headers).
fn route(head: &[u8], expected_state: &str) -> (Page, Outcome) {
    let Some(line) = head.split(|&b| b == b'\n').next() else {
        return (Page::BadRequest, None);
    };
    let Ok(line) = std::str::from_utf8(line) else {
        return (Page::BadRequest, None);
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return (Page::BadRequest, None);
    };
    if !version.starts_with("HTTP/1.") {
        return (Page::BadRequest, None);
    }
    // Origin form (`/callback?…`); a proxy would send the absolute form (`http://host/…`).
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        return (Page::NotFound, None);
    }
    if method != "GET" {
        return (Page::MethodNotAllowed, None);
    }
    let outcome = callback(query, expected_state);
    let page = match &outcome {
        Ok(_) => Page::Received,
        Err(CallbackError::StateMismatch) => Page::WrongState,
        Err(CallbackError::Denied) => Page::Denied,
        Err(_) => Page::NoCode,
    };
    (page, Some(outcome))
}

/// Reads a callback query. The state is checked first: nothing else of a foreign answer counts.
fn callback(query: &str, expected_state: &str) -> Result<Secret, CallbackError> {
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value);
    // An empty expected state would accept a blank one: never a match.
    if expected_state.is_empty() || state.as_deref() != Some(expected_state) {
        return Err(CallbackError::StateMismatch);
    }
    // The same reading as a pasted callback address: error first, then the code's characters.
    let address = format!("http://127.0.0.1{CALLBACK_PATH}?{query}");
    parse_pasted_code(&address, expected_state).map_err(|e| match e {
        CodeInputError::Denied => CallbackError::Denied,
        CodeInputError::StateMismatch => CallbackError::StateMismatch,
        CodeInputError::Empty | CodeInputError::MissingCode => CallbackError::MissingCode,
        CodeInputError::InvalidCharacters => CallbackError::InvalidCode,
    })
}

/// The pages the browser can get. Fixed texts: nothing from the request is echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Received,
    WrongState,
    Denied,
    NoCode,
    NotFound,
    MethodNotAllowed,
    BadRequest,
    TooLarge,
}

impl Page {
    fn status(self) -> &'static str {
        match self {
            Page::Received | Page::Denied => "200 OK",
            Page::WrongState | Page::NoCode | Page::BadRequest => "400 Bad Request",
            Page::NotFound => "404 Not Found",
            Page::MethodNotAllowed => "405 Method Not Allowed",
            Page::TooLarge => "431 Request Header Fields Too Large",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Page::Received => {
                "mastokey received the authorization. You can close this tab and return to the terminal."
            }
            Page::WrongState => {
                "This sign-in answer does not belong to the current mastokey request, so it was ignored. Return to the terminal and open the latest authorize link, or paste the code there."
            }
            Page::Denied => {
                "mastokey was not authorized. You can close this tab; to try again, open the authorize link from the terminal once more."
            }
            Page::NoCode => {
                "This answer holds no usable authorization code. Return to the terminal and open the authorize link again, or paste the code there."
            }
            Page::NotFound => "Not found.",
            Page::MethodNotAllowed => "Only GET is served here.",
            Page::BadRequest => "This request could not be read.",
            Page::TooLarge => "This request is too large.",
        }
    }

    fn response(self) -> String {
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mastokey</title></head>\n<body><p>{}</p></body></html>\n",
            self.text()
        );
        let allow = if self == Page::MethodNotAllowed {
            "Allow: GET\r\n"
        } else {
            ""
        };
        format!(
            "HTTP/1.1 {}\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\n\
             Cache-Control: no-store\r\n\
             Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n\
             X-Content-Type-Options: nosniff\r\n\
             Referrer-Policy: no-referrer\r\n\
             {allow}\
             Connection: close\r\n\
             \r\n\
             {body}",
            self.status(),
            body.len(),
        )
    }
}

async fn respond(stream: &mut TcpStream, page: Page) -> std::io::Result<()> {
    stream.write_all(page.response().as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::TcpStream as StdTcpStream;

    use tokio::task::JoinHandle;

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
        assert!(
            body.contains("This sign-in answer does not belong to the current mastokey request")
        );
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
        let _ =
            tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
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
        // Headers beyond the limit: 431 (or a reset if the rest was still unread).
        let mut huge =
            format!("GET /callback?code={CODE}&state={STATE} HTTP/1.1\r\nX-Fill: ").into_bytes();
        huge.resize(huge.len() + 3 * MAX_HEAD, b'a');
        huge.extend_from_slice(b"\r\n\r\n");
        let answer = raw_exchange(port, &huge).await;
        assert!(answer.is_empty() || answer.starts_with(b"HTTP/1.1 431 "));
        assert!(!waiting.is_finished());

        // A raw, well-formed request with the terminator split over two writes still works.
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap();
        let request =
            format!("GET /callback?code={CODE}&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream.write_all(b"\n").await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
        assert_eq!(finished(waiting).await.unwrap().expose(), CODE);
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
        let absolute =
            format!("GET http://127.0.0.1:4711/callback?code={CODE}&state={STATE} HTTP/1.1");
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
}
