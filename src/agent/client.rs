//! The command's side: one request per connection, with timeouts, to a socket that must be
//! ours; and [`AgentKey`], the stand-in for the identity that the vault opens with.

use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use age::x25519;
use age_core::format::{FileKey, Stanza};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{Env, IO_TIMEOUT, MAX_MESSAGE, Request, Response, disabled, own_uid, socket_path};
use crate::vault::{HeldKey, Vault};

/// Sends one request to the agent at `socket` and reads its answer.
pub fn request(socket: &Path, request: &Request) -> io::Result<Response> {
    request_within(socket, request, IO_TIMEOUT)
}

/// [`request`], waiting at most `timeout` for each read and write.
fn request_within(socket: &Path, request: &Request, timeout: Duration) -> io::Result<Response> {
    let meta = std::fs::symlink_metadata(socket)?;
    if meta.uid() != own_uid() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the socket belongs to another user",
        ));
    }
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let body = serde_json::to_vec(request).map_err(io::Error::other)?;
    write_frame(&mut stream, &body)?;
    let answer = zeroize::Zeroizing::new(read_frame(&mut stream)?);
    serde_json::from_slice(&answer).map_err(io::Error::other)
}

pub fn write_frame(stream: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    stream.write_all(&len.to_be_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn read_frame(stream: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = usize::try_from(u32::from_be_bytes(len)).map_err(io::Error::other)?;
    if len > MAX_MESSAGE {
        return Err(io::Error::other("the agent's answer is too large"));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    Ok(body)
}

/// The identity as the vault sees it when the agent holds it: each stanza goes to the agent,
/// which answers with the file key.
struct AgentKey {
    socket: PathBuf,
    recipient: x25519::Recipient,
}

impl age::Identity for AgentKey {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        // Only X25519 stanzas can be the vault's; others (grease) are not sent.
        if stanza.tag != "X25519" {
            return None;
        }
        let asked = Request::Unwrap {
            tag: stanza.tag.clone(),
            args: stanza.args.clone(),
            body: STANDARD.encode(&stanza.body),
        };
        let Ok(Response::FileKey { key }) = request(&self.socket, &asked) else {
            return None;
        };
        let bytes = zeroize::Zeroizing::new(STANDARD.decode(key.expose()).ok()?);
        let mut file_key = Box::new([0u8; 16]);
        if bytes.len() != file_key.len() {
            return None;
        }
        file_key.copy_from_slice(&bytes);
        Some(Ok(FileKey::new(file_key)))
    }
}

impl HeldKey for AgentKey {
    fn recipient(&self) -> x25519::Recipient {
        self.recipient.clone()
    }
}

/// How long the wizard's probe waits: a live agent answers in about 2 ms, and the wizard asks
/// before its first frame, so a hung agent (one that accepts and never answers) must not hold
/// the screen for the full [`IO_TIMEOUT`].
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(200);

/// The vault in `dir` opened through a running, unlocked agent; `None` when the agent is turned
/// off, not running, locked, or cannot open it (the caller falls back to the passphrase).
pub fn open_vault(dir: &Path, env: &Env) -> Option<Vault> {
    open_vault_within(dir, env, IO_TIMEOUT)
}

/// [`open_vault`] for the wizard, before its first frame: an agent that does not answer the
/// first request within [`PROBE_TIMEOUT`] is given up on (the Unlock screen follows).
pub fn probe_vault(dir: &Path, env: &Env) -> Option<Vault> {
    open_vault_within(dir, env, PROBE_TIMEOUT)
}

fn open_vault_within(dir: &Path, env: &Env, first_answer: Duration) -> Option<Vault> {
    if disabled(env) {
        return None;
    }
    let socket = socket_path(env, dir).ok()?;
    let asked = request_within(&socket, &Request::Recipient, first_answer);
    let Ok(Response::Recipient { recipient }) = asked else {
        return None;
    };
    let recipient = x25519::Recipient::from_str(&recipient).ok()?;
    Vault::unlock_held(dir, Box::new(AgentKey { socket, recipient })).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An agent that accepts and never answers (stopped, or stuck): the vault is not opened
    /// through it, and the answer comes well before `IO_TIMEOUT`, so the wizard's first frame is
    /// not held up.
    #[test]
    fn a_hung_agent_is_given_up_on_quickly() {
        let tmp = tempfile::tempdir().unwrap();
        let runtime = tmp.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        let vault_dir = tmp.path().join("vault");
        let env_runtime = runtime.clone();
        let env = move |name: &str| (name == "XDG_RUNTIME_DIR").then(|| env_runtime.clone().into());
        let socket = socket_path(&env, &vault_dir).unwrap();
        // Connections queue in the backlog and are never accepted, so never answered.
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let started = Instant::now();
        assert!(probe_vault(&vault_dir, &env).is_none());
        let took = started.elapsed();
        assert!(took < Duration::from_millis(600), "took {took:?}");
        assert!(took >= PROBE_TIMEOUT, "it did wait for an answer: {took:?}");
    }
}
