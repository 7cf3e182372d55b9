//! Copying text: the desktop clipboard through arboard, else the terminal's OSC 52 sequence,
//! which reaches the user's own clipboard through SSH and tmux.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::PlatformError;

/// Where a copy went, so the screen can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipboardKind {
    Desktop,
    Terminal,
}

pub trait Clipboard: Send {
    fn copy(&mut self, text: &str) -> Result<ClipboardKind, PlatformError>;
    /// Clears the clipboard if it still holds `text` (the user may have copied something else).
    fn clear_if_unchanged(&mut self, text: &str);
}

/// Lives for the whole run: on X11 the copied text is served by this process and disappears when
/// its owner is dropped.
pub struct SystemClipboard {
    desktop: Option<arboard::Clipboard>,
    last_kind: Option<ClipboardKind>,
}

impl SystemClipboard {
    /// Connecting fails fast (under 1 ms) without a display; we then fall back to OSC 52.
    pub fn new() -> Self {
        Self {
            desktop: arboard::Clipboard::new().ok(),
            last_kind: None,
        }
    }
}

impl Default for SystemClipboard {
    fn default() -> Self {
        Self::new()
    }
}

impl Clipboard for SystemClipboard {
    fn copy(&mut self, text: &str) -> Result<ClipboardKind, PlatformError> {
        if let Some(desktop) = &mut self.desktop
            && desktop.set_text(text.to_owned()).is_ok()
        {
            self.last_kind = Some(ClipboardKind::Desktop);
            return Ok(ClipboardKind::Desktop);
        }
        write_to_terminal(&osc52(text)).map_err(|e| PlatformError::NoClipboard {
            detail: e.to_string(),
        })?;
        self.last_kind = Some(ClipboardKind::Terminal);
        Ok(ClipboardKind::Terminal)
    }

    fn clear_if_unchanged(&mut self, text: &str) {
        match self.last_kind {
            Some(ClipboardKind::Desktop) => {
                if let Some(desktop) = &mut self.desktop
                    && desktop.get_text().is_ok_and(|current| current == text)
                {
                    let _ = desktop.clear();
                }
            }
            // The terminal clipboard cannot be read back: overwrite it. tmux ignores an empty
            // OSC 52, which would leave the token in its buffer, so a harmless space is sent.
            Some(ClipboardKind::Terminal) => {
                let _ = write_to_terminal(&osc52_clear());
            }
            None => {}
        }
    }
}

/// What a cleared terminal clipboard holds: not empty, since tmux ignores an empty OSC 52.
const CLEARED_TERMINAL_TEXT: &str = " ";

/// The OSC 52 sequence that sets the terminal's clipboard ("c") to `text`:
/// `ESC ] 52 ; c ; <base64 of text> BEL`.
fn osc52(text: &str) -> Vec<u8> {
    let mut sequence = b"\x1b]52;c;".to_vec();
    sequence.extend_from_slice(STANDARD.encode(text).as_bytes());
    sequence.push(0x07);
    sequence
}

/// The OSC 52 sequence that overwrites a copied secret in the terminal's clipboard.
fn osc52_clear() -> Vec<u8> {
    osc52(CLEARED_TERMINAL_TEXT)
}

fn write_to_terminal(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::{osc52, osc52_clear};

    #[test]
    fn osc52_sets_the_clipboard() {
        assert_eq!(osc52("hello"), b"\x1b]52;c;aGVsbG8=\x07");
    }

    /// tmux ignores an empty OSC 52 and keeps the token: clearing must send a non-empty value.
    #[test]
    fn osc52_clear_overwrites_with_a_space_not_nothing() {
        assert_eq!(osc52_clear(), b"\x1b]52;c;IA==\x07");
    }
}
