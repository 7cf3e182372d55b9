//! The app policy for one sign-in: reuse an app registered earlier for the same server, scopes
//! and redirect shape (after checking that the server still knows it), or register one, falling
//! back when the server refuses what was asked (ARCHITECTURE.md, Server behaviour).
//!
//! Fallbacks, each tried once, in this order:
//! - several redirect URIs refused (Mitra takes one per app): register the loopback URI alone
//!   (the sign-in still finishes by itself), or the out-of-band one when no loopback was asked;
//! - a scope refused: register the covering scopes instead (`read:accounts` → `read`).
//!
//! A refusal never reads as "try again later": if every fallback is refused, the last refusal
//! is returned as it is ([`ApiError::Rejected`]).

use crate::mastodon::callback::{OOB_REDIRECT, loopback_port, loopback_uri};
use crate::mastodon::scopes::covering_scope;
use crate::mastodon::{ApiError, AppCredentials, BaseUrl, Client, RegisteredApp};
use crate::vault::model::same_set;

use super::{duplicate_app, register};

/// What the sign-in needs an app for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRequest {
    /// The negotiated scopes (`mastodon::scopes::negotiate`), as they will be requested.
    pub scopes: Vec<String>,
    /// The port of a loopback listener the caller can bind: a new app is registered with
    /// `http://127.0.0.1:PORT/callback` (exact, for servers that match redirect URIs exactly)
    /// beside the out-of-band URI. `None`: out-of-band only.
    pub loopback_port: Option<u16>,
    /// Register a new app even if one could be reused (the reused app's port was taken, say).
    pub force_new: bool,
}

impl AppRequest {
    /// The redirect URIs a new app is registered with: out-of-band first, then the loopback.
    pub fn redirect_uris(&self) -> Vec<String> {
        let mut uris = vec![OOB_REDIRECT.to_owned()];
        uris.extend(self.loopback_port.map(loopback_uri));
        uris
    }
}

/// The app to sign in with, and what the screen should say about how it was obtained.
#[derive(Debug)]
pub struct Registered {
    pub app: RegisteredApp,
    /// Reused from the vault or from this session, not registered now.
    pub reused: bool,
    /// `(asked, registered instead)`, when the server refused a scope: "`read:accounts` was
    /// refused by the server; `read` is used instead".
    pub substituted: Vec<(String, String)>,
    /// The server takes one redirect URI per app, and this is the one registered: sign in with
    /// the flow it allows (the loopback, or the code flow for the out-of-band URI).
    pub single_redirect: Option<String>,
    /// The app that would have been reused is gone from the server (snac deletes an app when
    /// one of its tokens is revoked): this one was registered instead. Its client id.
    pub replaced_deleted: Option<String>,
}

impl Registered {
    /// The scopes to request in the authorize URL.
    pub fn scopes(&self) -> &[String] {
        &self.app.scopes
    }

    /// The app's exact loopback redirect URI (`http://127.0.0.1:PORT/callback`), if it has one.
    pub fn loopback_uri(&self) -> Option<&str> {
        app_loopback(&self.app)
    }

    /// The port to bind (`CallbackListener::bind_port`) for the loopback sign-in.
    pub fn loopback_port(&self) -> Option<u16> {
        self.loopback_uri().and_then(loopback_port)
    }

    /// The app has the out-of-band URI: the code flow (`m`) works with it.
    pub fn allows_code_flow(&self) -> bool {
        self.app.redirect_uris.iter().any(|u| u == OOB_REDIRECT)
    }
}

/// The exact loopback URI of an app (port-less ones from older versions do not count: servers
/// that match exactly refuse them with any port).
pub fn app_loopback(app: &RegisteredApp) -> Option<&str> {
    app.redirect_uris
        .iter()
        .map(String::as_str)
        .find(|u| loopback_port(u).is_some())
}

