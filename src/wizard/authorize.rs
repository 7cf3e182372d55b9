//! Step 4, Authorize: the sign-in link in full, "Open in browser" (focused first), "Copy link",
//! and the masked code field below. A paste anywhere on this screen fills the field.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::mastodon::oauth::{AuthorizeParams, AuthorizeRequest, authorize_url, parse_pasted_code};
use crate::mastodon::{ApiError, AppCredentials, RegisteredApp};
use crate::secret::Secret;

use super::msg::{Copied, Effect, Key, Msg, PreparedApp, Stamp};
use super::scopes::ScopesScreen;
use super::state::{Next, NoticeKind, ServerPick, Session, Step};
use super::text_field::TextField;
use super::verify::VerifyScreen;
use super::view::{Screen, ViewCtx, buttons, sentence, spinner};

/// The out-of-band redirect: the server shows the code on a page for the user to paste.
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Registered alongside, so a loopback capture can later be used without a new app.
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1/callback";

/// Every app mastokey registers carries both redirect URIs, in this order.
pub fn redirect_uris() -> Vec<String> {
    vec![OOB_REDIRECT.to_owned(), LOOPBACK_REDIRECT.to_owned()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Open,
    Copy,
    Code,
}

pub struct AuthorizeScreen {
    server: ServerPick,
    scopes: Vec<String>,
    app: RegisteredApp,
    request: AuthorizeRequest,
    force_login: bool,
    focus: Focus,
    code: TextField,
    error: Option<String>,
    /// The code exchange in flight.
    busy: Option<Stamp>,
    /// A re-registration in flight after the server forgot the app.
    reregistering: Option<Stamp>,
    reregistered: bool,
    opened: bool,
}

pub fn credentials(app: &RegisteredApp) -> AppCredentials {
    AppCredentials {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
    }
}

pub fn duplicate_app(app: &RegisteredApp) -> RegisteredApp {
    RegisteredApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
        scopes: app.scopes.clone(),
        redirect_uris: app.redirect_uris.clone(),
    }
}

fn build_request(
    server: &ServerPick,
    app: &RegisteredApp,
    scopes: &[String],
    force_login: bool,
) -> AuthorizeRequest {
    authorize_url(
        &server.caps.base,
        &AuthorizeParams {
            client_id: app.client_id.clone(),
            redirect_uri: OOB_REDIRECT.to_owned(),
            scopes: scopes.to_vec(),
            pkce: server.caps.pkce_s256,
            force_login,
        },
    )
}

impl AuthorizeScreen {
    pub fn start(
        server: ServerPick,
        scopes: Vec<String>,
        prepared: PreparedApp,
        session: &mut Session,
    ) -> Next {
        let force_login = session.needs_force_login(server.caps.base.as_str());
        let request = build_request(&server, &prepared.app, &scopes, force_login);
        if !prepared.reused {
            session.notify(
                NoticeKind::Info,
                "mastokey registered itself with this server.",
            );
        }
        let screen = Self {
            server,
            scopes,
            app: prepared.app,
            request,
            force_login,
            focus: Focus::Open,
            code: TextField::masked(),
            error: None,
            busy: None,
            reregistering: None,
            reregistered: false,
            opened: false,
        };
        (Step::Authorize(screen), Vec::new())
    }

    #[cfg(test)]
    pub fn url(&self) -> &str {
        self.request.url.as_str()
    }

    pub fn code_focused(&self) -> bool {
        self.focus == Focus::Code
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some() || self.reregistering.is_some()
    }

    fn open(&mut self) -> Vec<Effect> {
        self.focus = Focus::Code;
        self.opened = true;
        vec![Effect::OpenBrowser {
            url: self.request.url.to_string(),
        }]
    }

