//! Home: the stored accounts, one row each, with their last check. `v` verifies all of them
//! concurrently with rows updating live; `Enter` opens an account's details.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use crate::accounts::check::status_label;
use crate::accounts::time::ago;
use crate::accounts::tone::status_tone;
use crate::accounts::{NotRevoked, Removal};
use crate::base_url;
use crate::secret::Secret;
use crate::vault::model::{AccountKey, CheckStatus};

use super::msg::{Effect, Key, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::state::{NoticeKind, Reauth, Session, VaultStatus};
use super::view::{Choice, Screen, ViewCtx, choices, sentence, spinner};
use super::view_model::{removal_note, same_scopes};

/// The buttons of an account's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
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

/// The buttons of the remove confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
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

struct Details {
    key: AccountKey,
    action: Action,
    revealed: Option<Secret>,
    /// The remove confirmation, with its focused button.
    confirm: Option<Confirm>,
    removing: Option<Stamp>,
}

#[derive(Default)]
pub struct HomeScreen {
    cursor: usize,
    /// The verify run in flight, and the accounts it has not answered for yet.
    checking: Option<Stamp>,
    pending: BTreeSet<AccountKey>,
    /// The accounts of the latest run, for its summary.
    run: BTreeSet<AccountKey>,
    details: Option<Details>,
}

impl HomeScreen {
    pub fn busy(&self) -> bool {
        self.checking.is_some() || self.details.as_ref().is_some_and(|d| d.removing.is_some())
    }

    /// The rows' keys, in the order shown.
    fn keys(session: &Session) -> Vec<AccountKey> {
        session
            .view()
            .map(|v| v.accounts.iter().map(|a| a.key.clone()).collect())
            .unwrap_or_default()
    }

    fn verify(&mut self, keys: Vec<AccountKey>, session: &mut Session) -> Vec<Effect> {
        if keys.is_empty() {
            return Vec::new();
        }
        let stamp = session.stamp();
        self.checking = Some(stamp);
        self.pending = keys.iter().cloned().collect();
        self.run = keys.iter().cloned().collect();
        vec![Effect::VerifyAccounts { stamp, keys }]
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        let keys = Self::keys(session);
        self.cursor = self.cursor.min(keys.len().saturating_sub(1));
        let mut effects = Vec::new();
        if let Some(mut details) = self.details.take() {
            match msg {
                Msg::Revealed { key, token } if key == details.key => {
                    details.revealed = Some(token);
                }
                Msg::Removed { stamp, result } if details.removing == Some(stamp) => {
                    details.removing = None;
                    match result {
                        Ok(done) => match done.removal {
                            Removal::Kept(why) => {
                                // The revoke failed: the token is still live, so the account
                                // stays where a retry (or "Remove here only") can reach it.
                                let why = match why {
                                    NotRevoked::Failed(error) => error.to_string(),
                                    NotRevoked::NoCredentials => {
                                        "the app that issued it is not in the vault.".to_owned()
                                    }
                                };
                                session.notify(
                                    NoticeKind::Error,
                                    format!(
                                        "Nothing was removed, because the token could not be \
                                         revoked: {why} Try again, or choose \"Remove here only\"."
                                    ),
                                );
                            }
                            Removal::Removed { revoked } => {
                                let asked = details.confirm == Some(Confirm::RevokeAndRemove);
                                let revoke_note = removal_note(revoked, asked, &details.key);
                                session.notify(
                                    NoticeKind::Success,
                                    format!("Removed {}.{revoke_note}", done.label),
                                );
                                session.vault = VaultStatus::Unlocked(done.view);
                                return Outcome::Stay(self, effects);
                            }
                            Removal::Missing => {
                                session.notify(
                                    NoticeKind::Info,
                                    format!("{} was already gone from the vault.", done.label),
                                );
                                session.vault = VaultStatus::Unlocked(done.view);
                                return Outcome::Stay(self, effects);
                            }
                        },
                        Err(error) => session.notify(NoticeKind::Error, sentence(error)),
                    }
                }
                Msg::Key(_) | Msg::Paste(_) if details.removing.is_some() => {}
                Msg::Key(key) => match (details.confirm, key) {
                    (Some(_), Key::Esc) | (Some(Confirm::Cancel), Key::Enter) => {
                        details.confirm = None;
                    }
                    (Some(c), Key::Enter) => {
                        let stamp = session.stamp();
                        details.removing = Some(stamp);
                        effects.push(Effect::RemoveAccount {
                            stamp,
                            key: details.key.clone(),
                            revoke: c == Confirm::RevokeAndRemove,
                        });
                    }
                    (Some(c), key) => details.confirm = c.moved(key).or(Some(c)),
                    (None, Key::Esc) => return Outcome::Stay(self, effects),
                    (None, Key::Enter) => match details.action {
                        Action::CopyToken => effects.push(Effect::CopyStoredToken {
                            key: details.key.clone(),
                            generation: session.next_clipboard_generation(),
                        }),
                        Action::Reveal if details.revealed.is_some() => details.revealed = None,
                        Action::Reveal => effects.push(Effect::RevealStoredToken {
                            key: details.key.clone(),
                        }),
                        Action::Verify if self.checking.is_none() => {
                            effects = self.verify(vec![details.key.clone()], session);
                        }
                        Action::Verify => {}
                        Action::Reauthorize => {
                            if let Some(row) = session.view().and_then(|v| v.account(&details.key))
                            {
                                let target = Reauth {
                                    handle: row.handle.clone(),
                                    id: row.id.clone(),
                                    scopes: row.scopes_to_ask(),
                                };
                                let server = row.server.clone();
                                return Outcome::exit(Exit::Reauthorize { server, target });
                            }
                        }
                        Action::Remove => details.confirm = Some(Confirm::RevokeAndRemove),
                    },
                    (None, key) => {
                        if let Some(action) = details.action.moved(key) {
                            details.action = action;
                        }
                    }
                },
                other => {
                    self.details = Some(details);
                    return self.common(other, session);
                }
            }
            self.details = Some(details);
            return Outcome::Stay(self, effects);
        }
        match msg {
            Msg::Key(Key::Up | Key::Char('k')) => self.cursor = self.cursor.saturating_sub(1),
            Msg::Key(Key::Down | Key::Char('j')) => {
                self.cursor = (self.cursor + 1).min(keys.len().saturating_sub(1));
            }
            Msg::Key(Key::Char('a')) => return Outcome::exit(Exit::AddAccount),
            Msg::Key(Key::Char('i')) => return Outcome::exit(Exit::AdoptServer(String::new())),
            Msg::Key(Key::Char('v')) if self.checking.is_none() => {
                effects = self.verify(keys, session);
            }
            Msg::Key(Key::Enter) => {
                if let Some(key) = keys.get(self.cursor) {
                    self.details = Some(Details {
                        key: key.clone(),
                        action: Action::CopyToken,
                        revealed: None,
                        confirm: None,
                        removing: None,
                    });
                }
            }
            other => return self.common(other, session),
        }
        Outcome::Stay(self, effects)
    }

    /// Results that arrive whatever is open.
    fn common(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        match msg {
            Msg::AccountChecked {
                stamp,
                key,
                status,
                detail,
            } if self.checking == Some(stamp) => {
                self.pending.remove(&key);
                let now = session.now;
                if let VaultStatus::Unlocked(view) = &mut session.vault
                    && let Some(row) = view.accounts.iter_mut().find(|a| a.key == key)
                {
                    row.last_status = Some(status);
                    row.last_checked_at = Some(now);
                    row.last_detail = Some(detail);
                }
            }
            Msg::ChecksRecorded { stamp, result } if self.checking == Some(stamp) => {
                self.checking = None;
                self.pending.clear();
                match result {
                    Ok(view) => {
                        let valid = view
                            .accounts
                            .iter()
                            .filter(|a| self.run.contains(&a.key))
                            .filter(|a| a.last_status == Some(CheckStatus::Valid))
                            .count();
                        session.notify(
                            NoticeKind::Info,
                            format!("Checked: {valid} of {} tokens valid.", self.run.len()),
                        );
                        session.vault = VaultStatus::Unlocked(view);
                    }
                    Err(error) => session.notify(
                        NoticeKind::Error,
                        format!("The results could not be recorded: {}", sentence(error)),
                    ),
                }
            }
            _ => {}
        }
        Outcome::stay(self)
    }
}

impl Screen for HomeScreen {
    fn title(&self) -> &'static str {
        "Accounts"
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        match &self.details {
            Some(d) if d.confirm.is_some() => {
                vec![("Enter", "choose"), ("←→", "move"), ("Esc", "cancel")]
            }
            Some(_) => vec![
                ("Enter", "choose"),
                ("←→", "move"),
                ("Esc", "close"),
                ("q", "quit"),
            ],
            None => vec![
                ("a", "add account"),
                ("i", "import"),
                ("v", "verify all"),
                ("Enter", "details"),
                ("↑↓", "move"),
                ("?", "help"),
                ("q", "quit"),
            ],
        }
    }

    fn help(&self) -> &'static str {
        "Your stored accounts and the result of their last check.\n\n\
         a  add an account (several in a row is fine)\n\
         i  add a token you already have (made on the website or by an app)\n\
         v  check every token with its server, all at once\n\
         Enter  details: copy or reveal the token, check it, or remove it (optionally revoking it \
         on the server first)."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let Some(view) = ctx.session.view() else {
            return;
        };
        if view.accounts.is_empty() {
            frame.render_widget(
                Paragraph::new(vec![
                    Line::styled("No accounts yet.", theme.bold()),
                    Line::raw("Press a to add one."),
                ]),
                area,
            );
            return;
        }
        let header = Row::new(["Account", "Server", "Scopes", "Last check"]).style(theme.bold());
        let rows: Vec<Row> = view
            .accounts
            .iter()
            .map(|a| {
                let near = a.expiry_short(ctx.session.now);
                let check = if self.pending.contains(&a.key) {
                    Line::styled(
                        format!("{} checking…", spinner(ctx.session)),
                        theme.accent(),
                    )
                } else {
                    match (a.last_status, a.last_checked_at) {
                        // A near expiry says more than when the last check was.
                        (Some(status), _) if near.is_some() => Line::from(vec![
                            Span::styled(status_label(status), theme.tone(status_tone(status))),
                            Span::styled(format!(" · {}", near.unwrap_or_default()), theme.warn()),
                        ]),
                        (Some(status), Some(at)) => Line::from(vec![
                            Span::styled(status_label(status), theme.tone(status_tone(status))),
                            Span::styled(format!(" · {}", ago(at, ctx.session.now)), theme.dim()),
                        ]),
                        _ => Line::styled(near.unwrap_or_else(|| "never".into()), theme.dim()),
                    }
                };
                Row::new(vec![
                    Cell::from(format!("@{}", a.label)),
                    Cell::from(base_url::short_name(&a.server)),
                    Cell::from(a.scopes.join(" ")),
                    Cell::from(check),
                ])
            })
            .collect();
        let widths = [
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Length(24),
        ];
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(theme.selected());
        let mut state = TableState::default().with_selected(Some(self.cursor));
        frame.render_stateful_widget(table, area, &mut state);
        if let Some(details) = &self.details {
            render_details(frame, area, details, ctx);
        }
    }
}

