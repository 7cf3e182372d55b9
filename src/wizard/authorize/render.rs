//! How the Authorize step is drawn: the link in full, the buttons, the code field and one status
//! line; or the QR code view with the code field under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::mastodon::for_terminal;

use super::super::qr::render_qr;
use super::super::state::{Reauth, Session};
use super::super::view::{Screen, ViewCtx, buttons, spinner, wrapped_height};
use super::{AuthorizeScreen, Focus};

/// The link cut into rows of the terminal's full width, from its first column: no indent and no
/// word breaks, so the rows read back as the one link (the runner then writes it once more as a
/// run the terminal wraps itself: `wizard::hyperlink`).
pub fn link_rows(url: &str, width: u16) -> Vec<String> {
    let chars: Vec<char> = url.chars().collect();
    chars
        .chunks(usize::from(width.max(1)))
        .map(|row| row.iter().collect())
        .collect()
}

impl Screen for AuthorizeScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn heading(&self) -> Option<String> {
        self.server.reauth.as_ref().map(Reauth::title)
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((4, "Authorize"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        if self.qr && self.focus != Focus::Code {
            return vec![("Esc", "back"), ("q", "quit")];
        }
        if self.qr {
            return vec![("Enter", "use code"), ("Esc", "back"), ("Ctrl-C", "quit")];
        }
        match self.focus {
            Focus::Code => vec![
                ("Enter", "use code"),
                ("Tab", "buttons"),
                ("Esc", "back"),
                ("Ctrl-C", "quit"),
            ],
            // Enter presses the focused button; the other one keeps its letter.
            Focus::Open | Focus::Copy => {
                let open = if self.loopback_dead() {
                    "use a code"
                } else {
                    "open"
                };
                let (enter, other) = if self.focus == Focus::Open {
                    (("Enter", open), ("c", "copy"))
                } else {
                    (("Enter", "copy"), ("o", open))
                };
                // On the code flow already, `m` has nothing to switch to; the way into the
                // field is what the user needs (a letter typed here goes there too).
                // A dead loopback link: Enter is `m` already.
                let field_or_device = if self.shows_code() {
                    Some(("Tab", "type code"))
                } else {
                    (!self.loopback_dead()).then_some(("m", "other device"))
                };
                let mut keys = vec![enter, other, ("r", "QR")];
                keys.extend(field_or_device);
                keys.extend([
                    ("n", "new app"),
                    ("Esc", "back"),
                    ("?", "help"),
                    ("q", "quit"),
                ]);
                keys
            }
        }
    }

    fn help(&self) -> &'static str {
        "1. Open the link (o), or copy it (c) into a browser where you sign in.\n\
         2. Sign in and approve mastokey.\n\
         3. On this machine mastokey continues by itself. Otherwise the server shows a code: \
         paste or type it into the Code field (a whole callback URL works too), press Enter.\n\n\
         m: sign in on another device; r: the link as a QR code for a phone.\n\
         n: register mastokey again, if the browser says the client is invalid.\n\
         Tab: between the buttons and the Code field, where letters are text.\n\
         A code works once and expires within minutes. If it is refused, fix a typo in place, \
         or open the link again."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let url = self.request.url.to_string();
        if self.qr {
            self.render_qr_view(frame, &url, ctx);
            return;
        }
        // The link takes the terminal's whole width, from its first column.
        let full = frame.area();
        let rows = link_rows(&url, full.width);
        let url_lines = u16::try_from(rows.len()).unwrap_or(u16::MAX);
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
                    // A stored handle may predate the checks at the protocol boundary.
                    for_terminal(&target.handle)
                ),
                theme.warn(),
            ));
        } else if let Some(user) = &self.server.user {
            lines.push(Line::styled(
                format!(
                    "Sign in as @{user}. If the browser is signed in as another account, sign \
                     out on the website first (or use a private window)."
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
        let status_line = self
            .status_line(ctx)
            .unwrap_or_else(|| self.waiting_line(ctx));
        let status_h = wrapped_height(std::slice::from_ref(&status_line), area.width).max(1);
        // Measured, and given out in order: the whole link, the buttons, the field and the
        // status first (a cut link is a broken link), then the intro, then blank rows.
        let core = url_lines.saturating_add(2).saturating_add(status_h);
        let spare = area.height.saturating_sub(core);
        let wanted_intro = wrapped_height(&lines, area.width);
        let gap = |n: u16| u16::from(spare.saturating_sub(wanted_intro) >= n);
        let intro_h = wanted_intro.min(spare.saturating_sub(gap(1) + gap(2) + gap(3)));
        let [intro, link, _, actions, _, field, _, status] = Layout::vertical([
            Constraint::Length(intro_h),
            Constraint::Length(url_lines),
            Constraint::Length(gap(1)),
            Constraint::Length(1),
            Constraint::Length(gap(3)),
            Constraint::Length(1),
            Constraint::Length(gap(2)),
            Constraint::Min(1),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), intro);
        let link = Rect {
            x: full.x,
            width: full.width,
            ..link
        };
        frame.render_widget(
            Paragraph::new(rows.into_iter().map(Line::raw).collect::<Vec<_>>())
                .style(theme.accent()),
            link,
        );
        let focused = match self.focus {
            Focus::Open => Some(0),
            Focus::Copy => Some(1),
            Focus::Code => None,
        };
        let open_label = if self.loopback_dead() {
            "Sign in with a code"
        } else if self.opened {
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
        frame.render_widget(
            Paragraph::new(status_line).wrap(Wrap { trim: true }),
            status,
        );
    }
}

impl AuthorizeScreen {
    /// What the screen waits for, when nothing else is said.
    fn waiting_line(&self, ctx: &ViewCtx) -> Line<'static> {
        let theme = ctx.theme;
        if self.no_answer_yet(ctx.session.now) {
            Line::styled(super::NO_ANSWER_HINT, theme.warn())
        } else if self.listening() {
            Line::styled(
                "Waiting for the browser: after you approve, mastokey continues by itself \
                 (or paste the code).",
                theme.dim(),
            )
        } else if self.opened {
            Line::styled(
                "Approve in the browser, then paste or type the code here.",
                theme.dim(),
            )
        } else {
            Line::raw("")
        }
    }

    /// The busy spinner, the error or the note, whichever comes first.
    fn status_line(&self, ctx: &ViewCtx) -> Option<Line<'static>> {
        let theme = ctx.theme;
        if self.busy.is_some() {
            Some(Line::styled(
                format!("{} Exchanging the code for a token…", spinner(ctx.session)),
                theme.accent(),
            ))
        } else if self.reregistering.is_some() {
            Some(Line::styled(
                format!("{} Registering mastokey again…", spinner(ctx.session)),
                theme.accent(),
            ))
        } else if let Some(error) = &self.error {
            Some(Line::styled(error.clone(), theme.error()))
        } else {
            self.note.map(|note| Line::styled(note, theme.dim()))
        }
    }

    /// The link as a QR code, with the code field under it: a phone can only finish with the
    /// code the server shows there, typed here.
    fn render_qr_view(&self, frame: &mut Frame, url: &str, ctx: &ViewCtx) {
        let theme = ctx.theme;
        if !self.allows_code_flow() {
            let area = frame.area();
            let area = Rect {
                height: area.height.saturating_sub(1),
                ..area
            };
            frame.render_widget(ratatui::widgets::Clear, area);
            let text = vec![
                Line::styled("No QR code for this sign-in.", theme.bold()),
                Line::raw(
                    "A phone could not finish it: mastokey's app on this server sends the code \
                     only to this computer (127.0.0.1), so the server has no page that shows a \
                     code.",
                ),
                Line::raw(
                    "Press Esc, then m to sign in with a code instead (mastokey registers an \
                     app for it), then r again.",
                ),
            ];
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
            return;
        }
        // Under the code: the field and a status line; the footer stays.
        let rest = render_qr(frame, url, theme, 2, 1);
        let [field, status] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
        self.code.render(frame, field, "Code: ", true, theme);
        let line = self.status_line_qr(ctx);
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), status);
    }

    fn status_line_qr(&self, ctx: &ViewCtx) -> Line<'static> {
        match self.status_line(ctx) {
            Some(line) if self.busy() || self.error.is_some() => line,
            _ => Line::styled(
                "Scan with your phone and approve there, then type the code it shows.",
                ctx.theme.dim(),
            ),
        }
    }
}
