//! The effect executor: carries out each `Effect` against the outside world (client, vault,
//! browser, clipboard, clock) on tokio, blocking vault work on the blocking pool, and sends the
//! results back as `Msg`. It knows nothing of the terminal, so tests drive it directly.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::accounts as vault_ops;
use crate::accounts::apps::{AppRequest, apps_for, duplicate_app, prepare_app};
use crate::accounts::check::{CheckItem, CheckOutcome, check_all};
use crate::accounts::{PendingApps, revoke_then_remove};
use crate::mastodon::{ApiError, BaseUrl, CallbackListener, Client, VerifiedAccount};
use crate::platform::{Browser, Clipboard};
use crate::secret::Secret;
use crate::vault::{Vault, VaultData, VaultError};
use jiff::Timestamp;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::vault::model::AccountKey;

use super::msg::{
    CallbackHandle, Copied, Effect, Listen, Msg, PreparedApp, Removed, SaveRequest, Stamp,
};
use super::view_model::VaultView;

/// How long a copied token stays on the clipboard.
const CLIPBOARD_TTL: Duration = Duration::from_secs(45);

/// What the executor works against.
pub struct Services {
    pub client: Client,
    pub browser: Arc<dyn Browser>,
    pub clipboard: Box<dyn Clipboard>,
    /// The vault's directory.
    pub dir: PathBuf,
    /// The time recorded with saves and checks.
    pub clock: fn() -> Timestamp,
}

/// The vault sits behind a mutex because blocking tasks save into it.
type VaultSlot = Arc<Mutex<Option<Vault>>>;

pub struct Executor {
    client: Client,
    browser: Arc<dyn Browser>,
    clipboard: Box<dyn Clipboard>,
    dir: PathBuf,
    clock: fn() -> Timestamp,
    vault: VaultSlot,
    pending: Arc<PendingApps>,
    copied: Option<(u64, Secret)>,
    tx: UnboundedSender<Msg>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock ends the wizard anyway; the data is still consistent
    // because every change goes through the vault's own atomic save.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn send(tx: &UnboundedSender<Msg>, msg: Msg) {
    // The receiver lives as long as the event loop; after it ends nobody needs the result.
    let _ = tx.send(msg);
}

fn view_of(vault: &Vault) -> VaultView {
    VaultView::from_data(vault.data())
}

impl Executor {
    pub fn new(services: Services, tx: UnboundedSender<Msg>) -> Self {
        // Apps registered by earlier runs that never saved are reused, not registered again.
        let pending = Arc::new(PendingApps::open(&services.dir));
        Self {
            client: services.client,
            browser: services.browser,
            clipboard: services.clipboard,
            dir: services.dir,
            clock: services.clock,
            vault: Arc::new(Mutex::new(None)),
            pending,
            copied: None,
            tx,
        }
    }

    /// The vault opened before the wizard started (through the unlock agent).
    pub fn opened(&mut self, vault: Vault) {
        *lock(&self.vault) = Some(vault);
    }

