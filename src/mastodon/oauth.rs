//! The OAuth calls: register an app, build the authorize URL, read a pasted code, exchange it for
//! a token, revoke a token. Every POST goes through the client that never follows redirects.
//!
//! Each call is a thin request plus a pure classifier (`Raw` → value or `ApiError`) so every row
//! answer real servers were seen to give is tested without a network.

mod authorize;
#[cfg(test)]
mod tests;

use serde_json::Value;
use url::Url;

use super::base_url::BaseUrl;
use super::classify::{Raw, common_error, fallback_error, success_json};
use super::client::Client;
use super::errors::ApiError;
use super::sanitize::{is_scope_token, is_unsafe_char, sanitize_hint};
use crate::secret::Secret;

pub use authorize::{
    LinkSecrets, authorize_url, authorize_url_with, parse_pasted_code, pasted_query, pkce_challenge,
};

/// A scope no server has: asking for it proves the client exists without issuing a token.
const PROBE_SCOPE: &str = "mastokey:probe";

/// Longest dropped scope kept for the report.
const DROPPED_MAX: usize = 40;

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRegistration {
    pub client_name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

/// A registered app, with the scopes and redirect URIs mastokey asked for (what servers echo
/// differs: nothing before 4.3, empty `scopes` on Mitra).
#[derive(Debug)]
pub struct RegisteredApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
}

/// The app's client credentials, as the token and revoke endpoints need them.
#[derive(Debug)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// Send a PKCE S256 challenge (only where the metadata advertises S256).
    pub pkce: bool,
    /// Always show the consent screen, so the user can switch accounts.
    pub force_login: bool,
}

/// An authorize URL and what the later steps need to check and finish it.
#[derive(Debug)]
pub struct AuthorizeRequest {
    pub url: Url,
    pub state: String,
    pub redirect_uri: String,
    pub pkce_verifier: Option<Secret>,
}

/// The result of a code exchange. Mastodon tokens never expire and come without refresh token;
/// other servers' do (Mitra: `expires_in`, 30 days by default).
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    /// The granted scopes that match the scope grammar: safe to store and print.
    pub scopes: Vec<String>,
    /// What the server's `scope` held besides scopes (sanitised, shortened), to report.
    pub dropped: Vec<String>,
    pub created_at: Option<i64>,
    /// Seconds the token lives from when it was issued, when the server says so.
    pub expires_in: Option<u64>,
}

impl Client {
    /// `POST /api/v1/apps`, form-encoded, lists as whitespace-joined strings (arrays break
    /// servers before 4.3 and snac), `scope` beside `scopes` for snac (Mastodon ignores it).
    pub async fn register_app(
        &self,
        base: &BaseUrl,
        app: &AppRegistration,
    ) -> Result<RegisteredApp, ApiError> {
        let redirect_uris = app.redirect_uris.join("\n");
        let scopes = app.scopes.join(" ");
        let mut form = vec![
            ("client_name", app.client_name.as_str()),
            ("redirect_uris", redirect_uris.as_str()),
            ("scopes", scopes.as_str()),
            ("scope", scopes.as_str()),
        ];
        if let Some(website) = &app.website {
            form.push(("website", website.as_str()));
        }
        let request = self.direct.post(base.endpoint("/api/v1/apps")).form(&form);
        let raw = self.send(request, &base.host()).await?;
        classify_register(&raw, app)
    }

