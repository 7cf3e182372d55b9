//! The wizard's flow: which screen comes after which, in one place. Screens return an
//! `Outcome`; `next` maps each `Exit` to the following screen, and `route` is the one start
//! routing ("Home when there are accounts, else the server step").
//!
//! `update` does no I/O and reads no clock: slow work leaves as an `Effect`, and its result comes
//! back later as a `Msg` stamped with the request it answers. Time and randomness are injected by
//! the runner into the `Session`.

use std::collections::BTreeSet;

use crate::mastodon::scopes::negotiate;
use crate::secret::Secret;

use super::adopt::AdoptScreen;
use super::authorize::AuthorizeScreen;
use super::discard::{Confirm, Decided, Leave};
use super::home::HomeScreen;
use super::msg::{Copied, Effect, Key, Msg};
use super::outcome::{Exit, Outcome};
use super::register::RegisterScreen;
use super::scopes::ScopesScreen;
use super::server::ServerScreen;
use super::state::{NoticeKind, Session, Start, VaultStatus};
use super::theme::Theme;
use super::unlock::UnlockScreen;
use super::verify::VerifyScreen;
use super::view;

mod quit;
mod step;

pub use quit::QuitRevoke;

pub enum Step {
    Unlock(UnlockScreen),
    Home(HomeScreen),
    Server(ServerScreen),
    Scopes(ScopesScreen),
    Register(RegisterScreen),
    Authorize(AuthorizeScreen),
    Verify(VerifyScreen),
    /// A token made elsewhere: paste, check, save.
    Adopt(AdoptScreen),
}

/// The next screen and the work to start with it.
type Next = (Step, Vec<Effect>);

/// A screen that stays is wrapped back into its step; one that exits is replaced by `next`.
fn settle<S>(outcome: Outcome<S>, wrap: fn(S) -> Step, session: &mut Session) -> Next {
    match outcome {
        Outcome::Stay(screen, effects) => (wrap(screen), effects),
        Outcome::Exit(exit) => next(*exit, session),
    }
}

/// Where the wizard goes once the vault question is settled: straight to a server given on the
/// command line, Home when the vault has accounts, otherwise the server step.
fn route(start: Start, session: &mut Session) -> Next {
    match start {
        Start::Add(Some(server)) => server_step(ServerScreen::submit_text(&server, session)),
        Start::Home if session.view().is_some_and(|v| !v.accounts.is_empty()) => home(),
        Start::Add(None) | Start::Home => empty_server(),
    }
}

fn home() -> Next {
    (Step::Home(HomeScreen::default()), Vec::new())
}

// The step-up's scopes; the Scopes step adds `read` the same way where a step-up was needed.
pub(super) use super::scopes::with_read;

fn empty_server() -> Next {
    (Step::Server(ServerScreen::new("")), Vec::new())
}

fn server_step((screen, effects): (ServerScreen, Vec<Effect>)) -> Next {
    (Step::Server(screen), effects)
}

