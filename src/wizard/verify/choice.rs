//! The rows of buttons the Verify step offers (those the token screen offers too are shared).

use super::super::view::Choice;

pub(super) use super::super::shared_choice::{Duplicate, Then};

/// A sign-in for a named account (a re-authorization, or a typed handle) signed in as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WrongAccount {
    /// First: it changes nothing stored. Back to the link, which forces a fresh sign-in.
    SignInAgain,
    /// A deliberate second choice: the other account is kept after all.
    SaveAsNew,
    Discard,
}

impl Choice for WrongAccount {
    const ALL: &'static [Self] = &[Self::SignInAgain, Self::SaveAsNew, Self::Discard];

    /// The labels without the account's name ("Sign in again as @alice" is built where drawn).
    fn label(self) -> &'static str {
        match self {
            Self::SignInAgain => "Sign in again",
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
