//! Step 5, Verify and save: `verify_credentials` names the account; it is saved automatically
//! once the vault is unlocked (the very first save asks for a new passphrase, twice). A known
//! account asks whether to replace its token. Then: add another, copy the token, or done.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::mastodon::{RegisteredApp, TokenGrant, VerifiedAccount};
use crate::secret::Secret;

use super::home::HomeScreen;
use super::msg::{Copied, Effect, Key, Msg, SaveRequest, ServerRecord, Stamp};
use super::server::ServerScreen;
use super::state::{Next, ServerPick, Session, Step, VaultStatus};
use super::text_field::TextField;
use super::view::{Screen, ViewCtx, buttons, sentence, spinner};
use crate::accounts::duplicate_app;

pub const MIN_PASSPHRASE_CHARS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added,
    Replaced,
    /// The user left the save (Esc): the token exists only in memory until the wizard ends.
    Unsaved,
    KeptOld,
}

enum Phase {
    Verifying {
        stamp: Stamp,
    },
    VerifyFailed {
        error: String,
    },
    /// The account is already stored: replace its token (0) or keep the old one (1).
    Duplicate {
        choice: usize,
    },
    /// A re-authorization signed in as another account than the one it was for: save the new
    /// account separately (0) or discard the new token (1). Never overwrites the other account.
    WrongAccount {
        choice: usize,
    },
    NewPassphrase {
        first: TextField,
        second: TextField,
        on_second: bool,
        error: Option<String>,
    },
    Saving {
        stamp: Stamp,
        replacing: bool,
    },
    SaveFailed {
        error: String,
        replacing: bool,
    },
    Done {
        saved: Saved,
        choice: usize,
    },
}

pub struct VerifyScreen {
    server: ServerPick,
    requested: Vec<String>,
    app: RegisteredApp,
    grant: TokenGrant,
    account: Option<VerifiedAccount>,
    force_login: bool,
    phase: Phase,
}

/// A rough strength hint; the only hard rule is the minimum length.
pub fn strength(passphrase: &str) -> &'static str {
    let len = passphrase.chars().count();
    let classes = [
        passphrase.chars().any(char::is_lowercase),
        passphrase.chars().any(char::is_uppercase),
        passphrase.chars().any(|c| c.is_ascii_digit()),
        passphrase.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match (len, classes) {
        (0, _) => "",
        (l, _) if l < MIN_PASSPHRASE_CHARS => "too short (at least 8 characters)",
        (l, c) if l >= 20 || (l >= 14 && c >= 3) => "strong",
        (l, c) if l >= 12 || c >= 3 => "fair: a longer passphrase is stronger",
        _ => "weak: use a longer passphrase, e.g. several words",
    }
}

impl VerifyScreen {
    pub fn start(
        server: ServerPick,
        requested: Vec<String>,
        app: RegisteredApp,
        grant: TokenGrant,
        force_login: bool,
        session: &mut Session,
    ) -> Next {
        // What the notice said about the browser is over now.
        session.notice = None;
        let mut grant = grant;
        // A server that leaves `scope` out of the token answer granted what was asked.
        if grant.scopes.is_empty() {
            grant.scopes.clone_from(&requested);
        }
        let stamp = session.stamp();
        let effect = Effect::Verify {
            stamp,
            base: server.caps.base.clone(),
            token: grant.access_token.duplicate(),
        };
        let screen = Self {
            server,
            requested,
            app,
            grant,
            account: None,
            force_login,
            phase: Phase::Verifying { stamp },
        };
        (Step::Verify(screen), vec![effect])
    }

    pub fn text_focused(&self) -> bool {
        matches!(self.phase, Phase::NewPassphrase { .. })
    }

    pub fn busy(&self) -> bool {
        matches!(self.phase, Phase::Verifying { .. } | Phase::Saving { .. })
    }

    fn save_request(&self, account: &VerifiedAccount) -> SaveRequest {
        SaveRequest {
            server: ServerRecord::from_capabilities(&self.server.caps),
            app: duplicate_app(&self.app),
            account: account.clone(),
            token: self.grant.access_token.duplicate(),
            granted: self.grant.scopes.clone(),
        }
    }

    /// Saves into the unlocked vault, or asks for the first passphrase.
    fn save(mut self, replacing: bool, session: &mut Session) -> Next {
        let Some(account) = self.account.clone() else {
            return (Step::Verify(self), Vec::new());
        };
        match session.vault {
            VaultStatus::Unlocked(_) => {
                let stamp = session.stamp();
                self.phase = Phase::Saving { stamp, replacing };
                let save = self.save_request(&account);
                (Step::Verify(self), vec![Effect::Save { stamp, save }])
            }
            VaultStatus::Missing | VaultStatus::Locked => {
                self.phase = Phase::NewPassphrase {
                    first: TextField::masked(),
                    second: TextField::masked(),
                    on_second: false,
                    error: None,
                };
                (Step::Verify(self), Vec::new())
            }
        }
    }

