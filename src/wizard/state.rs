//! The wizard's state and its one pure transition function, `update`.
//!
//! `update` does no I/O and reads no clock: slow work leaves as an `Effect`, and its result comes
//! back later as a `Msg` stamped with the request it answers. The time shown on screen is
//! injected by the runner into `Session::now`.

use jiff::Timestamp;

use crate::mastodon::Capabilities;
use crate::platform::ClipboardKind;

use super::authorize::AuthorizeScreen;
use super::home::HomeScreen;
use super::msg::{Copied, Effect, Key, Msg, Stamp};
use super::register::RegisterScreen;
use super::scopes::ScopesScreen;
use super::server::ServerScreen;
use super::unlock::UnlockScreen;
use super::verify::VerifyScreen;
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
    /// Bumped on every copy, so only the latest copy's timer clears the clipboard.
    pub clipboard_generation: u64,
    pub quit: bool,
    pub spinner: usize,
    /// Injected by the runner before each update; never read from the system clock here.
    pub now: Timestamp,
    /// The vault's directory, shown so the user knows where their secrets live.
    pub vault_dir: std::path::PathBuf,
}

impl Session {
    pub fn new(vault: VaultStatus, ssh: bool, vault_dir: std::path::PathBuf) -> Self {
        Self {
            vault,
            next_stamp: 0,
            notice: None,
            ssh,
            added_on: Vec::new(),
            clipboard_generation: 0,
            quit: false,
            spinner: 0,
            now: Timestamp::UNIX_EPOCH,
            vault_dir,
        }
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

    pub fn next_clipboard_generation(&mut self) -> u64 {
        self.clipboard_generation += 1;
        self.clipboard_generation
    }

    /// Whether signing in on this server must force a fresh login (someone is signed in there).
    pub fn needs_force_login(&self, base: &str) -> bool {
        self.added_on.iter().any(|b| b == base)
            || self.view().is_some_and(|v| v.has_account_on(base))
    }
}

/// The server chosen in step 1, carried by every later step so `Esc` can go back.
#[derive(Debug, Clone)]
pub struct ServerPick {
    pub text: String,
    pub caps: Capabilities,
    /// Set when the flow re-authorizes a stored account (Home → details → Re-authorize).
    pub reauth: Option<Reauth>,
}

/// The stored account a re-authorization is for: the new token may only replace its own.
#[derive(Debug, Clone)]
pub struct Reauth {
    pub handle: String,
    pub id: String,
    pub scopes: Vec<String>,
}

pub enum Step {
    Unlock(UnlockScreen),
    Home(HomeScreen),
    Server(ServerScreen),
    Scopes(ScopesScreen),
    Register(RegisterScreen),
    Authorize(AuthorizeScreen),
    Verify(VerifyScreen),
}

/// What a screen's update returns: the next step (often itself) and the work to start.
pub type Next = (Step, Vec<Effect>);

impl Step {
    fn update(self, msg: Msg, session: &mut Session) -> Next {
        match self {
            Step::Unlock(s) => s.update(msg, session),
            Step::Home(s) => s.update(msg, session),
            Step::Server(s) => s.update(msg, session),
            Step::Scopes(s) => s.update(msg, session),
            Step::Register(s) => s.update(msg, session),
            Step::Authorize(s) => s.update(msg, session),
            Step::Verify(s) => s.update(msg, session),
        }
    }

    /// True while the keyboard types into a text field (then `q` and `?` are text).
    pub fn text_focused(&self) -> bool {
        match self {
            Step::Unlock(_) | Step::Server(_) => true,
            Step::Authorize(s) => s.code_focused(),
            Step::Verify(s) => s.text_focused(),
            Step::Home(_) | Step::Scopes(_) | Step::Register(_) => false,
        }
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
        }
    }
}

pub struct State {
    pub step: Step,
    pub session: Session,
    pub help: bool,
}

impl State {
    /// The first state and the work to start right after the first frame.
    pub fn new(
        start: Start,
        session: Session,
        env_passphrase: Option<crate::secret::Secret>,
    ) -> (Self, Vec<Effect>) {
        let mut session = session;
        let (step, effects) = match (&session.vault, start) {
            (VaultStatus::Locked, start) => {
                UnlockScreen::start(start, env_passphrase, &mut session)
            }
            (_, Start::Add(Some(server))) => ServerScreen::submit_text(&server, &mut session),
            (VaultStatus::Unlocked(view), Start::Home) if !view.accounts.is_empty() => {
                (Step::Home(HomeScreen::default()), Vec::new())
            }
            (VaultStatus::Missing | VaultStatus::Unlocked(_), _) => {
                (Step::Server(ServerScreen::new("", &session)), Vec::new())
            }
        };
        (
            Self {
                step,
                session,
                help: false,
            },
            effects,
        )
    }

    pub fn spinner_visible(&self) -> bool {
        self.step.busy()
    }
}

/// The wizard's one transition function.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // A stored token read for copying: copy it now (the clipboard lives in the runner).
    let msg = match msg {
        Msg::CopyFetched { generation, token } => {
            return vec![Effect::Copy {
                what: Copied::Token,
                text: token,
                generation,
            }];
        }
        Msg::VaultCreated { view } => {
            state.session.vault = VaultStatus::Unlocked(view);
            return Vec::new();
        }
        other => other,
    };
    match &msg {
        Msg::Key(Key::Ctrl('c')) => {
            state.session.quit = true;
            return Vec::new();
        }
        Msg::Resize => return Vec::new(),
        Msg::Tick => {
            state.session.spinner = state.session.spinner.wrapping_add(1);
            return Vec::new();
        }
        Msg::Key(_) if state.help => {
            state.help = false;
            return Vec::new();
        }
        Msg::Key(Key::Char('?')) if !state.step.text_focused() => {
            state.help = true;
            return Vec::new();
        }
        Msg::Key(Key::Char('q')) if !state.step.text_focused() => {
            state.session.quit = true;
            return Vec::new();
        }
        Msg::Key(_) | Msg::Paste(_) => state.session.notice = None,
        Msg::Copied { what, result } => {
            copied_notice(
                &mut state.session,
                *what,
                result.as_ref().map(|k| *k).map_err(ToString::to_string),
            );
            return Vec::new();
        }
        Msg::ClipboardExpired { generation } => {
            if *generation == state.session.clipboard_generation {
                state.session.notify(
                    NoticeKind::Info,
                    "The copied token was cleared from the clipboard.",
                );
                return vec![Effect::ClearClipboard {
                    generation: *generation,
                }];
            }
            return Vec::new();
        }
        _ => {}
    }
    // Move the step out, let it produce its successor, put that back. The placeholder is
    // overwritten on the next line and never drawn.
    let step = std::mem::replace(&mut state.step, Step::Home(HomeScreen::default()));
    let (next, effects) = step.update(msg, &mut state.session);
    state.step = next;
    effects
}

fn copied_notice(session: &mut Session, what: Copied, result: Result<ClipboardKind, String>) {
    let thing = match what {
        Copied::Url => "The sign-in link",
        Copied::Token => "The token",
    };
    match result {
        Ok(kind) => {
            let how = match kind {
                ClipboardKind::Desktop => "copied to the clipboard",
                ClipboardKind::Terminal => "copied through the terminal (OSC 52)",
            };
            let tail = if what == Copied::Token {
                "; cleared again in 45 s"
            } else {
                ""
            };
            session.notify(NoticeKind::Success, format!("{thing} was {how}{tail}."));
        }
        Err(error) => session.notify(NoticeKind::Error, error),
    }
}
