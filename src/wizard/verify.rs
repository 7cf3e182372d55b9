//! Step 5, Verify and save: `verify_credentials` names the account; it is saved automatically
//! once the vault is unlocked (the very first save asks for a new passphrase, twice). A known
//! account asks whether to replace its token. Then: add another, copy the token, or done.

use crate::accounts::duplicate_app;
use crate::mastodon::{RegisteredApp, TokenGrant, VerifiedAccount};

use super::msg::{Copied, Effect, Key, Msg, SaveRequest, ServerRecord, Stamp};
use super::outcome::{Exit, Granted, Outcome};
use super::passphrase::PassphraseForm;
use super::state::{ServerPick, Session, VaultStatus};
use super::view::{Choice, sentence};

mod render;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added,
    Replaced,
    /// The user left the save (Esc): the token exists only in memory until the wizard ends.
    Unsaved,
    KeptOld,
}

/// The account is already stored: replace its token or keep the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duplicate {
    Replace,
    Keep,
}

impl Choice for Duplicate {
    const ALL: &'static [Self] = &[Self::Replace, Self::Keep];

    fn label(self) -> &'static str {
        match self {
            Self::Replace => "Replace token",
            Self::Keep => "Keep old token",
        }
    }
}

/// A re-authorization signed in as another account than the one it was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WrongAccount {
    SaveAsNew,
    Discard,
}

impl Choice for WrongAccount {
    const ALL: &'static [Self] = &[Self::SaveAsNew, Self::Discard];

    fn label(self) -> &'static str {
        match self {
            Self::SaveAsNew => "Save as new account",
            Self::Discard => "Discard new token",
        }
    }
}

/// What to do once the token is verified (and saved, or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    AddAnother,
    CopyToken,
    Done,
}

impl Choice for Then {
    const ALL: &'static [Self] = &[Self::AddAnother, Self::CopyToken, Self::Done];

    fn label(self) -> &'static str {
        match self {
            Self::AddAnother => "Add another account",
            Self::CopyToken => "Copy token",
            Self::Done => "Done",
        }
    }
}

enum Phase {
    Verifying {
        stamp: Stamp,
    },
    VerifyFailed {
        error: String,
    },
    Duplicate(Duplicate),
    /// Save the new account separately, or discard the new token: never overwrites the other.
    WrongAccount(WrongAccount),
    NewPassphrase(PassphraseForm),
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
        then: Then,
    },
}

pub struct VerifyScreen {
    server: ServerPick,
    requested: Vec<String>,
    app: RegisteredApp,
    grant: TokenGrant,
    account: Option<VerifiedAccount>,
    phase: Phase,
}

impl VerifyScreen {
    pub fn start(granted: Granted, session: &mut Session) -> (Self, Vec<Effect>) {
        // What the notice said about the browser is over now.
        session.notice = None;
        let Granted {
            server,
            scopes: requested,
            app,
            mut grant,
        } = granted;
        // A server that leaves `scope` out of the token answer granted what was asked.
        if grant.scopes.is_empty() {
            grant.scopes.clone_from(&requested);
        }
        let mut screen = Self {
            server,
            requested,
            app,
            grant,
            account: None,
            phase: Phase::VerifyFailed {
                error: String::new(),
            },
        };
        let effects = screen.check(session);
        (screen, effects)
    }

