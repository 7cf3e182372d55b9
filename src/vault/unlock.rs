//! Non-interactive passphrase sources, restic's convention: a command, a file, or the variable.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{PassphraseProblem, VaultError};
use crate::secret::Secret;

pub const PASSPHRASE_COMMAND: &str = "MASTOKEY_PASSPHRASE_COMMAND";
pub const PASSPHRASE_FILE: &str = "MASTOKEY_PASSPHRASE_FILE";
pub const PASSPHRASE: &str = "MASTOKEY_PASSPHRASE";
/// All three, for removing them from the environment of programs mastokey starts.
pub const PASSPHRASE_VARIABLES: [&str; 3] = [PASSPHRASE_COMMAND, PASSPHRASE_FILE, PASSPHRASE];

/// The longest passphrase read from any source, the prompt included: far above any real
/// passphrase, and the most ever read, so `cat /dev/zero` cannot exhaust memory.
pub const MAX_PASSPHRASE_BYTES: usize = 4096;

/// How long `MASTOKEY_PASSPHRASE_COMMAND` may run before it is killed: long enough to type a
/// password-manager unlock, short enough that a hung command does not hang mastokey.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The passphrase from the first of `MASTOKEY_PASSPHRASE_COMMAND` (run with `sh -c`, its stdout
/// minus one trailing newline), `MASTOKEY_PASSPHRASE_FILE` (its first line) and
/// `MASTOKEY_PASSPHRASE` that is set; `Ok(None)` when none is, so the caller prompts. A variable
/// set to the empty string counts as unset. Errors name the variable, never the passphrase.
pub fn passphrase_from_env(
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Option<Secret>, VaultError> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(command) = get(PASSPHRASE_COMMAND) {
        return from_command(&command).map(Some);
    }
    if let Some(path) = get(PASSPHRASE_FILE) {
        return from_file(PathBuf::from(path)).map(Some);
    }
    if let Some(value) = get(PASSPHRASE) {
        let value = Zeroizing::new(
            value
                .into_string()
                .map_err(|_| problem(PASSPHRASE, PassphraseProblem::NotUtf8))?,
        );
        return to_secret(PASSPHRASE, value.as_bytes()).map(Some);
    }
    Ok(None)
}

/// Which variable [`passphrase_from_env`] takes the passphrase from, if any: so an error can say
/// where a wrong passphrase came from.
pub fn passphrase_source(env: &dyn Fn(&str) -> Option<OsString>) -> Option<&'static str> {
    PASSPHRASE_VARIABLES
        .into_iter()
        .find(|name| env(name).is_some_and(|v| !v.is_empty()))
}

fn problem(variable: &'static str, problem: PassphraseProblem) -> VaultError {
    VaultError::PassphraseSource { variable, problem }
}

fn from_command(command: &OsString) -> Result<Secret, VaultError> {
    from_command_within(command, COMMAND_TIMEOUT)
}

