//! Step 3, Register: reuse the vault's app for this server, scopes and redirect URIs, or register
//! one. Passes by itself when all goes well; a failure stays here with a retry.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::msg::{Effect, Key, Listen, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::state::{Reauth, ServerPick, Session};
use super::view::{Screen, ViewCtx, sentence, status_line, wrapped_height};

pub struct RegisterScreen {
    server: ServerPick,
    scopes: Vec<String>,
    busy: Option<Stamp>,
    error: Option<String>,
}

impl RegisterScreen {
    pub fn start(
        server: ServerPick,
        scopes: Vec<String>,
        session: &mut Session,
    ) -> (Self, Vec<Effect>) {
        let screen = Self {
            server,
            scopes,
            busy: None,
            error: None,
        };
        screen.request(session)
    }

    fn request(mut self, session: &mut Session) -> (Self, Vec<Effect>) {
        let stamp = session.stamp();
        self.busy = Some(stamp);
        self.error = None;
        let effect = Effect::PrepareApp {
            stamp,
            base: self.server.caps.base.clone(),
            scopes: self.scopes.clone(),
            force_new: false,
            // Over SSH the code is pasted: an app for the code flow alone suits servers that
            // take one redirect URI per app.
            listen: if session.ssh {
                Listen::CodeOnly
            } else {
                Listen::AnyPort
            },
        };
        (self, vec![effect])
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        match msg {
            Msg::Key(Key::Esc) => {
                return Outcome::exit(Exit::ChangeScopes(self.server, self.scopes));
            }
            Msg::Key(Key::Enter) if self.busy.is_none() => {
                let (screen, effects) = self.request(session);
                return Outcome::Stay(screen, effects);
            }
            Msg::AppReady { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                match result {
                    Ok(prepared) => {
                        return Outcome::exit(Exit::AppReady(self.server, self.scopes, prepared));
                    }
                    Err(error) => {
                        self.error = Some(sentence(error.wording_at(&session.zoned_now())));
                    }
                }
            }
            _ => {}
        }
        Outcome::stay(self)
    }
}

impl Screen for RegisterScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn heading(&self) -> Option<String> {
        self.server.reauth.as_ref().map(Reauth::title)
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((3, "Register"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        if self.busy.is_some() {
            vec![("Esc", "back"), ("Ctrl-C", "quit")]
        } else {
            vec![("Enter", "try again"), ("Esc", "back"), ("q", "quit")]
        }
    }

    fn help(&self) -> &'static str {
        "Before anyone can sign in, the server needs to know the app asking: mastokey registers \
         itself once per server and set of scopes, and keeps the app's credentials for next time \
         (in the vault, or beside it until an account is saved, even if you quit first).\n\n\
         Servers allow 5 registrations per 10 minutes from one address."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let domain = &self.server.caps.domain;
        let what = vec![Line::styled(
            format!(
                "Registering mastokey with {domain} for: {}",
                self.scopes.join(" ")
            ),
            theme.bold(),
        )];
        let [line, _, status] = Layout::vertical([
            Constraint::Length(wrapped_height(&what, area.width)),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(what).wrap(Wrap { trim: true }), line);
        let working = self
            .busy
            .map(|_| format!("Talking to {}…", self.server.caps.base.url()));
        frame.render_widget(status_line(ctx, working, self.error.as_ref()), status);
    }
}