    /// Starts `effect`; its result comes back on the channel given to `new`.
    pub fn execute(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::Unlock { stamp, passphrase } => {
                let (dir, slot) = (self.dir.clone(), Arc::clone(&self.vault));
                tokio::task::spawn_blocking(move || {
                    let result = Vault::unlock(&dir, &passphrase).map(|vault| {
                        let view = view_of(&vault);
                        *lock(&slot) = Some(vault);
                        view
                    });
                    send(&tx, Msg::Unlocked { stamp, result });
                });
            }
            Effect::CreateVaultAndSave {
                stamp,
                passphrase,
                save,
            } => self.create_and_save(stamp, passphrase, save),
            Effect::Save { stamp, save } => {
                let (slot, pending, now) = (
                    Arc::clone(&self.vault),
                    Arc::clone(&self.pending),
                    self.clock,
                );
                tokio::task::spawn_blocking(move || {
                    let result = with_vault(&slot, |vault| {
                        save_with_pending(vault, save, &pending, now())?;
                        Ok(view_of(vault))
                    });
                    send(&tx, Msg::Saved { stamp, result });
                });
            }
            Effect::Discover { stamp, input } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = client.discover(&input).await;
                    send(&tx, Msg::Discovered { stamp, result });
                });
            }
            Effect::PrepareApp {
                stamp,
                base,
                scopes,
                force_new,
                listen,
            } => self.prepare_app(stamp, base, scopes, force_new, listen),
            Effect::OpenBrowser { url } => {
                let browser = Arc::clone(&self.browser);
                tokio::task::spawn_blocking(move || {
                    send(&tx, Msg::BrowserOpened(browser.open(&url)));
                });
            }
            Effect::Copy {
                what,
                text,
                generation,
            } => self.copy(what, text, generation),
            Effect::ListenForCallback { stamp, state, port } => {
                tokio::spawn(listen(stamp, state, port, tx));
            }
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
                    send(&tx, Msg::Exchanged { stamp, result });
                });
            }
            Effect::Verify { stamp, base, token } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result: Result<VerifiedAccount, ApiError> =
                        client.verify_credentials(&base, &token).await;
                    send(&tx, Msg::Verified { stamp, result });
                });
            }
            Effect::VerifyAccounts { stamp, keys } => self.verify_accounts(stamp, keys),
            Effect::CopyStoredToken { key, generation } => {
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    let token = read_vault(&slot, move |d| vault_ops::token_of(d, &key))
                        .await
                        .flatten();
                    if let Some(token) = token {
                        send(&tx, Msg::CopyFetched { generation, token });
                    }
                });
            }
            Effect::RevealStoredToken { key } => {
                let slot = Arc::clone(&self.vault);
                tokio::spawn(async move {
                    let wanted = key.clone();
                    let token = read_vault(&slot, move |d| vault_ops::token_of(d, &wanted))
                        .await
                        .flatten();
                    if let Some(token) = token {
                        send(&tx, Msg::Revealed { key, token });
                    }
                });
            }
            Effect::Revoke { stamp, unkept } => self.revoke(stamp, unkept),
            Effect::CheckToken { stamp, caps, token } => self.check_token(stamp, *caps, token),
            Effect::Adopt {
                stamp,
                candidate,
                replace,
                new_vault,
            } => self.adopt(stamp, *candidate, replace, new_vault),
            Effect::RemoveAccount { stamp, key, revoke } => {
                let (client, slot) = (self.client.clone(), Arc::clone(&self.vault));
                tokio::spawn(async move {
                    let result = remove(&client, &slot, key, revoke).await;
                    send(&tx, Msg::Removed { stamp, result });
                });
            }
        }
    }

    /// Revokes a token the user did not keep (`accounts::revoke_unkept`).
    fn revoke(&self, stamp: Stamp, unkept: vault_ops::Unkept) {
        let (client, slot, tx) = (
            self.client.clone(),
            Arc::clone(&self.vault),
            self.tx.clone(),
        );
        tokio::spawn(async move {
            let result = vault_ops::revoke_unkept(&client, &slot, unkept).await;
            send(&tx, Msg::Revoked { stamp, result });
        });
    }

    fn create_and_save(&self, stamp: Stamp, passphrase: Secret, save: SaveRequest) {
        let (dir, slot, pending, now, tx) = (
            self.dir.clone(),
            Arc::clone(&self.vault),
            Arc::clone(&self.pending),
            self.clock,
            self.tx.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let result = create_then(&dir, &passphrase, &slot, &tx, |vault| {
                save_with_pending(vault, save, &pending, now())?;
                Ok(view_of(vault))
            });
            send(&tx, Msg::Saved { stamp, result });
        });
    }

    fn prepare_app(
        &self,
        stamp: Stamp,
        base: BaseUrl,
        scopes: Vec<String>,
        force_new: bool,
        listen: Listen,
    ) {
        let (client, slot, pending, tx) = (
            self.client.clone(),
            Arc::clone(&self.vault),
            Arc::clone(&self.pending),
            self.tx.clone(),
        );
        tokio::spawn(async move {
            // The lookup may wait on the vault's lock: never on the UI thread.
            let known = {
                let (pending, base) = (Arc::clone(&pending), base.clone());
                tokio::task::spawn_blocking(move || {
                    // Another mastokey may have registered one since this run started.
                    pending.reload();
                    let vault = lock(&slot);
                    apps_for(vault.as_ref().map(Vault::data), &pending, &base)
                })
                .await
                .unwrap_or_default()
            };
            // A new app gets an exact loopback URI with a port free now; a reused app brings
            // its own port, which the Authorize step binds.
            let request = AppRequest {
                scopes,
                loopback_port: match listen {
                    Listen::CodeOnly => None,
                    Listen::AnyPort => free_loopback_port(),
                    Listen::Port(port) => Some(port),
                },
                force_new,
            };
            let result = prepare_app(&client, &base, &request, &known).await;
            if let Ok(registered) = &result
                && !registered.reused
            {
                // Kept out of the vault until the account is saved (quitting before then must
                // leave the vault exactly as it was), but in `apps.json`, so the next run
                // reuses it. Replaces a pending app the server no longer knows.
                let app = duplicate_app(&registered.app);
                let _ = tokio::task::spawn_blocking(move || pending.add(&base, &app)).await;
            }
            let result = result.map(|registered| PreparedApp {
                reused: registered.reused,
                substituted: registered.substituted,
                single_redirect: registered.single_redirect,
                app: registered.app,
            });
            send(&tx, Msg::AppReady { stamp, result });
        });
    }

    fn verify_accounts(&self, stamp: Stamp, keys: Vec<AccountKey>) {
        let (client, slot, now, tx) = (
            self.client.clone(),
            Arc::clone(&self.vault),
            self.clock,
            self.tx.clone(),
        );
        tokio::spawn(async move {
            // Accounts whose stored server is not a URL are answered at once, not skipped.
            let (items, broken): (Vec<CheckItem>, Vec<CheckOutcome>) =
                read_vault(&slot, move |d| {
                    (
                        vault_ops::check_items(d, &keys),
                        vault_ops::unparsable_accounts(d, &keys),
                    )
                })
                .await
                .unwrap_or_default();
            let mut outcomes = Vec::new();
            let mut report = |outcome: CheckOutcome| {
                send(
                    &tx,
                    Msg::AccountChecked {
                        stamp,
                        key: outcome.key.clone(),
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
                    vault_ops::record_checks(vault, outcomes, now())?;
                    Ok(view_of(vault))
                })
            })
            .await
            .unwrap_or(Err(VaultError::Missing));
            send(&tx, Msg::ChecksRecorded { stamp, result });
        });
    }

    /// Warnings about `apps.json` (unreadable, unwritable), one line each, to print once the
    /// terminal is back to normal.
    pub fn take_warnings(&self) -> Vec<String> {
        self.pending.take_warnings()
    }

    /// A token copied less than 45 s ago must not outlive the wizard on the clipboard.
    pub fn clear_copied_token(&mut self) {
        if let Some((_, text)) = self.copied.take() {
            self.clipboard.clear_if_unchanged(text.expose());
        }
    }

    fn copy(&mut self, what: Copied, text: Secret, generation: u64) {
        let result = self.clipboard.copy(text.expose());
        if result.is_ok() && what == Copied::Token {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(CLIPBOARD_TTL).await;
                send(&tx, Msg::ClipboardExpired { generation });
            });
            self.copied = Some((generation, text));
        }
        send(&self.tx, Msg::Copied { what, result });
    }
}

