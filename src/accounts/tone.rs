//! What a piece of account text says, as a tone both front ends draw their own way: the CLI as
//! ANSI colours, the wizard as ratatui styles.

use crate::vault::model::CheckStatus;

/// Colour discipline: bold headers, dim secondary text, green success, red problems, yellow for
/// "could not tell".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Header,
    Dim,
    Good,
    Bad,
    Warn,
}

/// What a status says about the token: fine, not valid, or unknown (network or server trouble).
pub fn status_tone(status: CheckStatus) -> Tone {
    match status {
        CheckStatus::Valid => Tone::Good,
        CheckStatus::Unreachable | CheckStatus::Timeout | CheckStatus::ServerError => Tone::Warn,
        CheckStatus::Revoked
        | CheckStatus::Invalid
        | CheckStatus::InsufficientScope
        | CheckStatus::AccountDisabled
        | CheckStatus::AccountPending
        | CheckStatus::Expired => Tone::Bad,
    }
}
