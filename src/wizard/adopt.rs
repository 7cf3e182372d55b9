//! "I already have a token": the server is chosen on the Server step (Home `i`, or `Ctrl-T`
//! there); here the user pastes the token into a field that never shows it, mastokey checks it
//! (`accounts::adopt::check_token`: `verify_credentials`, and the app's name and scopes where the
//! server describes them), shows whose it is and what it may do, and stores it like any other
//! account. The first save creates the vault with the Verify step's passphrase form. An account
//! stored already asks Keep or Replace (Keep first: it changes nothing). A token the server
//! refuses is never stored.
//!
//! Such a token usually comes without its app's credentials, so mastokey cannot revoke it; the
//! screen says so and names the server's page where the user can.

use crate::accounts::adopt::{Adoption, Candidate, Checked};
use crate::secret::Secret;

use super::msg::{Effect, Key, Msg, Stamp};
use super::outcome::{Exit, Outcome};
use super::passphrase::PassphraseForm;
use super::reopen::{Reopen, Reopened};
use super::shared_choice::{Duplicate, Then};
use super::state::{NoticeKind, ServerPick, Session, VaultStatus};
use super::text_field::TextField;
use super::view::{Choice, sentence};

mod render;

/// The token checked out: store it, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Save,
    Discard,
}

impl Choice for Confirm {
    const ALL: &'static [Self] = &[Self::Save, Self::Discard];

    fn label(self) -> &'static str {
        match self {
            Self::Save => "Save in the vault",
            Self::Discard => "Discard",
        }
    }
}

enum Phase {
    /// Pasting (or typing) the token.
    Entering {
        error: Option<String>,
    },
    Checking {
        stamp: Stamp,
    },
    Confirm(Confirm),
    Duplicate(Duplicate),
    /// The first save: the new vault's passphrase, typed twice.
    NewPassphrase(PassphraseForm),
    Saving {
        stamp: Stamp,
        replace: bool,
    },
    SaveFailed {
        error: String,
        replace: bool,
        /// The unlock agent that opened the vault stopped: its passphrase reopens it.
        reopen: Option<Reopen>,
    },
    Done {
        adoption: Adoption,
        then: Then,
    },
}

pub struct AdoptScreen {
    server: ServerPick,
    /// Masked: the token is never drawn.
    field: TextField,
    /// The checked token, once the server accepted it.
    candidate: Option<Box<Candidate>>,
    phase: Phase,
}

impl AdoptScreen {
    pub fn new(server: ServerPick) -> Self {
        Self {
            server,
            field: TextField::masked(),
            candidate: None,
            phase: Phase::Entering { error: None },
        }
    }

    pub fn text_focused(&self) -> bool {
        match &self.phase {
            Phase::Entering { .. } => true,
            Phase::NewPassphrase(form) => form.text_focused(),
            Phase::SaveFailed { reopen, .. } => reopen.is_some(),
            _ => false,
        }
    }

