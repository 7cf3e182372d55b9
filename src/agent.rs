//! The unlock agent: a per-user process that holds the vault's decrypted age identity (never
//! the passphrase) so commands skip the key derivation. It answers four requests over a Unix
//! socket: status, unwrap (one age stanza of `vault.age`'s header into its file key), recipient
//! (the public key, for saving), lock (forget and exit). The identity never leaves the agent:
//! a command reads and decrypts `vault.age` itself with the file key, and encrypts to the
//! recipient, under its own vault lock as always.
//!
//! Security: the socket lives in `$XDG_RUNTIME_DIR/mastokey/` (else `mastokey-UID` under the temp
//! dir), a directory that must be ours and 0700; the socket is 0600; every connection's peer uid
//! is checked; messages are size-capped frames, and anything else gets a refusal or a closed
//! connection. The agent exits (zeroizing the key) after an idle timeout or on `lock`, and runs
//! with core dumps off like every mastokey process.

pub mod client;
pub mod server;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// Default idle timeout: the agent exits after this long without an unwrap.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);
/// Largest frame either side accepts (an X25519 stanza is about 100 bytes).
pub const MAX_MESSAGE: usize = 8 * 1024;
/// How long either side waits on the other for one request or answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// `MASTOKEY_NO_AGENT=1` (any non-empty value) keeps commands from using the agent.
pub const NO_AGENT: &str = "MASTOKEY_NO_AGENT";

/// The process environment as commands read it.
pub type Env = dyn Fn(&str) -> Option<OsString>;

/// What a client asks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    Status,
    /// One stanza of an age header; `body` in standard base64.
    Unwrap {
        tag: String,
        args: Vec<String>,
        body: String,
    },
    Recipient,
    Lock,
}

/// What the agent answers.
#[derive(Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Response {
    Status {
        unlocked: bool,
        seconds_left: u64,
        pid: u32,
    },
    /// The file key (16 bytes, standard base64).
    FileKey {
        #[serde(with = "crate::secret::serde_exposed")]
        key: Secret,
    },
    /// The stanza is not for this key.
    NoMatch,
    Recipient {
        recipient: String,
    },
    Locked,
    /// Not a request this agent answers.
    Refused,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Response::Status {
                unlocked,
                seconds_left,
                pid,
            } => f
                .debug_struct("Status")
                .field("unlocked", unlocked)
                .field("seconds_left", seconds_left)
                .field("pid", pid)
                .finish(),
            Response::FileKey { .. } => f.write_str("FileKey(<redacted>)"),
            Response::NoMatch => f.write_str("NoMatch"),
            Response::Recipient { recipient } => f
                .debug_struct("Recipient")
                .field("recipient", recipient)
                .finish(),
            Response::Locked => f.write_str("Locked"),
            Response::Refused => f.write_str("Refused"),
        }
    }
}

/// Why the agent's socket cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(
        "the agent's directory {} is not safe to use ({detail}). Remove it, or set XDG_RUNTIME_DIR to a private directory.",
        path.display()
    )]
    UnsafeDir { path: PathBuf, detail: String },
    #[error("the agent's socket {} could not be used: {detail}.", path.display())]
    Io { path: PathBuf, detail: String },
    #[error(
        "the agent did not start: {detail}. Run `mastokey unlock` again, or use the passphrase variables."
    )]
    NotStarted { detail: String },
}

/// Only the user who runs the agent may talk to it (root included: it could read the memory
/// anyway, but nothing needs it).
pub fn peer_allowed(peer_uid: u32, own_uid: u32) -> bool {
    peer_uid == own_uid
}

pub fn own_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// The socket of the agent for the vault in `vault_dir`: one agent per vault directory, so two
/// vaults never share a key.
pub fn socket_path(env: &Env, vault_dir: &Path) -> Result<PathBuf, AgentError> {
    let dir = match env("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("mastokey"),
        None => std::env::temp_dir().join(format!("mastokey-{}", own_uid())),
    };
    private_dir(&dir)?;
    let hash = Sha256::digest(vault_dir.as_os_str().as_encoded_bytes());
    let name = hash[..8]
        .iter()
        .fold(String::with_capacity(16), |mut name, b| {
            use std::fmt::Write;
            // Writing to a String cannot fail.
            let _ = write!(name, "{b:02x}");
            name
        });
    Ok(dir.join(format!("agent-{name}.sock")))
}

/// Creates `dir` 0700 if missing, and checks that it is a directory (not a link) of ours that
/// nobody else can enter.
fn private_dir(dir: &Path) -> Result<(), AgentError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let unsafe_dir = |detail: &str| AgentError::UnsafeDir {
        path: dir.to_owned(),
        detail: detail.to_owned(),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(unsafe_dir(&e.kind().to_string())),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| unsafe_dir(&e.kind().to_string()))?;
    if !meta.file_type().is_dir() {
        return Err(unsafe_dir("it is not a directory"));
    }
    if meta.uid() != own_uid() {
        return Err(unsafe_dir("it belongs to another user"));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(unsafe_dir("other users can open it"));
    }
    Ok(())
}

/// Whether `MASTOKEY_NO_AGENT` is set.
pub fn disabled(env: &Env) -> bool {
    env(NO_AGENT).is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn another_uid_is_refused() {
        let me = own_uid();
        assert!(peer_allowed(me, me));
        assert!(!peer_allowed(me.wrapping_add(1), me));
        assert!(!peer_allowed(0, 1000));
    }

    #[test]
    fn the_socket_dir_is_private_and_per_vault() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let runtime = tmp.path().to_owned();
        let env = move |name: &str| (name == "XDG_RUNTIME_DIR").then(|| runtime.clone().into());
        let a = socket_path(&env, Path::new("/vault/a")).unwrap();
        let b = socket_path(&env, Path::new("/vault/b")).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.parent().unwrap(), tmp.path().join("mastokey"));
        let mode = std::fs::metadata(a.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(a.parent().unwrap(), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert!(matches!(
            socket_path(&env, Path::new("/vault/a")),
            Err(AgentError::UnsafeDir { .. })
        ));
    }

    #[test]
    fn the_file_key_never_shows_in_debug() {
        let text = format!(
            "{:?}",
            Response::FileKey {
                key: Secret::new("c2VjcmV0LWZpbGUta2V5")
            }
        );
        assert!(!text.contains("c2Vj"), "{text}");
    }
}
