//! The answers that finish the Verify step's slow work: revokes of tokens not kept, the save,
//! and what each means for the screen.

use crate::accounts::NotRevoked;
use crate::vault::VaultError;

use super::super::msg::Msg;
use super::super::msg::{Effect, Stamp};
use super::super::outcome::{Exit, Outcome};
use super::super::reopen::{Reopen, Reopened};
use super::super::state::{NoticeKind, Session, VaultStatus};
use super::super::view::sentence;
use super::super::view_model::VaultView;
use super::{Phase, Saved, Target, Then, VerifyScreen};

impl VerifyScreen {
    /// The answer to a revoke of the discarded new token.
    pub(super) fn new_token_revoked(&mut self, result: Result<bool, NotRevoked>) {
        self.revoking_new = None;
        self.notes.push(match result {
            Ok(true) => (
                NoticeKind::Info,
                "The new token was revoked on the server.".to_owned(),
            ),
            Ok(false) => (
                NoticeKind::Info,
                "The server gave the stored token again, so there was nothing to revoke."
                    .to_owned(),
            ),
            Err(why) => (
                NoticeKind::Error,
                format!(
                    "The new token could not be revoked ({}). Revoke it in the server's settings \
                     (Authorized apps on Mastodon).",
                    not_revoked(&why)
                ),
            ),
        });
    }

    /// A revoke of a replaced stored token (then the save), or of the token left behind.
    pub(super) fn revoked(
        mut self,
        stamp: Stamp,
        result: Result<bool, NotRevoked>,
        session: &mut Session,
    ) -> Outcome<Self> {
        match std::mem::replace(
            &mut self.phase,
            Phase::VerifyFailed {
                error: String::new(),
                step_up: false,
            },
        ) {
            Phase::RevokingOld { stamp: s, target } if s == stamp => {
                match result {
                    Ok(true) => {
                        self.old_revoked = true;
                        self.notes.push((
                            NoticeKind::Info,
                            "The old token was revoked on the server.".to_owned(),
                        ));
                    }
                    // The server gave the same token again, or the entry is gone.
                    Ok(false) => {}
                    // An adopted token: mastokey never had its app. It may well be dead already
                    // (that is often why it is being replaced), so no alarm.
                    Err(NotRevoked::NoCredentials) => self.notes.push((
                        NoticeKind::Info,
                        "The old token was made elsewhere, so mastokey cannot revoke it; if it \
                         still works, revoke it on the server's website."
                            .to_owned(),
                    )),
                    Err(why) => self.notes.push((
                        NoticeKind::Error,
                        format!(
                            "The old token could not be revoked ({}). Revoke it in the server's \
                             settings (Authorized apps on Mastodon).",
                            not_revoked(&why)
                        ),
                    )),
                }
                self.save_now(target, session)
            }
            Phase::Leaving { stamp: s } if s == stamp => {
                let (kind, text) = match result {
                    Ok(false) => (
                        NoticeKind::Info,
                        "The token that could not be checked is also in the vault, so it was kept."
                            .to_owned(),
                    ),
                    Ok(true) => (
                        NoticeKind::Info,
                        "The token that could not be checked was revoked.".to_owned(),
                    ),
                    Err(why) => (
                        NoticeKind::Error,
                        format!(
                            "The token that could not be checked was not revoked ({}).",
                            not_revoked(&why)
                        ),
                    ),
                };
                session.notify(kind, text);
                Outcome::exit(Exit::ChangeScopes(self.server, self.requested))
            }
            phase => {
                self.phase = phase;
                Outcome::stay(self)
            }
        }
    }

    /// The failed save's passphrase form (the agent that opened the vault stopped): once the
    /// vault is open again, the save is retried.
    pub(super) fn reopening(
        mut self,
        error: String,
        target: Target,
        mut reopen: Reopen,
        msg: Msg,
        session: &mut Session,
    ) -> Outcome<Self> {
        match reopen.update(msg, session) {
            Reopened::Open => self.save_now(target, session),
            Reopened::Asking(effects) => {
                let reopen = Some(reopen);
                self.phase = Phase::SaveFailed {
                    error,
                    target,
                    reopen,
                };
                Outcome::Stay(self, effects)
            }
        }
    }

    pub(super) fn saved(
        mut self,
        target: Target,
        result: Result<VaultView, VaultError>,
        session: &mut Session,
    ) -> Outcome<Self> {
        match result {
            Ok(view) => {
                session.vault = VaultStatus::Unlocked(view);
                session
                    .added_on
                    .push(self.server.caps.base.as_str().to_owned());
                if let Some(account) = &self.account {
                    session.saved.push(crate::vault::model::AccountKey::new(
                        self.server.caps.base.as_str(),
                        &account.id,
                    ));
                }
                match target {
                    Target::OtherEntry(key) => {
                        let stamp = session.stamp();
                        self.phase = Phase::RemovingOld { stamp };
                        let effect = Effect::RemoveAccount {
                            stamp,
                            key,
                            revoke: false,
                        };
                        return Outcome::Stay(self, vec![effect]);
                    }
                    // Done first: the choice that starts nothing new.
                    Target::SameKey => {
                        self.phase = Phase::Done {
                            saved: Saved::Replaced,
                            then: Then::Done,
                        };
                    }
                    Target::New => {
                        self.phase = Phase::Done {
                            saved: Saved::Added,
                            then: Then::Done,
                        };
                    }
                }
            }
            Err(error) => {
                self.phase = Phase::SaveFailed {
                    reopen: Reopen::after(&error),
                    error: sentence(error),
                    target,
                }
            }
        }
        Outcome::stay(self)
    }
}

/// Why a revoke did not happen, in a few words.
pub(super) fn not_revoked(why: &NotRevoked) -> String {
    match why {
        // A clause inside another sentence: the cause only, without the error's own advice
        // (the caller says what to do).
        NotRevoked::Failed(error) => crate::mastodon::cause(&error.to_string()).to_owned(),
        NotRevoked::NoCredentials => "the vault lacks the app that issued it".to_owned(),
    }
}
