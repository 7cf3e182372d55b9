//! "Discard this token?": asked by `flow`, in one place for every screen, before anything leaves
//! an authorized token unsaved (Esc out of the Verify step, `q`, Ctrl-C). It starts on the choice
//! that loses nothing; a second Ctrl-C while it shows quits anyway.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph, Wrap};

use super::msg::Key;
use super::theme::Theme;
use super::view::{Choice, choices, wrapped_height};

/// What the user asked for, done once they confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// `q` or Ctrl-C: end the wizard.
    Quit,
    /// Esc (or "Discard token"): leave the save; the token is revoked.
    Discard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// First: it changes nothing.
    Keep,
    Discard,
}

impl Choice for Answer {
    const ALL: &'static [Self] = &[Self::Keep, Self::Discard];

    fn label(self) -> &'static str {
        match self {
            Self::Keep => "Keep the token",
            Self::Discard => "Discard it",
        }
    }
}

/// The question while it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirm {
    pub leave: Leave,
    choice: Answer,
}

/// What a key on the question decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// Still asking (the focus may have moved).
    Asking(Confirm),
    /// Back to the screen, token kept.
    Keep,
    /// Do what was asked.
    Leave(Leave),
    /// Ctrl-C again: quit whatever the focus.
    ForceQuit,
}

impl Confirm {
    pub fn new(leave: Leave) -> Self {
        Self {
            leave,
            choice: Answer::Keep,
        }
    }

    pub fn update(self, key: Key) -> Decided {
        match key {
            Key::Ctrl('c') => Decided::ForceQuit,
            Key::Esc => Decided::Keep,
            Key::Enter if self.choice == Answer::Keep => Decided::Keep,
            Key::Enter => Decided::Leave(self.leave),
            _ => Decided::Asking(Self {
                choice: self.choice.moved(key).unwrap_or(self.choice),
                ..self
            }),
        }
    }

    /// The question over the middle of `area`.
    pub fn render(self, frame: &mut Frame, area: Rect, theme: Theme) {
        let what = match self.leave {
            Leave::Quit => "Quitting now loses it: nothing is stored.",
            Leave::Discard => "Leaving now loses it; mastokey revokes it on the server.",
        };
        let lines = vec![
            Line::styled("Discard this token?", theme.bold()),
            Line::raw(""),
            Line::raw(format!("The new token is not saved yet. {what}")),
            Line::raw(""),
            choices(self.choice, Answer::label, theme),
            Line::raw(""),
            Line::styled(
                "Enter choose · ←→ move · Esc keep · Ctrl-C quit now",
                theme.dim(),
            ),
        ];
        let width = area.width.saturating_sub(8).min(64);
        let height = (wrapped_height(&lines, width.saturating_sub(4)) + 2).min(area.height);
        let [row] = Layout::vertical([Constraint::Length(height)])
            .flex(Flex::Center)
            .areas(area);
        let [popup] = Layout::horizontal([Constraint::Length(width)])
            .flex(Flex::Center)
            .areas(row);
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_type(BorderType::Rounded)
                    .padding(Padding::horizontal(1)),
            ),
            popup,
        );
    }
}
