//! Home: the stored accounts, one row each, with their last check. `v` verifies all of them
//! concurrently with rows updating live; `Enter` opens an account's details.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::accounts::check::status_label;
use crate::accounts::{NotRevoked, Removal};
use crate::vault::model::{AccountKey, CheckStatus};

use super::msg::{Effect, Key, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::state::{NoticeKind, Reauth, Session, VaultStatus};
use super::view::{Choice, Screen, ViewCtx, sentence};
use super::view_model::{AccountRow, removal_note};

mod details;
mod table;

use details::{Action, Confirm, Details};

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
                                let software = session
                                    .view()
                                    .and_then(|v| v.account(&details.key))
                                    .and_then(|a| a.software.clone());
                                let revoke_note =
                                    removal_note(revoked, asked, &details.key, software.as_deref());
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
                        Action::Remove => details.ask_to_remove(),
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
                let row = keys
                    .get(self.cursor)
                    .and_then(|key| session.view().and_then(|v| v.account(key)));
                if let Some(row) = row {
                    self.details = Some(Details::open(row));
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
                        let checked: Vec<&AccountRow> = view
                            .accounts
                            .iter()
                            .filter(|a| self.run.contains(&a.key))
                            .collect();
                        session.notify(NoticeKind::Info, summary(&checked));
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

    fn keys(&self, session: &Session) -> Vec<(&'static str, &'static str)> {
        let empty = session.view().is_none_or(|v| v.accounts.is_empty());
        match &self.details {
            // Nothing to verify or open yet.
            None if empty => vec![
                ("a", "add account"),
                ("i", "import"),
                ("?", "help"),
                ("q", "quit"),
            ],
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
        if self.details.is_some() {
            return details::HELP;
        }
        "Your stored accounts and the result of their last check.\n\n\
         a  add an account (several in a row is fine)\n\
         i  add a token you already have (made on the website or by an app)\n\
         v  check every token with its server, all at once\n\
         Enter  details: copy or reveal the token, check it, or remove it (optionally revoking it \
         on the server first)."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        table::render(self, frame, area, ctx);
        if let Some(details) = &self.details {
            details::render(frame, area, details, ctx);
        }
    }
}

/// The line after a verify run: how many were valid, and which were not ("Checked: 3 of 4
/// tokens valid; bob@other.example revoked."), grouped by status in the order shown.
fn summary(checked: &[&AccountRow]) -> String {
    let valid = checked
        .iter()
        .filter(|a| a.last_status == Some(CheckStatus::Valid))
        .count();
    let mut groups: Vec<(CheckStatus, Vec<&str>)> = Vec::new();
    for row in checked {
        let Some(status) = row.last_status.filter(|s| *s != CheckStatus::Valid) else {
            continue;
        };
        match groups.iter_mut().find(|(s, _)| *s == status) {
            Some((_, names)) => names.push(&row.label),
            None => groups.push((status, vec![&row.label])),
        }
    }
    // The notice has three rows: a long group names its first few and counts the rest (the
    // list shows every row's status).
    let failed: String = groups
        .iter()
        .map(|(status, names)| {
            let shown = match names.len() {
                0..=3 => names.join(", "),
                n => format!("{} and {} more", names[..3].join(", "), n - 3),
            };
            ["; ", &shown, " ", status_label(*status)].concat()
        })
        .collect();
    format!(
        "Checked: {valid} of {} tokens valid{failed}.",
        checked.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::model::AccountKey;

    fn row(label: &str, status: CheckStatus) -> AccountRow {
        AccountRow {
            key: AccountKey::new("https://s.example", label),
            label: label.into(),
            handle: label.into(),
            server: "https://s.example".into(),
            software: Some("Mastodon".into()),
            id: label.into(),
            display_name: String::new(),
            scopes: Vec::new(),
            requested: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            expires_at: None,
            last_checked_at: None,
            last_status: Some(status),
            last_detail: None,
            revocable: true,
        }
    }

    #[test]
    fn the_summary_names_a_few_failures_per_status_and_counts_the_rest() {
        use CheckStatus::{Revoked, Timeout, Valid};
        let rows = [
            row("a", Valid),
            row("b", Revoked),
            row("c", Timeout),
            row("d", Revoked),
        ];
        let refs: Vec<&AccountRow> = rows.iter().collect();
        assert_eq!(
            summary(&refs),
            "Checked: 1 of 4 tokens valid; b, d revoked; c timeout."
        );
        let rows: Vec<AccountRow> = ["b", "c", "d", "e", "f"]
            .iter()
            .map(|l| row(l, Revoked))
            .collect();
        let refs: Vec<&AccountRow> = rows.iter().collect();
        assert_eq!(
            summary(&refs),
            "Checked: 0 of 5 tokens valid; b, c, d and 2 more revoked."
        );
    }
}
