//! Opening a URL in the user's browser, detached, with its standard streams on /dev/null so a
//! text-mode browser or a launcher's chatter can never draw over the wizard.

use std::process::{Command, Stdio};

use super::PlatformError;

pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), PlatformError>;
}

/// Honours `$BROWSER` (a command; the URL is its last argument), which the `open` crate ignores,
/// else the platform launcher through `open::that_detached`.
pub struct SystemBrowser {
    browser_env: Option<String>,
}

impl SystemBrowser {
    pub fn new(browser_env: Option<String>) -> Self {
        Self {
            browser_env: browser_env.filter(|b| !b.trim().is_empty()),
        }
    }
}

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), PlatformError> {
        let Some(command) = &self.browser_env else {
            return open::that_detached(url).map_err(|e| PlatformError::NoBrowser {
                detail: e.to_string(),
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
        let child = Command::new(program)
            .args(words)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| PlatformError::BrowserCommand {
                command: command.clone(),
                detail: e.to_string(),
            })?;
        // Reap the child when it exits so it never lingers as a zombie; we never wait on it here.
        std::thread::spawn(move || {
            let mut child = child;
            let _ = child.wait();
        });
        Ok(())
    }
}
