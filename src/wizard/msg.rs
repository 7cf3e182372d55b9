//! What flows through the wizard: `Msg` in (keys and results of slow work), `Effect` out (slow
//! work for the runner to carry out). Results carry the stamp of the request that caused them,
//! so a stale result (the user went back, or asked twice) is recognised and dropped.

use tokio::sync::watch;

use crate::accounts::adopt::{Adoption, Candidate, Checked};
use crate::accounts::{NotRevoked, Removal, Unkept};
use crate::mastodon::{
    ApiError, AppCredentials, BaseUrl, CallbackError, Capabilities, RegisteredApp, ServerInput,
    TokenGrant, VerifiedAccount,
};
use crate::platform::{ClipboardKind, PlatformError};
use crate::secret::Secret;
use crate::vault::VaultError;
use crate::vault::model::{AccountKey, CheckStatus};

use super::view_model::VaultView;

/// Identifies one request; a result whose stamp is not the one a screen waits for is stale.
pub type Stamp = u64;

/// A key press, translated from crossterm at the edge so the core never sees terminal types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Backspace,
    Delete,
    /// A function key: F1 opens the help everywhere.
    F(u8),
}

/// What was copied, so the screen can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    Url,
    Token,
}

#[derive(Debug)]
pub enum Msg {
    Key(Key),
    /// Pasted text: often a code or a passphrase, so it is a `Secret` (redacted in `Debug`).
    Paste(Secret),
    /// The terminal changed size: only a redraw is needed.
    Resize,
    /// Spinner animation; only sent while a spinner is visible.
    Tick,
    Unlocked {
        stamp: Stamp,
        result: Result<VaultView, VaultError>,
    },
    Discovered {
        stamp: Stamp,
        result: Result<Capabilities, ApiError>,
    },
    AppReady {
        stamp: Stamp,
        result: Result<PreparedApp, ApiError>,
    },
    Exchanged {
        stamp: Stamp,
        result: Result<TokenGrant, ApiError>,
    },
    Verified {
        stamp: Stamp,
        result: Result<VerifiedAccount, ApiError>,
    },
    Saved {
        stamp: Stamp,
        result: Result<VaultView, VaultError>,
    },
    BrowserOpened(Result<(), PlatformError>),
    Copied {
        what: Copied,
        result: Result<ClipboardKind, PlatformError>,
    },
    /// The copied secret's 45 seconds are over.
    ClipboardExpired {
        generation: u64,
    },
    /// One row of a Home "verify" run.
    AccountChecked {
        stamp: Stamp,
        key: AccountKey,
        status: CheckStatus,
        detail: String,
    },
    /// A Home "verify" run finished and its results were recorded (or not) in the vault.
    ChecksRecorded {
        stamp: Stamp,
        result: Result<VaultView, VaultError>,
    },
    Revealed {
        key: AccountKey,
        token: Secret,
    },
    /// The first save created the vault (the account itself may still fail to save).
    VaultCreated {
        view: VaultView,
    },
    /// A stored token, read from the vault for copying.
    CopyFetched {
        generation: u64,
        token: Secret,
    },
    /// The loopback listener runs (the handle that keeps it running) or could not start.
    CallbackReady {
        stamp: Stamp,
        result: Result<CallbackHandle, CallbackError>,
    },
    /// The browser came back to the loopback listener.
    CallbackReceived {
        stamp: Stamp,
        result: Result<Secret, CallbackError>,
    },
    Removed {
        stamp: Stamp,
        result: Result<Removed, VaultError>,
    },
    /// An unkept token was revoked (`Ok(true)`), needed no revoke (`Ok(false)`), or not.
    Revoked {
        stamp: Stamp,
        result: Result<bool, NotRevoked>,
    },
    /// A token made elsewhere was checked (`accounts::adopt::check_token`).
    TokenChecked {
        stamp: Stamp,
        result: Result<Checked, ApiError>,
    },
    /// A token made elsewhere was stored (or kept out), with the vault as it is now.
    Adopted {
        stamp: Stamp,
        result: Result<(Adoption, VaultView), VaultError>,
    },
}

/// The Authorize step's hold on the loopback listener: its redirect URI, and the `state` a
/// callback must carry. Dropping the handle stops the listener and closes its port, so the port
/// lives exactly as long as the screen that owns the handle.
#[derive(Debug)]
pub struct CallbackHandle {
    pub redirect_uri: String,
    state: watch::Sender<String>,
}