/// The one map from how a step ended to the screen that follows.
pub(super) fn next(exit: Exit, session: &mut Session) -> Next {
    match exit {
        Exit::Unlocked(start) => route(start, session),
        Exit::Home => {
            session.last_scopes = None;
            home()
        }
        Exit::AddAccount => {
            session.last_scopes = None;
            empty_server()
        }
        Exit::AddOn(server, scopes) => {
            // "Add another account" starts with the scopes just chosen.
            session.last_scopes = Some(scopes);
            server_step(ServerScreen::submit_text(&server, session))
        }
        Exit::Reauthorize { server, target } => {
            session.last_scopes = None;
            server_step(ServerScreen::reauthorize(&server, target, session))
        }
        Exit::Discovered(pick) => {
            let previous = match (&pick.reauth, &session.last_scopes) {
                (Some(r), _) => Some(r.scopes.iter().cloned().collect()),
                // Fitted to this server: what it lacks is replaced or left out.
                (None, Some(last)) => Some(negotiate(last, &pick.caps).scopes)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.into_iter().collect()),
                (None, None) => None,
            };
            // A server known to need `read` for the check gets it here too, not only in presets.
            let previous = previous.map(|p: BTreeSet<String>| {
                if pick.verify_needs_read {
                    with_read(&p.into_iter().collect::<Vec<_>>())
                        .into_iter()
                        .collect()
                } else {
                    p
                }
            });
            (Step::Scopes(ScopesScreen::new(pick, previous)), Vec::new())
        }
        Exit::EditServer(text) => (Step::Server(ServerScreen::new(&text)), Vec::new()),
        Exit::AdoptServer(text) => (Step::Server(ServerScreen::adopting(&text)), Vec::new()),
        Exit::AdoptOn(pick) => (Step::Adopt(AdoptScreen::new(pick)), Vec::new()),
        Exit::ScopesChosen(pick, scopes) => {
            let (screen, effects) = RegisterScreen::start(pick, scopes, session);
            (Step::Register(screen), effects)
        }
        Exit::ChangeScopes(pick, scopes) => {
            let checked: BTreeSet<String> = scopes.into_iter().collect();
            (
                Step::Scopes(ScopesScreen::new(pick, Some(checked))),
                Vec::new(),
            )
        }
        Exit::AppReady(pick, scopes, prepared) => {
            let (screen, effects) = AuthorizeScreen::start(pick, scopes, prepared, session);
            (Step::Authorize(screen), effects)
        }
        Exit::StepUp(mut pick, scopes, unkept) => {
            // Once the token with `read` is checked, the session (and the save) remember it.
            pick.verify_needs_read = true;
            let (screen, mut effects) = RegisterScreen::start(pick, with_read(&scopes), session);
            // Best effort: the answer comes back to a screen that no longer waits for it.
            effects.push(Effect::Revoke {
                stamp: session.stamp(),
                unkept,
            });
            (Step::Register(screen), effects)
        }
        Exit::SignInAgain(pick, scopes, unkept) => {
            let (screen, mut effects) = RegisterScreen::start(pick, scopes, session);
            effects.push(Effect::Revoke {
                stamp: session.stamp(),
                unkept,
            });
            (Step::Register(screen), effects)
        }
        Exit::Granted(granted) => {
            let (screen, effects) = VerifyScreen::start(granted, session);
            (Step::Verify(screen), effects)
        }
    }
}

pub struct State {
    pub step: Step,
    pub session: Session,
    pub help: bool,
    /// "Discard this token?" while it shows: it takes every key.
    pub confirm: Option<Confirm>,
    /// `q` or Ctrl-C came while a save was in flight: quit once it is done (a second Ctrl-C
    /// quits at once).
    pub quit_when_saved: bool,
    /// A confirmed quit revokes the unsaved token first; how that went.
    pub quit_revoke: Option<QuitRevoke>,
}

impl State {
    /// The first state and the work to start right after the first frame.
    pub fn new(
        start: Start,
        session: Session,
        env_passphrase: Option<Secret>,
    ) -> (Self, Vec<Effect>) {
        let mut session = session;
        let (step, effects) = if matches!(session.vault, VaultStatus::Locked) {
            let (screen, effects) = UnlockScreen::start(start, env_passphrase, &mut session);
            (Step::Unlock(screen), effects)
        } else {
            route(start, &mut session)
        };
        (
            Self {
                step,
                session,
                help: false,
                confirm: None,
                quit_when_saved: false,
                quit_revoke: None,
            },
            effects,
        )
    }

    /// The runner ticks while a spinner shows, while a hint waits for its time to appear, and
    /// while a quit waits for its revoke (the tick notices the deadline).
    pub fn needs_tick(&self) -> bool {
        self.step.busy()
            || matches!(self.quit_revoke, Some(QuitRevoke::Waiting { .. }))
            || matches!(&self.step, Step::Authorize(s) if s.awaits_hint(self.session.now))
    }

    pub fn render(&self, frame: &mut ratatui::Frame, theme: Theme) {
        let area = frame.area();
        // The question takes every key, so a window too small to draw it says one is waiting.
        if view::too_small(area) {
            view::render_too_small(frame, area, theme, self.confirm.is_some());
            return;
        }
        view::render(
            self.step.screen(),
            &self.session,
            self.help,
            self.step.help_key(),
            frame,
            theme,
        );
        if let Some(confirm) = self.confirm {
            confirm.render(frame, area, theme);
        }
    }

    /// Leaves as asked, but asks "Discard this token?" first while a new token is unsaved, and
    /// waits while a save is in flight (it may still finish, so no question could say truly
    /// what quitting loses); a second Ctrl-C then quits anyway.
    fn leave(&mut self, leave: Leave, key: Key) -> Vec<Effect> {
        if self.step.in_flight() {
            if self.quit_when_saved && key == Key::Ctrl('c') {
                self.session.quit = true;
            } else {
                self.help = false;
                self.quit_when_saved = true;
                self.waiting_notice();
            }
            return Vec::new();
        }
        if self.step.holds_unsaved_token() {
            self.help = false;
            self.confirm = Some(Confirm::new(leave, self.step.stakes()));
            return Vec::new();
        }
        self.decided(Decided::Leave(leave))
    }

