//! Step 1, Server: a text field that takes a name, URL or handle; `Enter` runs discovery and, on
//! success, moves on by itself. Servers already in the vault are offered below the field.
//! `Ctrl-T` (or Home's `i`) switches to "I already have a token": the server is discovered the
//! same way, then the token screen (`adopt.rs`) follows instead of the scopes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::mastodon::parse_server_input;

use super::msg::{Effect, Key, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::state::{Reauth, ServerPick, Session};
use super::text_field::TextField;
use super::view::{Screen, ViewCtx, fit_line, sentence, status_text, wrapped_height};

pub struct ServerScreen {
    field: TextField,
    error: Option<String>,
    busy: Option<Stamp>,
    /// Servers the vault already knows, offered with Up/Down.
    picked: Option<usize>,
    reauth: Option<Reauth>,
    /// For a token the user already has: after discovery, paste it instead of signing in.
    adopt: bool,
}

/// The servers of the vault's accounts, offered with ↑↓.
fn known(session: &Session) -> &[String] {
    session.view().map_or(&[], |v| v.servers.as_slice())
}

impl ServerScreen {
    pub fn new(text: &str) -> Self {
        Self {
            field: TextField::new(text),
            error: None,
            busy: None,
            picked: None,
            reauth: None,
            adopt: false,
        }
    }

    /// The server step for a token the user already has.
    pub fn adopting(text: &str) -> Self {
        let mut screen = Self::new(text);
        screen.adopt = true;
        screen
    }

    /// Re-authorize a stored account: its server is discovered again, then its scopes are
    /// preselected and the sign-in forces a login.
    pub fn reauthorize(server: &str, target: Reauth, session: &mut Session) -> (Self, Vec<Effect>) {
        let mut screen = Self::new(server.trim_start_matches("https://"));
        screen.reauth = Some(target);
        screen.submit(session)
    }

    /// The screen with `text` typed and Enter already pressed (`mastokey add SERVER`, "Add another").
    pub fn submit_text(text: &str, session: &mut Session) -> (Self, Vec<Effect>) {
        Self::new(text).submit(session)
    }

    /// True while the server field is empty (then `?` opens the help).
    pub fn field_empty(&self) -> bool {
        self.field.is_empty()
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }

    fn submit(mut self, session: &mut Session) -> (Self, Vec<Effect>) {
        match parse_server_input(self.field.value()) {
            Ok(input) => {
                let stamp = session.stamp();
                self.busy = Some(stamp);
                self.error = None;
                (self, vec![Effect::Discover { stamp, input }])
            }
            Err(error) => {
                self.error = Some(sentence(error));
                (self, Vec::new())
            }
        }
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        match msg {
            Msg::Key(Key::Esc) if self.busy.is_some() => {
                self.busy = None;
                self.error = Some("Stopped. Press Enter to try again.".into());
            }
            Msg::Key(Key::Esc) if session.view().is_some_and(|v| !v.accounts.is_empty()) => {
                return Outcome::exit(Exit::Home);
            }
            Msg::Key(_) | Msg::Paste(_) if self.busy.is_some() => {}
            Msg::Key(Key::Ctrl('t')) if self.reauth.is_none() => self.adopt = !self.adopt,
            Msg::Key(Key::Enter) => {
                let (screen, effects) = self.submit(session);
                return Outcome::Stay(screen, effects);
            }
            Msg::Key(Key::Down) if !known(session).is_empty() => {
                let last = known(session).len() - 1;
                let next = self.picked.map_or(0, |i| (i + 1).min(last));
                self.pick(next, session);
            }
            Msg::Key(Key::Up) => match self.picked {
                Some(0) | None => self.picked = None,
                Some(i) => self.pick(i - 1, session),
            },
            Msg::Key(key) if self.field.handle(key) => {
                self.error = None;
                self.picked = None;
            }
            Msg::Paste(text) => {
                self.field.insert_str(text.expose().trim());
                self.error = None;
            }
            Msg::Discovered { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                match result {
                    Ok(caps) => {
                        // The typed handle's user: the sign-in is for that account.
                        let user = parse_server_input(self.field.value())
                            .ok()
                            .and_then(|input| input.user);
                        let pick = ServerPick {
                            text: self.field.value().to_owned(),
                            verify_needs_read: session.verify_needs_read(caps.base.as_str()),
                            caps,
                            reauth: self.reauth,
                            user,
                        };
                        return Outcome::exit(if self.adopt {
                            Exit::AdoptOn(pick)
                        } else {
                            Exit::Discovered(pick)
                        });
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

    fn pick(&mut self, index: usize, session: &Session) {
        if let Some(server) = known(session).get(index) {
            let shown = server.trim_start_matches("https://").to_owned();
            self.field.set(&shown);
            self.picked = Some(index);
            self.error = None;
        }
    }
}

impl Screen for ServerScreen {
    fn title(&self) -> &'static str {
        if self.adopt {
            "Add a token you have"
        } else {
            "Add account"
        }
    }

    fn heading(&self) -> Option<String> {
        self.reauth.as_ref().map(Reauth::title)
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        // The token path has two screens, not the sign-in's five steps.
        (!self.adopt).then_some((1, "Server"))
    }

    fn keys(&self, session: &Session) -> Vec<(&'static str, &'static str)> {
        let mut keys = vec![("Enter", "continue")];
        if !known(session).is_empty() {
            keys.push(("↑↓", "known servers"));
        }
        if session.view().is_some_and(|v| !v.accounts.is_empty()) || self.busy.is_some() {
            keys.push(("Esc", "back"));
        }
        if self.reauth.is_none() {
            keys.push(if self.adopt {
                ("Ctrl-T", "sign in instead")
            } else {
                ("Ctrl-T", "I have a token")
            });
        }
        keys.push(("Ctrl-C", "quit"));
        keys
    }

    fn help(&self) -> &'static str {
        match (self.adopt, self.reauth.is_some()) {
            (true, _) => ADOPT_HELP,
            (false, true) => REAUTH_HELP,
            (false, false) => SIGN_IN_HELP,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let intro_lines = vec![
            Line::styled(
                if self.adopt {
                    "Which Mastodon server is the token for?"
                } else {
                    "Which Mastodon server is the account on?"
                },
                theme.bold(),
            ),
            Line::styled(
                "A name, a URL or a handle: mastodon.social, @alice@mastodon.social",
                theme.dim(),
            ),
        ];
        let working = self
            .busy
            .map(|_| format!("Asking {} what it supports…", self.field.value()));
        let status_lines = [status_text(ctx, working, self.error.as_ref())];
        // Measured, so the examples and a long error wrap whole rather than being cut; three rows
        // at least, so the servers below do not jump when a short error comes and goes.
        let [intro, _, field, _, status, _, known_area] = Layout::vertical([
            Constraint::Length(wrapped_height(&intro_lines, area.width)),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(wrapped_height(&status_lines, area.width).max(3)),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(intro_lines).wrap(Wrap { trim: true }), intro);
        self.field
            .render(frame, field, "Server: ", self.busy.is_none(), theme);
        frame.render_widget(
            Paragraph::new(status_lines.to_vec()).wrap(Wrap { trim: true }),
            status,
        );
        let known_servers = known(ctx.session);
        if !known_servers.is_empty() {
            let mut lines = vec![Line::styled("Servers in your vault:", theme.dim())];
            for (i, server) in known_servers.iter().enumerate() {
                let style = if self.picked == Some(i) {
                    theme.selected()
                } else {
                    theme.dim()
                };
                let line = Line::from(vec![Span::raw("  "), Span::styled(server.clone(), style)]);
                lines.push(fit_line(line, usize::from(area.width)));
            }
            frame.render_widget(Paragraph::new(lines), known_area);
        }
    }
}

const SIGN_IN_HELP: &str = "Type the server of the account you want a token for.\n\n\
    Any of these work: mastodon.social, https://mastodon.social/, @alice@mastodon.social, \
    alice@mastodon.social.\n\n\
    mastokey then asks the server what it supports (scopes, PKCE) before going on.\n\n\
    Ctrl-T: you already have a token (from the server's Development settings or another app); \
    paste it on the next screen instead of signing in.";

const ADOPT_HELP: &str = "Type the server the token you have is for: mastodon.social, \
    https://mastodon.social/ or @alice@mastodon.social.\n\n\
    mastokey asks the server what it supports, then you paste the token on the next screen; it \
    is checked before it is saved.\n\n\
    Ctrl-T: back to signing in, where mastokey gets a new token for you.";

const REAUTH_HELP: &str = "mastokey asks this account's server again what it supports, then \
    signs in as the account with the scopes it has, and replaces its stored token.";
