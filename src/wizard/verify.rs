//! Step 5, Verify and save: `verify_credentials` names the account; it is saved automatically
//! once the vault is unlocked (the very first save asks for a new passphrase, twice). A known
//! account asks whether to replace its token; a handle already stored from another server
//! address asks whether it is the same account. Then: add another, copy the token, or done.
//!
//! Every token mastokey made here and the user did not keep (discarded, not kept over the old
//! one, or not checkable) is revoked, and so is a stored token a new one replaces: best effort,
//! and the screen says when a revoke failed.

use crate::accounts::{ExistingEntry, Unkept, clash_among, duplicate_app};
use crate::mastodon::{AppCredentials, RegisteredApp, TokenGrant, VerifiedAccount};
use crate::vault::model::AccountKey;

use super::msg::{Copied, Effect, Key, Msg, SaveRequest, ServerRecord, Stamp};
use super::outcome::{Exit, Granted, Outcome};
use super::passphrase::PassphraseForm;
use super::reopen::Reopen;
use super::state::{NoticeKind, ServerPick, Session, VaultStatus};
use super::view::{Choice, sentence};

mod choice;
mod leave;
mod render;
mod settle;

use choice::{Clash, Duplicate, Then, WrongAccount};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added,
    Replaced,
    /// The stored token was kept; the new one is revoked.
    KeptOld,
    /// The new token was discarded (and is revoked).
    Discarded,
}

/// What a save does to what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A new entry.
    New,
    /// The entry with the same key gets the new token (a known account, or a re-authorization).
    SameKey,
    /// The user says the entry stored under another address is this account: it is removed
    /// once the new one is saved.
    OtherEntry(AccountKey),
}

