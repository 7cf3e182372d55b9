//! What the flow asks of whichever step is current: its screen, its update, and the facts the
//! shared keys depend on (a text field with the focus, an unsaved token, a save in flight).

use super::super::discard::Stakes;
use super::super::msg::{Key, Msg};
use super::super::state::Session;
use super::super::view::Screen;
use super::{Next, Step, settle};

impl Step {
    pub(super) fn update(self, msg: Msg, session: &mut Session) -> Next {
        match self {
            Step::Unlock(s) => settle(s.update(msg, session), Step::Unlock, session),
            Step::Home(s) => settle(s.update(msg, session), Step::Home, session),
            Step::Server(s) => settle(s.update(msg, session), Step::Server, session),
            Step::Scopes(s) => settle(s.update(&msg), Step::Scopes, session),
            Step::Register(s) => settle(s.update(msg, session), Step::Register, session),
            Step::Authorize(s) => settle(s.update(msg, session), Step::Authorize, session),
            Step::Verify(s) => settle(s.update(msg, session), Step::Verify, session),
            Step::Adopt(s) => settle(s.update(msg, session), Step::Adopt, session),
        }
    }

    pub fn screen(&self) -> &dyn Screen {
        match self {
            Step::Unlock(s) => s,
            Step::Home(s) => s,
            Step::Server(s) => s,
            Step::Scopes(s) => s,
            Step::Register(s) => s,
            Step::Authorize(s) => s,
            Step::Verify(s) => s,
            Step::Adopt(s) => s,
        }
    }

    /// True while the keyboard types into a text field (then `q` and `?` are text).
    pub fn text_focused(&self) -> bool {
        match self {
            Step::Unlock(_) | Step::Server(_) => true,
            Step::Authorize(s) => s.code_focused(),
            Step::Verify(s) => s.text_focused(),
            Step::Adopt(s) => s.text_focused(),
            Step::Home(_) | Step::Scopes(_) | Step::Register(_) => false,
        }
    }

    /// True while `?` opens the help: outside a text field, or in an empty server or code
    /// field (a `?` typed after other text stays text). In a masked field (a passphrase, a
    /// pasted token) `?` is always text, since it may start a secret; F1 opens the help there.
    pub(super) fn help_key_free(&self) -> bool {
        let empty = match self {
            Step::Server(s) => s.field_empty(),
            Step::Authorize(s) => s.code_empty(),
            Step::Unlock(_)
            | Step::Verify(_)
            | Step::Adopt(_)
            | Step::Home(_)
            | Step::Scopes(_)
            | Step::Register(_) => false,
        };
        empty || !self.text_focused()
    }

    /// The key that opens the help now, as the footer names it.
    pub fn help_key(&self) -> &'static str {
        if self.help_key_free() { "?" } else { "F1" }
    }

    /// True while a new token exists only in this step: leaving asks first.
    pub fn holds_unsaved_token(&self) -> bool {
        matches!(self, Step::Verify(s) if s.holds_unsaved_token())
    }

    /// True while a save (or a revoke or removal that goes with it) is in flight.
    pub fn in_flight(&self) -> bool {
        matches!(self, Step::Verify(s) if s.in_flight())
    }

    /// What "Discard this token?" must add in this state.
    pub(super) fn stakes(&self) -> Stakes {
        match self {
            Step::Verify(s) => s.stakes(),
            _ => Stakes::default(),
        }
    }

    /// True when `key` would leave the step with the new token unsaved.
    pub(super) fn key_discards(&self, key: Key) -> bool {
        matches!(self, Step::Verify(s) if s.key_discards(key))
    }

    /// True while a spinner is on screen (the only time the runner ticks).
    pub fn busy(&self) -> bool {
        match self {
            Step::Unlock(s) => s.busy(),
            Step::Home(s) => s.busy(),
            Step::Server(s) => s.busy(),
            Step::Scopes(_) => false,
            Step::Register(s) => s.busy(),
            Step::Authorize(s) => s.busy(),
            Step::Verify(s) => s.busy(),
            Step::Adopt(s) => s.busy(),
        }
    }
}
