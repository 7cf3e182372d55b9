//! How the Verify and save step is drawn: the account, then what the current phase asks.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::state::Session;
use super::super::view::{Choice, Screen, ViewCtx, choices, spinner, wrapped_height};
use super::{Duplicate, Phase, Saved, Then, VerifyScreen, WrongAccount};

impl Screen for VerifyScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((5, "Verify & save"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        match self.phase {
            Phase::Verifying { .. } | Phase::Saving { .. } => vec![("Ctrl-C", "quit")],
            Phase::VerifyFailed { .. } | Phase::SaveFailed { .. } => {
                vec![
                    ("Enter", "try again"),
                    ("Esc", "back to scopes"),
                    ("q", "quit"),
                ]
            }
            Phase::NewPassphrase(_) => vec![
                ("Enter", "next"),
                ("Tab", "switch field"),
                ("Ctrl-C", "quit"),
            ],
            Phase::Duplicate(_) | Phase::WrongAccount(_) | Phase::Done { .. } => {
                vec![
                    ("Enter", "choose"),
                    ("←→", "move"),
                    ("?", "help"),
                    ("q", "quit"),
                ]
            }
        }
    }

    fn help(&self) -> &'static str {
        "mastokey asks the server whose token this is, then keeps it in the encrypted vault.\n\n\
         The first time, choose the vault passphrase: you will need it to open the vault again. \
         It cannot be recovered if lost.\n\n\
         Add another account: the same server, with a fresh sign-in.\n\
         Copy token: to the clipboard, cleared again after 45 seconds."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let mut lines: Vec<Line> = Vec::new();
        if let Some(account) = &self.account {
            lines.push(Line::from(vec![
                Span::styled("✓ ", theme.ok()),
                Span::styled(
                    format!("@{}@{}", account.username, self.server.caps.domain),
                    theme.bold(),
                ),
            ]));
            lines.push(Line::raw(format!(
                "  Display name  {}",
                account.display_name
            )));
            lines.push(Line::raw(format!("  Account id    {}", account.id)));
            let granted: BTreeSet<&String> = self.grant.scopes.iter().collect();
            let requested: BTreeSet<&String> = self.requested.iter().collect();
            lines.push(Line::raw(format!(
                "  Scopes        {}",
                self.grant
                    .scopes
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
            if granted != requested {
                lines.push(Line::styled(
                    format!(
                        "  ⚠ The server granted other scopes than requested ({}).",
                        self.requested.join(" ")
                    ),
                    theme.warn(),
                ));
            }
            lines.push(Line::raw(""));
        }
        match &self.phase {
            Phase::Verifying { .. } => lines.push(Line::styled(
                format!(
                    "{} Checking the new token with {}…",
                    spinner(ctx.session),
                    self.server.caps.domain
                ),
                theme.accent(),
            )),
            Phase::VerifyFailed { error } => {
                lines.push(Line::styled(
                    "The token could not be checked.",
                    theme.bold(),
                ));
                lines.push(Line::styled(error.clone(), theme.error()));
            }
            Phase::WrongAccount(choice) => {
                let target = self
                    .server
                    .reauth
                    .as_ref()
                    .map_or("", |r| r.handle.as_str());
                lines.push(Line::styled(
                    format!("This is not @{target}: the browser signed in as another account."),
                    theme.warn(),
                ));
                lines.push(Line::raw(format!(
                    "@{target} keeps its old token. Save the new token as a separate account?"
                )));
                lines.push(Line::raw(""));
                lines.push(choices(*choice, WrongAccount::label, theme));
            }
            Phase::Duplicate(choice) => {
                lines.push(Line::styled(
                    "This account is already in the vault.",
                    theme.warn(),
                ));
                lines.push(Line::raw(
                    "Replace its token with the new one, or keep the old token?",
                ));
                lines.push(Line::raw(""));
                lines.push(choices(*choice, Duplicate::label, theme));
            }
            Phase::NewPassphrase(form) => form.intro(&mut lines, theme),
            Phase::Saving { .. } => lines.push(Line::styled(
                format!("{} Saving to the vault…", spinner(ctx.session)),
                theme.accent(),
            )),
            Phase::SaveFailed { error, .. } => {
                lines.push(Line::styled(
                    "The account could not be saved. Nothing was lost:",
                    theme.bold(),
                ));
                lines.push(Line::styled(error.clone(), theme.error()));
            }
            Phase::Done { saved, then } => {
                let text = match saved {
                    Saved::Added => format!(
                        "✓ Saved in the vault ({}).",
                        ctx.session.vault_dir.display()
                    ),
                    Saved::Replaced => {
                        "✓ The stored token was replaced with the new one.".to_owned()
                    }
                    Saved::KeptOld => {
                        "The old token was kept; the new one was not saved.".to_owned()
                    }
                    Saved::Unsaved => "Not saved: the new token lives only until mastokey \
                                        ends. Copy it now if you need it."
                        .to_owned(),
                };
                lines.push(Line::styled(text, theme.ok()));
                lines.push(Line::raw(""));
                lines.push(choices(*then, Then::label, theme));
            }
        }
        let height = wrapped_height(&lines, area.width);
        let [top, fields] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
        if let Phase::NewPassphrase(form) = &self.phase {
            form.render_fields(frame, fields, theme);
        }
    }
}