/// The redirect shape of a set of URIs: (has out-of-band, has an exact loopback), anything
/// else making it a shape mastokey does not ask for.
fn shape(uris: &[String]) -> Option<(bool, bool)> {
    let oob = uris.iter().filter(|u| *u == OOB_REDIRECT).count();
    let loopback = uris.iter().filter(|u| loopback_port(u).is_some()).count();
    (oob + loopback == uris.len() && oob <= 1 && loopback <= 1).then_some((oob == 1, loopback == 1))
}

/// Whether two redirect sets have the same shape mastokey asks for (ports aside).
pub(super) fn same_shape(a: &[String], b: &[String]) -> bool {
    shape(a).is_some() && shape(a) == shape(b)
}

/// The known app for these scopes and redirect URIs: same scope set, same redirect shape (the
/// loopback port may differ: the caller binds the app's own port).
fn find<'a>(
    known: &'a [RegisteredApp],
    scopes: &[String],
    uris: &[String],
) -> Option<&'a RegisteredApp> {
    let wanted = shape(uris)?;
    known
        .iter()
        .rev()
        .find(|app| same_set(&app.scopes, scopes) && shape(&app.redirect_uris) == Some(wanted))
}

/// The one redirect URI to register when the server takes only one: the loopback (so the
/// sign-in finishes by itself), else the out-of-band one.
fn single_uri(uris: &[String]) -> Option<String> {
    if uris.len() < 2 {
        return None;
    }
    uris.iter()
        .find(|u| loopback_port(u).is_some())
        .or_else(|| uris.first())
        .cloned()
}

/// Scopes to register, with `(asked, registered instead)` pairs.
type Widened = (Vec<String>, Vec<(String, String)>);

/// The covering scopes for a refused set, and what was substituted; `None` when nothing can be
/// widened.
fn covered(scopes: &[String]) -> Option<Widened> {
    let mut out: Vec<String> = Vec::new();
    let mut substituted = Vec::new();
    for scope in scopes {
        let use_scope = match covering_scope(scope) {
            Some(cover) => {
                substituted.push((scope.clone(), cover.clone()));
                cover
            }
            None => scope.clone(),
        };
        if !out.contains(&use_scope) {
            out.push(use_scope);
        }
    }
    (!substituted.is_empty()).then_some((out, substituted))
}

