//! The rows of buttons the Verify step offers.

use super::super::view::Choice;

/// The account is already stored: keep the old token (first: it changes nothing) or replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Duplicate {
    Keep,
    Replace,
}

impl Choice for Duplicate {
    const ALL: &'static [Self] = &[Self::Keep, Self::Replace];

    fn label(self) -> &'static str {
        match self {
            Self::Keep => "Keep old token",
            Self::Replace => "Replace token",
        }
    }
}

/// A re-authorization signed in as another account than the one it was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WrongAccount {
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

/// The new account's handle is stored already, from another server address. The handle is the
/// server's claim, so only the user can say whether it is the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clash {
    /// First: it changes nothing stored.
    KeepBoth,
    SameAccount,
    Discard,
}

impl Choice for Clash {
    const ALL: &'static [Self] = &[Self::KeepBoth, Self::SameAccount, Self::Discard];

    fn label(self) -> &'static str {
        match self {
            Self::KeepBoth => "Keep both",
            Self::SameAccount => "Same account: replace the stored token",
            Self::Discard => "Discard the new token",
        }
    }
}

/// What to do once the token is verified (and saved, or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Then {
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

impl Then {
    /// The buttons on offer: a discarded token is never offered for copying.
    pub(super) fn offered(token_kept: bool) -> &'static [Then] {
        if token_kept {
            Self::ALL
        } else {
            &[Self::AddAnother, Self::Done]
        }
    }

    /// The focus after `key` among the offered buttons.
    pub(super) fn moved_among(self, key: super::Key, token_kept: bool) -> Self {
        let mut next = self.moved(key).unwrap_or(self);
        if !Self::offered(token_kept).contains(&next) {
            next = next.moved(key).unwrap_or(next);
        }
        next
    }
}
