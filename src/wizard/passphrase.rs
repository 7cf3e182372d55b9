//! The new-vault passphrase form of the first save: typed twice, with a strength hint. The only
//! hard rule is the minimum length.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::secret::Secret;

use super::msg::{Key, Msg};
use super::text_field::TextField;
use super::theme::Theme;

pub const MIN_PASSPHRASE_CHARS: usize = crate::vault::MIN_PASSPHRASE_LEN;

pub struct PassphraseForm {
    first: TextField,
    second: TextField,
    on_second: bool,
    error: Option<String>,
}

impl PassphraseForm {
    pub fn new() -> Self {
        Self {
            first: TextField::masked(),
            second: TextField::masked(),
            on_second: false,
            error: None,
        }
    }

    fn too_short(&self) -> bool {
        self.first.value().chars().count() < MIN_PASSPHRASE_CHARS
    }

    /// Handles one message; returns the passphrase once it was typed twice the same.
    pub fn update(&mut self, msg: Msg) -> Option<Secret> {
        match msg {
            Msg::Key(Key::Tab | Key::Down | Key::BackTab | Key::Up) => {
                self.on_second = !self.on_second;
            }
            Msg::Key(Key::Enter) if !self.on_second => {
                if self.too_short() {
                    self.error = Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                } else {
                    self.on_second = true;
                    self.error = None;
                }
            }
            Msg::Key(Key::Enter) => {
                if self.too_short() {
                    self.error = Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                    self.on_second = false;
                } else if self.first.value() != self.second.value() {
                    self.error =
                        Some("The two passphrases differ. Type the second one again.".into());
                    self.second.clear();
                } else {
                    return Some(Secret::new(self.first.value()));
                }
            }
            Msg::Key(key) if self.field().handle(key) => self.error = None,
            Msg::Paste(text) => {
                self.field()
                    .insert_str(text.expose().trim_end_matches(['\r', '\n']));
            }
            _ => {}
        }
        None
    }

    fn field(&mut self) -> &mut TextField {
        if self.on_second {
            &mut self.second
        } else {
            &mut self.first
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
        let [_, a, b, _, problem] = Layout::vertical([Constraint::Length(1); 5]).areas(area);
        self.first
            .render(frame, a, "Passphrase:        ", !self.on_second, theme);
        self.second
            .render(frame, b, "Type it again:     ", self.on_second, theme);
        if let Some(error) = &self.error {
            frame.render_widget(Line::styled(error.clone(), theme.error()), problem);
        }
    }
}