/// Binds the loopback listener and serves it until the Authorize screen drops the handle: one
/// `CallbackReceived` per callback (a refused code can be approved again in the browser).
/// A port nothing listens on now, for a new app's exact loopback redirect URI; `None` when the
/// OS gives none (the app is then registered for the code flow only).
fn free_loopback_port() -> Option<u16> {
    std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .ok()
}

/// Listens on the app's own port when it has one (servers may match the redirect URI exactly),
/// else on any free port.
async fn listen(stamp: Stamp, state: String, port: Option<u16>, tx: UnboundedSender<Msg>) {
    let bound = match port {
        Some(port) => CallbackListener::bind_port(port).await,
        None => CallbackListener::bind().await,
    };
    let listener = match bound {
        Ok(listener) => listener,
        Err(error) => {
            let result = Err(error);
            return send(&tx, Msg::CallbackReady { stamp, result });
        }
    };
    let (state_tx, mut expected) = watch::channel(state);
    let handle = CallbackHandle::new(listener.redirect_uri(), state_tx);
    send(
        &tx,
        Msg::CallbackReady {
            stamp,
            result: Ok(handle),
        },
    );
    loop {
        let state = expected.borrow_and_update().clone();
        tokio::select! {
            // Errs once the handle is dropped: then the listener goes, and its port closes.
            changed = expected.changed() => if changed.is_err() { break },
            result = listener.wait(state) => send(&tx, Msg::CallbackReceived { stamp, result }),
        }
    }
}

/// Stores the account with the apps registered so far; those are forgotten only once stored.
fn save_with_pending(
    vault: &mut Vault,
    save: SaveRequest,
    pending: &PendingApps,
    now: Timestamp,
) -> Result<(), VaultError> {
    vault_ops::save(vault, save, pending, now).map(|_| ())
}

/// `accounts::revoke_then_remove` (the one remove policy), with the vault as it is afterwards.
async fn remove(
    client: &Client,
    slot: &VaultSlot,
    key: AccountKey,
    revoke: bool,
) -> Result<Removed, VaultError> {
    let wanted = key.clone();
    let label = read_vault(slot, move |d| d.label(&wanted))
        .await
        .flatten()
        .unwrap_or_else(|| key.id.clone());
    let removal = revoke_then_remove(client, slot, &key, revoke).await?;
    let view = read_vault(slot, VaultView::from_data)
        .await
        .ok_or(VaultError::Missing)?;
    Ok(Removed {
        view,
        label,
        removal,
    })
}

/// Reads the unlocked vault on the blocking pool (its lock may be held by a save that waits on
/// another process); `None` when there is no vault open.
async fn read_vault<T: Send + 'static>(
    slot: &VaultSlot,
    read: impl FnOnce(&VaultData) -> T + Send + 'static,
) -> Option<T> {
    let slot = Arc::clone(slot);
    tokio::task::spawn_blocking(move || lock(&slot).as_ref().map(|v| read(v.data())))
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

mod adopt;

use adopt::create_then;
#[cfg(test)]
mod tests;
