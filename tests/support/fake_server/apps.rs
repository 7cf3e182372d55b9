//! `POST /api/v1/apps` and `GET /api/v1/apps/verify_credentials` (ARCHITECTURE.md, Server
//! behaviour: Apps).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::common::{Params, Value, api_error, empty, json};
use super::faults::{Conn, set_rate_limit_headers, too_many_requests};
use super::state::{App, parse_scopes, random_secret};
use super::{Mode, Shared, tokens};

/// A fixed VAPID public key (deprecated field, still sent).
const VAPID_KEY: &str =
    "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=";
const NAME_LIMIT: usize = 60;
const URI_LIMIT: usize = 2000;

pub async fn create(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&headers, &body);
    let mut state = shared.lock();
    let mode = state.mode;
    let limit = if mode.is_modern() {
        match state.count_registration(conn.peer.ip()) {
            Ok(limit) => Some(limit),
            Err(limit) => return too_many_requests(&limit),
        }
    } else {
        None
    };

    // What reaches the model: Rails' `permit` and Doorkeeper's defaults, per mode.
    let redirect_uri = match (params.get("redirect_uris"), mode) {
        (Some(Value::Array(_)), Mode::Snac) if params.json => return empty(StatusCode::NOT_FOUND),
        (Some(Value::Str(s)), _) => s.clone(),
        (Some(Value::Array(items)), Mode::Mastodon47) => items.join("\n"),
        // Before 4.3, `permit(:redirect_uris)` drops an array.
        _ => String::new(),
    };
    let scope_field = if mode == Mode::Snac {
        "scope"
    } else {
        "scopes"
    };
    let scopes = match params.get(scope_field) {
        Some(Value::Str(s)) => parse_scopes(s),
        // Mastodon bug #30152: an array is dropped by `permit` and the default applies.
        _ => vec!["read".to_string()],
    };
    let name = params.str("client_name").unwrap_or("").to_string();
    let website = params.present("website").map(str::to_string);

    let mut errors: Vec<String> = Vec::new();
    if name.trim().is_empty() {
        errors.push("Application name can't be blank".into());
    }
    let uris: Vec<&str> = redirect_uri.split_whitespace().collect();
    if state.quirks.one_redirect_uri && uris.len() > 1 {
        // Mitra: one redirect URI per app.
        return json(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid redirect URI"}),
        );
    }
    if uris.is_empty() {
        errors.push("Redirect URI can't be blank".into());
    } else if let Some(reason) = uris.iter().find_map(|u| super::uri::invalid_reason(u)) {
        errors.push(format!("Redirect URI {reason}"));
    }
    if scopes.iter().any(|s| !mode.knows_scope(s)) {
        errors.push(match mode {
            Mode::Mastodon42 => "Scopes doesn't match configured on the server.".into(),
            _ => "Scopes doesn't match those configured on the server.".into(),
        });
    }
    if name.chars().count() > NAME_LIMIT {
        errors.push(format!(
            "Application name is too long (maximum is {NAME_LIMIT} characters)"
        ));
    }
    if let Some(site) = &website {
        let ok = url::Url::parse(site)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            errors.push("Application website is invalid".into());
        } else if site.len() > URI_LIMIT {
            errors.push(format!(
                "Application website is too long (maximum is {URI_LIMIT} characters)"
            ));
        }
    }
    if redirect_uri.len() > URI_LIMIT {
        errors.push(format!(
            "Redirect URI is too long (maximum is {URI_LIMIT} characters)"
        ));
    }

    let mut response = if errors.is_empty() {
        let app = App {
            id: state.next_id(),
            client_id: random_secret(),
            client_secret: random_secret(),
            name,
            redirect_uri: uris.join("\n"),
            scopes,
            website,
        };
        let mut body = credential_json(&app, mode);
        if state.quirks.empty_scopes_echo {
            body["scopes"] = json!([]);
        }
        state.apps.push(app);
        json(StatusCode::OK, &body)
    } else if mode == Mode::Snac {
        empty(StatusCode::BAD_REQUEST)
    } else {
        api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Validation failed: {}", errors.join(", ")),
        )
    };
    if let Some(limit) = limit {
        set_rate_limit_headers(response.headers_mut(), &limit);
    }
    response
}

/// `CredentialApplication` on 4.3.2+, the short 4.2 shape otherwise.
fn credential_json(app: &App, mode: Mode) -> serde_json::Value {
    let mut body = json!({
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "redirect_uri": app.redirect_uri,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "vapid_key": VAPID_KEY,
    });
    if mode.is_modern() {
        body["scopes"] = json!(app.scopes);
        body["redirect_uris"] = json!(app.redirect_uri.split('\n').collect::<Vec<_>>());
        body["client_secret_expires_at"] = json!(0);
    }
    body
}

pub async fn verify(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let state = shared.lock();
    let token = match tokens::authenticate_bearer(&state, &headers, uri.query()) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    let Some(app) = state.app(&token.client_id) else {
        return tokens::invalid_token_response(&state, false);
    };
    let body = match state.mode {
        Mode::Mastodon47 => json!({
            "id": app.id,
            "name": app.name,
            "website": app.website,
            "scopes": app.scopes,
            "redirect_uris": app.redirect_uri.split('\n').collect::<Vec<_>>(),
            "vapid_key": VAPID_KEY,
            "redirect_uri": app.redirect_uri,
        }),
        Mode::Mastodon42 => {
            if !token.scopes.iter().any(|s| s == "read") {
                return api_error(
                    StatusCode::FORBIDDEN,
                    "This action is outside the authorized scopes",
                );
            }
            json!({ "name": app.name, "website": app.website, "vapid_key": VAPID_KEY })
        }
        Mode::Snac => json!({ "name": app.name, "website": app.website }),
        Mode::Takahe | Mode::GoToSocial | Mode::Mitra => json!({
            "name": app.name,
            "website": app.website,
            "scopes": if state.quirks.empty_scopes_echo { Vec::new() } else { app.scopes.clone() },
        }),
    };
    json(StatusCode::OK, &body)
}