/// Runs the command, reading at most [`MAX_PASSPHRASE_BYTES`] + 1 bytes of its stdout, and kills
/// it when it runs past `timeout` or writes too much.
fn from_command_within(command: &OsString, timeout: Duration) -> Result<Secret, VaultError> {
    // stdin and stderr stay the user's, so a command such as `pass show …` can ask for its own
    // unlock and report its own errors; only stdout is taken.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            problem(
                PASSPHRASE_COMMAND,
                PassphraseProblem::CommandNotStarted {
                    detail: e.to_string(),
                },
            )
        })?;
    let deadline = Instant::now() + timeout;
    let timed_out = || {
        problem(
            PASSPHRASE_COMMAND,
            PassphraseProblem::CommandTimedOut {
                secs: timeout.as_secs(),
            },
        )
    };
    let Some(stdout) = child.stdout.take() else {
        stop(&mut child);
        return Err(timed_out());
    };
    // A thread reads, so the wait below can give up: a command (or a process it started) may
    // keep the pipe open for ever. The thread ends when the pipe closes.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_capped(stdout));
    });
    let Ok(read) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
        stop(&mut child);
        return Err(timed_out());
    };
    let bytes = match read {
        Ok(bytes) if bytes.len() > MAX_PASSPHRASE_BYTES => {
            stop(&mut child);
            return Err(too_long(PASSPHRASE_COMMAND));
        }
        Ok(bytes) => bytes,
        Err(e) => {
            stop(&mut child);
            return Err(problem(
                PASSPHRASE_COMMAND,
                PassphraseProblem::CommandNotStarted {
                    detail: e.to_string(),
                },
            ));
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => {
                stop(&mut child);
                return Err(timed_out());
            }
        }
    };
    if !status.success() {
        return Err(problem(
            PASSPHRASE_COMMAND,
            PassphraseProblem::CommandFailed {
                status: status.code(),
            },
        ));
    }
    to_secret(PASSPHRASE_COMMAND, strip_newline(&bytes))
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// What `reader` gives, in a wiped buffer, up to [`MAX_PASSPHRASE_BYTES`] + 1 bytes: reading
/// stops there, and a longer result tells the caller it was too long.
fn read_capped(mut reader: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    // Allocated once at full size, so no reallocation leaves an unwiped copy behind.
    let mut buf = Zeroizing::new(vec![0u8; MAX_PASSPHRASE_BYTES + 1]);
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

fn too_long(variable: &'static str) -> VaultError {
    problem(
        variable,
        PassphraseProblem::TooLong {
            max: MAX_PASSPHRASE_BYTES,
        },
    )
}

/// The file's first line. Any kind of file is read (`<(pass show …)` is a pipe), but never more
/// than [`MAX_PASSPHRASE_BYTES`] + 1 bytes (a first line longer than the limit is refused), and
/// not for longer than [`COMMAND_TIMEOUT`] (a FIFO nobody writes to blocks for ever).
fn from_file(path: PathBuf) -> Result<Secret, VaultError> {
    from_file_within(path, COMMAND_TIMEOUT)
}

fn from_file_within(path: PathBuf, timeout: Duration) -> Result<Secret, VaultError> {
    let unreadable = |path: PathBuf, detail: String| {
        problem(
            PASSPHRASE_FILE,
            PassphraseProblem::FileUnreadable { path, detail },
        )
    };
    // A thread opens and reads, so the wait can give up; it ends with the process at the latest.
    let (tx, rx) = mpsc::channel();
    let reading = path.clone();
    std::thread::spawn(move || {
        let _ = tx.send(File::open(&reading).and_then(read_capped));
    });
    let bytes = match rx.recv_timeout(timeout) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(unreadable(path, e.to_string())),
        Err(_) => {
            let detail = format!("nothing came within {} s", timeout.as_secs());
            return Err(unreadable(path, detail));
        }
    };
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    to_secret(PASSPHRASE_FILE, strip_newline(first_line))
}

/// Drops one trailing `\n` (or `\r\n`, or a lone `\r` left by splitting a CRLF line).
fn strip_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

