//! Styles: bold headers, dim secondary text, one accent, green success, red errors. With
//! `NO_COLOR` every style falls back to modifiers only.

use ratatui::style::{Color, Modifier, Style};

use crate::accounts::tone::Tone;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

// `dim` and `bold` ignore colour, but stay methods so every style is read the same way.
#[allow(clippy::unused_self)]
impl Theme {
    pub fn new(no_color: bool) -> Self {
        Self { color: !no_color }
    }

    fn colored(self, color: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new().add_modifier(fallback)
        }
    }

    pub fn accent(self) -> Style {
        self.colored(Color::Cyan, Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.colored(Color::Green, Modifier::BOLD)
    }

    pub fn error(self) -> Style {
        self.colored(Color::Red, Modifier::BOLD)
    }

    pub fn warn(self) -> Style {
        self.colored(Color::Yellow, Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The style of a tone shared with the CLI.
    pub fn tone(self, tone: Tone) -> Style {
        match tone {
            Tone::Plain => Style::new(),
            Tone::Header => self.bold(),
            Tone::Dim => self.dim(),
            Tone::Good => self.ok(),
            Tone::Bad => self.error(),
            Tone::Warn => self.warn(),
        }
    }

    /// The focused button or row.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}