enum Phase {
    Verifying {
        stamp: Stamp,
    },
    VerifyFailed {
        error: String,
        /// The server needs `read` to check a token (Takahē): Enter signs in again with it.
        step_up: bool,
    },
    /// Leaving a token that could not be checked: it is revoked first.
    Leaving {
        stamp: Stamp,
    },
    Duplicate(Duplicate),
    /// Save the new account separately, or discard the new token: never overwrites the other.
    WrongAccount(WrongAccount),
    Clash {
        choice: Clash,
        existing: ExistingEntry,
    },
    NewPassphrase(PassphraseForm),
    /// The stored token the new one replaces is revoked before the save.
    RevokingOld {
        stamp: Stamp,
        target: Target,
    },
    Saving {
        stamp: Stamp,
        target: Target,
    },
    SaveFailed {
        error: String,
        target: Target,
        /// The unlock agent that opened the vault stopped: its passphrase reopens it.
        reopen: Option<Reopen>,
    },
    /// The new token is saved; the entry it replaces is being removed.
    RemovingOld {
        stamp: Stamp,
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
    /// False once the new token was discarded: it is revoked, and never offered for copying.
    token_kept: bool,
    /// The revoke of the discarded new token, while it runs.
    revoking_new: Option<Stamp>,
    /// What happened besides the save (revokes, the removal of a replaced entry).
    notes: Vec<(NoticeKind, String)>,
    /// The user copied the new token (after a failed save): it may be in use elsewhere now, so
    /// leaving never revokes it.
    copied: bool,
    /// The stored token the new one replaces was revoked before the save.
    old_revoked: bool,
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
                step_up: false,
            },
            token_kept: true,
            revoking_new: None,
            notes: Vec::new(),
            copied: false,
            old_revoked: false,
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
        matches!(&self.phase, Phase::NewPassphrase(form) if form.text_focused())
            || matches!(
                &self.phase,
                Phase::SaveFailed {
                    reopen: Some(_),
                    ..
                }
            )
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Verifying { .. }
                | Phase::Saving { .. }
                | Phase::Leaving { .. }
                | Phase::RevokingOld { .. }
                | Phase::RemovingOld { .. }
        ) || matches!(&self.phase, Phase::SaveFailed { reopen: Some(r), .. } if r.busy())
    }

    fn save_request(&self, account: &VerifiedAccount) -> SaveRequest {
        let mut server = ServerRecord::from_capabilities(&self.server.caps);
        server.verify_needs_read = self.server.verify_needs_read;
        SaveRequest {
            server,
            app: duplicate_app(&self.app),
            account: account.clone(),
            token: self.grant.access_token.duplicate(),
            granted: self.grant.scopes.clone(),
            expires_in: self.grant.expires_in,
        }
    }

    /// The new token, to be revoked because the user does not keep it.
    fn unkept_new(&self) -> Unkept {
        Unkept::New {
            base: self.server.caps.base.clone(),
            app: AppCredentials {
                client_id: self.app.client_id.clone(),
                client_secret: self.app.client_secret.duplicate(),
            },
            token: self.grant.access_token.duplicate(),
        }
    }

    /// Saves into the unlocked vault, or asks for the first passphrase. A replaced stored
    /// token is revoked first.
    fn save(mut self, target: Target, session: &mut Session) -> Outcome<Self> {
        let Some(account) = &self.account else {
            return Outcome::stay(self);
        };
        let old = match &target {
            Target::New => None,
            Target::SameKey => Some(AccountKey::new(self.server.caps.base.as_str(), &account.id)),
            Target::OtherEntry(key) => Some(key.clone()),
        };
        match (&session.vault, old) {
            (VaultStatus::Unlocked(_), Some(key)) => {
                let stamp = session.stamp();
                self.phase = Phase::RevokingOld { stamp, target };
                let unkept = Unkept::Stored {
                    key,
                    new_token: self.grant.access_token.duplicate(),
                };
                Outcome::Stay(self, vec![Effect::Revoke { stamp, unkept }])
            }
            _ => self.save_now(target, session),
        }
    }

    fn save_now(mut self, target: Target, session: &mut Session) -> Outcome<Self> {
        let Some(account) = self.account.clone() else {
            return Outcome::stay(self);
        };
        match session.vault {
            VaultStatus::Unlocked(_) => {
                let stamp = session.stamp();
                self.phase = Phase::Saving { stamp, target };
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
        if self.server.verify_needs_read {
            // The check worked with `read`: the next sign-in here asks for it at once.
            session.learn_verify_needs_read(self.server.caps.base.as_str());
        }
        // Not the account re-authorized, or not the user of the typed handle.
        if self.server.is_other_account(&account) {
            self.account = Some(account);
            // The choice that changes nothing first: Enter never keeps the other account.
            self.phase = Phase::WrongAccount(WrongAccount::SignInAgain);
            return Outcome::stay(self);
        }
        if self.server.reauth.is_some() {
            self.account = Some(account);
            return self.save(Target::SameKey, session);
        }
        let view = session.view();
        let known = view
            .and_then(|v| v.same_account(self.server.caps.base.as_str(), &account.id))
            .is_some();
        let clash = view.and_then(|v| {
            let stored: Vec<ExistingEntry> = v
                .accounts
                .iter()
                .map(|a| ExistingEntry {
                    key: a.key.clone(),
                    server: a.server.clone(),
                    handle: a.handle.clone(),
                })
                .collect();
            let server = ServerRecord::from_capabilities(&self.server.caps);
            clash_among(&stored, &server, &account)
        });
        self.account = Some(account);
        if known {
            // Keep first: the choice that changes nothing.
            self.phase = Phase::Duplicate(Duplicate::Keep);
            return Outcome::stay(self);
        }
        if let Some(existing) = clash {
            self.phase = Phase::Clash {
                choice: Clash::KeepBoth,
                existing,
            };
            return Outcome::stay(self);
        }
        self.save(Target::New, session)
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        if let Msg::Revoked { stamp, result } = msg {
            if self.revoking_new == Some(stamp) {
                self.new_token_revoked(result);
                return Outcome::stay(self);
            }
            return self.revoked(stamp, result, session);
        }
        let phase = std::mem::replace(
            &mut self.phase,
            Phase::Done {
                saved: Saved::KeptOld,
                then: Then::AddAnother,
            },
        );
        match (phase, msg) {
            // Esc out of a save that did not happen is asked about first ("Discard this
            // token?", in `flow`), which calls `discard_unsaved`: here it changes nothing.
            (
                phase @ (Phase::SaveFailed { .. }
                | Phase::VerifyFailed { .. }
                | Phase::Duplicate(_)
                | Phase::WrongAccount(_)
                | Phase::Clash { .. }),
                Msg::Key(Key::Esc),
            ) => self.phase = phase,
            (Phase::Verifying { .. }, Msg::Key(Key::Esc)) => {
                self.phase = Phase::VerifyFailed {
                    error: "Stopped. Press Enter to check the token again.".into(),
                    step_up: false,
                };
            }
            (Phase::Verifying { stamp }, Msg::Verified { stamp: s, result }) if s == stamp => {
                match result {
                    Ok(account) => return self.verified(account, session),
                    Err(error) => {
                        let step_up = matches!(error, crate::mastodon::ApiError::InsufficientScope)
                            && !self.requested.iter().any(|s| s == "read");
                        self.phase = Phase::VerifyFailed {
                            error: sentence(error),
                            step_up,
                        }
                    }
                }
            }
            (Phase::VerifyFailed { step_up: true, .. }, Msg::Key(Key::Enter)) => {
                // One key press: sign in again with `read`; the narrow token is revoked on the way.
                let unkept = self.unkept_new();
                return Outcome::exit(Exit::StepUp(self.server, self.requested, unkept));
            }
            (Phase::VerifyFailed { .. }, Msg::Key(Key::Enter)) => {
                // A fresh check shows the account anew.
                self.account = None;
                let effects = self.check(session);
                return Outcome::Stay(self, effects);
            }
            (Phase::Leaving { .. }, Msg::Key(Key::Esc)) => {
                session.notify(
                    NoticeKind::Info,
                    "mastokey asked the server to revoke the token it could not check.",
                );
                return Outcome::exit(Exit::ChangeScopes(self.server, self.requested));
            }
            (Phase::Duplicate(choice), Msg::Key(key)) => match (choice, key) {
                (Duplicate::Replace, Key::Enter) => return self.save(Target::SameKey, session),
                (Duplicate::Keep, Key::Enter) => return self.discard(Saved::KeptOld, session),
                _ => self.phase = Phase::Duplicate(choice.moved(key).unwrap_or(choice)),
            },
            (Phase::WrongAccount(choice), Msg::Key(key)) => match (choice, key) {
                (WrongAccount::SaveAsNew, Key::Enter) => {
                    // Saved as its own account: a known one asks replace-or-keep as usual.
                    self.server.reauth = None;
                    self.server.user = None;
                    if let Some(account) = self.account.take() {
                        return self.verified(account, session);
                    }
                }
                (WrongAccount::Discard, Key::Enter) => {
                    return self.discard(Saved::Discarded, session);
                }
                (WrongAccount::SignInAgain, Key::Enter) => return self.sign_in_again(session),
                _ => self.phase = Phase::WrongAccount(choice.moved(key).unwrap_or(choice)),
            },
            (Phase::Clash { choice, existing }, Msg::Key(key)) => match (choice, key) {
                (Clash::KeepBoth, Key::Enter) => return self.save(Target::New, session),
                (Clash::SameAccount, Key::Enter) => {
                    return self.save(Target::OtherEntry(existing.key), session);
                }
                (Clash::Discard, Key::Enter) => return self.discard(Saved::Discarded, session),
                _ => {
                    self.phase = Phase::Clash {
                        choice: choice.moved(key).unwrap_or(choice),
                        existing,
                    }
                }
            },
            (Phase::NewPassphrase(mut form), msg) => {
                let passphrase = form.update(msg);
                self.phase = Phase::NewPassphrase(form);
                if let (Some(passphrase), Some(account)) = (passphrase, self.account.clone()) {
                    let stamp = session.stamp();
                    let save = self.save_request(&account);
                    self.phase = Phase::Saving {
                        stamp,
                        target: Target::New,
                    };
                    let effect = Effect::CreateVaultAndSave {
                        stamp,
                        passphrase,
                        save,
                    };
                    return Outcome::Stay(self, vec![effect]);
                }
            }
            (Phase::Saving { stamp, target }, Msg::Saved { stamp: s, result }) if s == stamp => {
                return self.saved(target, result, session);
            }
            (Phase::RemovingOld { stamp }, Msg::Removed { stamp: s, result }) if s == stamp => {
                match result {
                    Ok(removed) => session.vault = VaultStatus::Unlocked(removed.view),
                    Err(error) => self.notes.push((
                        NoticeKind::Error,
                        format!(
                            "The entry stored from the other address could not be removed: {}",
                            sentence(error)
                        ),
                    )),
                }
                self.phase = Phase::Done {
                    saved: Saved::Replaced,
                    then: Then::Done,
                };
            }
            (
                Phase::SaveFailed {
                    error,
                    target,
                    reopen: Some(reopen),
                },
                msg,
            ) if reopen.takes(&msg) => return self.reopening(error, target, reopen, msg, session),
            (Phase::SaveFailed { target, .. }, Msg::Key(Key::Enter)) => {
                return self.save_now(target, session);
            }
            // The vault refuses the token, but it is still good: copying keeps it usable.
            (phase @ Phase::SaveFailed { .. }, Msg::Key(Key::Char('c'))) => {
                let effect = session.copy(Copied::Token, self.grant.access_token.duplicate());
                self.phase = phase;
                return Outcome::Stay(self, vec![effect]);
            }
            (Phase::Done { saved, then }, Msg::Key(key)) => match (then, key) {
                (Then::AddAnother, Key::Enter) | (_, Key::Char('a')) => {
                    let text = self.server.add_another_text();
                    return Outcome::exit(Exit::AddOn(text, self.requested));
                }
                (Then::CopyToken, Key::Enter) if self.token_kept => {
                    let effect = session.copy(Copied::Token, self.grant.access_token.duplicate());
                    self.phase = Phase::Done { saved, then };
                    return Outcome::Stay(self, vec![effect]);
                }
                (Then::Done, Key::Enter) | (_, Key::Esc) => return Outcome::exit(Exit::Home),
                _ => {
                    self.phase = Phase::Done {
                        saved,
                        then: then.moved_among(key, self.token_kept),
                    }
                }
            },
            (phase, _) => self.phase = phase,
        }
        Outcome::stay(self)
    }
}
