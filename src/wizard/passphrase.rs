//! The new-vault passphrase form of the first save: typed twice, with a strength hint. The only
//! hard rule is the minimum length. Below the fields a row of buttons (Save, Discard token) is the
//! one place outside a text field: Esc moves between the fields and that row and never leaves the
//! form, so it cannot throw the authorized token away.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::secret::Secret;

use super::msg::{Key, Msg};
use super::text_field::TextField;
use super::theme::Theme;
use super::view::{Choice, choices};

pub const MIN_PASSPHRASE_CHARS: usize = crate::vault::MIN_PASSPHRASE_LEN;

/// The form's keys, for the help of every screen that shows it (one behaviour, one wording).
macro_rules! form_keys_help {
    () => {
        "Enter moves to the second field, then saves. Tab moves through the fields and the \
         buttons. Esc steps back: from the second field to the first, from the first to the \
         buttons (Save, Discard token), from the buttons to the first field; it never throws \
         the token away."
    };
}
pub(super) use form_keys_help;

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    First,
    Second,
    Buttons(Button),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// First: it loses nothing.
    Save,
    /// Asks "Discard this token?" (the wizard's flow asks; the form never discards).
    Discard,
}

impl Choice for Button {
    const ALL: &'static [Self] = &[Self::Save, Self::Discard];

    fn label(self) -> &'static str {
        match self {
            Self::Save => "Save",
            Self::Discard => "Discard token",
        }
    }
}

pub struct PassphraseForm {
    first: TextField,
    second: TextField,
    focus: Focus,
    error: Option<String>,
}

impl PassphraseForm {
    pub fn new() -> Self {
        Self {
            first: TextField::masked(),
            second: TextField::masked(),
            focus: Focus::First,
            error: None,
        }
    }

    /// True while the keyboard types into a field (then `q` is text).
    pub fn text_focused(&self) -> bool {
        !matches!(self.focus, Focus::Buttons(_))
    }

    /// True while "Discard token" has the focus.
    pub fn discard_focused(&self) -> bool {
        self.focus == Focus::Buttons(Button::Discard)
    }

    /// What Esc does here, for the footer.
    pub fn esc_does(&self) -> &'static str {
        match self.focus {
            Focus::First => "to the buttons",
            Focus::Second | Focus::Buttons(_) => "to the first field",
        }
    }

    /// The footer's keys.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match self.focus {
            Focus::First | Focus::Second => vec![
                ("Enter", "next"),
                ("Tab", "next field"),
                ("Esc", self.esc_does()),
                ("Ctrl-C", "quit"),
            ],
            Focus::Buttons(_) => vec![
                ("Enter", "choose"),
                ("←→", "move"),
                ("Esc", self.esc_does()),
                ("q", "quit"),
            ],
        }
    }

    fn too_short(&self) -> bool {
        self.first.value().chars().count() < MIN_PASSPHRASE_CHARS
    }

    /// Handles one message; returns the passphrase once it was typed twice the same.
    pub fn update(&mut self, msg: Msg) -> Option<Secret> {
        match (self.focus, msg) {
            (_, Msg::Key(Key::Tab | Key::Down)) => {
                self.focus = match self.focus {
                    Focus::First => Focus::Second,
                    Focus::Second => Focus::Buttons(Button::Save),
                    Focus::Buttons(_) => Focus::First,
                };
            }
            (_, Msg::Key(Key::BackTab | Key::Up)) => {
                self.focus = match self.focus {
                    Focus::First => Focus::Buttons(Button::Save),
                    Focus::Second => Focus::First,
                    Focus::Buttons(_) => Focus::Second,
                };
            }
            (Focus::First, Msg::Key(Key::Esc)) => self.focus = Focus::Buttons(Button::Save),
            (_, Msg::Key(Key::Esc)) => self.focus = Focus::First,
            (Focus::First, Msg::Key(Key::Enter)) => {
                if self.too_short() {
                    self.error = Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                } else {
                    self.focus = Focus::Second;
                    self.error = None;
                }
            }
            (Focus::Second | Focus::Buttons(Button::Save), Msg::Key(Key::Enter)) => {
                if self.too_short() {
                    self.error = Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                    self.focus = Focus::First;
                } else if self.first.value() != self.second.value() {
                    self.error =
                        Some("The two passphrases differ. Type the second one again.".into());
                    self.second.clear();
                    self.focus = Focus::Second;
                } else {
                    return Some(Secret::new(self.first.value()));
                }
            }
            (Focus::Buttons(button), Msg::Key(key)) => {
                self.focus = Focus::Buttons(button.moved(key).unwrap_or(button));
            }
            (_, Msg::Key(key)) => {
                if let Some(field) = self.field()
                    && field.handle(key)
                {
                    self.error = None;
                }
            }
            (_, Msg::Paste(text)) => {
                if let Some(field) = self.field() {
                    field.insert_str(text.expose().trim_end_matches(['\r', '\n']));
                }
            }
            _ => {}
        }
        None
    }

    fn field(&mut self) -> Option<&mut TextField> {
        match self.focus {
            Focus::First => Some(&mut self.first),
            Focus::Second => Some(&mut self.second),
            Focus::Buttons(_) => None,
        }
    }

    /// The heading and the strength hint, above the fields.
    pub fn intro(&self, lines: &mut Vec<Line<'static>>, theme: Theme) {
        lines.push(Line::styled(
            "Choose a passphrase for your new vault",
            theme.bold(),
        ));
        lines.push(Line::styled(
            "It encrypts every token. If it is lost, it cannot be recovered.",
            theme.dim(),
        ));
        let hint = crate::vault::passphrase_strength(self.first.value());
        let hint_style = if hint.starts_with("strong") {
            theme.ok()
        } else {
            theme.warn()
        };
        lines.push(Line::from(vec![
            Span::raw("Strength: "),
            Span::styled(hint, hint_style),
        ]));
    }

    pub fn render_fields(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        // Blank rows only where there is room: both fields and the buttons come first.
        let [a, b, problem, row] = if area.height >= 6 {
            let [_, a, b, _, problem, row] =
                Layout::vertical([Constraint::Length(1); 6]).areas(area);
            [a, b, problem, row]
        } else {
            Layout::vertical([Constraint::Length(1); 4]).areas(area)
        };
        self.first.render(
            frame,
            a,
            "Passphrase:        ",
            self.focus == Focus::First,
            theme,
        );
        self.second.render(
            frame,
            b,
            "Type it again:     ",
            self.focus == Focus::Second,
            theme,
        );
        if let Some(error) = &self.error {
            frame.render_widget(Line::styled(error.clone(), theme.error()), problem);
        }
        let line = match self.focus {
            Focus::Buttons(button) => choices(button, Button::label, theme),
            Focus::First | Focus::Second => {
                let labels: Vec<&'static str> = Button::ALL.iter().map(|b| b.label()).collect();
                super::view::buttons(&labels, None, theme)
            }
        };
        frame.render_widget(line, row);
    }
}
