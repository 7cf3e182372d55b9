//! How the Authorize step is drawn: the link in full, the buttons, the code field and one status line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::super::qr::render_qr;
use super::super::state::Session;
use super::super::view::{Screen, ViewCtx, buttons, spinner, wrapped_height};
use super::{AuthorizeScreen, Focus};

impl Screen for AuthorizeScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((4, "Authorize"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        if self.focus == Focus::Code {
            let mut keys = vec![("Enter", "use code"), ("Tab", "buttons")];
            if self.m_switches() {
                keys.push(("m", "code flow"));
            }
            keys.extend([("Esc", "back"), ("Ctrl-C", "quit")]);
            keys
        } else {
            vec![
                ("Enter", "choose"),
                ("o", "open"),
                ("c", "copy"),
                ("r", "QR"),
                ("m", "other device"),
                ("Esc", "back"),
                ("?", "help"),
                ("q", "quit"),
            ]
        }
    }

    fn help(&self) -> &'static str {
        "1. Open the link (o), or copy it (c) into a browser where the account can sign in.\n\
         2. Sign in and approve mastokey.\n\
         3. In a browser on this machine, mastokey picks up the answer by itself. Otherwise the \
         server shows a one-time code: paste it here (a paste anywhere on this screen lands in \
         the code field; a whole callback URL works too), then press Enter.\n\n\
         m: sign in on another device (a phone: r shows the link as a QR code).\n\
         n: register mastokey with the server again, if the browser says the app (client) is \
         invalid or unknown.\n\
         The code works once and expires after a few minutes (how many depends on the server). \
         If it is refused, open the link again and approve again."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let url = self.request.url.to_string();
        let url_lines =
            u16::try_from(url.chars().count() / usize::from(area.width.max(1)) + 1).unwrap_or(1);
        if self.qr {
            render_qr(frame, url.as_str(), theme);
            return;
        }
        let mut lines = vec![Line::styled(
            format!(
                "Sign in on {} and approve mastokey ({}):",
                self.server.caps.domain,
                self.scopes.join(" ")
            ),
            theme.bold(),
        )];
        if let Some(target) = &self.server.reauth {
            lines.push(Line::styled(
                format!(
                    "Re-authorizing: sign in as @{}. If the browser is signed in as another \
                     account, sign out on the website first (or use a private window).",
                    target.handle
                ),
                theme.warn(),
            ));
        } else if self.force_login {
            lines.push(Line::styled(
                "You have an account here already. Some servers skip the fresh sign-in: sign out \
                 on the website (or use a private window), then sign in as the new account.",
                theme.warn(),
            ));
        }
        let [intro, link, _, actions, _, field, _, status] = Layout::vertical([
            Constraint::Length(wrapped_height(&lines, area.width)),
            Constraint::Length(url_lines),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
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
        } else if let Some(note) = self.note {
            Line::styled(note, theme.dim())
        } else if self.no_answer_yet(ctx.session.now) {
            Line::styled(super::NO_ANSWER_HINT, theme.warn())
        } else if self.listening() {
            Line::styled(
                "Waiting for the browser: after you approve, mastokey continues by itself \
                 (or paste the code).",
                theme.dim(),
            )
        } else if self.opened {
            Line::styled(
                "Approve in the browser, then paste the code here.",
                theme.dim(),
            )
        } else {
            Line::raw("")
        };
        frame.render_widget(
            Paragraph::new(status_line).wrap(Wrap { trim: true }),
            status,
        );
    }
}
