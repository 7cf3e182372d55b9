//! Rows of buttons both ways of adding an account offer (the Verify step of a sign-in and the
//! token screen), so each says the same thing in the same order.

use super::msg::Key;
use super::view::Choice;

/// The account is already stored: keep the old token (first: it changes nothing) or replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
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

/// What to do once the token is saved (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
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
    /// The buttons on offer: a token not kept (or one the user brought) is never offered for
    /// copying.
    pub fn offered(token_kept: bool) -> &'static [Then] {
        if token_kept {
            Self::ALL
        } else {
            &[Self::AddAnother, Self::Done]
        }
    }

    /// The focus after `key` among the offered buttons.
    pub fn moved_among(self, key: Key, token_kept: bool) -> Self {
        let mut next = self.moved(key).unwrap_or(self);
        if !Self::offered(token_kept).contains(&next) {
            next = next.moved(key).unwrap_or(next);
        }
        next
    }
}
