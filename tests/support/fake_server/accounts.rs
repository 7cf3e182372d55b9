//! `GET /api/v1/accounts/verify_credentials` (ARCHITECTURE.md, Server behaviour: Verify).

use std::sync::Arc;

use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::json;

use super::common::{api_error, json, www_authenticate};
use super::state::{State, User};
use super::{Mode, Shared, UserState, tokens};

pub async fn verify_credentials(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let state = shared.lock();
    let token = match tokens::authenticate_bearer(&state, &headers, uri.query()) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    let mode = state.mode;
    if state.quirks.verify_needs_read && !token.scopes.iter().any(|s| s == "read") {
        // Takahē: only the coarse `read` opens the account.
        return api_error(StatusCode::FORBIDDEN, "out_of_scope_for_token");
    }
    // snac does not enforce scopes at all.
    if mode != Mode::Snac {
        let accepted: &[&str] = if mode == Mode::Mastodon42 {
            &["read", "read:accounts"]
        } else {
            &["profile", "read", "read:accounts"]
        };
        if !token.scopes.iter().any(|s| accepted.contains(&s.as_str())) {
            let mut response = api_error(
                StatusCode::FORBIDDEN,
                "This action is outside the authorized scopes",
            );
            // Doorkeeper 5.9 (4.6+) adds the header to scope failures; ≤4.5 does not.
            if mode.is_modern() {
                let description = format!(
                    "Access to this resource requires scope \"{}\".",
                    accepted.join(" ")
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    www_authenticate("insufficient_scope", &description),
                );
            }
            return response;
        }
    }
    let Some(user) = token.user.as_deref().and_then(|u| state.user(u)) else {
        return match mode {
            Mode::Snac => super::common::empty(StatusCode::UNPROCESSABLE_ENTITY),
            _ => api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This method requires an authenticated user",
            ),
        };
    };
    if mode == Mode::GoToSocial && user.state == UserState::Disabled {
        return api_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: application not supplied",
        );
    }
    if mode.is_mastodon() {
        let refusal = match user.state {
            UserState::Active => None,
            UserState::Unconfirmed => Some("Your login is missing a confirmed e-mail address"),
            UserState::Pending => Some("Your login is currently pending approval"),
            UserState::Disabled | UserState::Suspended => Some("Your login is currently disabled"),
        };
        if let Some(message) = refusal {
            return api_error(StatusCode::FORBIDDEN, message);
        }
    }
    json(StatusCode::OK, &credential_account(&state, user))
}

/// A `CredentialAccount`: the account plus `source` and (4.0+) `role`.
fn credential_account(state: &State, user: &User) -> serde_json::Value {
    let url = format!("{}/@{}", state.base_url, user.username);
    let avatar = format!("{}/avatars/original/missing.png", state.base_url);
    let mut account = json!({
        "id": user.id,
        "username": user.username,
        "acct": user.username,
        "display_name": user.display_name,
        "locked": false,
        "bot": false,
        "discoverable": true,
        "group": false,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "",
        "url": url,
        "uri": format!("https://{}/users/{}", state.domain, user.username),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": format!("{}/headers/original/missing.png", state.base_url),
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": null,
        "emojis": [],
        "fields": [],
        "source": {
            "privacy": "public",
            "sensitive": false,
            "language": "",
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
            "hide_collections": false,
            "discoverable": true,
            "indexable": false,
        },
    });
    if state.mode.is_mastodon() {
        account["role"] = json!({"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": false});
    }
    account
}

/// `GET|POST /oauth/userinfo` (4.4+, `profile` scope): OIDC claims. Not under `/api`, so no
/// rate-limit headers.
pub async fn userinfo(
    AxState(shared): AxState<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let state = shared.lock();
    if !state.mode.is_modern() {
        return super::discovery::not_found(state.mode);
    }
    let token = match tokens::authenticate_bearer(&state, &headers, uri.query()) {
        Ok(token) => token,
        Err(response) => return *response,
    };
    if !token.scopes.iter().any(|s| s == "profile") {
        let mut response = api_error(
            StatusCode::FORBIDDEN,
            "This action is outside the authorized scopes",
        );
        let description = "Access to this resource requires scope \"profile\".";
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            www_authenticate("insufficient_scope", description),
        );
        return response;
    }
    let Some(user) = token.user.as_deref().and_then(|u| state.user(u)) else {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This method requires an authenticated user",
        );
    };
    let profile = format!("{}/@{}", state.base_url, user.username);
    json(
        StatusCode::OK,
        &json!({
            "iss": format!("{}/", state.base_url),
            "sub": format!("{}/users/{}", state.base_url, user.username),
            "name": user.display_name,
            "preferred_username": user.username,
            "profile": profile,
            "picture": format!("{}/avatars/original/missing.png", state.base_url),
        }),
    )
}
