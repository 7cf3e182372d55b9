//! A confirmed quit with a new token unsaved: the token is revoked first (unless the user copied
//! it), within a short bound, so that quitting leaves nothing live on the server. A dead server
//! must not keep the user in the wizard: after `REVOKE_BOUND` the wizard quits anyway and says
//! the revoke did not happen.

use jiff::{SignedDuration, Timestamp};

use super::super::msg::{Effect, Key, Msg, Stamp};
use super::super::state::NoticeKind;
use super::super::verify::VerifyScreen;
use super::{State, Step};

/// How long a quit waits for the server to answer the revoke.
pub const REVOKE_BOUND: SignedDuration = SignedDuration::from_secs(5);

/// The revoke that goes with a quit, and how it went (the shell line says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuitRevoke {
    /// Sent; the wizard quits when it is answered or at `deadline`.
    Waiting {
        stamp: Stamp,
        deadline: Timestamp,
    },
    Revoked,
    /// The server gave the stored token again: it is in the vault, nothing to revoke.
    Stored,
    /// Not revoked: why (a few words, no secret), and where to revoke it by hand.
    Failed {
        why: String,
        there: String,
    },
    /// The user forced the quit (Ctrl-C) instead of waiting; where to revoke it by hand.
    Skipped {
        there: String,
    },
}

impl QuitRevoke {
    /// A phrase for the shell line: "the unsaved token was revoked", …
    pub fn phrase(&self) -> String {
        match self {
            // Never kept past the answer: the wizard quits only once the revoke is settled.
            QuitRevoke::Waiting { .. } => "the unsaved token may not be revoked".to_owned(),
            QuitRevoke::Skipped { there } => {
                format!("the unsaved token was not revoked: revoke it {there}")
            }
            QuitRevoke::Revoked => "the unsaved token was revoked".to_owned(),
            QuitRevoke::Stored => "the new token is the one already stored".to_owned(),
            QuitRevoke::Failed { why, there } => {
                format!("the unsaved token could not be revoked: {why}; revoke it {there}")
            }
        }
    }
}

impl State {
    /// "Discard it" on a quit: revoke the unsaved token first, or quit at once when there is
    /// nothing to revoke (the user copied it and may be using the copy).
    pub(super) fn quit_revoking(&mut self) -> Vec<Effect> {
        let unkept = match &self.step {
            Step::Verify(s) => s.unkept_on_quit(),
            _ => None,
        };
        let Some(unkept) = unkept else {
            self.session.quit = true;
            return Vec::new();
        };
        let stamp = self.session.stamp();
        let deadline = self
            .session
            .now
            .checked_add(REVOKE_BOUND)
            .unwrap_or(Timestamp::MAX);
        self.quit_revoke = Some(QuitRevoke::Waiting { stamp, deadline });
        self.session.notify(
            NoticeKind::Info,
            "Revoking the unsaved token, then quitting… Ctrl-C to quit now without revoking.",
        );
        vec![Effect::Revoke { stamp, unkept }]
    }

    /// A force quit (Ctrl-C on the question) leaves a token that was not copied live: the shell
    /// line says so.
    pub(super) fn force_quit(&mut self) {
        if let Step::Verify(s) = &self.step
            && s.unkept_on_quit().is_some()
        {
            self.quit_revoke = Some(QuitRevoke::Skipped {
                there: s.where_to_revoke(),
            });
        }
        self.session.quit = true;
    }

    /// Where to revoke the new token by hand, for the shell line.
    fn there(&self) -> String {
        match &self.step {
            Step::Verify(s) => s.where_to_revoke(),
            _ => "in the server's settings".to_owned(),
        }
    }

    /// While the quit waits for its revoke, every message ends here: the answer or the deadline
    /// quits, Ctrl-C quits at once, anything else waits. `None` when no quit is waiting.
    pub(super) fn waiting_revoke(&mut self, msg: &Msg) -> Option<Vec<Effect>> {
        let Some(QuitRevoke::Waiting { stamp, deadline }) = self.quit_revoke else {
            return None;
        };
        let done = match msg {
            Msg::Revoked { stamp: s, result } if *s == stamp => Some(match result {
                Ok(true) => QuitRevoke::Revoked,
                Ok(false) => QuitRevoke::Stored,
                Err(why) => QuitRevoke::Failed {
                    why: VerifyScreen::revoke_failure(why),
                    there: self.there(),
                },
            }),
            Msg::Key(Key::Ctrl('c')) => Some(QuitRevoke::Skipped {
                there: self.there(),
            }),
            Msg::Tick if self.session.now >= deadline => Some(QuitRevoke::Failed {
                why: format!(
                    "the server did not answer within {} seconds",
                    REVOKE_BOUND.as_secs()
                ),
                there: self.there(),
            }),
            Msg::Tick => {
                self.session.spinner = self.session.spinner.wrapping_add(1);
                None
            }
            _ => None,
        };
        if let Some(done) = done {
            self.quit_revoke = Some(done);
            self.session.quit = true;
        }
        Some(Vec::new())
    }
}
