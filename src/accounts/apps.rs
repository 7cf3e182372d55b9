//! Which app to use for a sign-in: reuse one registered earlier for the same server, scopes and
//! redirect URIs, or register a new one. Also the one conversion between the app as the server
//! registered it ([`RegisteredApp`]) and as the vault stores it ([`StoredApp`]): it lives here
//! because `vault` must not know `mastodon`.

mod prepare;

use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;

use crate::mastodon::BaseUrl;
use crate::mastodon::{ApiError, AppCredentials, AppRegistration, Client, RegisteredApp};
use crate::vault::model::{StoredApp, VaultData, same_base, same_set};

pub use prepare::{AppRequest, Registered, app_loopback, apps_for, prepare_app};

/// The name servers show for mastokey's apps (in "Authorized apps", for instance).
pub const CLIENT_NAME: &str = "mastokey";

/// A copy of the app (the secret is deliberately not `Clone`).
pub fn duplicate_app(app: &RegisteredApp) -> RegisteredApp {
    RegisteredApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
        scopes: app.scopes.clone(),
        redirect_uris: app.redirect_uris.clone(),
    }
}

impl From<&StoredApp> for RegisteredApp {
    fn from(app: &StoredApp) -> RegisteredApp {
        RegisteredApp {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.duplicate(),
            scopes: app.scopes.clone(),
            redirect_uris: app.redirect_uris.clone(),
        }
    }
}

impl From<&StoredApp> for AppCredentials {
    fn from(app: &StoredApp) -> AppCredentials {
        AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.duplicate(),
        }
    }
}

/// The app as the vault stores it, registered at `created_at`.
pub fn stored_app(app: &RegisteredApp, created_at: Timestamp) -> StoredApp {
    StoredApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
        scopes: app.scopes.clone(),
        redirect_uris: app.redirect_uris.clone(),
        created_at,
    }
}

/// Apps registered but not stored yet: before the vault exists (or before the account is
/// saved), they live here, so quitting before the save leaves the vault exactly as it was, and
/// a second try in the same session reuses them. [`super::save`] stores and forgets them.
///
/// Shared between tasks (`Arc<PendingApps>`): the lock is held only for quick copies.
#[derive(Debug, Default)]
pub struct PendingApps {
    apps: Mutex<Vec<(String, RegisteredApp)>>,
}

impl PendingApps {
    pub fn new() -> PendingApps {
        PendingApps::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, RegisteredApp)>> {
        // Every change is one push or one retain: a panic elsewhere cannot leave it half-done.
        self.apps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers an app just registered on `base`.
    pub fn add(&self, base: &BaseUrl, app: &RegisteredApp) {
        let base = base.as_str().to_owned();
        self.lock().push((base, duplicate_app(app)));
    }

    /// The newest pending app for this server, scope set and redirect set.
    pub fn find(
        &self,
        base: &BaseUrl,
        scopes: &[String],
        redirect_uris: &[String],
    ) -> Option<RegisteredApp> {
        self.lock()
            .iter()
            .rev()
            .find(|(b, app)| {
                same_base(b, base.as_str())
                    && same_set(&app.scopes, scopes)
                    && same_set(&app.redirect_uris, redirect_uris)
            })
            .map(|(_, app)| duplicate_app(app))
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Copies of the pending apps with their base URLs, oldest first.
    pub(super) fn snapshot(&self) -> Vec<(String, RegisteredApp)> {
        self.lock()
            .iter()
            .map(|(base, app)| (base.clone(), duplicate_app(app)))
            .collect()
    }

    /// Forgets these apps (by client id on their server): they are stored now. Apps added since
    /// the snapshot stay.
    pub(super) fn forget(&self, stored: &[(String, RegisteredApp)]) {
        self.lock().retain(|(base, app)| {
            !stored
                .iter()
                .any(|(b, s)| same_base(b, base) && s.client_id == app.client_id)
        });
    }
}

/// An app that can be used instead of registering one: the vault's app for this server with
/// exactly these scope and redirect sets, else a pending one.
pub fn reusable_app(
    data: Option<&VaultData>,
    pending: &PendingApps,
    base: &BaseUrl,
    scopes: &[String],
    redirect_uris: &[String],
) -> Option<RegisteredApp> {
    data.and_then(|d| d.find_app(base.as_str(), scopes, redirect_uris))
        .map(RegisteredApp::from)
        .or_else(|| pending.find(base, scopes, redirect_uris))
}

/// Registers a new app named "mastokey" on `base`, once, without fallbacks ([`prepare_app`]
/// is the policy with them). The caller keeps it in [`PendingApps`] until an account is saved
/// with it.
pub async fn register(
    client: &Client,
    base: &BaseUrl,
    scopes: Vec<String>,
    redirect_uris: Vec<String>,
) -> Result<RegisteredApp, ApiError> {
    let registration = AppRegistration {
        client_name: CLIENT_NAME.into(),
        website: None,
        redirect_uris,
        scopes,
    };
    client.register_app(base, &registration).await
}
