//! What outlives a single screen: the session (vault status, notice, stamps, injected time and
//! randomness) and the server pick every later step carries.

use jiff::Timestamp;

use crate::mastodon::Capabilities;

use crate::platform::ClipboardKind;

use super::msg::{Copied, Effect, Stamp};
use super::random::Random;
use super::view_model::VaultView;

/// Where the wizard starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// Home, or Add account when the vault is empty.
    Home,
    /// Straight into Add account, optionally with the server already typed.
    Add(Option<String>),
}

#[derive(Debug)]
pub enum VaultStatus {
    /// No vault yet: the first save creates it.
    Missing,
    /// A vault exists and has not been unlocked.
    Locked,
    Unlocked(VaultView),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Success,
    Error,
}

/// A one-line message under the screen: what just happened outside the current step.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// What outlives a single screen.
#[derive(Debug)]
pub struct Session {
    pub vault: VaultStatus,
    next_stamp: Stamp,
    pub notice: Option<Notice>,
    /// The terminal runs over SSH: a browser opened here would not be in front of the user.
    pub ssh: bool,
    /// Base URLs on which this session added an account (the next sign-in there forces a login).
    pub added_on: Vec<String>,
    /// Base URLs where the browser signed in as another account than the one asked for: the
    /// browser holds a session there, so every later sign-in there forces a fresh login.
    pub login_forced_on: Vec<String>,
    /// The accounts this run saved, in order: named in the shell after the full screen closes.
    pub saved: Vec<crate::vault::model::AccountKey>,
    /// Bumped on every copy, so only the latest copy's timer clears the clipboard.
    pub clipboard_generation: u64,
    /// Where the last token copy went: the notice after clearing says what really happened.
    pub token_copied_to: Option<ClipboardKind>,
    pub quit: bool,
    /// The scopes of the account just added, for "Add another account" to start with.
    pub last_scopes: Option<Vec<String>>,
    /// Base URLs where a token was checked only once it had `read` (a step-up succeeded), so
    /// the next sign-in there asks for `read` at once, before any save put it in the vault.
    pub verify_needs_read_on: Vec<String>,
    pub spinner: usize,
    /// Injected by the runner before each update; never read from the system clock here.
    pub now: Timestamp,
    /// The user's time zone, for times shown on screen ("in 9 minutes", or a date when it is
    /// not today). Injected like the clock: UTC until the runner sets the system's.
    pub zone: jiff::tz::TimeZone,
    /// The vault's directory, shown so the user knows where their secrets live.
    pub vault_dir: std::path::PathBuf,
    /// Where sign-in links get their `state` and PKCE verifier: the OS generator in the runner,
    /// a seeded one in tests.
    pub random: Box<dyn Random>,
}

impl Session {
    pub fn new(
        vault: VaultStatus,
        ssh: bool,
        vault_dir: std::path::PathBuf,
        random: Box<dyn Random>,
    ) -> Self {
        Self {
            vault,
            next_stamp: 0,
            notice: None,
            ssh,
            added_on: Vec::new(),
            login_forced_on: Vec::new(),
            saved: Vec::new(),
            clipboard_generation: 0,
            token_copied_to: None,
            quit: false,
            last_scopes: None,
            verify_needs_read_on: Vec::new(),
            spinner: 0,
            now: Timestamp::UNIX_EPOCH,
            zone: jiff::tz::TimeZone::UTC,
            vault_dir,
            random,
        }
    }

    /// Now, in the user's time zone.
    pub fn zoned_now(&self) -> jiff::Zoned {
        self.now.to_zoned(self.zone.clone())
    }

    pub fn vault_path_hint(&self) -> String {
        format!("Vault: {}", self.vault_dir.join("vault.age").display())
    }

    /// A fresh stamp for a new request; results carrying an older one are dropped.
    pub fn stamp(&mut self) -> Stamp {
        self.next_stamp += 1;
        self.next_stamp
    }

    pub fn view(&self) -> Option<&VaultView> {
        match &self.vault {
            VaultStatus::Unlocked(view) => Some(view),
            _ => None,
        }
    }