    /// True once the token was saved or kept out: quitting then leaves nothing half done.
    pub fn settled(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    pub fn busy(&self) -> bool {
        match &self.phase {
            Phase::Checking { .. } | Phase::Saving { .. } => true,
            Phase::SaveFailed { reopen, .. } => reopen.as_ref().is_some_and(Reopen::busy),
            _ => false,
        }
    }

    fn check(&mut self, session: &mut Session) -> Vec<Effect> {
        let token = self.field.value().trim();
        if token.is_empty() {
            self.phase = Phase::Entering {
                error: Some("Paste the token, then press Enter.".into()),
            };
            return Vec::new();
        }
        let stamp = session.stamp();
        let token = Secret::new(token);
        self.phase = Phase::Checking { stamp };
        vec![Effect::CheckToken {
            stamp,
            caps: Box::new(self.server.caps.clone()),
            token,
        }]
    }

    fn checked(&mut self, result: Result<Checked, crate::mastodon::ApiError>, session: &Session) {
        match result {
            Ok(Checked::Valid(candidate)) => {
                // The candidate holds the token now; the field need not.
                self.field.clear();
                let stored = session
                    .view()
                    .and_then(|v| {
                        v.same_account(candidate.server.base.as_str(), &candidate.account.id)
                    })
                    .is_some();
                self.candidate = Some(candidate);
                self.phase = if stored {
                    Phase::Duplicate(Duplicate::Keep)
                } else {
                    Phase::Confirm(Confirm::Save)
                };
            }
            Ok(Checked::NotValid { detail, .. }) => {
                self.field.clear();
                self.phase = Phase::Entering {
                    error: Some(format!(
                        "{} refused this token: {}. Nothing was saved. Paste another token, or \
                         press Esc to change the server.",
                        self.server.caps.domain,
                        detail.trim_end_matches('.')
                    )),
                };
            }
            // The server could not say (network, server trouble): Enter asks again.
            Err(error) => {
                self.phase = Phase::Entering {
                    error: Some(sentence(error.wording_at(&session.zoned_now()))),
                };
            }
        }
    }

    /// Stores the candidate into the unlocked vault, or asks for the new vault's passphrase.
    fn save(&mut self, replace: bool, session: &mut Session) -> Vec<Effect> {
        let Some(candidate) = &self.candidate else {
            return Vec::new();
        };
        match session.vault {
            VaultStatus::Unlocked(_) => {
                let stamp = session.stamp();
                self.phase = Phase::Saving { stamp, replace };
                vec![Effect::Adopt {
                    stamp,
                    candidate: Box::new(candidate.duplicate()),
                    replace,
                    new_vault: None,
                }]
            }
            VaultStatus::Missing | VaultStatus::Locked => {
                self.phase = Phase::NewPassphrase(PassphraseForm::new());
                Vec::new()
            }
        }
    }

    /// Back to an empty field: the checked token is dropped, nothing stored.
    fn discard(&mut self, session: &mut Session) {
        self.candidate = None;
        self.field.clear();
        self.phase = Phase::Entering { error: None };
        session.notify(NoticeKind::Info, "The token was not saved.");
    }

    pub fn update(mut self, msg: Msg, session: &mut Session) -> Outcome<Self> {
        let phase = std::mem::replace(&mut self.phase, Phase::Entering { error: None });
        let mut effects = Vec::new();
        match (phase, msg) {
            (Phase::Entering { .. }, Msg::Key(Key::Esc)) => {
                return Outcome::exit(Exit::AdoptServer(self.server.text));
            }
            (Phase::Entering { .. }, Msg::Key(Key::Enter)) => effects = self.check(session),
            (Phase::Entering { .. }, Msg::Paste(text)) => {
                // A token has no spaces: a pasted line break or blank is not part of it.
                self.field.insert_str(text.expose().trim());
            }
            (Phase::Entering { error }, Msg::Key(key)) => {
                let error = if self.field.handle(key) { None } else { error };
                self.phase = Phase::Entering { error };
            }
            (Phase::Checking { .. }, Msg::Key(Key::Esc)) => {
                self.phase = Phase::Entering {
                    error: Some("Stopped. Press Enter to check the token again.".into()),
                };
            }
            (Phase::Checking { stamp }, Msg::TokenChecked { stamp: s, result }) if s == stamp => {
                self.checked(result, session);
            }
            (Phase::Confirm(choice), Msg::Key(key)) => match (choice, key) {
                (Confirm::Save, Key::Enter) => effects = self.save(false, session),
                (Confirm::Discard, Key::Enter) | (_, Key::Esc) => self.discard(session),
                _ => self.phase = Phase::Confirm(choice.moved(key).unwrap_or(choice)),
            },
            (Phase::Duplicate(choice), Msg::Key(key)) => match (choice, key) {
                (Duplicate::Replace, Key::Enter) => effects = self.save(true, session),
                (Duplicate::Keep, Key::Enter) => match &self.candidate {
                    Some(candidate) => {
                        self.phase = Phase::Done {
                            adoption: Adoption::Kept(candidate.key()),
                            then: Then::Done,
                        };
                    }
                    None => self.phase = Phase::Entering { error: None },
                },
                (_, Key::Esc) => self.discard(session),
                _ => self.phase = Phase::Duplicate(choice.moved(key).unwrap_or(choice)),
            },
            // "Discard token" on the form: nothing is stored, as Discard does before it.
            (Phase::NewPassphrase(form), Msg::Key(Key::Enter)) if form.discard_focused() => {
                self.discard(session);
            }
            (Phase::NewPassphrase(mut form), msg) => match form.update(msg) {
                Some(passphrase) => match &self.candidate {
                    Some(candidate) => {
                        let stamp = session.stamp();
                        self.phase = Phase::Saving {
                            stamp,
                            replace: false,
                        };
                        effects = vec![Effect::Adopt {
                            stamp,
                            candidate: Box::new(candidate.duplicate()),
                            replace: false,
                            new_vault: Some(passphrase),
                        }];
                    }
                    None => self.phase = Phase::Entering { error: None },
                },
                None => self.phase = Phase::NewPassphrase(form),
            },
            (Phase::Saving { stamp, replace }, Msg::Adopted { stamp: s, result }) if s == stamp => {
                match result {
                    Ok((adoption, view)) => {
                        session.vault = VaultStatus::Unlocked(view);
                        if let Adoption::Added(key) | Adoption::Replaced(key) = &adoption {
                            session.saved.push(key.clone());
                        }
                        // Done first: the choice that starts nothing new (`a` adds another).
                        self.phase = Phase::Done {
                            adoption,
                            then: Then::Done,
                        };
                    }
                    Err(error) => {
                        self.phase = Phase::SaveFailed {
                            reopen: Reopen::after(&error),
                            error: sentence(error),
                            replace,
                        };
                    }
                }
            }
            (
                Phase::SaveFailed {
                    error,
                    replace,
                    reopen: Some(mut reopen),
                },
                msg,
            ) if reopen.takes(&msg) => match reopen.update(msg, session) {
                Reopened::Open => effects = self.save(replace, session),
                Reopened::Asking(work) => {
                    effects = work;
                    self.phase = Phase::SaveFailed {
                        error,
                        replace,
                        reopen: Some(reopen),
                    };
                }
            },
            (Phase::SaveFailed { replace, .. }, Msg::Key(Key::Enter)) => {
                effects = self.save(replace, session);
            }
            (Phase::SaveFailed { .. }, Msg::Key(Key::Esc)) => self.discard(session),
            (Phase::Done { adoption, then }, Msg::Key(key)) => match (then, key) {
                (Then::AddAnother, Key::Enter) | (_, Key::Char('a')) => {
                    return Outcome::exit(Exit::AdoptOn(self.server));
                }
                (_, Key::Enter | Key::Esc) => return Outcome::exit(Exit::Home),
                _ => {
                    self.phase = Phase::Done {
                        adoption,
                        then: then.moved_among(key, false),
                    };
                }
            },
            (phase, _) => self.phase = phase,
        }
        Outcome::Stay(self, effects)
    }
}
