//! The layer in front of every handler: request recording, fault injection and `X-RateLimit-*`
//! headers; and the TCP listener that lets a handler really reset its connection, or close it
//! silently after one response (`Quirks::close_after_response`).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::state::RateLimit;
use super::{Fault, RecordedRequest, Shared};

/// A TCP listener whose connections can be told to die with a RST instead of answering.
pub struct ResettableListener(pub TcpListener);

/// Per-connection information handed to handlers (through `ConnectInfo`).
#[derive(Debug, Clone)]
pub struct Conn {
    pub peer: SocketAddr,
    kill: Arc<AtomicBool>,
    silent: Arc<AtomicBool>,
    /// Requests this connection has carried so far.
    served: Arc<AtomicUsize>,
}

impl Conn {
    /// From now on every read or write on this connection fails and the socket closes with a RST.
    pub fn reset(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }

    /// From now on the connection is closed without an answer: the client sees its request met
    /// by a closed socket.
    pub fn close_silently(&self) {
        self.silent.store(true, Ordering::SeqCst);
    }

    /// Counts one request; returns how many came before it on this connection.
    fn count_request(&self) -> usize {
        self.served.fetch_add(1, Ordering::SeqCst)
    }

    fn new(peer: SocketAddr) -> (Conn, Arc<AtomicBool>, Arc<AtomicBool>) {
        let (kill, silent) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let conn = Conn {
            peer,
            kill: kill.clone(),
            silent: silent.clone(),
            served: Arc::new(AtomicUsize::new(0)),
        };
        (conn, kill, silent)
    }
}

pub struct ConnIo {
    stream: TcpStream,
    kill: Arc<AtomicBool>,
    silent: Arc<AtomicBool>,
}

impl ConnIo {
    /// After `close_silently`: every call fails, so hyper drops the connection and the socket
    /// closes normally (a FIN: the client reads end of stream where it expected an answer).
    fn closed(&self) -> Option<io::Error> {
        self.silent.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "quirk: closed after one response",
            )
        })
    }

    fn killed(&self) -> Option<io::Error> {
        if self.kill.load(Ordering::SeqCst) {
            // SO_LINGER 0: closing sends a RST, so the client sees "connection reset", not an EOF.
            let _ = self.stream.set_zero_linger();
            Some(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "fault injected: reset",
            ))
        } else {
            None
        }
    }
}

impl Listener for ResettableListener {
    type Io = ConnIo;
    type Addr = Conn;

    async fn accept(&mut self) -> (ConnIo, Conn) {
        loop {
            match self.0.accept().await {
                Ok((stream, peer)) => {
                    let (conn, kill, silent) = Conn::new(peer);
                    return (
                        ConnIo {
                            stream,
                            kill,
                            silent,
                        },
                        conn,
                    );
                }
                // Out of file descriptors and the like: wait a little, as axum's own listener does.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Conn> {
        Ok(Conn::new(self.0.local_addr()?).0)
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, ResettableListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, ResettableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(err) = self.killed() {
            return Poll::Ready(Err(err));
        }
        if let Some(err) = self.closed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.killed() {
            return Poll::Ready(Err(err));
        }
        if let Some(err) = self.closed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.killed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Records the request, applies a fault if one matches, and adds the rate-limit headers.
pub async fn layer(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    // snac closes every connection after one response without saying so (no `Connection:
    // close`). The worst case of that race, made certain: a request that reuses a connection
    // meets a closed socket, and the server never sees it (it is not recorded either).
    let close_after_response = shared.lock().quirks.close_after_response;
    if conn.count_request() > 0 && close_after_response {
        conn.close_silently();
        return StatusCode::OK.into_response();
    }
    let path = parts.uri.path().to_string();
    let (fault, mode) = {
        let mut state = shared.lock();
        state
            .requests
            .push(record(&parts.method, &parts.uri, &parts.headers, &bytes));
        (state.fault_for(&path), state.mode)
    };
    match fault {
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Hang) => std::future::pending::<()>().await,
        Some(Fault::Reset) => {
            conn.reset();
            return StatusCode::OK.into_response();
        }
        Some(Fault::Html5xx(status)) => return html_5xx(status),
        Some(Fault::MalformedJson) => {
            return (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                r#"{"id":"1","username":"ali"#,
            )
                .into_response();
        }
        Some(Fault::RateLimited) => {
            let (_, reset) = shared.lock().window(super::state::API_PERIOD_SECS);
            let limit = RateLimit {
                limit: super::state::API_LIMIT,
                remaining: 0,
                reset,
            };
            return too_many_requests(&limit);
        }
        None => {}
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = next.run(request).await;
    if mode.is_mastodon() && path.starts_with("/api/") {
        let limit = shared.lock().count_api_request(conn.peer.ip());
        if !response.headers().contains_key("x-ratelimit-limit") {
            set_rate_limit_headers(response.headers_mut(), &limit);
        }
    }
    response
}

fn record(
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> RecordedRequest {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = if content_type.starts_with("application/json") {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
            _ => Vec::new(),
        }
    } else {
        url::form_urlencoded::parse(body).into_owned().collect()
    };
    RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        form,
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

pub fn set_rate_limit_headers(headers: &mut HeaderMap, limit: &RateLimit) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(limit.remaining));
    if let Ok(reset) = HeaderValue::from_str(&limit.reset) {
        headers.insert("x-ratelimit-reset", reset);
    }
}

/// rack-attack's `throttled_responder`: 429, JSON, rate-limit headers, no `Retry-After`.
pub fn too_many_requests(limit: &RateLimit) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        r#"{"error":"Too many requests"}"#,
    )
        .into_response();
    set_rate_limit_headers(response.headers_mut(), limit);
    response
}

/// What a reverse proxy in front of a sick server sends: an HTML page, not JSON.
fn html_5xx(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}
