//! What a screen's `update` returns: stay (with the work to start), or leave with what the step
//! produced. Only `flow.rs` turns an `Exit` into the next screen, so screens never build each
//! other.

use crate::accounts::Unkept;
use crate::mastodon::{RegisteredApp, TokenGrant};

use super::msg::{Effect, PreparedApp};
use super::state::{Reauth, ServerPick, Start};

/// The result of one message on one screen.
pub enum Outcome<S> {
    /// The screen stays, possibly changed, and asks for this work.
    Stay(S, Vec<Effect>),
    /// The step is over; `flow::next` picks the next screen. Boxed: it carries the server's
    /// capabilities, much larger than a screen that stays.
    Exit(Box<Exit>),
}

impl<S> Outcome<S> {
    pub fn stay(screen: S) -> Self {
        Self::Stay(screen, Vec::new())
    }

    pub fn exit(exit: Exit) -> Self {
        Self::Exit(Box::new(exit))
    }
}

/// How a step ended, with what it produced.
pub enum Exit {
    /// Unlock: the vault is open; go where the wizard was started for.
    Unlocked(Start),
    /// Back to the list of accounts.
    Home,
    /// Home: add an account, starting with an empty server field.
    AddAccount,
    /// Add another account, with the server already typed (checked again at once) and the
    /// scopes just chosen.
    AddOn(String, Vec<String>),
    /// Home: re-authorize a stored account on its server.
    Reauthorize { server: String, target: Reauth },
    /// Server: the server answered.
    Discovered(ServerPick),
    /// Home `i`, or Esc on the token screen: the server step for a token the user already has,
    /// with this text in its field.
    AdoptServer(String),
    /// The server for a token the user already has answered (or "Add another token" there):
    /// paste the token.
    AdoptOn(ServerPick),
    /// Scopes, Esc: back to the server step with its text.
    EditServer(String),
    /// Scopes: the scopes are chosen; get an app for them.
    ScopesChosen(ServerPick, Vec<String>),
    /// Register, Authorize or Verify, Esc: back to the scopes, keeping this choice.
    ChangeScopes(ServerPick, Vec<String>),
    /// Register: an app to sign in with.
    AppReady(ServerPick, Vec<String>, PreparedApp),
    /// Authorize: the code was exchanged for a token.
    Granted(Granted),
    /// Verify: the server needs `read` to check the token (`InsufficientScope`; Takahē): sign in
    /// again at once with these scopes widened to `read`, in one key press, revoking the narrow
    /// token that cannot be checked.
    StepUp(ServerPick, Vec<String>, Unkept),
    /// Verify: the browser signed in as another account than the one named: sign in again
    /// with the same scopes (the link now forces a fresh login), revoking the token of the
    /// account that was not wanted.
    SignInAgain(ServerPick, Vec<String>, Unkept),
}

/// What the Authorize step hands to Verify.
pub struct Granted {
    pub server: ServerPick,
    pub scopes: Vec<String>,
    pub app: RegisteredApp,
    pub grant: TokenGrant,
}
