//! Leaving the Verify step before the new token is stored: what counts as leaving (so that
//! `flow` can ask "Discard this token?" first) and what a confirmed discard does.

use super::super::msg::{Effect, Key};
use super::super::outcome::Outcome;
use super::super::state::Session;
use super::{Phase, Saved, Then, VerifyScreen};

impl VerifyScreen {
    /// True while the new token exists only here: leaving now would lose it.
    pub fn holds_unsaved_token(&self) -> bool {
        !matches!(
            self.phase,
            Phase::Leaving { .. } | Phase::RemovingOld { .. } | Phase::Done { .. }
        )
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

    /// The new token is not kept: revoke it, never offer it for copying, and say what happened.
    pub(super) fn discard(mut self, saved: Saved, session: &mut Session) -> Outcome<Self> {
        let stamp = session.stamp();
        self.token_kept = false;
        self.revoking_new = Some(stamp);
        self.phase = Phase::Done {
            saved,
            then: Then::Done,
        };
        let unkept = self.unkept_new();
        Outcome::Stay(self, vec![Effect::Revoke { stamp, unkept }])
    }
}
