//! Leaving the Verify step before the new token is stored: what counts as leaving (so that
//! `flow` can ask "Discard this token?" first), what a confirmed discard does, and signing in
//! again as the account that was named.

use crate::accounts::{NotRevoked, Unkept, where_to_revoke};

use super::super::discard::Stakes;
use super::super::msg::{Effect, Key};
use super::super::outcome::{Exit, Outcome};
use super::super::state::{NoticeKind, Session};
use super::{Phase, Saved, Then, VerifyScreen, settle};

impl VerifyScreen {
    /// True while the new token exists only here: leaving now would lose it.
    /// True once the user's choice is made (saved, replaced, kept the old token, discarded):
    /// quitting then leaves nothing half done.
    pub fn settled(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    pub fn holds_unsaved_token(&self) -> bool {
        !matches!(
            self.phase,
            Phase::Leaving { .. } | Phase::RemovingOld { .. } | Phase::Done { .. }
        )
    }

    /// True while a save, or a revoke or removal that goes with it, is in flight: what is stored
    /// is changing, so quitting waits for it (`flow`) and "Discard this token?" is not asked.
    pub fn in_flight(&self) -> bool {
        matches!(
            self.phase,
            Phase::Saving { .. } | Phase::RevokingOld { .. } | Phase::RemovingOld { .. }
        )
    }

    /// What "Discard this token?" must add: the token was copied, the stored one was revoked.
    pub fn stakes(&self) -> Stakes {
        Stakes {
            copied: self.copied,
            old_revoked: self.old_revoked,
        }
    }

    /// The new token reached the clipboard: from now on leaving does not revoke it.
    pub fn mark_copied(&mut self) {
        if self.holds_unsaved_token() {
            self.copied = true;
        }
    }

    /// True when `key` would leave the save with the new token unsaved (Esc out of a question
    /// or a failed save, or "Discard token"): the wizard asks "Discard this token?" first.
    pub fn key_discards(&self, key: Key) -> bool {
        match &self.phase {
            Phase::VerifyFailed { .. }
            | Phase::Duplicate(_)
            | Phase::WrongAccount(_)
            | Phase::Clash { .. }
            | Phase::SaveFailed { .. } => key == Key::Esc,
            Phase::NewPassphrase(form) => key == Key::Enter && form.discard_focused(),
            _ => false,
        }
    }

    /// The user confirmed "Discard this token?": the new token is revoked, and the screen says
    /// so (for a known account: the old one was kept).
    pub fn discard_unsaved(mut self, session: &mut Session) -> Outcome<Self> {
        if !self.holds_unsaved_token() {
            return Outcome::stay(self);
        }
        match self.phase {
            // A token that could not be checked: revoked on the way back to the scopes.
            Phase::VerifyFailed { .. } => {
                let stamp = session.stamp();
                self.phase = Phase::Leaving { stamp };
                let unkept = self.unkept_new();
                Outcome::Stay(self, vec![Effect::Revoke { stamp, unkept }])
            }
            Phase::Duplicate(_) => self.discard(Saved::KeptOld, session),
            _ => self.discard(Saved::Discarded, session),
        }
    }

    /// "Sign in again as @alice": the browser holds a session for another account on this
    /// server, so from now on the link there forces a fresh login; the token of the account
    /// that was not wanted is revoked on the way.
    pub(super) fn sign_in_again(self, session: &mut Session) -> Outcome<Self> {
        session
            .login_forced_on
            .push(self.server.caps.base.as_str().to_owned());
        let unkept = self.unkept_new();
        Outcome::exit(Exit::SignInAgain(self.server, self.requested, unkept))
    }

    /// The new token is not kept: revoke it, never offer it for copying, and say what happened.
    /// A copied token is left valid: the user may be using the copy.
    pub(super) fn discard(mut self, saved: Saved, session: &mut Session) -> Outcome<Self> {
        self.token_kept = false;
        self.phase = Phase::Done {
            saved,
            then: Then::Done,
        };
        if self.copied {
            self.notes.push((
                NoticeKind::Info,
                "The copy you made stays valid: revoke it in the server's settings (Authorized \
                 apps on Mastodon) when you no longer need it."
                    .to_owned(),
            ));
            return Outcome::stay(self);
        }
        let stamp = session.stamp();
        self.revoking_new = Some(stamp);
        let unkept = self.unkept_new();
        Outcome::Stay(self, vec![Effect::Revoke { stamp, unkept }])
    }

    /// What a confirmed quit revokes first: the new token while it is unsaved, unless the user
    /// copied it (the copy may be in use).
    pub fn unkept_on_quit(&self) -> Option<Unkept> {
        (self.holds_unsaved_token() && !self.copied).then(|| self.unkept_new())
    }

    /// Where the user revokes the new token by hand, to end "revoke it …".
    pub fn where_to_revoke(&self) -> String {
        let caps = &self.server.caps;
        where_to_revoke(caps.base.as_str(), Some(&caps.software.name))
    }

    /// Why a revoke did not happen, in a few words (for the line left in the shell).
    pub fn revoke_failure(why: &NotRevoked) -> String {
        settle::not_revoked(why)
    }
}