    /// Asks the server whose token this is.
    fn check(&mut self, session: &mut Session) -> Vec<Effect> {
        let stamp = session.stamp();
        self.phase = Phase::Verifying { stamp };
        vec![Effect::Verify {
            stamp,
            base: self.server.caps.base.clone(),
            token: self.grant.access_token.duplicate(),
        }]
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
            expires_in: self.grant.expires_in,
        }
    }

    /// Saves into the unlocked vault, or asks for the first passphrase.
    fn save(mut self, replacing: bool, session: &mut Session) -> Outcome<Self> {
        let Some(account) = self.account.clone() else {
            return Outcome::stay(self);
        };
        match session.vault {
            VaultStatus::Unlocked(_) => {
                let stamp = session.stamp();
                self.phase = Phase::Saving { stamp, replacing };
                let save = self.save_request(&account);
                Outcome::Stay(self, vec![Effect::Save { stamp, save }])
            }
            VaultStatus::Missing | VaultStatus::Locked => {
                self.phase = Phase::NewPassphrase(PassphraseForm::new());
                Outcome::stay(self)
            }
        }
    }

    fn verified(mut self, account: VerifiedAccount, session: &mut Session) -> Outcome<Self> {
        if let Some(target) = &self.server.reauth {
            let same = target.id == account.id;
            self.account = Some(account);
            if same {
                return self.save(true, session);
            }
            self.phase = Phase::WrongAccount(WrongAccount::SaveAsNew);
            return Outcome::stay(self);
        }
        let known = session
            .view()
            .and_then(|v| v.same_account(self.server.caps.base.as_str(), &account.id))
            .is_some();
        self.account = Some(account);
        if known {
            self.phase = Phase::Duplicate(Duplicate::Replace);
            return Outcome::stay(self);
        }
        self.save(false, session)
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        let phase = std::mem::replace(
            &mut self.phase,
            Phase::Done {
                saved: Saved::KeptOld,
                then: Then::AddAnother,
            },
        );
        match (phase, msg) {
            // Leaving a save that did not happen keeps the token on screen to copy.
            (
                Phase::SaveFailed { .. }
                | Phase::NewPassphrase(_)
                | Phase::Duplicate(_)
                | Phase::WrongAccount(_),
                Msg::Key(Key::Esc),
            ) => {
                self.phase = Phase::Done {
                    saved: Saved::Unsaved,
                    then: Then::CopyToken,
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
                // A fresh check shows the account anew.
                self.account = None;
                let effects = self.check(session);
                return Outcome::Stay(self, effects);
            }
            (Phase::Duplicate(choice), Msg::Key(key)) => match (choice, key) {
                (Duplicate::Replace, Key::Enter) => return self.save(true, session),
                (Duplicate::Keep, Key::Enter) => {
                    self.phase = Phase::Done {
                        saved: Saved::KeptOld,
                        then: Then::AddAnother,
                    }
                }
                _ => self.phase = Phase::Duplicate(choice.moved(key).unwrap_or(choice)),
            },
            (Phase::WrongAccount(choice), Msg::Key(key)) => match (choice, key) {
                (WrongAccount::SaveAsNew, Key::Enter) => {
                    // Saved as its own account: a known one asks replace-or-keep as usual.
                    self.server.reauth = None;
                    if let Some(account) = self.account.take() {
                        return self.verified(account, session);
                    }
                }
                (WrongAccount::Discard, Key::Enter) => {
                    self.phase = Phase::Done {
                        saved: Saved::KeptOld,
                        then: Then::AddAnother,
                    };
                }
                _ => self.phase = Phase::WrongAccount(choice.moved(key).unwrap_or(choice)),
            },
            (Phase::NewPassphrase(mut form), msg) => {
                let passphrase = form.update(msg);
                self.phase = Phase::NewPassphrase(form);
                if let (Some(passphrase), Some(account)) = (passphrase, self.account.clone()) {
                    let stamp = session.stamp();
                    let save = self.save_request(&account);
                    self.phase = Phase::Saving {
                        stamp,
                        replacing: false,
                    };
                    let effect = Effect::CreateVaultAndSave {
                        stamp,
                        passphrase,
                        save,
                    };
                    return Outcome::Stay(self, vec![effect]);
                }
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
                        self.phase = Phase::Done {
                            saved,
                            then: Then::AddAnother,
                        };
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
            (Phase::Done { saved, then }, Msg::Key(key)) => match (then, key) {
                (Then::AddAnother, Key::Enter) => {
                    return Outcome::exit(Exit::AddOn(self.server.text));
                }
                (Then::CopyToken, Key::Enter) => {
                    let effect = session.copy(Copied::Token, self.grant.access_token.duplicate());
                    self.phase = Phase::Done { saved, then };
                    return Outcome::Stay(self, vec![effect]);
                }
                (Then::Done, Key::Enter) | (_, Key::Esc) => return Outcome::exit(Exit::Home),
                _ => {
                    self.phase = Phase::Done {
                        saved,
                        then: then.moved(key).unwrap_or(then),
                    }
                }
            },
            (Phase::VerifyFailed { .. }, Msg::Key(Key::Esc)) => {
                return Outcome::exit(Exit::ChangeScopes(self.server, self.requested));
            }
            (phase, _) => self.phase = phase,
        }
        Outcome::stay(self)
    }
}
