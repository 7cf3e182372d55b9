//! The loopback callback listener: a tiny HTTP/1.1 server on `127.0.0.1:<port>` that receives
//! the browser's redirect after "Authorize" (`GET /callback?code=…&state=…`).
//!
//! Mastodon ignores the port of a loopback redirect, but Takahē, GoToSocial and Mitra match the
//! registered string exactly. So an app is registered with the exact address
//! [`loopback_uri`]`(port)`, and when that app is reused its port is bound again
//! ([`CallbackListener::bind_port`]). [`CallbackListener::redirect_uri`] is what goes into the
//! authorize URL and, unchanged, into the code exchange.
//!
//! [`CallbackListener::wait`] resolves on every request to `/callback`: `Ok(code)` for the right
//! `state`, `Err(..)` otherwise (wrong or missing state, a denial, no usable code). The caller
//! re-arms by calling `wait` again. Other paths (`/favicon.ico`, …), unreadable requests and
//! idle connections are answered (or dropped) without resolving. Each connection is served on
//! its own, with a short deadline to send its request, and idle connections never keep a new one
//! out: at the limit, the oldest is closed. Dropping the listener closes the port; a `wait` still
//! pending then resolves with [`CallbackError::Closed`].
//!
//! The code is never logged, and no page echoes anything from the request.

mod page;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};

use crate::secret::Secret;
use page::{HeadError, Page, read_head, respond, route};

/// The path of the loopback redirect URI.
pub const CALLBACK_PATH: &str = "/callback";
/// The out-of-band redirect: the server shows the code on a page for the user to paste.
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The exact loopback redirect URI for a port: `http://127.0.0.1:PORT/callback`.
pub fn loopback_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// The port of an exact loopback redirect URI (`http://127.0.0.1:PORT/callback`); `None` for
/// anything else, including the port-less `http://127.0.0.1/callback` older apps carry.
pub fn loopback_port(uri: &str) -> Option<u16> {
    let port = uri
        .strip_prefix("http://127.0.0.1:")?
        .strip_suffix(CALLBACK_PATH)?;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse().ok().filter(|&p: &u16| p != 0)
}

/// Request line plus headers. Browsers send about 1 KiB, but cookies set on 127.0.0.1 by other
/// local servers (cookies ignore the port) can make it much longer.
const MAX_HEAD: usize = 32 * 1024;
/// Time for a connection to send its whole request head. Browsers send it at once; speculative
/// connections that stay idle are closed after this.
const READ_TIMEOUT: Duration = Duration::from_secs(3);
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once. A new connection beyond this closes the oldest one, so idle or
/// slow connections can delay nobody: the newest is the likeliest to be the browser's answer.
const MAX_CONNECTIONS: usize = 32;

/// Why the browser's answer could not be used, or why listening failed or stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// No port could be opened on 127.0.0.1 (the sanitised OS error).
    Bind { detail: String },
    /// The port an app was registered with is taken by another program. Register a new app
    /// with a new port, or sign in with the code flow.
    PortTaken { port: u16 },
    /// A callback whose `state` is missing or not the one sent: not the answer to this request.
    StateMismatch,
    /// The user pressed "Deny" (`error=access_denied`).
    Denied,
    /// The server sent another error (GoToSocial after a redirect mismatch: `server_error`).
    /// `description` is its `error_description` (or the error code), sanitised and shortened.
    ServerError { description: String },
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
        Self::bind_at(0).await
    }

    /// Binds `127.0.0.1:port`: the port of the exact loopback URI a reused app was registered
    /// with. [`CallbackError::PortTaken`] when another program holds it.
    pub async fn bind_port(port: u16) -> Result<Self, CallbackError> {
        if port == 0 {
            return Err(CallbackError::Bind {
                detail: "port 0 is not a port".into(),
            });
        }
        Self::bind_at(port).await
    }

    async fn bind_at(port: u16) -> Result<Self, CallbackError> {
        let bind_error = |e: std::io::Error| {
            if port != 0 && e.kind() == std::io::ErrorKind::AddrInUse {
                CallbackError::PortTaken { port }
            } else {
                CallbackError::Bind {
                    detail: e.kind().to_string(),
                }
            }
        };
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
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
        loopback_uri(self.port)
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
            // Oldest first, to close the oldest when a new connection needs room.
            let mut order: VecDeque<AbortHandle> = VecDeque::new();
            loop {
                tokio::select! {
                    // Only errs: nothing is ever sent, and the sender lives in the listener.
                    _ = closed.changed() => return Err(CallbackError::Closed),
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            order.retain(|handle| !handle.is_finished());
                            if order.len() >= MAX_CONNECTIONS
                                && let Some(oldest) = order.pop_front()
                            {
                                oldest.abort();
                            }
                            order.push_back(
                                connections.spawn(serve(stream, Arc::clone(&expected_state))),
                            );
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

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Bind { detail } => write!(
                f,
                "mastokey could not listen on 127.0.0.1 for the browser's answer ({detail}). Paste the code from the browser instead."
            ),
            CallbackError::StateMismatch => f.write_str(
                "the browser sent an answer that belongs to another sign-in attempt, so it was ignored. Finish signing in on the latest authorize page, or paste the code.",
            ),
            CallbackError::PortTaken { port } => write!(
                f,
                "another program is using port {port} on 127.0.0.1, which mastokey's app on this server was registered with. Register a new app, or sign in by pasting the code (m)."
            ),
            CallbackError::Denied => f.write_str(
                "the authorization was denied in the browser. Open the authorize page again and choose Authorize.",
            ),
            CallbackError::ServerError { description } => write!(
                f,
                "the server reported an error instead of a code: \"{description}\". Sign in by pasting the code instead (m)."
            ),
            CallbackError::MissingCode => f.write_str(
                "the browser's answer held no authorization code. Open the authorize page again, or paste the code.",
            ),
            CallbackError::InvalidCode => f.write_str(
                "the browser's answer held something that is not an authorization code. Open the authorize page again, or paste the code.",
            ),
            CallbackError::Closed => f.write_str(
                "mastokey stopped waiting for the browser's answer. Open the authorize page again, or paste the code.",
            ),
        }
    }
}
impl std::error::Error for CallbackError {}
