//! `POST /oauth/token`, `POST /oauth/revoke` and bearer-token checks (ARCHITECTURE.md, Server
//! behaviour: Token, Revoke).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::common::{Params, api_error, basic_credentials, bearer, empty, json, www_authenticate};
use super::state::{State, Token, parse_scopes};
use super::{Mode, Quirks, Shared, UserState, html};

#[derive(Debug)]
enum TokenError {
    InvalidRequest(&'static str),
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    UnsupportedGrantType,
}

impl TokenError {
    fn response(&self, mode: Mode, quirks: &Quirks) -> Response {
        if matches!(self, TokenError::InvalidGrant) {
            // Mitra: a refused code is "not found"; Takahē: an unhandled exception.
            if quirks.refused_code_404 {
                return json(
                    StatusCode::NOT_FOUND,
                    &json!({"error": "authorization not found"}),
                );
            }
            if mode == Mode::Takahe {
                return html::server_error();
            }
        }
        let (status, error, description) = match self {
            TokenError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, "invalid_request", *d),
            TokenError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            ),
            TokenError::InvalidGrant => (
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
            ),
            TokenError::InvalidScope => (
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            ),
            TokenError::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ),
        };
        if mode == Mode::Snac {
            return empty(status);
        }
        let mut response = json(
            status,
            &json!({ "error": error, "error_description": description }),
        );
        let headers = response.headers_mut();
        headers.insert(
            header::WWW_AUTHENTICATE,
            www_authenticate(error, description),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        response
    }
}

/// Client credentials from Basic or the body. With Doorkeeper 5.9.5+ (4.7) both at once is an error;
/// older versions let Basic win.
fn client_credentials(
    headers: &HeaderMap,
    params: &Params,
    mode: Mode,
) -> Result<Option<(String, String)>, TokenError> {
    let body_id = params.present("client_id");
    let body_secret = params.present("client_secret");
    if let Some((id, secret)) = basic_credentials(headers) {
        if mode.is_modern() && (body_secret.is_some() || body_id.is_some_and(|b| b != id)) {
            return Err(TokenError::InvalidRequest(
                "The request utilizes more than one mechanism for authenticating the client.",
            ));
        }
        return Ok(Some((id, secret)));
    }
    Ok(body_id.map(|id| (id.to_string(), body_secret.unwrap_or("").to_string())))
}

fn authenticated_client(
    state: &State,
    creds: Option<&(String, String)>,
) -> Result<String, TokenError> {
    creds
        .and_then(|(id, secret)| state.authenticate(id, secret))
        .map(|app| app.client_id.clone())
        .ok_or(TokenError::InvalidClient)
}

pub async fn token(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&headers, &body);
    let mut state = shared.lock();
    let mode = state.mode;
    match issue(&mut state, &headers, &params) {
        Ok(token) => {
            let mut body = json!({
                "access_token": token.secret,
                "token_type": "Bearer",
                "scope": token.scopes.join(" "),
                "created_at": token.created_at.as_second(),
            });
            if let Some(expires_at) = token.expires_at {
                body["expires_in"] =
                    json!((expires_at.as_second() - state.now().as_second()).max(0));
            }
            let mut response = json(StatusCode::OK, &body);
            let headers = response.headers_mut();
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache"),
            );
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.response(mode, &state.quirks),
    }
}

fn issue(state: &mut State, headers: &HeaderMap, params: &Params) -> Result<Token, TokenError> {
    let grant_type = params
        .present("grant_type")
        .ok_or(TokenError::InvalidRequest(
            "Missing required parameter: grant_type.",
        ))?;
    if !matches!(grant_type, "authorization_code" | "client_credentials") {
        return Err(TokenError::UnsupportedGrantType);
    }
    let creds = client_credentials(headers, params, state.mode)?;
    if grant_type == "client_credentials" {
        let client_id = authenticated_client(state, creds.as_ref())?;
        let app_scopes = state
            .app(&client_id)
            .map(|a| a.scopes.clone())
            .unwrap_or_default();
        let scopes = match params.present("scope") {
            Some(s) => parse_scopes(s),
            None => vec!["read".to_string()],
        };
        let allowed = |s: &String| {
            if app_scopes.is_empty() {
                state.mode.knows_scope(s)
            } else {
                app_scopes.contains(s)
            }
        };
        if scopes.is_empty() || !scopes.iter().all(allowed) {
            return Err(TokenError::InvalidScope);
        }
        return Ok(state.issue_token(&client_id, None, &scopes));
    }

    // authorization_code, in Doorkeeper's order: params, client, grant, redirect_uri, PKCE.
    let code = params.present("code").ok_or(TokenError::InvalidRequest(
        "Missing required parameter: code.",
    ))?;
    let verifier = params.present("code_verifier");
    let pkce = state.mode.is_modern();
    let grant_index = state.grants.iter().position(|g| g.code == code);
    let uses_pkce = grant_index.is_some_and(|i| state.grants[i].code_challenge.is_some());
    if pkce && uses_pkce && verifier.is_none() {
        return Err(TokenError::InvalidRequest(
            "Missing required parameter: code_verifier.",
        ));
    }
    let redirect_uri = params
        .present("redirect_uri")
        .ok_or(TokenError::InvalidRequest(
            "Missing required parameter: redirect_uri.",
        ))?;
    let client_id = authenticated_client(state, creds.as_ref())?;
    let now = state.now();
    let index = grant_index.ok_or(TokenError::InvalidGrant)?;
    let grant = &state.grants[index];
    let expired = now.as_second() > grant.created_at.as_second() + state.code_lifetime_secs();
    if grant.client_id != client_id || grant.revoked || expired {
        return Err(TokenError::InvalidGrant);
    }
    if !super::uri::matches_as(
        redirect_uri,
        &grant.redirect_uri,
        state.quirks.exact_redirect,
    ) {
        return Err(TokenError::InvalidGrant);
    }
    if pkce {
        match (&grant.code_challenge, verifier) {
            (Some(challenge), Some(verifier)) => {
                // Doorkeeper's `pkce_matches?`; only S256 grants can exist in this mode.
                let computed = match grant.code_challenge_method.as_deref() {
                    Some("S256") => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                    _ => verifier.to_string(),
                };
                if computed != *challenge {
                    return Err(TokenError::InvalidGrant);
                }
            }
            // 4.3+: a verifier for a grant without a challenge is also rejected.
            (None, Some(_)) => return Err(TokenError::InvalidGrant),
            _ => {}
        }
    }
    let (user, scopes) = (grant.user.clone(), grant.scopes.clone());
    state.grants[index].revoked = true;
    Ok(state.issue_token(&client_id, Some(&user), &scopes))
}

