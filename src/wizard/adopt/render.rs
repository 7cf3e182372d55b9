//! How the token screen is drawn: the server, the masked field, then whose token it is and
//! what the current phase asks.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::accounts::adopt::{Adoption, Candidate};
use crate::accounts::{revoke_page, where_to_revoke};
use crate::mastodon::for_terminal;

use super::super::passphrase::form_keys_help;
use super::super::reopen::Reopen;
use super::super::state::Session;
use super::super::theme::Theme;
use super::super::view::{
    Choice, Screen, ViewCtx, buttons, choices, field_with_status, spinner, wrapped_height,
};
use super::{AdoptScreen, Confirm, Duplicate, Phase, Then};

impl Screen for AdoptScreen {
    fn title(&self) -> &'static str {
        "Add a token you have"
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        match &self.phase {
            Phase::Entering { .. } => vec![
                ("Enter", "check"),
                ("Esc", "change server"),
                ("Ctrl-C", "quit"),
            ],
            Phase::Checking { .. } => vec![("Esc", "stop"), ("Ctrl-C", "quit")],
            Phase::Saving { .. } => vec![("Ctrl-C", "quit")],
            // The same form, keys and Esc as the sign-in's first save.
            Phase::NewPassphrase(form) => form.keys(),
            Phase::SaveFailed {
                reopen: Some(_), ..
            } => Reopen::keys(),
            Phase::SaveFailed { .. } => {
                vec![("Enter", "try again"), ("Esc", "discard"), ("q", "quit")]
            }
            Phase::Done { .. } => vec![
                ("Enter", "choose"),
                ("←→", "move"),
                ("a", "add another"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Phase::Confirm(_) | Phase::Duplicate(_) => vec![
                ("Enter", "choose"),
                ("←→", "move"),
                ("?", "help"),
                ("q", "quit"),
            ],
        }
    }

    fn help(&self) -> &'static str {
        if matches!(self.phase, Phase::NewPassphrase(_)) {
            return PASSPHRASE_HELP;
        }
        "Paste a token you already have: made on the server's website (Preferences → \
         Development) or taken from another app. It is never shown.\n\n\
         mastokey asks the server whose it is and what it may do, then keeps it in the vault. \
         A refused token is not saved.\n\n\
         mastokey cannot revoke such a token: revoke it on the server's website, under \
         Authorized apps."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let caps = &self.server.caps;
        let mut lines = vec![Line::from(vec![
            Span::styled("Server  ", theme.dim()),
            Span::raw(format!("{} ({})", caps.domain, caps.base.as_str())),
        ])];
        lines.push(Line::raw(""));
        if let Some(candidate) = &self.candidate {
            // The passphrase fields need the room on a small terminal: whose token it is suffices.
            let full = !matches!(
                self.phase,
                Phase::NewPassphrase(_)
                    | Phase::SaveFailed {
                        reopen: Some(_),
                        ..
                    }
            );
            describe(candidate, full, &mut lines, theme);
        }
        match &self.phase {
            Phase::Entering { .. } | Phase::Checking { .. } => {
                lines.push(Line::styled("Paste the access token", theme.bold()));
                lines.push(Line::styled(
                    "From the server's website (Preferences → Development) or another app's \
                     settings. It is not shown.",
                    theme.dim(),
                ));
                lines.push(Line::raw(""));
            }
            Phase::Confirm(choice) => {
                lines.push(Line::raw("Save this token in the vault?"));
                lines.push(Line::raw(""));
                lines.push(choices(*choice, Confirm::label, theme));
            }
            Phase::Duplicate(choice) => {
                lines.push(Line::styled(
                    "This account is already in the vault.",
                    theme.warn(),
                ));
                lines.push(Line::raw(
                    "Keep the stored token, or replace it with this one? Neither is revoked.",
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
                    "The token could not be saved. Nothing was lost:",
                    theme.bold(),
                ));
                lines.push(Line::styled(error.clone(), theme.error()));
            }
            Phase::Done { adoption, then } => {
                let text = match adoption {
                    Adoption::Added(_) => format!(
                        "✓ Saved in the vault ({}).",
                        ctx.session.vault_dir.display()
                    ),
                    Adoption::Replaced(_) => {
                        "✓ The stored token was replaced with this one.".to_owned()
                    }
                    Adoption::Kept(_) => {
                        "The stored token was kept; this one was not saved.".to_owned()
                    }
                };
                lines.push(Line::styled(text, theme.ok()));
                lines.push(Line::raw(""));
                // The token came from the user: it is never offered for copying.
                let offered = Then::offered(false);
                let labels: Vec<&'static str> = offered.iter().map(|t| t.label()).collect();
                let index = offered.iter().position(|t| t == then);
                lines.push(buttons(&labels, index, theme));
            }
        }
        let height = wrapped_height(&lines, area.width);
        let [top, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
        match &self.phase {
            Phase::Entering { error } => {
                self.field_and_status(frame, rest, ctx, true, None, error.as_ref());
            }
            Phase::Checking { .. } => {
                let working = format!("Checking the token with {}…", caps.domain);
                self.field_and_status(frame, rest, ctx, false, Some(working), None);
            }
            Phase::NewPassphrase(form) => form.render_fields(frame, rest, theme),
            Phase::SaveFailed {
                reopen: Some(reopen),
                ..
            } => reopen.render_field(frame, rest, ctx),
            _ => {}
        }
    }
}

impl AdoptScreen {
    /// The masked token field, a blank row, and the status line (work under way, or what went
    /// wrong).
    fn field_and_status(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &ViewCtx,
        typing: bool,
        working: Option<String>,
        error: Option<&String>,
    ) {
        field_with_status(
            frame,
            area,
            ctx,
            &self.field,
            "Token: ",
            typing,
            working,
            error,
        );
    }
}

/// Whose token it is, what it may do, and that mastokey cannot revoke it without its app.
fn describe(candidate: &Candidate, full: bool, lines: &mut Vec<Line<'static>>, theme: Theme) {
    let name = candidate.account.display_name.trim();
    let mut who = vec![
        Span::styled("✓ ", theme.ok()),
        Span::styled(format!("@{}", candidate.handle()), theme.bold()),
    ];
    if !name.is_empty() {
        who.push(Span::raw(format!("  ({})", for_terminal(name))));
    }
    lines.push(Line::from(who));
    if !full {
        lines.push(Line::raw(""));
        return;
    }
    let app = candidate.app_name.as_deref().map_or_else(
        || "not named by the server".to_owned(),
        |n| for_terminal(n).into_owned(),
    );
    lines.push(Line::raw(format!("  App     {app}")));
    let scopes = if candidate.scopes.is_empty() {
        "not listed by the server".to_owned()
    } else {
        candidate.scopes.join(" ")
    };
    lines.push(Line::raw(format!("  Scopes  {scopes}")));
    if candidate.app.is_none() {
        let base = candidate.server.base.as_str();
        let software = Some(candidate.server.software.as_str());
        // The address on a line of its own, so it is not cut where the text wraps.
        let (text, page) = match revoke_page(base, software) {
            Some(page) => ("Do so at:".to_owned(), Some(page)),
            None => (format!("Do so {}.", where_to_revoke(base, software)), None),
        };
        lines.push(Line::styled(
            format!("  Made elsewhere: mastokey cannot revoke it. {text}"),
            theme.warn(),
        ));
        if let Some(page) = page {
            lines.push(Line::styled(format!("  {page}"), theme.warn()));
        }
    }
    lines.push(Line::raw(""));
}

const PASSPHRASE_HELP: &str = concat!(
    "This passphrase encrypts the new vault, where the token is kept. You type it whenever \
     mastokey opens the vault; it cannot be recovered if lost. A few unrelated words make a \
     strong one.\n\n",
    form_keys_help!(),
    "\n\nDiscard token: nothing is saved, and you can paste another token. F1 opens this help: \
     in a field, ? is text."
);
