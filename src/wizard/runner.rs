//! The runner owns the terminal and the event loop. It translates crossterm events into `Msg`,
//! carries out each `Effect` on tokio (blocking vault work on the blocking pool), and sends the
//! results back as `Msg`. It redraws after each event; it ticks only while a spinner shows.

use std::io::{IsTerminal, stdout};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyCode, KeyEvent,
    KeyEventKind, KeyModifiers,
};
use futures_util::StreamExt;
use jiff::Timestamp;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::accounts as vault_ops;
use crate::accounts::check::{CheckItem, CheckOutcome, check_all};
use crate::error::Error;
use crate::mastodon::{CallbackListener, Client};
use crate::platform::{Browser, Clipboard};
use crate::secret::Secret;
use crate::vault::{Kdf, Vault, VaultError};

use super::authorize::redirect_uris;
use super::msg::{Copied, Effect, Key, Msg, PreparedApp, Removal, Stamp};
use super::state::{Session, Start, State, VaultStatus, update};
use super::theme::Theme;
use super::view;
use super::view_model::VaultView;

/// How long a copied token stays on the clipboard.
const CLIPBOARD_TTL: Duration = Duration::from_secs(45);
const SPINNER_INTERVAL: Duration = Duration::from_millis(100);

/// What the wizard needs from the outside world.
pub struct Deps {
    pub client: Client,
    pub browser: Arc<dyn Browser>,
    pub clipboard: Box<dyn Clipboard>,
    pub dir: PathBuf,
    pub no_color: bool,
    pub ssh: bool,
    pub env_passphrase: Option<Secret>,
}

pub fn run(start: Start, deps: Deps) -> Result<ExitCode, Error> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        return Err(Error::NotATerminal);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Terminal)?;
    runtime.block_on(run_async(start, deps))
}

async fn run_async(start: Start, deps: Deps) -> Result<ExitCode, Error> {
    // Restore bracketed paste too on a panic; ratatui's own hook (installed by init) restores
    // raw mode and the main screen, then calls this one.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(stdout(), DisableBracketedPaste);
        previous(info);
    }));
    let mut terminal = ratatui::try_init().map_err(Error::Terminal)?;
    let result = match crossterm::execute!(stdout(), EnableBracketedPaste) {
        Ok(()) => event_loop(&mut terminal, start, deps).await,
        Err(e) => Err(Error::Terminal(e)),
    };
    let _ = crossterm::execute!(stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    start: Start,
    deps: Deps,
) -> Result<ExitCode, Error> {
    let theme = Theme::new(deps.no_color);
    let status = if Vault::exists(&deps.dir) {
        VaultStatus::Locked
    } else {
        VaultStatus::Missing
    };
    let session = Session::new(status, deps.ssh, deps.dir.clone());
    let (tx, mut rx) = unbounded_channel();
    let mut runner = Runner::new(deps, tx);
    let env_passphrase = runner.env_passphrase.take();
    let (mut state, first_effects) = State::new(start, session, env_passphrase);
    state.session.now = Timestamp::now();

    // The first frame comes before any network or key derivation.
    terminal
        .draw(|frame| view::render(&state, frame, theme))
        .map_err(Error::Terminal)?;
    for effect in first_effects {
        runner.execute(effect);
    }

    let mut events = EventStream::new();
    loop {
        let ticking = state.spinner_visible();
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match translate(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(e)) => return Err(Error::Terminal(e)),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            () = tokio::time::sleep(SPINNER_INTERVAL), if ticking => Msg::Tick,
        };
        state.session.now = Timestamp::now();
        for effect in update(&mut state, msg) {
            runner.execute(effect);
        }
        if state.session.quit {
            break;
        }
        terminal
            .draw(|frame| view::render(&state, frame, theme))
            .map_err(Error::Terminal)?;
    }
    runner.clear_copied_token();
    Ok(ExitCode::SUCCESS)
}

fn translate(event: Event) -> Option<Msg> {
    match event {
        // Windows also reports releases; only presses and repeats are input.
        Event::Key(key) if key.kind != KeyEventKind::Release => translate_key(key).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(Secret::new(text))),
        Event::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

fn translate_key(key: KeyEvent) -> Option<Key> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        _ => return None,
    })
}

