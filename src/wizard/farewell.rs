//! What stays in the shell after the full screen closes: the accounts this run saved with the
//! next useful command, or, when an account being added was left unsaved, a line that says so
//! and a non-zero exit code. A pure function of the final state, so it is tested without a
//! terminal.

use crate::mastodon::for_terminal;

use super::flow::{State, Step};

/// The exit code of a wizard quit (q or Ctrl-C) before the account being added was saved: 130,
/// as for a command interrupted with Ctrl-C.
pub const QUIT_UNSAVED: u8 = 130;

/// Lines for stdout, a line for stderr, and the exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Farewell {
    pub lines: Vec<String>,
    pub warning: Option<String>,
    pub code: u8,
}

/// An account name as the command line takes it: quoted when it holds a space (two entries that
/// share a handle are named with their server in parentheses).
fn argument(label: &str) -> String {
    if label.contains(' ') {
        format!("'{label}'")
    } else {
        label.to_owned()
    }
}

pub fn farewell(state: &State) -> Farewell {
    let session = &state.session;
    let mut labels: Vec<String> = Vec::new();
    for row in session
        .saved
        .iter()
        .filter_map(|key| session.view()?.account(key))
    {
        // An account saved, then replaced in the same run, is named once.
        let label = for_terminal(&row.label).into_owned();
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let mut lines: Vec<String> = labels.iter().map(|l| format!("✓ Saved {l}")).collect();
    if let Some(last) = labels.last() {
        let name = argument(last);
        // Two lines: one would outgrow 80 columns for most handles.
        lines.push(format!("  Next: mastokey token {name}"));
        lines.push(format!("    or: mastokey exec {name} -- CMD"));
    }
    // Leaving Home (or the passphrase prompt) is an ordinary end, and so is leaving once the
    // choice for a new token is made; leaving an account half added is not (even after others
    // were saved in this run), and a script must be able to tell.
    let adding = match &state.step {
        Step::Server(_) | Step::Scopes(_) | Step::Register(_) | Step::Authorize(_) => true,
        Step::Verify(s) => !s.settled(),
        Step::Adopt(s) => !s.settled(),
        Step::Unlock(s) => s.adds(),
        Step::Home(_) => false,
    };
    // A save forced to stop (Ctrl-C twice) may still have finished on its thread.
    if state.step.in_flight() {
        return Farewell {
            lines,
            warning: Some(
                "mastokey: quit while the account was being saved; it may or may not be in the \
                 vault: `mastokey list` shows it."
                    .into(),
            ),
            code: QUIT_UNSAVED,
        };
    }
    if adding {
        // A quit that revoked (or could not revoke) the unsaved token says how that went.
        let revoke = state
            .quit_revoke
            .as_ref()
            .map(|r| format!(", and {}", r.phrase()))
            .unwrap_or_default();
        let what = if labels.is_empty() {
            "the account was saved; the vault was not changed"
        } else {
            "the next account was saved; it is not in the vault"
        };
        return Farewell {
            lines,
            warning: Some(format!("mastokey: quit before {what}{revoke}.")),
            code: QUIT_UNSAVED,
        };
    }
    Farewell {
        lines,
        warning: None,
        code: 0,
    }
}
