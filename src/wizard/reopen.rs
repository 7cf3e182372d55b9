//! The vault passphrase, asked on a failed save when the unlock agent that opened the vault
//! stopped meanwhile (it forgets the key after its idle timeout, or was locked): the wizard
//! was started without the Unlock screen, so without this the new token would be lost. The
//! passphrase reopens the vault the way the Unlock screen does (`Effect::Unlock`); the screen
//! then saves again. Shared by the Verify step and the token screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::secret::Secret;
use crate::vault::VaultError;

use super::msg::{Effect, Key, Msg, Stamp};
use super::state::{Session, VaultStatus};
use super::text_field::TextField;
use super::theme::Theme;
use super::view::{ViewCtx, field_with_status, sentence};

pub struct Reopen {
    field: TextField,
    error: Option<String>,
    /// The unlock under way.
    busy: Option<Stamp>,
}

/// What a message did to the form.
pub enum Reopened {
    /// Still asking (with the work to start).
    Asking(Vec<Effect>),
    /// The vault is open again (`session.vault` says so): save now.
    Open,
}

impl Reopen {
    /// The form, when `error` means the agent that held the vault's key stopped.
    pub fn after(error: &VaultError) -> Option<Self> {
        matches!(error, VaultError::AgentStopped).then(|| Self {
            field: TextField::masked(),
            error: None,
            busy: None,
        })
    }

    /// Whether the form handles `msg`: every key but Esc (the screen's own: discard), pastes,
    /// and the answer to its unlock.
    pub fn takes(&self, msg: &Msg) -> bool {
        match msg {
            Msg::Key(key) => *key != Key::Esc,
            Msg::Paste(_) => true,
            Msg::Unlocked { stamp, .. } => self.busy == Some(*stamp),
            _ => false,
        }
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }

    pub fn update(&mut self, msg: Msg, session: &mut Session) -> Reopened {
        match msg {
            Msg::Key(Key::Enter) if self.busy.is_none() => {
                if self.field.is_empty() {
                    self.error = Some("Type the vault passphrase, then press Enter.".into());
                    return Reopened::Asking(Vec::new());
                }
                let passphrase = Secret::new(self.field.value());
                self.field.clear();
                let stamp = session.stamp();
                self.busy = Some(stamp);
                self.error = None;
                return Reopened::Asking(vec![Effect::Unlock { stamp, passphrase }]);
            }
            // A key that edits the field clears the last error.
            Msg::Key(key) if self.busy.is_none() && self.field.handle(key) => self.error = None,
            Msg::Paste(text) if self.busy.is_none() => {
                self.field
                    .insert_str(text.expose().trim_end_matches(['\r', '\n']));
            }
            Msg::Unlocked { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                match result {
                    Ok(view) => {
                        session.vault = VaultStatus::Unlocked(view);
                        return Reopened::Open;
                    }
                    Err(error) => self.error = Some(sentence(error)),
                }
            }
            _ => {}
        }
        Reopened::Asking(Vec::new())
    }

    /// The footer's keys.
    pub fn keys() -> Vec<(&'static str, &'static str)> {
        vec![
            ("Enter", "unlock and save"),
            ("Esc", "discard"),
            ("Ctrl-C", "quit"),
        ]
    }

    /// What happened and what to do, above the field.
    pub fn intro(lines: &mut Vec<Line<'static>>, theme: Theme) {
        lines.push(Line::styled(
            "The vault closed: the unlock agent stopped (it forgets the key after a while \
             without use). The token is kept.",
            theme.warn(),
        ));
        lines.push(Line::styled(
            "Type the vault passphrase to open it again and save.",
            theme.bold(),
        ));
        lines.push(Line::raw(""));
    }

    /// The passphrase field, a blank row, and the status line.
    pub fn render_field(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let working = self.busy.map(|_| "Unlocking…".to_owned());
        field_with_status(
            frame,
            area,
            ctx,
            &self.field,
            "Passphrase: ",
            self.busy.is_none(),
            working,
            self.error.as_ref(),
        );
    }
}