fn to_secret(variable: &'static str, bytes: &[u8]) -> Result<Secret, VaultError> {
    if bytes.len() > MAX_PASSPHRASE_BYTES {
        return Err(too_long(variable));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| problem(variable, PassphraseProblem::NotUtf8))?;
    if text.is_empty() {
        return Err(problem(variable, PassphraseProblem::Empty));
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn get(pairs: &[(&str, &str)]) -> Result<Option<String>, VaultError> {
        passphrase_from_env(&env_of(pairs)).map(|s| s.map(|s| s.expose().to_owned()))
    }

    #[test]
    fn none_set_is_none() {
        assert!(get(&[]).unwrap().is_none());
        assert!(
            get(&[(PASSPHRASE, ""), (PASSPHRASE_FILE, "")])
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn order_is_command_file_variable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from file\r\nsecond line\n").unwrap();
        let file = file.to_str().unwrap();
        let all = [
            (PASSPHRASE, "from var"),
            (PASSPHRASE_FILE, file),
            (PASSPHRASE_COMMAND, "printf 'from command\\n\\n'"),
        ];
        assert_eq!(get(&all).unwrap().as_deref(), Some("from command\n"));
        assert_eq!(get(&all[..2]).unwrap().as_deref(), Some("from file"));
        assert_eq!(get(&all[..1]).unwrap().as_deref(), Some("from var"));
        assert_eq!(
            get(&[(PASSPHRASE_COMMAND, "echo ' spaced '")])
                .unwrap()
                .as_deref(),
            Some(" spaced ")
        );
    }

    #[test]
    fn failing_command_names_the_variable_not_the_output() {
        let err = get(&[(PASSPHRASE_COMMAND, "echo leaked-secret; exit 3")]).unwrap_err();
        assert!(
            matches!(
                &err,
                VaultError::PassphraseSource {
                    variable: PASSPHRASE_COMMAND,
                    problem: PassphraseProblem::CommandFailed { status: Some(3) }
                }
            ),
            "{err:?}"
        );
        let text = format!("{err} {err:?}");
        assert!(
            text.contains(PASSPHRASE_COMMAND) && !text.contains("leaked-secret"),
            "{text}"
        );
    }

    #[test]
    fn empty_and_unreadable_sources_are_errors() {
        let err = get(&[(PASSPHRASE_COMMAND, "true")]).unwrap_err();
        assert!(matches!(
            err,
            VaultError::PassphraseSource {
                problem: PassphraseProblem::Empty,
                ..
            }
        ));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("empty");
        std::fs::write(&file, "\nsecond").unwrap();
        let err = get(&[(PASSPHRASE_FILE, file.to_str().unwrap())]).unwrap_err();
        assert!(matches!(
            err,
            VaultError::PassphraseSource {
                problem: PassphraseProblem::Empty,
                ..
            }
        ));
        let missing = dir.path().join("missing");
        let err = get(&[(PASSPHRASE_FILE, missing.to_str().unwrap())]).unwrap_err();
        let VaultError::PassphraseSource {
            variable: PASSPHRASE_FILE,
            problem: PassphraseProblem::FileUnreadable { path, .. },
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(path, &missing);
        assert!(err.to_string().contains(missing.to_str().unwrap()));
    }

    #[test]
    fn a_command_that_never_ends_is_stopped_at_the_timeout() {
        // `sleep` runs as a child of `sh` and keeps the pipe open after `sh` is killed: the wait
        // must not depend on the pipe closing.
        for command in ["sleep 20", "sleep 20; echo late"] {
            let start = std::time::Instant::now();
            let err = from_command_within(&OsString::from(command), Duration::from_millis(300))
                .unwrap_err();
            assert!(
                matches!(
                    &err,
                    VaultError::PassphraseSource {
                        variable: PASSPHRASE_COMMAND,
                        problem: PassphraseProblem::CommandTimedOut { .. }
                    }
                ),
                "{err:?}"
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
        }
        // Closing stdout early and exiting later within the limit is fine.
        let got = from_command_within(
            &OsString::from("printf pw; exec >&-; sleep 0.1"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(got.expose(), "pw");
        assert_eq!(COMMAND_TIMEOUT, Duration::from_secs(30));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_nobody_writes_to_is_given_up_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let start = std::time::Instant::now();
        let err = from_file_within(fifo.clone(), Duration::from_millis(300)).unwrap_err();
        let VaultError::PassphraseSource {
            variable: PASSPHRASE_FILE,
            problem: PassphraseProblem::FileUnreadable { path, detail },
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(path, &fifo);
        assert!(detail.contains("nothing came within"), "{detail}");
        assert!(start.elapsed() < Duration::from_secs(5));
        // Let the reading thread go: open the FIFO for writing once, which unblocks its open.
        drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    }
}
