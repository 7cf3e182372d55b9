//! The agent process: accepts connections on its socket, checks each peer's uid, answers one
//! size-capped request per connection, and exits (forgetting the key) at the idle timeout or on
//! `lock`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use age::x25519;
use age_core::format::Stanza;
use age_core::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{IO_TIMEOUT, MAX_MESSAGE, Request, Response, own_uid, peer_allowed};
use crate::secret::Secret;

struct State {
    /// Zeroized on drop (x25519-dalek's `StaticSecret`); `None` once forgotten.
    identity: Option<x25519::Identity>,
    deadline: Instant,
    idle: Duration,
}

/// Serves until the idle timeout or a `lock`, then forgets the key and removes the socket.
pub async fn serve(
    listener: UnixListener,
    socket: PathBuf,
    identity: x25519::Identity,
    idle: Duration,
) {
    let state = Arc::new(Mutex::new(State {
        identity: Some(identity),
        deadline: Instant::now() + idle,
        idle,
    }));
    let stop = Arc::new(Notify::new());
    let me = own_uid();
    loop {
        let deadline = lock(&state).deadline;
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(handle(stream, Arc::clone(&state), Arc::clone(&stop), me));
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                if Instant::now() >= lock(&state).deadline {
                    break;
                }
            }
            () = stop.notified() => break,
        }
    }
    lock(&state).identity = None;
    remove_socket(&socket);
}

fn remove_socket(socket: &Path) {
    // Best effort: a stale socket is detected and replaced by the next `unlock`.
    let _ = std::fs::remove_file(socket);
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // The state is a key and two times: nothing a panic can leave half-changed.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn handle(mut stream: UnixStream, state: Arc<Mutex<State>>, stop: Arc<Notify>, me: u32) {
    let Ok(peer) = stream.peer_cred() else {
        return;
    };
    if !peer_allowed(peer.uid(), me) {
        return;
    }
    let _ = tokio::time::timeout(IO_TIMEOUT, async {
        let Some(body) = read_frame(&mut stream).await else {
            return;
        };
        let response = match serde_json::from_slice::<Request>(&body) {
            Ok(request) => answer(&state, &stop, request),
            Err(_) => Response::Refused,
        };
        if let Ok(bytes) = serde_json::to_vec(&response) {
            let bytes = zeroize::Zeroizing::new(bytes);
            let _ = write_frame(&mut stream, &bytes).await;
        }
    })
    .await;
}

/// A frame: a 4-byte big-endian length, then that many bytes (at most [`MAX_MESSAGE`]).
async fn read_frame(stream: &mut UnixStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await.ok()?;
    let len = usize::try_from(u32::from_be_bytes(len)).ok()?;
    if len > MAX_MESSAGE {
        return None;
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.ok()?;
    Some(body)
}

async fn write_frame(stream: &mut UnixStream, body: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(body.len()).map_err(std::io::Error::other)?;
    stream.write_all(&len.to_be_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

fn answer(state: &Mutex<State>, stop: &Notify, request: Request) -> Response {
    let mut state = lock(state);
    match request {
        Request::Status => Response::Status {
            unlocked: state.identity.is_some(),
            seconds_left: state
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs(),
            pid: std::process::id(),
        },
        Request::Recipient => match &state.identity {
            Some(identity) => Response::Recipient {
                recipient: identity.to_public().to_string(),
            },
            None => Response::Locked,
        },
        Request::Lock => {
            state.identity = None;
            stop.notify_one();
            Response::Locked
        }
        Request::Unwrap { tag, args, body } => {
            let Some(identity) = &state.identity else {
                return Response::Locked;
            };
            let Ok(body) = STANDARD.decode(body) else {
                return Response::Refused;
            };
            let stanza = Stanza { tag, args, body };
            match age::Identity::unwrap_stanza(identity, &stanza) {
                Some(Ok(file_key)) => {
                    let key = Secret::new(STANDARD.encode(file_key.expose_secret()));
                    state.deadline = Instant::now() + state.idle;
                    Response::FileKey { key }
                }
                _ => Response::NoMatch,
            }
        }
    }
}
