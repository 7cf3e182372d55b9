//! How the Verify and save step is drawn: the account, then what the current phase asks.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::base_url::short_name;
use crate::mastodon::for_terminal;

use super::super::passphrase::form_keys_help;
use super::super::reopen::Reopen;
use super::super::state::NoticeKind;
use super::super::state::{Reauth, Session};
use super::super::view::{
    Choice, Screen, ViewCtx, button_rows, buttons, choices, spinner, wrapped_height,
};
use super::{Clash, Duplicate, Phase, Saved, Then, VerifyScreen, WrongAccount};

impl Screen for VerifyScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn heading(&self) -> Option<String> {
        self.server.reauth.as_ref().map(Reauth::title)
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((5, "Verify & save"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        match &self.phase {
            Phase::Verifying { .. }
            | Phase::Saving { .. }
            | Phase::RevokingOld { .. }
            | Phase::RemovingOld { .. } => vec![("Ctrl-C", "quit")],
            Phase::Leaving { .. } => vec![("Esc", "go back now"), ("Ctrl-C", "quit")],
            Phase::VerifyFailed { step_up: true, .. } => vec![
                ("Enter", "sign in again with read"),
                ("Esc", "back to scopes"),
                ("q", "quit"),
            ],
            Phase::VerifyFailed { .. } => {
                vec![
                    ("Enter", "try again"),
                    ("Esc", "back to scopes"),
                    ("q", "quit"),
                ]
            }
            Phase::SaveFailed {
                reopen: Some(_), ..
            } => Reopen::keys(),
            Phase::SaveFailed { .. } => vec![
                ("Enter", "try again"),
                ("c", "copy token"),
                ("Esc", "discard"),
                ("q", "quit"),
            ],
            Phase::NewPassphrase(form) => form.keys(),
            Phase::Clash { .. } => vec![
                ("Enter", "choose"),
                ("↑↓", "move"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Phase::Done { .. } => vec![
                ("Enter", "choose"),
                ("←→", "move"),
                ("a", "add another"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Phase::Duplicate(_) | Phase::WrongAccount(_) => {
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
        match &self.phase {
            Phase::NewPassphrase(_) => PASSPHRASE_HELP,
            Phase::Done { .. } => SAVED_HELP,
            _ => VERIFY_HELP,
        }
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
            Phase::Leaving { .. } => lines.push(Line::styled(
                format!(
                    "{} Revoking the token that could not be checked…",
                    spinner(ctx.session)
                ),
                theme.accent(),
            )),
            Phase::RevokingOld { .. } => lines.push(Line::styled(
                format!("{} Revoking the old token…", spinner(ctx.session)),
                theme.accent(),
            )),
            Phase::RemovingOld { .. } => lines.push(Line::styled(
                format!(
                    "{} Removing the entry stored from the other address…",
                    spinner(ctx.session)
                ),
                theme.accent(),
            )),
            Phase::Clash { choice, existing } => {
                let here = short_name(self.server.caps.base.as_str());
                lines.push(Line::styled(
                    // The stored handle may predate checks at the protocol boundary.
                    format!(
                        "@{} is already stored from {}; this sign-in came from {here}.",
                        for_terminal(&existing.handle),
                        for_terminal(&short_name(&existing.server))
                    ),
                    theme.warn(),
                ));
                lines.push(Line::raw(
                    "A server chooses its own domain name, so this may be another account.",
                ));
                lines.push(Line::raw(""));
                // One button a line: the longest would not fit beside the others.
                for c in Clash::ALL {
                    let focused = (c == choice).then_some(0);
                    lines.push(buttons(&[c.label()], focused, theme));
                }
            }
            // The step-up is this server's rule, not a failure of the user's: say what happens
            // next rather than the generic "re-authorize the account" of the error.
            Phase::VerifyFailed {
                step_up: true,
                error: _,
            } => {
                let host = short_name(self.server.caps.base.as_str());
                lines.push(Line::styled("One more sign-in is needed.", theme.bold()));
                lines.push(Line::raw(format!(
                    "{host} tells whose a token is only when the token may read everything (the \
                     `read` scope), and the one just made may not."
                )));
                lines.push(Line::raw(""));
                lines.push(Line::raw(
                    "Press Enter to sign in again with `read` added. The token just made is \
                     revoked on the server; nothing was saved.",
                ));
            }
            Phase::VerifyFailed { error, .. } => {
                lines.push(Line::styled(
                    "The token could not be checked.",
                    theme.bold(),
                ));
                lines.push(Line::styled(error.clone(), theme.error()));
            }
            Phase::WrongAccount(choice) => {
                // A stored handle may predate the checks at the protocol boundary.
                let target = for_terminal(self.server.expected_handle().unwrap_or_default());
                lines.push(Line::styled(
                    format!("This is not @{target}: the browser signed in as another account."),
                    theme.warn(),
                ));
                let kept = if self.server.reauth.is_some() {
                    format!("@{target} keeps its old token.")
                } else {
                    "Nothing is saved yet.".to_owned()
                };
                lines.push(Line::raw(format!(
                    "{kept} Signing in again asks for a fresh sign-in and revokes this token."
                )));
                lines.push(Line::raw(""));
                // The account's name is in the first label: rows of whole buttons.
                let first = format!("Sign in again as @{target}");
                let labels: Vec<&str> = WrongAccount::ALL
                    .iter()
                    .map(|c| match c {
                        WrongAccount::SignInAgain => first.as_str(),
                        other => other.label(),
                    })
                    .collect();
                let focused = WrongAccount::ALL.iter().position(|c| c == choice);
                lines.extend(
                    button_rows(&labels, focused, area.width, theme)
                        .into_iter()
                        .map(owned),
                );
            }
            Phase::Duplicate(choice) => {
                lines.push(Line::styled(
                    "This account is already in the vault.",
                    theme.warn(),
                ));
                lines.push(Line::raw(
                    "The server signed you in as this account again. To add another account, \
                     sign out on the server's website first, or open the sign-in link in a \
                     private window.",
                ));
                lines.push(Line::raw(
                    "Keep the old token, or replace it with the new one (the one not kept is \
                     revoked)?",
                ));
                lines.push(Line::raw(""));
                lines.push(choices(*choice, Duplicate::label, theme));
            }
            Phase::NewPassphrase(form) => form.intro(&mut lines, theme),
            Phase::Saving { .. } => lines.push(Line::styled(
                format!("{} Saving to the vault…", spinner(ctx.session)),
                theme.accent(),
            )),
            Phase::SaveFailed {
                reopen: Some(_), ..
            } => Reopen::intro(&mut lines, theme),
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
                    Saved::Discarded => "The new token was discarded.".to_owned(),
                };
                lines.push(Line::styled(text, theme.ok()));
                if self.revoking_new.is_some() {
                    lines.push(Line::styled(
                        format!("{} Revoking the new token…", spinner(ctx.session)),
                        theme.accent(),
                    ));
                }
                for (kind, note) in &self.notes {
                    let style = match kind {
                        NoticeKind::Error => theme.error(),
                        NoticeKind::Info | NoticeKind::Success => theme.ok(),
                    };
                    lines.push(Line::styled(note.clone(), style));
                }
                lines.push(Line::raw(""));
                let offered = Then::offered(self.token_kept);
                let labels: Vec<&'static str> = offered.iter().map(|t| t.label()).collect();
                let index = offered.iter().position(|t| t == then);
                lines.push(buttons(&labels, index, theme));
            }
        }
        let height = wrapped_height(&lines, area.width);
        let [top, fields] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
        match &self.phase {
            Phase::NewPassphrase(form) => form.render_fields(frame, fields, theme),
            Phase::SaveFailed {
                reopen: Some(reopen),
                ..
            } => reopen.render_field(frame, fields, ctx),
            _ => {}
        }
    }
}

/// A line that no longer borrows the label it was drawn from.
fn owned(line: Line<'_>) -> Line<'static> {
    Line::from(
        line.spans
            .into_iter()
            .map(|span| Span::styled(span.content.into_owned(), span.style))
            .collect::<Vec<_>>(),
    )
}

const VERIFY_HELP: &str = "mastokey asks the server whose token this is, then keeps it in the \
    encrypted vault.\n\n\
    An account already stored asks whether to keep its old token or replace it; the same handle \
    stored from another address asks whether it is the same account. The first choice always \
    changes nothing.\n\n\
    A token you do not keep (discarded, or replaced by a new one) is revoked on the server, \
    unless you copied it. Leaving before the token is saved (Esc, q, Ctrl-C) asks first: \
    \"Discard this token?\"; discarding revokes it, and a quit waits up to 5 seconds for the \
    server to answer. Ctrl-C on the question quits at once without revoking. During a save, q \
    and Ctrl-C wait for it.";

const PASSPHRASE_HELP: &str = concat!(
    "This passphrase encrypts the new vault, where every token is kept. You type it whenever \
     mastokey opens the vault; it cannot be recovered if lost. A few unrelated words make a \
     strong one.\n\n",
    form_keys_help!(),
    "\n\nDiscard token, q or Ctrl-C ask first: \"Discard this token?\" starts on Keep. A \
     discarded token is revoked on the server (unless you copied it), also when you quit. F1 \
     opens this help: in a field, ? is text."
);

const SAVED_HELP: &str = "The token is saved in the encrypted vault.\n\n\
    Done (or Esc): the list of your accounts.\n\
    Add another account (a): the same server again, with the scopes just chosen; the server \
    is asked for a fresh sign-in, so another account can sign in.\n\
    Copy token: to the clipboard, cleared again after 45 seconds.\n\n\
    In the shell: `mastokey token NAME` prints a token, and `mastokey exec NAME -- CMD` runs a \
    command with it.";
