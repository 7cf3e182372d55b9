//! The outside world the wizard touches besides the network: a browser and a clipboard.
//!
//! Both sit behind small traits so tests use fakes and never reach a real browser or clipboard.

mod browser;
mod clipboard;

pub use browser::{Browser, SystemBrowser};
pub use clipboard::{Clipboard, ClipboardKind, SystemClipboard};

use std::ffi::OsString;
use std::fmt;

/// What went wrong talking to the desktop.
#[derive(Debug)]
pub enum PlatformError {
    /// `$BROWSER` is set but could not be started.
    BrowserCommand { command: String, detail: String },
    /// No browser launcher (xdg-open, open, …) worked.
    NoBrowser { detail: String },
    /// Neither a desktop clipboard nor the terminal (OSC 52) could take the text.
    NoClipboard { detail: String },
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformError::BrowserCommand { command, detail } => write!(
                f,
                "the browser command from $BROWSER (\"{command}\") could not start: {detail}. Copy the link instead (c)."
            ),
            PlatformError::NoBrowser { detail } => write!(
                f,
                "no browser could be opened here ({detail}). Copy the link (c) and open it in a browser where you can sign in."
            ),
            PlatformError::NoClipboard { detail } => {
                write!(
                    f,
                    "nothing could be copied: no clipboard is reachable ({detail}). Select the text with the mouse instead."
                )
            }
        }
    }
}

impl std::error::Error for PlatformError {}

/// True when this process runs inside an SSH session: a browser opened "here" would open on the
/// remote machine, not in front of the user.
pub fn is_ssh_session(env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|name| env(name).is_some_and(|v| !v.is_empty()))
}

/// Test doubles: a browser that records what it was asked to open and a clipboard in memory.
#[cfg(test)]
pub mod fake {
    use std::sync::{Arc, Mutex, PoisonError};

    use super::{Browser, Clipboard, ClipboardKind, PlatformError};

    #[derive(Clone, Default)]
    pub struct FakeBrowser {
        pub opened: Arc<Mutex<Vec<String>>>,
        pub fail: bool,
    }

    impl Browser for FakeBrowser {
        fn open(&self, url: &str) -> Result<(), PlatformError> {
            if self.fail {
                return Err(PlatformError::NoBrowser {
                    detail: "fake browser set to fail".into(),
                });
            }
            self.opened
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(url.to_owned());
            Ok(())
        }
    }

    #[derive(Clone, Default)]
    pub struct FakeClipboard {
        pub content: Arc<Mutex<Option<String>>>,
    }

    impl Clipboard for FakeClipboard {
        fn copy(&mut self, text: &str) -> Result<ClipboardKind, PlatformError> {
            *self.content.lock().unwrap_or_else(PoisonError::into_inner) = Some(text.to_owned());
            Ok(ClipboardKind::Desktop)
        }

        fn clear_if_unchanged(&mut self, text: &str) {
            let mut content = self.content.lock().unwrap_or_else(PoisonError::into_inner);
            if content.as_deref() == Some(text) {
                *content = None;
            }
        }
    }
}