    /// `POST /oauth/token` with `grant_type=authorization_code`. Client authentication goes in
    /// the body only (4.7 rejects Basic plus body); `code_verifier` only when a challenge was sent.
    pub async fn exchange_code(
        &self,
        base: &BaseUrl,
        app: &AppCredentials,
        code: &Secret,
        redirect_uri: &str,
        pkce_verifier: Option<&Secret>,
    ) -> Result<TokenGrant, ApiError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
        ];
        if let Some(verifier) = pkce_verifier {
            form.push(("code_verifier", verifier.expose()));
        }
        let request = self.direct.post(base.endpoint("/oauth/token")).form(&form);
        let raw = self.send(request, &base.host()).await?;
        let mut secrets = vec![code.expose(), app.client_secret.expose()];
        secrets.extend(pkce_verifier.map(Secret::expose));
        classify_token(&raw, &secrets)
    }

    /// Whether the server still knows this app: a `client_credentials` grant asking for a scope
    /// no server has. A live client gets `invalid_scope` (nothing is issued); a deleted one gets
    /// `invalid_client` or a bare 401 (snac deletes the app when one of its tokens is revoked).
    /// Any other answer says nothing about the app and counts as "still there". Should a server
    /// issue a token anyway, it is revoked at once.
    pub async fn app_exists(&self, base: &BaseUrl, app: &AppCredentials) -> Result<bool, ApiError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
            ("scope", PROBE_SCOPE),
        ];
        let request = self.direct.post(base.endpoint("/oauth/token")).form(&form);
        let raw = self.send(request, &base.host()).await?;
        match classify_token(&raw, &[app.client_secret.expose()]) {
            Ok(grant) => {
                // Best effort: the probe's token must not stay live, but failing to revoke it
                // does not change the answer.
                let _ = self.revoke(base, app, &grant.access_token).await;
                Ok(true)
            }
            Err(ApiError::InvalidClient) => Ok(false),
            Err(error) if error.is_network_problem() => Err(error),
            Err(_) => Ok(true),
        }
    }

    /// `POST /oauth/revoke`. A token unknown to the server is fine (200 `{}`); a token of another
    /// app, or bad client credentials, is `RevokeForbidden`. The first try is what Mastodon
    /// documents (client credentials and the token in the form); when that is refused, it is
    /// tried once more with the token as a bearer header as well, which Mitra requires (401 with
    /// an empty body without it).
    pub async fn revoke(
        &self,
        base: &BaseUrl,
        app: &AppCredentials,
        token: &Secret,
    ) -> Result<(), ApiError> {
        let form = [
            ("token", token.expose()),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
        ];
        let secrets = [token.expose(), app.client_secret.expose()];
        let request = self.direct.post(base.endpoint("/oauth/revoke")).form(&form);
        let raw = self.send(request, &base.host()).await?;
        match classify_revoke(&raw, &secrets) {
            Err(ApiError::RevokeForbidden | ApiError::InvalidClient) => {
                let request = self
                    .direct
                    .post(base.endpoint("/oauth/revoke"))
                    .bearer_auth(token.expose())
                    .form(&form);
                let raw = self.send(request, &base.host()).await?;
                classify_revoke(&raw, &secrets)
            }
            other => other,
        }
    }
}

/// A list the server sent as an array or a whitespace-joined string, raw.
fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Value::String(joined) => Some(joined.split_whitespace().map(str::to_owned).collect()),
        _ => None,
    }
}

/// Server scopes → (scopes matching the grammar, the rest sanitised for a report).
fn split_scopes(raw: Vec<String>) -> (Vec<String>, Vec<String>) {
    let (scopes, dropped): (Vec<String>, Vec<String>) =
        raw.into_iter().partition(|s| is_scope_token(s));
    let dropped = dropped
        .iter()
        .map(|s| sanitize_hint(s, DROPPED_MAX))
        .filter(|s| !s.is_empty())
        .collect();
    (scopes, dropped)
}

