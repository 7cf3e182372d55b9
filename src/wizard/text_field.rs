//! A one-line text field. Its value is wiped from memory when dropped or cleared, so the same
//! widget serves server names, pasted codes and passphrases (drawn masked).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use zeroize::Zeroizing;

use super::msg::Key;
use super::theme::Theme;

#[derive(Default)]
pub struct TextField {
    value: Zeroizing<String>,
    /// Cursor position in characters.
    cursor: usize,
    masked: bool,
}

impl std::fmt::Debug for TextField {
    // The value may be a passphrase or a code: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextField")
            .field("len", &self.value.chars().count())
            .field("masked", &self.masked)
            .finish_non_exhaustive()
    }
}

impl TextField {
    pub fn new(value: &str) -> Self {
        Self {
            value: Zeroizing::new(value.to_owned()),
            cursor: value.chars().count(),
            masked: false,
        }
    }

    pub fn masked() -> Self {
        Self {
            masked: true,
            ..Self::default()
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    pub fn clear(&mut self) {
        self.value = Zeroizing::new(String::new());
        self.cursor = 0;
    }

    pub fn set(&mut self, value: &str) {
        self.value = Zeroizing::new(value.to_owned());
        self.cursor = value.chars().count();
    }

    fn byte_index(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Inserts text at the cursor, dropping control characters (a paste may hold newlines).
    pub fn insert_str(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            let at = self.byte_index(self.cursor);
            self.value.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Applies an editing key; returns false for keys a field does not use (Enter, Esc, Tab…).
    pub fn handle(&mut self, key: Key) -> bool {
        let len = self.value.chars().count();
        match key {
            Key::Char(c) => self.insert_str(&c.to_string()),
            Key::Backspace if self.cursor > 0 => {
                let at = self.byte_index(self.cursor - 1);
                self.value.remove(at);
                self.cursor -= 1;
            }
            Key::Delete if self.cursor < len => {
                let at = self.byte_index(self.cursor);
                self.value.remove(at);
            }
            Key::Backspace | Key::Delete => {}
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right => self.cursor = (self.cursor + 1).min(len),
            Key::Home | Key::Ctrl('a') => self.cursor = 0,
            Key::End | Key::Ctrl('e') => self.cursor = len,
            Key::Ctrl('u') => self.clear(),
            Key::Ctrl('w') => {
                let before: String = self.value.chars().take(self.cursor).collect();
                let keep = before
                    .trim_end()
                    .rfind(char::is_whitespace)
                    .map_or(0, |i| i + 1);
                let kept_chars = before[..keep].chars().count();
                let start = self.byte_index(kept_chars);
                let end = self.byte_index(self.cursor);
                self.value.replace_range(start..end, "");
                self.cursor = kept_chars;
            }
            _ => return false,
        }
        true
    }

    /// Draws `label value` on one line. The value's cells are underlined up to the end of the
    /// area, so the field's extent shows without a glyph that looks like a second cursor; when
    /// focused, the label is bold, the underline takes the accent, and the terminal's own cursor
    /// stands in the field.
    pub fn render(&self, frame: &mut Frame, area: Rect, label: &str, focused: bool, theme: Theme) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let shown: String = if self.masked {
            "•".repeat(self.value.chars().count())
        } else {
            self.value.to_string()
        };
        let label_width = u16::try_from(label.chars().count()).unwrap_or(u16::MAX);
        let room = usize::from(area.width.saturating_sub(label_width).saturating_sub(1)).max(1);
        // Scroll horizontally so the cursor stays visible in a narrow field.
        let skip = self.cursor.saturating_sub(room);
        let visible: String = shown.chars().skip(skip).take(room).collect();
        // Padded to the room, so the underline marks where typing goes.
        let padded = format!("{visible:<room$}");
        let field_style = if focused {
            theme.accent().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.dim().add_modifier(Modifier::UNDERLINED)
        };
        let line = Line::from(vec![
            Span::styled(
                label.to_owned(),
                if focused { theme.bold() } else { theme.dim() },
            ),
            Span::styled(padded, field_style),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if focused {
            let offset = u16::try_from(self.cursor - skip).unwrap_or(0);
            let x = area.x.saturating_add(label_width).saturating_add(offset);
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_in_the_middle_and_words() {
        let mut f = TextField::new("hello world");
        f.handle(Key::Left);
        f.handle(Key::Backspace);
        assert_eq!(f.value(), "hello word");
        f.handle(Key::End);
        f.handle(Key::Ctrl('w'));
        assert_eq!(f.value(), "hello ");
        f.handle(Key::Ctrl('u'));
        assert!(f.is_empty());
    }

    #[test]
    fn paste_drops_control_characters_and_handles_unicode() {
        let mut f = TextField::default();
        f.insert_str("ab\r\ncé\u{1b}[31m");
        assert_eq!(f.value(), "abcé[31m");
        f.handle(Key::Home);
        f.handle(Key::Delete);
        assert_eq!(f.value(), "bcé[31m");
    }
}
