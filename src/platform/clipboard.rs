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
            // The terminal clipboard cannot be read back; overwrite it with nothing.
            Some(ClipboardKind::Terminal) => {
                let _ = write_to_terminal(&osc52(""));
            }
            None => {}
        }
    }
}

/// The OSC 52 sequence that sets the terminal's clipboard ("c") to `text`:
/// `ESC ] 52 ; c ; <base64 of text> BEL`. An empty `text` clears it.
fn osc52(text: &str) -> Vec<u8> {
    let mut sequence = b"\x1b]52;c;".to_vec();
    sequence.extend_from_slice(STANDARD.encode(text).as_bytes());
    sequence.push(0x07);
    sequence
}

fn write_to_terminal(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_sets_and_clears_the_clipboard() {
        assert_eq!(osc52("hello"), b"\x1b]52;c;aGVsbG8=\x07");
        assert_eq!(osc52(""), b"\x1b]52;c;\x07");
    }
}
