//! Non-interactive passphrase sources, restic's convention: a command, a file, or the variable.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use super::{PassphraseProblem, VaultError};
use crate::secret::Secret;

pub const PASSPHRASE_COMMAND: &str = "MASTOKEY_PASSPHRASE_COMMAND";
pub const PASSPHRASE_FILE: &str = "MASTOKEY_PASSPHRASE_FILE";
pub const PASSPHRASE: &str = "MASTOKEY_PASSPHRASE";
/// All three, for removing them from the environment of programs mastokey starts.
pub const PASSPHRASE_VARIABLES: [&str; 3] = [PASSPHRASE_COMMAND, PASSPHRASE_FILE, PASSPHRASE];

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
        let value = value
            .into_string()
            .map_err(|_| problem(PASSPHRASE, PassphraseProblem::NotUtf8))?;
        return Ok(Some(Secret::new(value)));
    }
    Ok(None)
}

fn problem(variable: &'static str, problem: PassphraseProblem) -> VaultError {
    VaultError::PassphraseSource { variable, problem }
}

fn from_command(command: &OsString) -> Result<Secret, VaultError> {
    // stdin and stderr stay the user's, so a command such as `pass show …` can ask for its own
    // unlock and report its own errors; only stdout is taken.
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| {
            problem(
                PASSPHRASE_COMMAND,
                PassphraseProblem::CommandNotStarted {
                    detail: e.to_string(),
                },
            )
        })?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(problem(
            PASSPHRASE_COMMAND,
            PassphraseProblem::CommandFailed {
                status: output.status.code(),
            },
        ));
    }
    let text = strip_newline(&stdout);
    to_secret(PASSPHRASE_COMMAND, text)
}

fn from_file(path: PathBuf) -> Result<Secret, VaultError> {
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(e) => {
            return Err(problem(
                PASSPHRASE_FILE,
                PassphraseProblem::FileUnreadable {
                    path,
                    detail: e.to_string(),
                },
            ));
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
}