    pub fn notify(&mut self, kind: NoticeKind, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind,
            text: text.into(),
        });
    }

    /// The effect that copies `text`; only this copy's timer may clear the clipboard later.
    pub fn copy(&mut self, what: Copied, text: crate::secret::Secret) -> Effect {
        Effect::Copy {
            what,
            text,
            generation: self.next_clipboard_generation(),
        }
    }

    /// The notice after a copy. A copy through the terminal (OSC 52) cannot be confirmed: the
    /// notice says what was sent, not that it arrived.
    pub fn copied(&mut self, what: Copied, result: Result<ClipboardKind, String>) {
        let thing = match what {
            Copied::Url => "The sign-in link",
            Copied::Token => "The token",
        };
        let kind = match result {
            Ok(kind) => kind,
            Err(error) => return self.notify(NoticeKind::Error, error),
        };
        if what == Copied::Token {
            self.token_copied_to = Some(kind);
        }
        let tail = if what == Copied::Token {
            "; cleared again in 45 s"
        } else {
            ""
        };
        let text = match (kind, what) {
            (ClipboardKind::Desktop, _) => format!("{thing} was copied to the clipboard{tail}."),
            (ClipboardKind::Terminal, Copied::Token) => format!(
                "{thing} was sent to the terminal's clipboard (OSC 52){tail}. If your terminal \
                 ignores OSC 52, use Reveal in the account's details."
            ),
            (ClipboardKind::Terminal, Copied::Url) => format!(
                "{thing} was sent to the terminal's clipboard (OSC 52). If your terminal ignores \
                 OSC 52, copy it from the screen."
            ),
        };
        self.notify(NoticeKind::Success, text);
    }

    /// The notice once a copied token's 45 seconds are over and the clipboard was cleared: a
    /// desktop clipboard is cleared (if it still holds the token); the terminal's can only be
    /// asked to overwrite it with a blank.
    pub fn clipboard_cleared(&mut self) {
        let text = match self.token_copied_to {
            Some(ClipboardKind::Terminal) => {
                "mastokey asked the terminal to overwrite its clipboard."
            }
            _ => "The token is no longer in the clipboard.",
        };
        self.notify(NoticeKind::Info, text);
    }

    pub fn next_clipboard_generation(&mut self) -> u64 {
        self.clipboard_generation += 1;
        self.clipboard_generation
    }

    /// Whether signing in on this server must force a fresh login (someone is signed in there).
    pub fn needs_force_login(&self, base: &str) -> bool {
        self.added_on.iter().any(|b| b == base)
            || self.login_forced_on.iter().any(|b| b == base)
            || self.view().is_some_and(|v| v.has_account_on(base))
    }

    /// Whether this server tells whose a token is only to a token with `read`, as this session
    /// or the vault learned from a step-up there.
    pub fn verify_needs_read(&self, base: &str) -> bool {
        let same = |b: &String| crate::base_url::same(b, base);
        self.verify_needs_read_on.iter().any(same)
            || self
                .view()
                .is_some_and(|v| v.verify_needs_read_on.iter().any(same))
    }

    /// Remembers that a token here was checked only once it had `read`.
    pub fn learn_verify_needs_read(&mut self, base: &str) {
        if !self.verify_needs_read(base) {
            self.verify_needs_read_on.push(base.to_owned());
        }
    }
}

/// The server chosen in step 1, carried by every later step so `Esc` can go back.
#[derive(Debug, Clone)]
pub struct ServerPick {
    pub text: String,
    pub caps: Capabilities,
    /// Set when the flow re-authorizes a stored account (Home → details → Re-authorize).
    pub reauth: Option<Reauth>,
    /// The user of a typed handle (`@alice@host` → `alice`): the sign-in is for that account,
    /// and the Verify step catches another one as it catches it for a re-authorization.
    pub user: Option<String>,
    /// The server checks a token only when it has `read`: known from an earlier step-up there
    /// (the Scopes step then adds `read`), or this sign-in is the step-up.
    pub verify_needs_read: bool,
}

impl ServerPick {
    /// The handle (without `@`) of the account this sign-in is for, if one was named.
    pub fn expected_handle(&self) -> Option<&str> {
        self.reauth
            .as_ref()
            .map(|r| r.handle.as_str())
            .or(self.user.as_deref())
    }

    /// What "Add another account" starts from: the text typed, but for a typed handle the
    /// server's own address, since the next account is not that user: its host as people read
    /// it over https, the whole address over plain http (a bare loopback host would be read as
    /// http again, but a bare https one would not).
    pub fn add_another_text(&self) -> String {
        if self.user.is_none() {
            return self.text.clone();
        }
        let base = self.caps.base.as_str();
        if self.caps.base.is_https() {
            crate::base_url::short_name(base)
        } else {
            base.trim_end_matches('/').to_owned()
        }
    }

    /// Whether `account` is not the one this sign-in is for: another id than the re-authorized
    /// account's, or another username than the typed handle's (usernames compare without case,
    /// as servers treat them).
    pub fn is_other_account(&self, account: &crate::mastodon::VerifiedAccount) -> bool {
        match (&self.reauth, &self.user) {
            (Some(target), _) => target.id != account.id,
            (None, Some(user)) => !user.eq_ignore_ascii_case(&account.username),
            (None, None) => false,
        }
    }
}

/// The stored account a re-authorization is for: the new token may only replace its own.
#[derive(Debug, Clone)]
pub struct Reauth {
    pub handle: String,
    pub id: String,
    pub scopes: Vec<String>,
}

impl Reauth {
    /// The header's title while this account is re-authorized.
    pub fn title(&self) -> String {
        // The stored handle may predate the checks at the protocol boundary.
        format!(
            "Re-authorize @{}",
            crate::mastodon::for_terminal(&self.handle)
        )
    }
}