/// What a refused registration points at, from the server's words (Mitra: "invalid redirect
/// URI"; Mastodon: "Scopes doesn't match…"). An empty answer (snac) names nothing.
fn refused(error: &ApiError) -> Option<Refused> {
    let ApiError::Rejected { hint, .. } = error else {
        return None;
    };
    let hint = hint.as_deref().unwrap_or_default().to_ascii_lowercase();
    Some(if hint.contains("redirect") {
        Refused::Redirect
    } else if hint.contains("scope") {
        Refused::Scope
    } else {
        Refused::Unknown
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    Redirect,
    Scope,
    Unknown,
}

/// Finds an app to reuse among `known` (the vault's and this session's apps for `base`, see
/// `apps_for`) or registers one, with the fallbacks above. A reused app is checked first: if
/// the server no longer knows it, a new one is registered and `replaced_deleted` says so.
///
/// The caller keeps a newly registered app (`reused == false`) in `PendingApps`.
pub async fn prepare_app(
    client: &Client,
    base: &BaseUrl,
    request: &AppRequest,
    known: &[RegisteredApp],
) -> Result<Registered, ApiError> {
    let mut scopes = request.scopes.clone();
    let mut uris = request.redirect_uris();
    let mut substituted: Vec<(String, String)> = Vec::new();
    let mut single_redirect: Option<String> = None;
    let mut replaced_deleted: Option<String> = None;
    let mut widened = false;
    let mut narrowed = false;
    loop {
        if !request.force_new
            && let Some(app) = find(known, &scopes, &uris)
        {
            let credentials = AppCredentials {
                client_id: app.client_id.clone(),
                client_secret: app.client_secret.duplicate(),
            };
            if client.app_exists(base, &credentials).await? {
                return Ok(Registered {
                    app: duplicate_app(app),
                    reused: true,
                    substituted,
                    single_redirect,
                    replaced_deleted,
                });
            }
            replaced_deleted = Some(app.client_id.clone());
        }
        let error = match register(client, base, scopes.clone(), uris.clone()).await {
            Ok(app) => {
                return Ok(Registered {
                    app,
                    reused: false,
                    substituted,
                    single_redirect,
                    replaced_deleted,
                });
            }
            Err(error) => error,
        };
        let Some(why) = refused(&error) else {
            return Err(error);
        };
        // One redirect URI first (it keeps the scopes the user chose), then wider scopes.
        let try_single = !narrowed && matches!(why, Refused::Redirect | Refused::Unknown);
        let try_cover = !widened && matches!(why, Refused::Scope | Refused::Unknown);
        if try_single && let Some(uri) = single_uri(&uris) {
            narrowed = true;
            uris = vec![uri.clone()];
            single_redirect = Some(uri);
        } else if try_cover && let Some((wider, subs)) = covered(&scopes) {
            widened = true;
            scopes = wider;
            substituted = subs;
        } else {
            return Err(error);
        }
    }
}

/// The apps known for `base`: the vault's, then this session's pending ones (newest last), for
/// [`prepare_app`].
pub fn apps_for(
    data: Option<&crate::vault::model::VaultData>,
    pending: &super::PendingApps,
    base: &BaseUrl,
) -> Vec<RegisteredApp> {
    let mut apps: Vec<RegisteredApp> = data
        .and_then(|d| d.find_server(base.as_str()))
        .map(|server| server.apps.iter().map(RegisteredApp::from).collect())
        .unwrap_or_default();
    apps.extend(
        pending
            .snapshot()
            .into_iter()
            .filter(|(b, _)| crate::vault::model::same_base(b, base.as_str()))
            .map(|(_, app)| app),
    );
    apps
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn covering_scopes_replace_granular_ones() {
        let (wider, subs) = covered(&strings(&[
            "profile",
            "read:accounts",
            "write:statuses",
            "push",
        ]))
        .unwrap();
        assert_eq!(wider, ["read", "write", "push"]);
        assert_eq!(
            subs,
            [
                ("profile".to_owned(), "read".to_owned()),
                ("read:accounts".to_owned(), "read".to_owned()),
                ("write:statuses".to_owned(), "write".to_owned())
            ]
        );
        assert!(covered(&strings(&["read", "push"])).is_none());
    }

    #[test]
    fn redirect_shapes_ignore_the_loopback_port() {
        let asked = AppRequest {
            scopes: strings(&["profile"]),
            loopback_port: Some(4000),
            force_new: false,
        };
        assert_eq!(
            asked.redirect_uris(),
            [OOB_REDIRECT, "http://127.0.0.1:4000/callback"]
        );
        assert_eq!(
            shape(&strings(&[OOB_REDIRECT, "http://127.0.0.1:5123/callback"])),
            Some((true, true))
        );
        // The port-less URI of older versions fails on servers that match exactly.
        assert_eq!(
            shape(&strings(&[OOB_REDIRECT, "http://127.0.0.1/callback"])),
            None
        );
        assert_eq!(
            single_uri(&asked.redirect_uris()).as_deref(),
            Some("http://127.0.0.1:4000/callback")
        );
        assert_eq!(single_uri(&strings(&[OOB_REDIRECT])), None);
    }

    #[test]
    fn refusals_are_read_from_the_servers_words() {
        let rejected = |hint: Option<&str>| ApiError::Rejected {
            status: 400,
            hint: hint.map(str::to_owned),
        };
        assert_eq!(
            refused(&rejected(Some("invalid redirect URI"))),
            Some(Refused::Redirect)
        );
        assert_eq!(
            refused(&rejected(Some(
                "Validation failed: Scopes doesn't match configured on the server."
            ))),
            Some(Refused::Scope)
        );
        assert_eq!(refused(&rejected(None)), Some(Refused::Unknown));
        assert_eq!(refused(&ApiError::InvalidClient), None);
    }
}
