//! Opening a URL in the user's browser, detached, with its standard streams on /dev/null so a
//! text-mode browser or a launcher's chatter can never draw over the wizard, and without the
//! variables it must not see (the vault passphrase).

use std::process::{Command, Stdio};

use super::PlatformError;

pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), PlatformError>;
}

/// Honours `$BROWSER` (a command; the URL is its last argument), which the `open` crate ignores,
/// else the platform launchers from `open::commands`, the first that starts.
pub struct SystemBrowser {
    browser_env: Option<String>,
    /// Environment variables removed for the browser.
    hidden_env: &'static [&'static str],
}

impl SystemBrowser {
    pub fn new(browser_env: Option<String>, hidden_env: &'static [&'static str]) -> Self {
        Self {
            browser_env: browser_env.filter(|b| !b.trim().is_empty()),
            hidden_env,
        }
    }

    /// Starts the command with null stdio and the hidden variables removed, and reaps it when it
    /// exits so it never lingers as a zombie; we never wait on it here.
    fn spawn_detached(&self, mut command: Command) -> std::io::Result<()> {
        for name in self.hidden_env {
            command.env_remove(name);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::spawn(move || {
            let _ = child.wait();
        });
        Ok(())
    }
}

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), PlatformError> {
        let Some(command) = &self.browser_env else {
            let mut last_error = None;
            for launcher in open::commands(url) {
                match self.spawn_detached(launcher) {
                    Ok(()) => return Ok(()),
                    Err(e) => last_error = Some(e),
                }
            }
            return Err(PlatformError::NoBrowser {
                detail: last_error.map_or_else(
                    || "no launcher for this platform".to_owned(),
                    |e| e.to_string(),
                ),
            });
        };
        // `$BROWSER` may hold arguments ("firefox --new-window"); some set it to a colon-separated
        // list, of which the first entry is tried.
        let first = command.split(':').next().unwrap_or(command);
        let mut words = first.split_whitespace();
        let Some(program) = words.next() else {
            return Err(PlatformError::BrowserCommand {
                command: command.clone(),
                detail: "empty command".into(),
            });
        };
        let mut browser = Command::new(program);
        browser.args(words).arg(url);
        self.spawn_detached(browser)
            .map_err(|e| PlatformError::BrowserCommand {
                command: command.clone(),
                detail: e.to_string(),
            })
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn launched_commands_do_not_see_hidden_variables() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let tmp = dir.path().join("seen.tmp");
        let browser = SystemBrowser::new(None, &["MASTOKEY_TEST_HIDDEN"]);
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"printf '%s|%s' "${MASTOKEY_TEST_HIDDEN-unset}" "$MASTOKEY_TEST_KEPT" > "$1" && mv "$1" "$2""#)
            .arg("sh")
            .arg(&tmp)
            .arg(&seen)
            .env("MASTOKEY_TEST_HIDDEN", "leaked")
            .env("MASTOKEY_TEST_KEPT", "kept");
        browser.spawn_detached(command).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !seen.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "unset|kept");
    }
}