pub async fn revoke(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&headers, &body);
    let mut state = shared.lock();
    let token = params
        .present("token")
        .and_then(|t| state.token(t))
        .cloned();
    if state.quirks.revoke_needs_bearer
        && (token.is_none() || bearer(&headers, None) != token.as_ref().map(|t| t.secret.clone()))
    {
        // Mitra: the token must come as a bearer too; client credentials alone get 401.
        return empty(StatusCode::UNAUTHORIZED);
    }
    if state.mode == Mode::Snac {
        // snac: unknown token → 403; otherwise the token dies (and, below, its app with it). The
        // client is not authenticated: revoking with a deleted app's credentials still works.
        let Some(token) = token else {
            return empty(StatusCode::FORBIDDEN);
        };
        state.revoke(&token.secret);
        if state.quirks.revoke_deletes_app {
            state.apps.retain(|a| a.client_id != token.client_id);
        }
        return json(StatusCode::OK, &json!({}));
    }
    let forbidden = || {
        json(
            StatusCode::FORBIDDEN,
            &json!({"error": "unauthorized_client", "error_description": "You are not authorized to revoke this token"}),
        )
    };
    let creds = basic_credentials(&headers).or_else(|| {
        params.present("client_id").map(|id| {
            (
                id.to_string(),
                params.str("client_secret").unwrap_or("").to_string(),
            )
        })
    });
    let Some(client_id) = creds
        .and_then(|(id, secret)| state.authenticate(&id, &secret))
        .map(|a| a.client_id.clone())
    else {
        return forbidden();
    };
    match token {
        None => json(StatusCode::OK, &json!({})),
        Some(token) if token.client_id == client_id => {
            state.revoke(&token.secret);
            if state.quirks.revoke_deletes_app {
                state.apps.retain(|a| a.client_id != token.client_id);
            }
            json(StatusCode::OK, &json!({}))
        }
        Some(_) => forbidden(),
    }
}

/// The answer to a missing, unknown, revoked or expired token: 401 JSON (Mastodon, Mitra), an
/// empty 422 (snac), 400 HTML (Takahē), or GoToSocial's 401 without `WWW-Authenticate`.
pub fn invalid_token_response(state: &State, revoked: bool) -> Response {
    if state.quirks.bad_token_400_html {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "Invalid Bearer token",
        )
            .into_response();
    }
    match state.mode {
        Mode::Snac => return empty(StatusCode::UNPROCESSABLE_ENTITY),
        Mode::GoToSocial => {
            return api_error(StatusCode::UNAUTHORIZED, "Unauthorized: token not supplied");
        }
        _ => {}
    }
    let message = if revoked {
        "The access token was revoked"
    } else {
        "The access token is invalid"
    };
    let mut response = api_error(StatusCode::UNAUTHORIZED, message);
    let headers = response.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        www_authenticate("invalid_token", message),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    response
}

/// The first `/api` before-filters: a suspended owner (even of a revoked token) → 403, then
/// missing/unknown/revoked → 401. Returns the live token.
pub fn authenticate_bearer(
    state: &State,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Token, Box<Response>> {
    let token = bearer(headers, query).and_then(|t| state.token(&t).cloned());
    if state.mode.is_mastodon() {
        let owner = token
            .as_ref()
            .and_then(|t| t.user.as_deref())
            .and_then(|u| state.user(u));
        if owner.is_some_and(|u| u.state == UserState::Suspended) {
            return Err(Box::new(api_error(
                StatusCode::FORBIDDEN,
                "Your login is currently disabled",
            )));
        }
    }
    // Tokens outlive their app: snac deletes an app on revoke, and its other tokens still work.
    match token {
        Some(t) if t.revoked_at.is_some() => Err(Box::new(invalid_token_response(state, true))),
        Some(t) if state.expired(&t) => Err(Box::new(invalid_token_response(state, false))),
        Some(t) => Ok(t),
        None => Err(Box::new(invalid_token_response(state, false))),
    }
}