fn render_details(frame: &mut Frame, area: Rect, details: &Details, ctx: &ViewCtx) {
    let theme = ctx.theme;
    let Some(row) = ctx.session.view().and_then(|v| v.account(&details.key)) else {
        return;
    };
    let width = area.width.saturating_sub(4).min(76);
    let [band] = Layout::vertical([Constraint::Length(12 + u16::from(!row.revocable))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(band);
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
            Some(asked) if !same_scopes(asked, &row.scopes) => format!(
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
        (Some(status), Some(detail)) => lines.push(Line::from(vec![
            Span::raw("Last check "),
            Span::styled(status_label(status), theme.tone(status_tone(status))),
            Span::styled(format!(" {detail}"), theme.dim()),
        ])),
        _ => lines.push(Line::styled("Not checked yet", theme.dim())),
    }
    lines.extend(
        row.revoke_note()
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
    lines.push(Line::raw(""));
    if details.removing.is_some() {
        lines.push(Line::styled(
            format!("{} Removing…", spinner(ctx.session)),
            theme.accent(),
        ));
    } else if let Some(c) = details.confirm {
        lines.push(Line::styled(
            "Remove this account from the vault?",
            theme.warn(),
        ));
        lines.push(choices(c, Confirm::label, theme));
    } else {
        let revealed = details.revealed.is_some();
        lines.push(choices(
            details.action,
            |a| match a {
                Action::Reveal if revealed => "Hide",
                other => other.label(),
            },
            theme,
        ));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .title(" Account "),
        ),
        popup,
    );
}