    fn waiting_notice(&mut self) {
        self.session.notify(
            NoticeKind::Info,
            "Saving… mastokey quits once it is done. Ctrl-C again to quit anyway.",
        );
    }

    /// After a step's update: a quit that waited for a save happens once nothing is in flight,
    /// unless the token is still unsaved (the save failed: the screen says so, and a new `q`
    /// asks as usual).
    fn settle_quit(&mut self) {
        if self.step.in_flight() {
            // A question asked before the save began (the check answered under it) no longer
            // says what quitting does: waiting replaces it.
            if let Some(confirm) = self.confirm.take()
                && confirm.leave == Leave::Quit
            {
                self.quit_when_saved = true;
            }
            if self.quit_when_saved {
                self.waiting_notice();
            }
        } else if self.quit_when_saved {
            self.quit_when_saved = false;
            if self.step.holds_unsaved_token() {
                self.session.notify(
                    NoticeKind::Error,
                    "Not quitting: the token was not saved. Press Ctrl-C again to decide.",
                );
            } else {
                self.session.quit = true;
            }
        }
    }

    /// Carries out the answer to "Discard this token?".
    fn decided(&mut self, decided: Decided) -> Vec<Effect> {
        self.confirm = None;
        match decided {
            Decided::Asking(confirm) => self.confirm = Some(confirm),
            Decided::Keep => {}
            Decided::Leave(Leave::Quit) => return self.quit_revoking(),
            Decided::ForceQuit => self.force_quit(),
            Decided::Leave(Leave::Discard) => {
                let step = std::mem::replace(&mut self.step, Step::Home(HomeScreen::default()));
                let (next, effects) = match step {
                    Step::Verify(s) => settle(
                        s.discard_unsaved(&mut self.session),
                        Step::Verify,
                        &mut self.session,
                    ),
                    other => (other, Vec::new()),
                };
                self.step = next;
                return effects;
            }
        }
        Vec::new()
    }
}

/// The wizard's one transition function.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // A stored token read for copying: copy it now (the clipboard lives in the executor).
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
    if let Some(effects) = state.waiting_revoke(&msg) {
        return effects;
    }
    // The discard question takes every key while it shows; slow work still comes back.
    if let Some(confirm) = state.confirm {
        match msg {
            Msg::Key(k) => return state.decided(confirm.update(k)),
            Msg::Paste(_) => return Vec::new(),
            _ => {}
        }
    }
    match &msg {
        Msg::Key(k @ Key::Ctrl('c')) => return state.leave(Leave::Quit, *k),
        Msg::Resize => return Vec::new(),
        Msg::Tick => {
            state.session.spinner = state.session.spinner.wrapping_add(1);
            // "continues by itself" would contradict the no-answer hint that replaces it.
            if let Step::Authorize(s) = &state.step
                && s.no_answer_yet(state.session.now)
            {
                state.session.notice = None;
            }
            return Vec::new();
        }
        Msg::Key(_) if state.help => {
            state.help = false;
            return Vec::new();
        }
        Msg::Key(Key::F(1)) => {
            state.help = true;
            return Vec::new();
        }
        Msg::Key(Key::Char('?')) if state.step.help_key_free() => {
            state.help = true;
            return Vec::new();
        }
        Msg::Key(k @ Key::Char('q')) if !state.step.text_focused() => {
            return state.leave(Leave::Quit, *k);
        }
        Msg::Key(k) if state.step.key_discards(*k) => return state.leave(Leave::Discard, *k),
        Msg::Key(_) | Msg::Paste(_) => state.session.notice = None,
        Msg::Copied { what, result } => {
            if *what == Copied::Token
                && result.is_ok()
                && let Step::Verify(s) = &mut state.step
            {
                s.mark_copied();
            }
            let result = result.as_ref().map(|k| *k).map_err(ToString::to_string);
            state.session.copied(*what, result);
            return Vec::new();
        }
        Msg::ClipboardExpired { generation } => {
            if *generation == state.session.clipboard_generation {
                state.session.clipboard_cleared();
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
    // The token the question was about may have been saved meanwhile.
    if !state.step.holds_unsaved_token() {
        state.confirm = None;
    }
    state.settle_quit();
    effects
}