/// Carries out effects. The vault sits behind a mutex because blocking tasks save into it.
struct Runner {
    client: Client,
    browser: Arc<dyn Browser>,
    clipboard: Box<dyn Clipboard>,
    dir: PathBuf,
    env_passphrase: Option<Secret>,
    vault: Arc<Mutex<Option<Vault>>>,
    /// Apps registered before the vault existed, kept until the first save stores them.
    fresh_apps: Arc<vault_ops::PendingApps>,
    copied: Option<(u64, Secret)>,
    /// The loopback listener of the Authorize step, with the stamp it answers to; dropping it
    /// closes the port.
    callback: Arc<Mutex<CallbackSlot>>,
    callback_wait: Option<tokio::task::JoinHandle<()>>,
    tx: UnboundedSender<Msg>,
}

/// The Authorize step's loopback listener: the stamp it is wanted for, and once bound, the
/// listener itself. Dropping the listener closes its port.
#[derive(Default)]
struct CallbackSlot {
    wanted: Option<Stamp>,
    listener: Option<(Stamp, CallbackListener)>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock ends the wizard anyway; the data is still consistent
    // because every change goes through the vault's own atomic save.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Runner {
    fn new(deps: Deps, tx: UnboundedSender<Msg>) -> Self {
        Self {
            client: deps.client,
            browser: deps.browser,
            clipboard: deps.clipboard,
            dir: deps.dir,
            env_passphrase: deps.env_passphrase,
            vault: Arc::new(Mutex::new(None)),
            fresh_apps: Arc::new(vault_ops::PendingApps::new()),
            copied: None,
            callback: Arc::new(Mutex::new(CallbackSlot::default())),
            callback_wait: None,
            tx,
        }
    }

    fn send(tx: &UnboundedSender<Msg>, msg: Msg) {
        // The receiver lives as long as the event loop; after it ends nobody needs the result.
        let _ = tx.send(msg);
    }

    fn view_of(vault: &Vault) -> VaultView {
        VaultView::from_data(vault.data())
    }