    fn verified(mut self, account: VerifiedAccount, session: &mut Session) -> Next {
        if let Some(target) = &self.server.reauth {
            let same = target.id == account.id;
            self.account = Some(account);
            if same {
                return self.save(true, session);
            }
            self.phase = Phase::WrongAccount { choice: 0 };
            return (Step::Verify(self), Vec::new());
        }
        let known = session
            .view()
            .and_then(|v| v.same_account(self.server.caps.base.as_str(), &account.id))
            .is_some();
        self.account = Some(account);
        if known {
            self.phase = Phase::Duplicate { choice: 0 };
            return (Step::Verify(self), Vec::new());
        }
        self.save(false, session)
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Next {
        let phase = std::mem::replace(
            &mut self.phase,
            Phase::Done {
                saved: Saved::KeptOld,
                choice: 0,
            },
        );
        match (phase, msg) {
            // Leaving a save that did not happen keeps the token on screen to copy.
            (
                Phase::SaveFailed { .. }
                | Phase::NewPassphrase { .. }
                | Phase::Duplicate { .. }
                | Phase::WrongAccount { .. },
                Msg::Key(Key::Esc),
            ) => {
                self.phase = Phase::Done {
                    saved: Saved::Unsaved,
                    choice: 1,
                };
            }
            (Phase::Verifying { .. }, Msg::Key(Key::Esc)) => {
                self.phase = Phase::VerifyFailed {
                    error: "Stopped. Press Enter to check the token again.".into(),
                };
            }
            (Phase::Verifying { stamp }, Msg::Verified { stamp: s, result }) if s == stamp => {
                match result {
                    Ok(account) => return self.verified(account, session),
                    Err(error) => {
                        self.phase = Phase::VerifyFailed {
                            error: sentence(error),
                        }
                    }
                }
            }
            (Phase::VerifyFailed { .. }, Msg::Key(Key::Enter)) => {
                let (next, effects) = VerifyScreen::start(
                    self.server,
                    self.requested,
                    self.app,
                    self.grant,
                    self.force_login,
                    session,
                );
                return (next, effects);
            }
            (Phase::Duplicate { choice }, Msg::Key(key)) => match key {
                Key::Left | Key::Right | Key::Tab | Key::BackTab | Key::Up | Key::Down => {
                    self.phase = Phase::Duplicate { choice: 1 - choice };
                }
                Key::Enter if choice == 0 => return self.save(true, session),
                Key::Enter => {
                    self.phase = Phase::Done {
                        saved: Saved::KeptOld,
                        choice: 0,
                    }
                }
                _ => self.phase = Phase::Duplicate { choice },
            },
            (Phase::WrongAccount { choice }, Msg::Key(key)) => match key {
                Key::Left | Key::Right | Key::Tab | Key::BackTab | Key::Up | Key::Down => {
                    self.phase = Phase::WrongAccount { choice: 1 - choice };
                }
                Key::Enter if choice == 0 => {
                    // Saved as its own account: a known one asks replace-or-keep as usual.
                    self.server.reauth = None;
                    if let Some(account) = self.account.take() {
                        return self.verified(account, session);
                    }
                }
                Key::Enter => {
                    self.phase = Phase::Done {
                        saved: Saved::KeptOld,
                        choice: 0,
                    };
                }
                _ => self.phase = Phase::WrongAccount { choice },
            },
            (
                Phase::NewPassphrase {
                    mut first,
                    mut second,
                    on_second,
                    error,
                },
                msg,
            ) => {
                let mut error = error;
                let mut on_second = on_second;
                match msg {
                    Msg::Key(Key::Tab | Key::Down | Key::BackTab | Key::Up) => {
                        on_second = !on_second;
                    }
                    Msg::Key(Key::Enter) if !on_second => {
                        if first.value().chars().count() < MIN_PASSPHRASE_CHARS {
                            error =
                                Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                        } else {
                            on_second = true;
                            error = None;
                        }
                    }
                    Msg::Key(Key::Enter) => {
                        if first.value().chars().count() < MIN_PASSPHRASE_CHARS {
                            error =
                                Some(format!("Use at least {MIN_PASSPHRASE_CHARS} characters."));
                            on_second = false;
                        } else if first.value() != second.value() {
                            error = Some(
                                "The two passphrases differ. Type the second one again.".into(),
                            );
                            second.clear();
                        } else if let Some(account) = self.account.clone() {
                            let stamp = session.stamp();
                            let passphrase = Secret::new(first.value());
                            let save = self.save_request(&account);
                            self.phase = Phase::Saving {
                                stamp,
                                replacing: false,
                            };
                            return (
                                Step::Verify(self),
                                vec![Effect::CreateVaultAndSave {
                                    stamp,
                                    passphrase,
                                    save,
                                }],
                            );
                        }
                    }
                    Msg::Key(key) => {
                        let field = if on_second { &mut second } else { &mut first };
                        if field.handle(key) {
                            error = None;
                        }
                    }
                    Msg::Paste(text) => {
                        let field = if on_second { &mut second } else { &mut first };
                        field.insert_str(text.expose().trim_end_matches(['\r', '\n']));
                    }
                    _ => {}
                }
                self.phase = Phase::NewPassphrase {
                    first,
                    second,
                    on_second,
                    error,
                };
            }
            (Phase::Saving { stamp, replacing }, Msg::Saved { stamp: s, result }) if s == stamp => {
                match result {
                    Ok(view) => {
                        session.vault = VaultStatus::Unlocked(view);
                        session
                            .added_on
                            .push(self.server.caps.base.as_str().to_owned());
                        let saved = if replacing {
                            Saved::Replaced
                        } else {
                            Saved::Added
                        };
                        self.phase = Phase::Done { saved, choice: 0 };
                    }
                    Err(error) => {
                        self.phase = Phase::SaveFailed {
                            error: sentence(error),
                            replacing,
                        }
                    }
                }
            }
            (Phase::SaveFailed { replacing, .. }, Msg::Key(Key::Enter)) => {
                return self.save(replacing, session);
            }
            (Phase::Done { saved, choice }, Msg::Key(key)) => match key {
                Key::Left | Key::Up | Key::BackTab => {
                    self.phase = Phase::Done {
                        saved,
                        choice: (choice + 2) % 3,
                    }
                }
                Key::Right | Key::Down | Key::Tab => {
                    self.phase = Phase::Done {
                        saved,
                        choice: (choice + 1) % 3,
                    }
                }
                Key::Enter if choice == 0 => {
                    return ServerScreen::submit_text(&self.server.text, session);
                }
                Key::Enter if choice == 1 => {
                    let effect = session.copy(Copied::Token, self.grant.access_token.duplicate());
                    self.phase = Phase::Done { saved, choice };
                    return (Step::Verify(self), vec![effect]);
                }
                Key::Enter | Key::Esc => return (Step::Home(HomeScreen::default()), Vec::new()),
                _ => self.phase = Phase::Done { saved, choice },
            },
            (Phase::VerifyFailed { .. }, Msg::Key(Key::Esc)) => {
                let checked: BTreeSet<String> = self.requested.into_iter().collect();
                return (
                    Step::Scopes(super::scopes::ScopesScreen::new(self.server, Some(checked))),
                    Vec::new(),
                );
            }
            (phase, _) => self.phase = phase,
        }
        (Step::Verify(self), Vec::new())
    }
}

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
            Phase::NewPassphrase { .. } => vec![
                ("Enter", "next"),
                ("Tab", "switch field"),
                ("Ctrl-C", "quit"),
            ],
            Phase::Duplicate { .. } | Phase::WrongAccount { .. } | Phase::Done { .. } => {
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
            Phase::WrongAccount { choice } => {
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
                lines.push(buttons(
                    &["Save as new account", "Discard new token"],
                    Some(*choice),
                    theme,
                ));
            }
            Phase::Duplicate { choice } => {
                lines.push(Line::styled(
                    "This account is already in the vault.",
                    theme.warn(),
                ));
                lines.push(Line::raw(
                    "Replace its token with the new one, or keep the old token?",
                ));
                lines.push(Line::raw(""));
                lines.push(buttons(
                    &["Replace token", "Keep old token"],
                    Some(*choice),
                    theme,
                ));
            }
            Phase::NewPassphrase { first, .. } => {
                lines.push(Line::styled(
                    "Choose a passphrase for your new vault",
                    theme.bold(),
                ));
                lines.push(Line::styled(
                    "It encrypts every token. If it is lost, it cannot be recovered.",
                    theme.dim(),
                ));
                let hint = strength(first.value());
                let hint_style = if hint.starts_with("strong") {
                    theme.ok()
                } else {
                    theme.warn()
                };
                lines.push(Line::from(vec![
                    Span::raw("Strength: "),
                    Span::styled(hint, hint_style),
                ]));
            }
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
            Phase::Done { saved, choice } => {
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
                lines.push(buttons(
                    &["Add another account", "Copy token", "Done"],
                    Some(*choice),
                    theme,
                ));
            }
        }
        let height = super::view::wrapped_height(&lines, area.width);
        let [top, fields] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
        if let Phase::NewPassphrase {
            first,
            second,
            on_second,
            error,
        } = &self.phase
        {
            let [_, a, b, _, problem] = Layout::vertical([Constraint::Length(1); 5]).areas(fields);
            first.render(frame, a, "Passphrase:        ", !on_second, theme);
            second.render(frame, b, "Type it again:     ", *on_second, theme);
            if let Some(error) = error {
                frame.render_widget(Line::styled(error.clone(), theme.error()), problem);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strength;

    #[test]
    fn strength_hints() {
        assert!(strength("abc").starts_with("too short"));
        assert!(strength("abcdefgh").starts_with("weak"));
        assert!(strength("Abcdefgh1!").starts_with("fair"));
        assert_eq!(strength("correct horse battery staple"), "strong");
    }
}