impl CallbackHandle {
    /// The listener's side: it reads the expected state from `state`, and stops once the
    /// handle (the sender) is gone.
    pub fn new(redirect_uri: String, state: watch::Sender<String>) -> Self {
        Self {
            redirect_uri,
            state,
        }
    }

    /// From now on only a callback carrying `state` is accepted (a new link has a new state).
    pub fn expect(&self, state: String) {
        self.state.send_replace(state);
    }
}

/// Which loopback redirect URI a new app gets, besides the out-of-band one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// None: the code flow only (over SSH, or `m` on a server that takes one URI per app).
    CodeOnly,
    /// Any port free now.
    AnyPort,
    /// This port, where a listener runs already.
    Port(u16),
}

/// The app to authorize with: reused from the vault, or registered now.
#[derive(Debug)]
pub struct PreparedApp {
    pub app: RegisteredApp,
    pub reused: bool,
    /// `(asked, registered instead)` when the server refused a scope (`read:accounts` → `read`).
    pub substituted: Vec<(String, String)>,
    /// The server takes one redirect URI per app, and this is the one registered.
    pub single_redirect: Option<String>,
}

/// How a removal went (the policy is `accounts::remove`'s), with the vault as it is now.
#[derive(Debug)]
pub struct Removed {
    pub view: VaultView,
    /// The entry's name for people, as it was before the removal.
    pub label: String,
    pub removal: Removal,
}

pub use crate::accounts::{NewAccount as SaveRequest, ServerRecord};

#[derive(Debug)]
pub enum Effect {
    Unlock {
        stamp: Stamp,
        passphrase: Secret,
    },
    /// First save: create the vault with this passphrase, then store the account.
    CreateVaultAndSave {
        stamp: Stamp,
        passphrase: Secret,
        save: SaveRequest,
    },
    Save {
        stamp: Stamp,
        save: SaveRequest,
    },
    Discover {
        stamp: Stamp,
        input: ServerInput,
    },
    /// Reuse the vault's app for this server, scopes and redirect URIs, or register one.
    PrepareApp {
        stamp: Stamp,
        base: BaseUrl,
        scopes: Vec<String>,
        force_new: bool,
        /// The loopback redirect a new app is registered with.
        listen: Listen,
    },
    OpenBrowser {
        url: String,
    },
    /// Copy, and for a token schedule `ClipboardExpired { generation }` 45 s later.
    Copy {
        what: Copied,
        text: Secret,
        generation: u64,
    },
    ClearClipboard {
        generation: u64,
    },
    Exchange {
        stamp: Stamp,
        base: BaseUrl,
        app: AppCredentials,
        code: Secret,
        redirect_uri: String,
        verifier: Option<Secret>,
    },
    Verify {
        stamp: Stamp,
        base: BaseUrl,
        token: Secret,
    },
    /// Verify stored accounts concurrently; one `AccountChecked` per account, then `ChecksRecorded`.
    VerifyAccounts {
        stamp: Stamp,
        keys: Vec<AccountKey>,
    },
    CopyStoredToken {
        key: AccountKey,
        generation: u64,
    },
    RevealStoredToken {
        key: AccountKey,
    },
    RemoveAccount {
        stamp: Stamp,
        key: AccountKey,
        revoke: bool,
    },
    /// Listen on 127.0.0.1 for the browser's redirect carrying `state`; replies `CallbackReady`,
    /// then one `CallbackReceived` per callback until the handle is dropped.
    ListenForCallback {
        stamp: Stamp,
        state: String,
        /// The app's own loopback port (its exact redirect URI), or `None` for any free port.
        port: Option<u16>,
    },
    /// Revoke a token the user did not keep (best effort); replies `Revoked`.
    Revoke {
        stamp: Stamp,
        unkept: Unkept,
    },
    /// Check a token made elsewhere on this server; replies `TokenChecked`.
    CheckToken {
        stamp: Stamp,
        caps: Box<Capabilities>,
        token: Secret,
    },
    /// Store a checked token made elsewhere, creating the vault first when a passphrase is
    /// given (the first save); replies `Adopted` (and `VaultCreated` once the vault exists).
    Adopt {
        stamp: Stamp,
        candidate: Box<Candidate>,
        replace: bool,
        new_vault: Option<Secret>,
    },
}