    #[allow(clippy::too_many_lines)]
    fn execute(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::Unlock { stamp, passphrase } => {
                let (dir, slot) = (self.dir.clone(), Arc::clone(&self.vault));
                tokio::task::spawn_blocking(move || {
                    let result = Vault::unlock(&dir, &passphrase).map(|vault| {
                        let view = Self::view_of(&vault);
                        *lock(&slot) = Some(vault);
                        view
                    });
                    Self::send(&tx, Msg::Unlocked { stamp, result });
                });
            }
            Effect::CreateVaultAndSave {
                stamp,
                passphrase,
                save,
            } => {
                let (dir, slot, fresh) = (
                    self.dir.clone(),
                    Arc::clone(&self.vault),
                    Arc::clone(&self.fresh_apps),
                );
                tokio::task::spawn_blocking(move || {
                    let result =
                        Vault::create(&dir, &passphrase, Kdf::default()).and_then(|mut vault| {
                            // From here on the vault exists: a failed save below is retried
                            // into it, never by creating it again.
                            Self::send(
                                &tx,
                                Msg::VaultCreated {
                                    view: Self::view_of(&vault),
                                },
                            );
                            let saved = save_with_fresh_apps(&mut vault, save, &fresh);
                            let view = Self::view_of(&vault);
                            *lock(&slot) = Some(vault);
                            saved.map(|()| view)
                        });
                    Self::send(&tx, Msg::Saved { stamp, result });
                });
            }
            Effect::Save { stamp, save } => {
                let (slot, fresh) = (Arc::clone(&self.vault), Arc::clone(&self.fresh_apps));
                tokio::task::spawn_blocking(move || {
                    let result = with_vault(&slot, |vault| {
                        save_with_fresh_apps(vault, save, &fresh)?;
                        Ok(Self::view_of(vault))
                    });
                    Self::send(&tx, Msg::Saved { stamp, result });
                });
            }
            Effect::Discover { stamp, input } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = client.discover(&input).await;
                    Self::send(&tx, Msg::Discovered { stamp, result });
                });
            }
            Effect::PrepareApp {
                stamp,
                base,
                scopes,
                force_new,
            } => {
                let client = self.client.clone();
                let (slot, fresh) = (Arc::clone(&self.vault), Arc::clone(&self.fresh_apps));
                let uris = redirect_uris();
                tokio::spawn(async move {
                    // The lookup may wait on the vault's lock: never on the UI thread.
                    let reusable = if force_new {
                        None
                    } else {
                        let (slot, fresh, base, scopes, uris) = (
                            slot,
                            Arc::clone(&fresh),
                            base.clone(),
                            scopes.clone(),
                            uris.clone(),
                        );
                        tokio::task::spawn_blocking(move || {
                            let vault = lock(&slot);
                            let data = vault.as_ref().map(Vault::data);
                            vault_ops::reusable_app(data, &fresh, &base, &scopes, &uris)
                        })
                        .await
                        .ok()
                        .flatten()
                    };
                    if let Some(app) = reusable {
                        Self::send(
                            &tx,
                            Msg::AppReady {
                                stamp,
                                result: Ok(PreparedApp { app, reused: true }),
                            },
                        );
                        return;
                    }
                    let result = vault_ops::register(&client, &base, scopes, uris).await;
                    // Kept in memory until the account is saved: quitting before then must
                    // leave the vault exactly as it was.
                    if let Ok(app) = &result {
                        fresh.add(&base, app);
                    }
                    let result = result.map(|app| PreparedApp { app, reused: false });
                    Self::send(&tx, Msg::AppReady { stamp, result });
                });
            }
            Effect::OpenBrowser { url } => {
                let browser = Arc::clone(&self.browser);
                tokio::task::spawn_blocking(move || {
                    Self::send(&tx, Msg::BrowserOpened(browser.open(&url)));
                });
            }
            Effect::Copy {
                what,
                text,
                generation,
            } => self.copy(what, text, generation),
            Effect::ListenForCallback { stamp } => {
                self.stop_callback();
                lock(&self.callback).wanted = Some(stamp);
                let slot = Arc::clone(&self.callback);
                tokio::spawn(async move {
                    let result = CallbackListener::bind().await.map(|listener| {
                        let uri = listener.redirect_uri();
                        let mut slot = lock(&slot);
                        // The step may have been left while binding: then the listener is
                        // dropped here and its port closes at once.
                        if slot.wanted == Some(stamp) {
                            slot.listener = Some((stamp, listener));
                        }
                        uri
                    });
                    Self::send(&tx, Msg::CallbackReady { stamp, result });
                });
            }
            Effect::AwaitCallback { stamp, state } => {
                // One wait at a time: a newer one (new state after re-registering) replaces it.
                if let Some(wait) = self.callback_wait.take() {
                    wait.abort();
                }
                let wait = match &lock(&self.callback).listener {
                    Some((s, listener)) if *s == stamp => listener.wait(state),
                    _ => return,
                };
                self.callback_wait = Some(tokio::spawn(async move {
                    let result = wait.await;
                    Self::send(&tx, Msg::CallbackReceived { stamp, result });
                }));
            }
            Effect::StopCallback => self.stop_callback(),
            Effect::ClearClipboard { generation } => {
                if let Some((g, text)) = &self.copied
                    && *g == generation
                {
                    self.clipboard.clear_if_unchanged(text.expose());
                    self.copied = None;
                }
            }
            Effect::Exchange {
                stamp,
                base,
                app,
                code,
                redirect_uri,
                verifier,
            } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = client
                        .exchange_code(&base, &app, &code, &redirect_uri, verifier.as_ref())
                        .await;
                    Self::send(&tx, Msg::Exchanged { stamp, result });
                });
            }
            Effect::Verify { stamp, base, token } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = client.verify_credentials(&base, &token).await;
                    Self::send(&tx, Msg::Verified { stamp, result });
                });
            }
            Effect::VerifyAccounts { stamp, handles } => {
                let client = self.client.clone();
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    // Accounts whose stored server is not a URL are answered at once, not skipped.
                    let (items, broken): (Vec<CheckItem>, Vec<CheckOutcome>) =
                        with_vault_blocking(&slot, move |v| {
                            let keys: Vec<_> = handles
                                .iter()
                                .filter_map(|h| vault_ops::key_of_handle(v.data(), h))
                                .collect();
                            if !handles.is_empty() && keys.is_empty() {
                                return (Vec::new(), Vec::new());
                            }
                            (
                                vault_ops::check_items(v.data(), &keys),
                                vault_ops::unparsable_accounts(v.data(), &keys),
                            )
                        })
                        .await
                        .unwrap_or_default();
                    let mut outcomes = Vec::new();
                    let mut report = |outcome: CheckOutcome| {
                        Self::send(
                            &tx,
                            Msg::AccountChecked {
                                stamp,
                                handle: outcome.label.clone(),
                                status: outcome.status,
                                detail: outcome.detail.clone(),
                            },
                        );
                        outcomes.push(outcome);
                    };
                    broken.into_iter().for_each(&mut report);
                    check_all(&client, items, &mut report).await;
                    let result = tokio::task::spawn_blocking(move || {
                        with_vault(&slot, |vault| {
                            vault_ops::record_checks(vault, outcomes, Timestamp::now())?;
                            Ok(Self::view_of(vault))
                        })
                    })
                    .await
                    .unwrap_or(Err(VaultError::Missing));
                    Self::send(&tx, Msg::ChecksRecorded { stamp, result });
                });
            }
            Effect::CopyStoredToken { handle, generation } => {
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    let token = with_vault_blocking(&slot, move |v| stored_token(v, &handle))
                        .await
                        .flatten();
                    if let Some(token) = token {
                        Self::send(&tx, Msg::CopyFetched { generation, token });
                    }
                });
            }
            Effect::RevealStoredToken { handle } => {
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    let token = with_vault_blocking(&slot, {
                        let handle = handle.clone();
                        move |v| stored_token(v, &handle)
                    })
                    .await
                    .flatten();
                    if let Some(token) = token {
                        Self::send(&tx, Msg::Revealed { handle, token });
                    }
                });
            }
            Effect::RemoveAccount {
                stamp,
                handle,
                revoke,
            } => {
                let client = self.client.clone();
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    let key = with_vault_blocking(&slot, {
                        let handle = handle.clone();
                        move |v| vault_ops::key_of_handle(v.data(), &handle)
                    })
                    .await
                    .flatten();
                    let removal = match &key {
                        Some(key) => {
                            vault_ops::revoke_then_remove(&client, &slot, key, revoke).await
                        }
                        None => Ok(vault_ops::Removal::Missing),
                    };
                    let result = match removal {
                        Ok(removal) => {
                            let (revoke, removed) = match removal {
                                vault_ops::Removal::Removed { revoked } => {
                                    (revoked.then_some(Ok(())), true)
                                }
                                vault_ops::Removal::Kept(vault_ops::NotRevoked::Failed(e)) => {
                                    (Some(Err(e)), false)
                                }
                                vault_ops::Removal::Kept(vault_ops::NotRevoked::NoCredentials) => {
                                    (None, false)
                                }
                                vault_ops::Removal::Missing => (None, !revoke),
                            };
                            tokio::task::spawn_blocking(move || {
                                with_vault(&slot, |vault| Ok(Self::view_of(vault)))
                            })
                            .await
                            .unwrap_or(Err(VaultError::Missing))
                            .map(|view| Removal {
                                view,
                                handle,
                                revoke,
                                removed,
                            })
                        }
                        Err(error) => Err(error),
                    };
                    Self::send(&tx, Msg::Removed { stamp, result });
                });
            }
        }
    }

    /// A token copied less than 45 s ago must not outlive the wizard on the clipboard.
    fn clear_copied_token(&mut self) {
        if let Some((_, text)) = self.copied.take() {
            self.clipboard.clear_if_unchanged(text.expose());
        }
    }

    fn stop_callback(&mut self) {
        if let Some(wait) = self.callback_wait.take() {
            wait.abort();
        }
        *lock(&self.callback) = CallbackSlot::default();
    }

    fn copy(&mut self, what: Copied, text: Secret, generation: u64) {
        let result = self.clipboard.copy(text.expose());
        if result.is_ok() && what == Copied::Token {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(CLIPBOARD_TTL).await;
                Self::send(&tx, Msg::ClipboardExpired { generation });
            });
            self.copied = Some((generation, text));
        }
        Self::send(&self.tx, Msg::Copied { what, result });
    }
}

