//! `mastokey unlock`, `lock`, `status`, and the hidden `agent-serve` that is the agent itself
//! (see `agent` for the protocol and its security model).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::str::FromStr;
use std::time::Duration;

use age::x25519;

use super::{Env, output, unlock};
use crate::agent::{self, AgentError, Request, Response, client};
use crate::error::Error;
use crate::vault::{PASSPHRASE_VARIABLES, VaultError};

/// The line the agent prints once its socket is listening.
const READY: &str = "ready";
/// An age secret key is 74 characters; more on stdin is not one.
const MAX_IDENTITY_BYTES: u64 = 256;

/// `--timeout`: seconds, or a number with `s`, `m` or `h`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration (try 900, 15m or 1h)"))?;
    let seconds = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        _ => return Err(format!("\"{text}\": the unit must be s, m or h")),
    };
    if seconds == 0 {
        return Err("the timeout must be at least one second".into());
    }
    Ok(Duration::from_secs(seconds))
}

fn socket(env: &Env) -> Result<(PathBuf, PathBuf), Error> {
    let (dir, exists) = unlock::locate(env)?;
    if !exists {
        return Err(VaultError::Missing.into());
    }
    let socket = agent::socket_path(env, &dir).map_err(Error::Agent)?;
    Ok((dir, socket))
}

/// (unlocked, seconds left, the agent's pid) when an agent answers.
fn status_of(socket: &Path) -> Option<(bool, u64, u32)> {
    match client::request(socket, &Request::Status) {
        Ok(Response::Status {
            unlocked,
            seconds_left,
            pid,
        }) => Some((unlocked, seconds_left, pid)),
        _ => None,
    }
}

fn minutes(seconds: u64) -> String {
    format!("{} min {} s", seconds / 60, seconds % 60)
}

pub fn unlock(timeout: Duration, env: &Env) -> Result<(), Error> {
    let (dir, socket) = socket(env)?;
    if let Some((true, left, _)) = status_of(&socket) {
        return output::println(&format!(
            "Already unlocked; the agent forgets the key after {} without use. `mastokey lock` \
             forgets it now (run it first to unlock again with another --timeout).",
            minutes(left)
        ));
    }
    let vault = unlock::open_with_passphrase(&dir, env)?;
    let identity = vault.identity_for_agent().ok_or_else(|| {
        Error::Agent(AgentError::NotStarted {
            detail: "the vault was opened without its key".into(),
        })
    })?;
    drop(vault);
    let exe = std::env::current_exe().map_err(|e| not_started(&e))?;
    let mut command = Command::new(exe);
    command
        .arg("agent-serve")
        .arg("--socket")
        .arg(&socket)
        .arg("--timeout")
        .arg(timeout.as_secs().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group: Ctrl-C in this terminal does not reach it.
        .process_group(0);
    for variable in PASSPHRASE_VARIABLES {
        command.env_remove(variable);
    }
    let mut child = command.spawn().map_err(|e| not_started(&e))?;
    {
        let mut stdin = child.stdin.take().ok_or_else(|| not_started(&"no pipe"))?;
        stdin
            .write_all(format!("{}\n", identity.expose()).as_bytes())
            .map_err(|e| not_started(&e))?;
    }
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).take(64).read_line(&mut line);
    }
    if line.trim() != READY {
        let _ = child.kill();
        let _ = child.wait();
        return Err(not_started(&"it exited before listening"));
    }
    output::println(&format!(
        "Unlocked: commands use the agent's key until {} pass without use. `mastokey lock` \
         forgets it now.",
        minutes(timeout.as_secs())
    ))
}

fn not_started(error: &dyn std::fmt::Display) -> Error {
    Error::Agent(AgentError::NotStarted {
        detail: error.to_string(),
    })
}

pub fn lock(env: &Env) -> Result<(), Error> {
    let (_, socket) = socket(env)?;
    match client::request(&socket, &Request::Lock) {
        Ok(_) => output::println("Locked: the agent forgot the key."),
        Err(_) => output::println("Already locked: no agent is running."),
    }
}

/// Prints the agent's state. Exit 0 when commands use an unlocked agent, 3 (a vault error, as
/// for any command that finds the vault locked) when not, so scripts can write
/// `mastokey status || mastokey unlock`. With `MASTOKEY_NO_AGENT` set, commands do not use the
/// agent: locked for them, whatever the agent holds.
pub fn status(env: &Env) -> Result<ExitCode, Error> {
    let (_, socket) = socket(env)?;
    let Some((true, left, pid)) = status_of(&socket) else {
        output::println("locked")?;
        return Ok(ExitCode::from(crate::error::EXIT_VAULT));
    };
    if agent::disabled(env) {
        output::println(&format!(
            "the agent (pid {pid}) is unlocked, but MASTOKEY_NO_AGENT is set: commands do not use \
             it. Unset MASTOKEY_NO_AGENT to use it."
        ))?;
        return Ok(ExitCode::from(crate::error::EXIT_VAULT));
    }
    output::println(&format!(
        "unlocked: {} left before the agent (pid {pid}) forgets the key",
        minutes(left)
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The agent: reads the identity from stdin, listens, says ready on stdout, serves.
pub fn serve(socket: &Path, timeout: Duration) -> Result<(), Error> {
    let mut text = zeroize::Zeroizing::new(String::new());
    io::stdin()
        .lock()
        .take(MAX_IDENTITY_BYTES)
        .read_line(&mut text)
        .map_err(Error::Terminal)?;
    let identity = x25519::Identity::from_str(text.trim())
        .map_err(|_| not_started(&"what it was given is not an age identity"))?;
    drop(text);
    // A socket that nobody answers on is left from an agent that was killed.
    if socket.exists() {
        if status_of(socket).is_some() {
            return Err(not_started(&"another agent is running for this vault"));
        }
        std::fs::remove_file(socket).map_err(|e| agent_io(socket, &e))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Terminal)?;
    runtime.block_on(async {
        let listener = tokio::net::UnixListener::bind(socket).map_err(|e| agent_io(socket, &e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| agent_io(socket, &e))?;
        }
        let mut stdout = io::stdout().lock();
        let _ = writeln!(stdout, "{READY}");
        let _ = stdout.flush();
        drop(stdout);
        agent::server::serve(listener, socket.to_owned(), identity, timeout).await;
        Ok(())
    })
}

fn agent_io(socket: &Path, error: &io::Error) -> Error {
    Error::Agent(AgentError::Io {
        path: socket.to_owned(),
        detail: error.kind().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_seconds_minutes_or_hours() {
        assert_eq!(parse_timeout("900"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_timeout("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_timeout("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_timeout("1s"), Ok(Duration::from_secs(1)));
        for bad in ["0", "", "m", "5d", "-3", "1.5m"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
