//! An account's details over the list: what is stored, the last check, and the buttons (copy,
//! reveal, verify, re-authorize, remove), with the remove confirmation in place of the buttons.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph, Wrap};

use crate::accounts::check::status_label;
use crate::accounts::tone::status_tone;
use crate::secret::Secret;
use crate::vault::model::{AccountKey, CheckStatus, same_set};

use super::super::msg::Stamp;
use super::super::view::{Choice, ViewCtx, centered, choice_rows, spinner, wrapped_height};
use super::super::view_model::AccountRow;

/// The buttons of an account's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    CopyToken,
    Reveal,
    Verify,
    Reauthorize,
    Remove,
}

impl Choice for Action {
    const ALL: &'static [Self] = &[
        Self::CopyToken,
        Self::Reveal,
        Self::Verify,
        Self::Reauthorize,
        Self::Remove,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::CopyToken => "Copy token",
            Self::Reveal => "Reveal",
            Self::Verify => "Verify",
            Self::Reauthorize => "Re-authorize",
            Self::Remove => "Remove…",
        }
    }
}

/// Whether the last check says a new sign-in would fix the token (it was refused, expired, or
/// lacks a scope the check needs); a disabled account or a network problem is not fixed that way.
fn needs_reauth(status: CheckStatus) -> bool {
    matches!(
        status,
        CheckStatus::Revoked
            | CheckStatus::Invalid
            | CheckStatus::Expired
            | CheckStatus::InsufficientScope
    )
}

/// The buttons of the remove confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Confirm {
    RevokeAndRemove,
    RemoveHereOnly,
    Cancel,
}

impl Choice for Confirm {
    const ALL: &'static [Self] = &[Self::RevokeAndRemove, Self::RemoveHereOnly, Self::Cancel];

    fn label(self) -> &'static str {
        match self {
            Self::RevokeAndRemove => "Revoke and remove",
            Self::RemoveHereOnly => "Remove here only",
            Self::Cancel => "Cancel",
        }
    }
}

pub(super) struct Details {
    pub key: AccountKey,
    pub action: Action,
    pub revealed: Option<Secret>,
    /// The remove confirmation, with its focused button.
    pub confirm: Option<Confirm>,
    pub removing: Option<Stamp>,
}

impl Details {
    /// The details of `row`, focused on what its last check calls for: Re-authorize for a token
    /// that no longer works, else Copy token.
    pub fn open(row: &AccountRow) -> Self {
        Self {
            key: row.key.clone(),
            action: if row.last_status.is_some_and(needs_reauth) {
                Action::Reauthorize
            } else {
                Action::CopyToken
            },
            revealed: None,
            confirm: None,
            removing: None,
        }
    }

    /// The remove confirmation opens on Cancel: Enter alone changes nothing.
    pub fn ask_to_remove(&mut self) {
        self.confirm = Some(Confirm::Cancel);
    }
}

pub(super) const HELP: &str = "One stored account.\n\n\
     Copy token: to the clipboard, cleared again after 45 seconds.\n\
     Reveal: show the token on screen (Hide hides it again).\n\
     Verify: check the token with its server now.\n\
     Re-authorize: sign in again as this account and replace its token; use it when the last \
     check says revoked, invalid or expired.\n\
     Remove…: delete the account from the vault, revoking its token on the server first or not \
     (the confirmation starts on Cancel).\n\n\
     ←→ or Tab move between the buttons, Enter presses one, Esc closes.";

fn info_lines(row: &AccountRow, details: &Details, ctx: &ViewCtx) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let mut lines = vec![
        Line::styled(
            if row.display_name.trim().is_empty() {
                format!("@{}", row.label)
            } else {
                format!("@{}  ({})", row.label, row.display_name)
            },
            theme.bold(),
        ),
        Line::raw(format!("Server {}   id {}", row.server, row.id)),
        Line::raw(match &row.requested {
            Some(asked) if !same_set(asked, &row.scopes) => format!(
                "Scopes {}  (asked for {})",
                row.scopes.join(" "),
                asked.join(" ")
            ),
            _ => format!("Scopes {}", row.scopes.join(" ")),
        }),
        Line::raw(format!(
            "Added {}",
            row.created_at.strftime("%Y-%m-%d %H:%M UTC")
        )),
    ];
    if let Some((text, near)) = row.expiry(ctx.session.now) {
        let style = if near { theme.warn() } else { theme.dim() };
        lines.push(Line::styled(format!("Token {text}"), style));
    }
    match (row.last_status, &row.last_detail) {
        (Some(status), Some(detail)) if needs_reauth(status) => {
            lines.push(Line::from(vec![
                Span::raw("Last check: "),
                Span::styled(status_label(status), theme.tone(status_tone(status))),
                Span::styled(
                    format!(" — {}.", crate::mastodon::cause(detail)),
                    theme.dim(),
                ),
            ]));
            lines.push(Line::styled(
                "Press Re-authorize to sign in again and replace this token.",
                theme.warn(),
            ));
        }
        (Some(status), Some(detail)) => lines.push(Line::from(vec![
            Span::raw("Last check: "),
            Span::styled(status_label(status), theme.tone(status_tone(status))),
            Span::styled(format!(" ({detail})"), theme.dim()),
        ])),
        _ => lines.push(Line::styled("Not checked yet", theme.dim())),
    }
    lines.extend(
        row.revoke_note()
            .into_iter()
            .map(|note| Line::styled(note, theme.warn())),
    );
    match &details.revealed {
        Some(token) => lines.push(Line::styled(
            format!("Token {}", token.expose()),
            theme.warn(),
        )),
        None => lines.push(Line::styled(
            "Token ••••••••  (Reveal to show it)",
            theme.dim(),
        )),
    }
    lines
}

/// The details box, centred over `area` and as tall as its text measures. The buttons keep
/// their rows at the bottom: when space runs out, the text above them gives way first.
pub(super) fn render(frame: &mut Frame, area: Rect, details: &Details, ctx: &ViewCtx) {
    let theme = ctx.theme;
    let Some(row) = ctx.session.view().and_then(|v| v.account(&details.key)) else {
        return;
    };
    // In a narrow window the box takes the whole width: an address must fit on one row.
    let width = if area.width < 64 {
        area.width
    } else {
        area.width.saturating_sub(4).min(78)
    };
    // Border and one column of padding on each side.
    let inner_width = width.saturating_sub(4);
    let info = info_lines(row, details, ctx);
    let mut actions = vec![Line::raw("")];
    if details.removing.is_some() {
        actions.push(Line::styled(
            format!("{} Removing…", spinner(ctx.session)),
            theme.accent(),
        ));
    } else if let Some(c) = details.confirm {
        actions.push(Line::styled(
            "Remove this account from the vault?",
            theme.warn(),
        ));
        actions.extend(choice_rows(c, Confirm::label, inner_width, theme));
    } else {
        let revealed = details.revealed.is_some();
        let label = |a| match a {
            Action::Reveal if revealed => "Hide",
            other => other.label(),
        };
        actions.extend(choice_rows(details.action, label, inner_width, theme));
    }
    let info_height = wrapped_height(&info, inner_width);
    let actions_height = wrapped_height(&actions, inner_width);
    let height = (info_height + actions_height + 2).min(area.height);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .padding(Padding::horizontal(1))
        .title(" Account ");
    let inside = block.inner(popup);
    frame.render_widget(block, popup);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(actions_height)]).areas(inside);
    frame.render_widget(Paragraph::new(info).wrap(Wrap { trim: true }), top);
    frame.render_widget(Paragraph::new(actions).wrap(Wrap { trim: true }), bottom);
}
