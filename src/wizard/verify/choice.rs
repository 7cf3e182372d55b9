//! The rows of buttons the Verify step offers (those the token screen offers too are shared).

use super::super::view::Choice;

pub(super) use super::super::shared_choice::{Duplicate, Then};

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
