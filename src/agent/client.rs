//! The command's side: one request per connection, with timeouts, to a socket that must be
//! ours; and [`AgentKey`], the stand-in for the identity that the vault opens with.

use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::x25519;
use age_core::format::{FileKey, Stanza};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{Env, IO_TIMEOUT, MAX_MESSAGE, Request, Response, disabled, own_uid, socket_path};
use crate::vault::{HeldKey, Vault};

/// Sends one request to the agent at `socket` and reads its answer.
pub fn request(socket: &Path, request: &Request) -> io::Result<Response> {
    let meta = std::fs::symlink_metadata(socket)?;
    if meta.uid() != own_uid() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the socket belongs to another user",
        ));
    }
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
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

/// The vault in `dir` opened through a running, unlocked agent; `None` when the agent is turned
/// off, not running, locked, or cannot open it (the caller falls back to the passphrase).
pub fn open_vault(dir: &Path, env: &Env) -> Option<Vault> {
    if disabled(env) {
        return None;
    }
    let socket = socket_path(env, dir).ok()?;
    let Ok(Response::Recipient { recipient }) = request(&socket, &Request::Recipient) else {
        return None;
    };
    let recipient = x25519::Recipient::from_str(&recipient).ok()?;
    Vault::unlock_held(dir, Box::new(AgentKey { socket, recipient })).ok()
}
