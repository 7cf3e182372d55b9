//! `GET|POST|DELETE /oauth/authorize` and the out-of-band pages (ARCHITECTURE.md, Server behaviour:
//! Authorize).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::common::{Params, json};
use super::state::{Grant, State, parse_scopes, random_secret};
use super::uri::{is_oob, matches_any, with_query};
use super::{Approval, Mode, Shared, html};

/// A request that passed Doorkeeper's `PreAuthorization`.
#[derive(Debug, Clone)]
pub struct PreAuth {
    pub client_id: String,
    pub app_name: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub force_login: bool,
    pub fragment: bool,
    /// The redirect URI matched no registered one, and this server says so only after Allow
    /// (`Quirks::redirect_mismatch_server_error`).
    pub redirect_mismatch: bool,
}

/// An authorize-page error: shown as HTML, never redirected.
#[derive(Debug, Clone)]
pub struct AuthError {
    pub status: StatusCode,
    pub description: &'static str,
}

fn bad(description: &'static str) -> AuthError {
    AuthError {
        status: StatusCode::BAD_REQUEST,
        description,
    }
}

/// The parameter checks, in Doorkeeper's order.
pub fn pre_authorize(state: &State, params: &Params) -> Result<PreAuth, AuthError> {
    let client_id = params
        .present("client_id")
        .ok_or(bad("Missing required parameter: client_id."))?;
    let app = state.app(client_id).ok_or(AuthError {
        status: StatusCode::UNAUTHORIZED,
        description: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    })?;
    let redirect_uri = params.present("redirect_uri").unwrap_or("");
    let redirect_mismatch = redirect_uri.is_empty()
        || !matches_any(redirect_uri, &app.redirect_uri, state.quirks.exact_redirect);
    // GoToSocial lets a mismatch through to its Allow page (see `approve`).
    let shown_anyway = state.quirks.redirect_mismatch_server_error && !redirect_uri.is_empty();
    if redirect_mismatch && !shown_anyway {
        return Err(bad("The redirect uri included is not valid."));
    }
    let response_type = params
        .present("response_type")
        .ok_or(bad("Missing required parameter: response_type."))?;
    if response_type != "code" {
        return Err(bad(
            "The authorization server does not support this response type.",
        ));
    }
    let response_mode = params.present("response_mode").unwrap_or("query");
    if !matches!(response_mode, "query" | "fragment" | "form_post") {
        return Err(bad(
            "The authorization server does not support this response mode.",
        ));
    }
    let scopes = match params.present("scope") {
        Some(s) => parse_scopes(s),
        // The default scope (`read`), narrowed to the app's scopes.
        None => ["read"]
            .iter()
            .filter(|s| app.scopes.iter().any(|a| a == *s))
            .map(|s| (*s).to_string())
            .collect(),
    };
    let allowed =
        |s: &String| state.mode.knows_scope(s) && (app.scopes.is_empty() || app.scopes.contains(s));
    if scopes.is_empty() || !scopes.iter().all(allowed) {
        return Err(bad(
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    // PKCE exists from 4.3 on, S256 only; older servers (and snac here) ignore the parameters.
    let (code_challenge, code_challenge_method) = if state.mode.is_modern() {
        let challenge = params.present("code_challenge").map(str::to_string);
        let method = params.present("code_challenge_method").map(str::to_string);
        if challenge.is_some() && method.as_deref() != Some("S256") {
            return Err(bad("The code_challenge_method must be S256."));
        }
        (challenge, method)
    } else {
        (None, None)
    };
    let force_login = params
        .present("force_login")
        .is_some_and(|v| !matches!(v, "false" | "0" | "no" | "off"));
    Ok(PreAuth {
        client_id: app.client_id.clone(),
        app_name: app.name.clone(),
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state: params.present("state").map(str::to_string),
        code_challenge,
        code_challenge_method,
        force_login,
        fragment: response_mode == "fragment",
        redirect_mismatch,
    })
}

/// The Authorize click: a fresh single-use grant and where the browser goes next.
pub fn approve(state: &mut State, pre: &PreAuth, user: &str) -> Result<Approval, String> {
    if state.user(user).is_none() {
        return Err(format!("Invalid login: no user named {user}."));
    }
    if pre.redirect_mismatch {
        // GoToSocial: Allow on an unregistered redirect URI ends there with a server error.
        let mut pairs = vec![
            ("error", "server_error"),
            ("error_description", SERVER_ERROR),
        ];
        if let Some(s) = &pre.state {
            pairs.push(("state", s));
        }
        return Ok(Approval {
            code: String::new(),
            redirect: redirect_with(&pre.redirect_uri, &pairs, pre.fragment),
        });
    }
    let code = random_secret();
    let scopes = state
        .quirks
        .granted_scopes
        .clone()
        .unwrap_or_else(|| pre.scopes.clone());
    state.grants.push(Grant {
        code: code.clone(),
        client_id: pre.client_id.clone(),
        user: user.to_string(),
        redirect_uri: pre.redirect_uri.clone(),
        scopes,
        code_challenge: pre.code_challenge.clone(),
        code_challenge_method: pre.code_challenge_method.clone(),
        created_at: state.now(),
        revoked: false,
    });
    let redirect = if is_oob(&pre.redirect_uri) {
        let page = if state.mode == Mode::GoToSocial {
            "/oauth/oob"
        } else {
            "/oauth/authorize/native"
        };
        let mut pairs = vec![("code", code.as_str())];
        // snac and GoToSocial carry the state to the out-of-band page too.
        if let Some(s) = &pre.state
            && (state.quirks.oob_code_and_state || state.mode == Mode::GoToSocial)
        {
            pairs.push(("state", s));
        }
        with_query(&format!("{}{page}", state.base_url), &pairs)
    } else {
        let mut pairs = vec![("code", code.as_str())];
        if let Some(s) = &pre.state {
            pairs.push(("state", s));
        }
        redirect_with(&pre.redirect_uri, &pairs, pre.fragment)
    };
    Ok(Approval { code, redirect })
}

fn redirect_with(uri: &str, pairs: &[(&str, &str)], fragment: bool) -> String {
    if fragment {
        let encoded: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{uri}#{encoded}")
    } else {
        with_query(uri, pairs)
    }
}

/// Deny: a redirect with `error=access_denied`, or `None` for oob (the browser gets a JSON 400).
pub fn deny(pre: &PreAuth) -> Option<String> {
    if is_oob(&pre.redirect_uri) {
        return None;
    }
    let mut pairs = vec![("error", "access_denied"), ("error_description", DENIED)];
    if let Some(s) = &pre.state {
        pairs.push(("state", s));
    }
    Some(redirect_with(&pre.redirect_uri, &pairs, pre.fragment))
}

const DENIED: &str = "The resource owner or authorization server denied the request.";
const SERVER_ERROR: &str = "The authorization server encountered an unexpected condition which prevented it from fulfilling the request.";

fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /oauth/authorize`: errors as HTML; auto-approve when a matching token exists (unless
/// `force_login`); otherwise the consent page.
pub async fn show(AxState(shared): AxState<Arc<Shared>>, uri: Uri) -> Response {
    let params = Params::from_form(uri.query().unwrap_or("").as_bytes());
    let mut state = shared.lock();
    let pre = match pre_authorize(&state, &params) {
        Ok(pre) => pre,
        Err(e) => return html::authorize_error(e.status, e.description),
    };
    let user = state.browser_user.clone();
    if !pre.force_login
        && state
            .reusable_token(&pre.client_id, Some(&user), &pre.scopes)
            .is_some()
    {
        return match approve(&mut state, &pre, &user) {
            Ok(approval) => found(&approval.redirect),
            Err(message) => html::authorize_error(StatusCode::UNPROCESSABLE_ENTITY, &message),
        };
    }
    let scope = pre.scopes.join(" ");
    let mut hidden = vec![
        ("client_id", pre.client_id.as_str()),
        ("redirect_uri", pre.redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", scope.as_str()),
    ];
    for (name, value) in [
        ("state", &pre.state),
        ("code_challenge", &pre.code_challenge),
        ("code_challenge_method", &pre.code_challenge_method),
    ] {
        if let Some(v) = value {
            hidden.push((name, v));
        }
    }
    if pre.fragment {
        hidden.push(("response_mode", "fragment"));
    }
    html::consent(&pre.app_name, &pre.scopes, &user, &hidden)
}

/// `POST /oauth/authorize` (Authorize, or Deny via Rails' `_method=delete`).
pub async fn submit(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let params = Params::from_form(&body);
    if params
        .str("_method")
        .is_some_and(|m| m.eq_ignore_ascii_case("delete"))
    {
        return deny_response(&shared, &params);
    }
    let mut state = shared.lock();
    let pre = match pre_authorize(&state, &params) {
        Ok(pre) => pre,
        Err(e) => return html::authorize_error(e.status, e.description),
    };
    let user = params
        .present("user")
        .map_or_else(|| state.browser_user.clone(), |u| u.trim().to_string());
    match approve(&mut state, &pre, &user) {
        Ok(approval) => found(&approval.redirect),
        Err(message) => html::authorize_error(StatusCode::UNPROCESSABLE_ENTITY, &message),
    }
}

/// `DELETE /oauth/authorize`.
pub async fn destroy(AxState(shared): AxState<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    let mut params = Params::from_form(&body);
    if params.get("client_id").is_none() {
        params = Params::from_form(uri.query().unwrap_or("").as_bytes());
    }
    deny_response(&shared, &params)
}

fn deny_response(shared: &Shared, params: &Params) -> Response {
    let state = shared.lock();
    match pre_authorize(&state, params) {
        Err(e) => html::authorize_error(e.status, e.description),
        Ok(pre) => match deny(&pre) {
            Some(location) => found(&location),
            None => json(
                StatusCode::BAD_REQUEST,
                &json!({"error": "access_denied", "error_description": DENIED}),
            ),
        },
    }
}

/// `GET /oauth/authorize/native?code=…`: the oob page; on snac its body is `CODE&state=STATE`.
pub async fn native(AxState(shared): AxState<Arc<Shared>>, uri: Uri) -> Response {
    let params = Params::from_form(uri.query().unwrap_or("").as_bytes());
    let Some(code) = params.present("code") else {
        return html::not_found();
    };
    if shared.lock().quirks.oob_code_and_state {
        let state = params.present("state").unwrap_or("");
        return (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("{code}&state={state}"),
        )
            .into_response();
    }
    html::native_code(code)
}

/// `GET /oauth/oob?code=…&state=…`: GoToSocial's out-of-band page.
pub async fn gotosocial_oob(uri: Uri) -> Response {
    let params = Params::from_form(uri.query().unwrap_or("").as_bytes());
    match params.present("code") {
        Some(code) => html::gotosocial_oob(code),
        None => html::not_found(),
    }
}
