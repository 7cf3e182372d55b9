//! "Discard this token?": asked by `flow`, in one place for every screen, before anything leaves
//! an authorized token unsaved (Esc out of the Verify step, `q`, Ctrl-C). It starts on the choice
//! that loses nothing; a second Ctrl-C while it shows quits anyway, without revoking. It is never
//! asked while a save or a revoke is in flight (then `flow` waits for it instead), so what it says
//! is true when shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph, Wrap};

use super::msg::Key;
use super::theme::Theme;
use super::view::{Choice, centered, choices, wrapped_height};

/// What the user asked for, done once they confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// `q` or Ctrl-C: end the wizard.
    Quit,
    /// Esc (or "Discard token"): leave the save; the token is revoked unless it was copied.
    Discard,
}

/// What the question must say besides the loss itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stakes {
    /// The user copied the token: it stays valid on the server, and leaving does not revoke it.
    pub copied: bool,
    /// The stored token the new one was to replace is already revoked.
    pub old_revoked: bool,
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
    stakes: Stakes,
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
    pub fn new(leave: Leave, stakes: Stakes) -> Self {
        Self {
            leave,
            stakes,
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

    /// What leaving now means, in this state.
    fn consequence(self) -> String {
        let mut sentences = vec!["The new token is not saved yet.".to_owned()];
        sentences.push(match (self.stakes.copied, self.leave) {
            (true, leave) => {
                let leaving = if leave == Leave::Quit {
                    "quitting"
                } else {
                    "leaving"
                };
                format!(
                    "You copied it, so {leaving} does not revoke it: it stays valid until you \
                     revoke it in the server's settings (Authorized apps on Mastodon)."
                )
            }
            (false, Leave::Quit) => {
                "Quitting now loses it: mastokey revokes it on the server, then quits.".to_owned()
            }
            (false, Leave::Discard) => {
                "Discarding loses it; mastokey revokes it on the server.".to_owned()
            }
        });
        if self.stakes.old_revoked {
            sentences.push(
                "The token stored for this account was already revoked: the stored entry no \
                 longer works."
                    .to_owned(),
            );
        }
        sentences.join(" ")
    }

    /// The question's keys: Ctrl-C quits at once, so a token not copied stays valid.
    fn keys(self) -> &'static str {
        if self.stakes.copied {
            "Enter choose  ←→ move  Esc keep  Ctrl-C quit now"
        } else {
            "Enter choose  ←→ move  Esc keep  Ctrl-C quit, no revoke"
        }
    }

    /// The question over the middle of `area`.
    pub fn render(self, frame: &mut Frame, area: Rect, theme: Theme) {
        let lines = vec![
            Line::styled("Discard this token?", theme.bold()),
            Line::raw(""),
            Line::raw(self.consequence()),
            Line::raw(""),
            choices(self.choice, Answer::label, theme),
        ];
        let width = area.width.saturating_sub(8).min(64);
        let height = (wrapped_height(&lines, width.saturating_sub(4)) + 2).min(area.height);
        let popup = centered(area, width, height);
        // The footer under the question is the question's: the screen's own keys do not act
        // while it shows.
        let footer = Rect {
            y: area.bottom().saturating_sub(1),
            height: 1.min(area.height),
            ..area
        };
        frame.render_widget(Clear, footer);
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {}", self.keys()), theme.dim())),
            footer,
        );
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
