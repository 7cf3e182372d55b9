//! Which app to use for a sign-in: reuse one registered earlier for the same server, scopes and
//! redirect URIs, or register a new one. Also the one conversion between the app as the server
//! registered it ([`RegisteredApp`]) and as the vault stores it ([`StoredApp`]): it lives here
//! because `vault` must not know `mastodon`.

mod pending;
mod prepare;

use jiff::Timestamp;

use crate::mastodon::BaseUrl;
use crate::mastodon::{ApiError, AppCredentials, AppRegistration, Client, RegisteredApp};
use crate::vault::model::{StoredApp, VaultData};

pub use pending::PendingApps;
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