/// Stores the account with the apps registered so far; those are forgotten only once stored.
fn save_with_fresh_apps(
    vault: &mut Vault,
    save: crate::accounts::NewAccount,
    fresh: &vault_ops::PendingApps,
) -> Result<(), VaultError> {
    vault_ops::save(vault, save, fresh, Timestamp::now()).map(drop)
}

/// The token of the first entry with this handle (Home still names rows by handle).
fn stored_token(vault: &Vault, handle: &str) -> Option<Secret> {
    let key = vault_ops::key_of_handle(vault.data(), handle)?;
    vault_ops::token_of(vault.data(), &key)
}

/// Reads the unlocked vault on the blocking pool (its lock may be held by a save that waits on
/// another process); `None` when there is no vault open.
async fn with_vault_blocking<T: Send + 'static>(
    slot: &Arc<Mutex<Option<Vault>>>,
    read: impl FnOnce(&Vault) -> T + Send + 'static,
) -> Option<T> {
    let slot = Arc::clone(slot);
    tokio::task::spawn_blocking(move || lock(&slot).as_ref().map(read))
        .await
        .ok()
        .flatten()
}

fn with_vault<T>(
    slot: &Mutex<Option<Vault>>,
    f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
) -> Result<T, VaultError> {
    match lock(slot).as_mut() {
        Some(vault) => f(vault),
        None => Err(VaultError::Missing),
    }
}