fn classify_register(raw: &Raw, app: &AppRegistration) -> Result<RegisteredApp, ApiError> {
    match raw.status {
        200 | 201 => {
            let map = success_json(raw, "app registration")?;
            let text = |name: &str| {
                map.get(name)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let (Some(client_id), Some(client_secret)) = (text("client_id"), text("client_secret"))
            else {
                return Err(ApiError::Malformed {
                    what: "app registration",
                });
            };
            // What mastokey asked for is kept, never the server's echo: Mitra echoes empty
            // `scopes`, servers before 4.3 echo nothing, and apps are reused by what was asked.
            let scopes = app.scopes.clone();
            let redirect_uris = app.redirect_uris.clone();
            if client_id.chars().any(is_unsafe_char) {
                return Err(ApiError::Malformed {
                    what: "app registration",
                });
            }
            Ok(RegisteredApp {
                client_id,
                client_secret: Secret::new(client_secret),
                scopes,
                redirect_uris,
            })
        }
        // 422 is Mastodon's validation failure; 400 with JSON or an empty body is how Mitra
        // (`invalid redirect URI`), GoToSocial and snac refuse a registration.
        422 => Err(ApiError::Rejected {
            status: 422,
            hint: raw.hint(&[]),
        }),
        400 if !raw.is_html() => Err(ApiError::Rejected {
            status: 400,
            hint: raw.hint(&[]),
        }),
        _ => Err(fallback_error(raw, &[])),
    }
}

/// The RFC 6749 error code of a `/oauth/*` error body.
fn oauth_error(raw: &Raw) -> Option<ApiError> {
    match raw.json_error()?.as_str() {
        "invalid_client" => Some(ApiError::InvalidClient),
        "invalid_grant" => Some(ApiError::InvalidGrant),
        "invalid_scope" => Some(ApiError::InvalidScope),
        "invalid_request" => Some(ApiError::InvalidRequest),
        "unsupported_grant_type" => Some(ApiError::UnsupportedGrantType),
        "unauthorized_client" => Some(ApiError::RevokeForbidden),
        _ => None,
    }
}

fn classify_token(raw: &Raw, secrets: &[&str]) -> Result<TokenGrant, ApiError> {
    if raw.status == 200 {
        let map = success_json(raw, "token")?;
        let Some(token) = map
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(ApiError::Malformed { what: "token" });
        };
        // Only bearer tokens are used as such; anything else (a MAC or DPoP token) would be sent
        // in a way the server does not expect, and fail later with a confusing answer.
        if let Some(kind) = map.get("token_type") {
            let kind = kind.as_str().unwrap_or_default();
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(ApiError::TokenType {
                    token_type: sanitize_hint(kind, DROPPED_MAX),
                });
            }
        }
        let (scopes, dropped) = split_scopes(string_list(map.get("scope")).unwrap_or_default());
        return Ok(TokenGrant {
            access_token: Secret::new(token),
            scopes,
            dropped,
            created_at: map.get("created_at").and_then(Value::as_i64),
            expires_in: map.get("expires_in").and_then(Value::as_u64),
        });
    }
    if let Some(error) = common_error(raw, secrets) {
        return Err(error);
    }
    if let Some(error) = oauth_error(raw).filter(|e| *e != ApiError::RevokeForbidden) {
        return Err(error);
    }
    // A 401 from the token endpoint is always about the client, whatever the body says.
    if raw.status == 401 {
        return Err(ApiError::InvalidClient);
    }
    // Any other 4xx (a bare 400 on snac, 404 "authorization not found" on Mitra) means the grant
    // was refused: the app was just registered and every parameter is present, so the code is
    // what the server rejected, never a sign that this is not a Mastodon server.
    if (400..500).contains(&raw.status) {
        return Err(ApiError::InvalidGrant);
    }
    Err(fallback_error(raw, secrets))
}

fn classify_revoke(raw: &Raw, secrets: &[&str]) -> Result<(), ApiError> {
    match raw.status {
        // The body is `{}`; snac and others may send nothing at all.
        200 | 204 => Ok(()),
        // Mastodon: unauthorized_client; snac: 403 for an unknown token.
        403 => Err(ApiError::RevokeForbidden),
        _ => {
            if let Some(error) = common_error(raw, secrets) {
                return Err(error);
            }
            match oauth_error(raw) {
                Some(error) => Err(error),
                None if raw.status == 401 => Err(ApiError::InvalidClient),
                None => Err(fallback_error(raw, secrets)),
            }
        }
    }
}