    fn submit(&mut self, session: &mut Session) -> Vec<Effect> {
        if self.code.is_empty() {
            self.error = Some(
                "Paste the code the server showed after you approved, then press Enter.".into(),
            );
            return Vec::new();
        }
        match parse_pasted_code(self.code.value(), &self.request.state) {
            Ok(code) => {
                let stamp = session.stamp();
                self.busy = Some(stamp);
                self.error = None;
                vec![Effect::Exchange {
                    stamp,
                    base: self.server.caps.base.clone(),
                    app: credentials(&self.app),
                    code,
                    redirect_uri: self.request.redirect_uri.clone(),
                    verifier: self.request.pkce_verifier.as_ref().map(Secret::duplicate),
                }]
            }
            Err(error) => {
                self.error = Some(sentence(error));
                Vec::new()
            }
        }
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Next {
        let mut effects = Vec::new();
        match msg {
            Msg::Key(Key::Esc) if self.busy.is_some() => {
                self.busy = None;
                self.error = Some(
                    "Stopped. The code may still be good: press Enter to try it again.".into(),
                );
            }
            Msg::Key(Key::Esc) => {
                let checked: BTreeSet<String> = self.scopes.into_iter().collect();
                return (
                    Step::Scopes(ScopesScreen::new(self.server, Some(checked))),
                    Vec::new(),
                );
            }
            Msg::Key(_) | Msg::Paste(_) if self.busy() => {}
            Msg::Paste(text) => {
                self.focus = Focus::Code;
                self.code.set(text.trim());
                self.error = None;
            }
            Msg::Key(Key::Tab | Key::Down) => self.focus = next_focus(self.focus, 1),
            Msg::Key(Key::BackTab | Key::Up) => self.focus = next_focus(self.focus, -1),
            Msg::Key(Key::Enter) => match self.focus {
                Focus::Open => effects = self.open(),
                Focus::Copy => {
                    effects.push(session.copy(Copied::Url, Secret::new(self.request.url.as_str())));
                }
                Focus::Code => effects = self.submit(session),
            },
            Msg::Key(key) if self.focus == Focus::Code && self.code.handle(key) => {
                self.error = None;
            }
            Msg::Key(Key::Left | Key::Right) => {
                self.focus = if self.focus == Focus::Open {
                    Focus::Copy
                } else {
                    Focus::Open
                };
            }
            Msg::Key(Key::Char('o')) => effects = self.open(),
            Msg::Key(Key::Char('c')) => {
                effects.push(session.copy(Copied::Url, Secret::new(self.request.url.as_str())));
            }
            Msg::BrowserOpened(Ok(())) => {
                let who = if self.force_login {
                    "as the NEW account "
                } else {
                    ""
                };
                session.notify(NoticeKind::Info, format!("Opened in your browser. Sign in {who}and approve, then paste the code here."));
            }
            Msg::BrowserOpened(Err(error)) => {
                self.opened = false;
                self.error = Some(sentence(error));
            }
            Msg::Exchanged { stamp, result } if self.busy == Some(stamp) => {
                self.busy = None;
                match result {
                    Ok(grant) => {
                        return VerifyScreen::start(
                            self.server,
                            self.scopes,
                            self.app,
                            grant,
                            self.force_login,
                            session,
                        );
                    }
                    Err(ApiError::InvalidClient) if !self.reregistered => {
                        let stamp = session.stamp();
                        self.reregistering = Some(stamp);
                        self.reregistered = true;
                        effects.push(Effect::PrepareApp {
                            stamp,
                            base: self.server.caps.base.clone(),
                            scopes: self.scopes.clone(),
                            force_new: true,
                        });
                    }
                    Err(error) => {
                        self.code.clear();
                        self.error = Some(sentence(error));
                    }
                }
            }
            Msg::AppReady { stamp, result } if self.reregistering == Some(stamp) => {
                self.reregistering = None;
                match result {
                    Ok(prepared) => {
                        self.request = build_request(
                            &self.server,
                            &prepared.app,
                            &self.scopes,
                            self.force_login,
                        );
                        self.app = prepared.app;
                        self.code.clear();
                        self.focus = Focus::Open;
                        self.opened = false;
                        self.error = Some(
                            "The server no longer knew mastokey's app, so a new one was registered. \
                             Open the new link (o) and approve again."
                                .into(),
                        );
                    }
                    Err(error) => self.error = Some(sentence(error)),
                }
            }
            _ => {}
        }
        (Step::Authorize(self), effects)
    }
}

fn next_focus(focus: Focus, delta: i8) -> Focus {
    const ORDER: [Focus; 3] = [Focus::Open, Focus::Copy, Focus::Code];
    let index = ORDER.iter().position(|f| *f == focus).unwrap_or(0);
    let next = (index + ORDER.len()).wrapping_add_signed(isize::from(delta)) % ORDER.len();
    ORDER[next]
}

impl Screen for AuthorizeScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((4, "Authorize"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        if self.focus == Focus::Code {
            vec![
                ("Enter", "use code"),
                ("Tab", "buttons"),
                ("Esc", "back"),
                ("Ctrl-C", "quit"),
            ]
        } else {
            vec![
                ("Enter", "press"),
                ("o", "open"),
                ("c", "copy link"),
                ("Tab", "move"),
                ("Esc", "back"),
                ("?", "help"),
                ("q", "quit"),
            ]
        }
    }

    fn help(&self) -> &'static str {
        "1. Open the link (o), or copy it (c) into a browser where the account can sign in.\n\
         2. Sign in and approve mastokey.\n\
         3. The server shows a one-time code: copy it and paste it here (a paste anywhere on \
         this screen lands in the code field), then press Enter.\n\n\
         The code works once and expires after 10 minutes. If it is refused, open the link \
         again and approve again."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let url = self.request.url.to_string();
        let url_lines =
            u16::try_from(url.chars().count() / usize::from(area.width.max(1)) + 1).unwrap_or(1);
        let [intro, link, _, actions, _, field, _, status] = Layout::vertical([
            Constraint::Length(if self.force_login { 2 } else { 1 }),
            Constraint::Length(url_lines),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
        let mut lines = vec![Line::styled(
            format!(
                "Sign in on {} and approve mastokey ({}):",
                self.server.caps.domain,
                self.scopes.join(" ")
            ),
            theme.bold(),
        )];
        if self.force_login {
            lines.push(Line::styled(
                "You already have an account here: sign in as the NEW account when asked.",
                theme.warn(),
            ));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), intro);
        // No trimming and no word breaks: the URL must stay whole to be selectable with the mouse.
        frame.render_widget(
            Paragraph::new(url)
                .style(theme.accent())
                .wrap(Wrap { trim: false }),
            link,
        );
        let focused = match self.focus {
            Focus::Open => Some(0),
            Focus::Copy => Some(1),
            Focus::Code => None,
        };
        let open_label = if self.opened {
            "Open again"
        } else {
            "Open in browser"
        };
        frame.render_widget(
            Paragraph::new(buttons(&[open_label, "Copy link"], focused, theme)),
            actions,
        );
        self.code
            .render(frame, field, "Code: ", self.focus == Focus::Code, theme);
        let status_line = if self.busy.is_some() {
            Line::styled(
                format!("{} Exchanging the code for a token…", spinner(ctx.session)),
                theme.accent(),
            )
        } else if self.reregistering.is_some() {
            Line::styled(
                format!("{} Registering mastokey again…", spinner(ctx.session)),
                theme.accent(),
            )
        } else if let Some(error) = &self.error {
            Line::styled(error.clone(), theme.error())
        } else if self.opened {
            Line::from(vec![Span::styled(
                "Approve in the browser, then paste the code here.",
                theme.dim(),
            )])
        } else {
            Line::raw("")
        };
        frame.render_widget(
            Paragraph::new(status_line).wrap(Wrap { trim: true }),
            status,
        );
    }
}
