//! Unlock: the vault passphrase. The key derivation runs off the UI thread; the screen shows
//! "Unlocking…" meanwhile. A passphrase from the environment skips the prompt.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::secret::Secret;

use super::msg::{Effect, Key, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::state::{Session, Start, VaultStatus};
use super::text_field::TextField;
use super::view::{Screen, ViewCtx, sentence, status_line};

pub struct UnlockScreen {
    field: TextField,
    error: Option<String>,
    busy: Option<Stamp>,
    then: Start,
    /// The passphrase came from the environment; a failure there is not the user's typing.
    from_env: bool,
}

impl UnlockScreen {
    /// True when the run was started to add an account (`mastokey add …`): quitting here quits
    /// that add.
    pub fn adds(&self) -> bool {
        matches!(self.then, Start::Add(_))
    }

    pub fn start(
        then: Start,
        env_passphrase: Option<Secret>,
        session: &mut Session,
    ) -> (Self, Vec<Effect>) {
        let mut screen = Self {
            field: TextField::masked(),
            error: None,
            busy: None,
            then,
            from_env: false,
        };
        let mut effects = Vec::new();
        if let Some(passphrase) = env_passphrase {
            let stamp = session.stamp();
            screen.busy = Some(stamp);
            screen.from_env = true;
            effects.push(Effect::Unlock { stamp, passphrase });
        }
        (screen, effects)
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        match msg {
            Msg::Key(Key::Enter) if self.busy.is_none() => {
                if self.field.is_empty() {
                    self.error = Some("Type the vault passphrase, then press Enter.".into());
                    return Outcome::stay(self);
                }
                let passphrase = Secret::new(self.field.value());
                self.field.clear();
                let stamp = session.stamp();
                self.busy = Some(stamp);
                self.error = None;
                Outcome::Stay(self, vec![Effect::Unlock { stamp, passphrase }])
            }
            Msg::Key(key) if self.busy.is_none() => {
                self.field.handle(key);
                Outcome::stay(self)
            }
            Msg::Paste(text) if self.busy.is_none() => {
                self.field
                    .insert_str(text.expose().trim_end_matches(['\r', '\n']));
                Outcome::stay(self)
            }
            Msg::Unlocked { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                match result {
                    Ok(view) => {
                        session.vault = VaultStatus::Unlocked(view);
                        Outcome::exit(Exit::Unlocked(self.then))
                    }
                    Err(error) => {
                        let mut text = sentence(error);
                        if self.from_env {
                            text.push_str(" (The passphrase came from the environment; type it here instead.)");
                            self.from_env = false;
                        }
                        self.error = Some(text);
                        Outcome::stay(self)
                    }
                }
            }
            _ => Outcome::stay(self),
        }
    }
}

impl Screen for UnlockScreen {
    fn title(&self) -> &'static str {
        "Unlock"
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        vec![("Enter", "unlock"), ("F1", "help"), ("Ctrl-C", "quit")]
    }

    fn help(&self) -> &'static str {
        "Your accounts are kept in an encrypted vault on this computer. Type the passphrase \
         chosen when the first account was saved, then press Enter. Nothing goes over the \
         network to unlock.\n\n\
         A forgotten passphrase cannot be recovered, not even by mastokey: the tokens inside are \
         lost. Revoke them on each server's website (Authorized apps) and sign in again.\n\n\
         Scripts unlock without this prompt through MASTOKEY_PASSPHRASE_COMMAND, \
         MASTOKEY_PASSPHRASE_FILE or MASTOKEY_PASSPHRASE; `mastokey unlock` keeps the vault open \
         for a session."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let [intro, _, field, _, status] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
        let path = ctx.session.vault_path_hint();
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(
                    "Type your vault passphrase to open your accounts.",
                    theme.bold(),
                ),
                Line::styled(path, theme.dim()),
            ]),
            intro,
        );
        self.field
            .render(frame, field, "Passphrase: ", self.busy.is_none(), theme);
        let working = self
            .busy
            .map(|_| "Unlocking… (deriving the key takes about half a second)".to_owned());
        frame.render_widget(status_line(ctx, working, self.error.as_ref()), status);
    }
}
