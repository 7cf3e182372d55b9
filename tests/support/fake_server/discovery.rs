//! Discovery: OAuth metadata, instance v1/v2 and `NodeInfo` (ARCHITECTURE.md, Server behaviour:
//! Discovery).

use std::sync::Arc;

use axum::extract::State as AxState;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::common::{empty, json};
use super::state::SCOPES_47;
use super::{Mode, Shared, html};

/// `GET /.well-known/oauth-authorization-server`: 4.3+ only. The real one points at
/// `https://WEB_DOMAIN/`; the fake points at itself (plain http on loopback) so clients can use it.
pub async fn oauth_metadata(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    if !state.mode.is_modern() {
        return not_found(state.mode);
    }
    let base = &state.base_url;
    let scopes: &[&str] = if state.quirks.coarse_scope_metadata {
        // RFC 8414 lets the list be incomplete; some servers list only the coarse scopes.
        &["read", "write", "follow", "push"]
    } else {
        SCOPES_47
    };
    json(
        StatusCode::OK,
        &json!({
            "issuer": format!("{base}/"),
            "authorization_endpoint": format!("{base}/oauth/authorize"),
            "token_endpoint": format!("{base}/oauth/token"),
            "revocation_endpoint": format!("{base}/oauth/revoke"),
            "userinfo_endpoint": format!("{base}/oauth/userinfo"),
            "scopes_supported": scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "service_documentation": "https://docs.joinmastodon.org/",
            "app_registration_endpoint": format!("{base}/api/v1/apps"),
        }),
    )
}

pub fn not_found(mode: Mode) -> Response {
    match mode {
        Mode::Snac => empty(StatusCode::NOT_FOUND),
        _ => html::not_found(),
    }
}

/// `GET /api/v2/instance` (4.0+; snac has none).
pub async fn instance_v2(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    if state.mode == Mode::Snac {
        return not_found(state.mode);
    }
    let mut body = json!({
        "domain": state.domain,
        "title": "Fake Social",
        "version": state.mode.version(),
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A fake Mastodon server for tests.",
        "usage": {"users": {"active_month": state.users.len()}},
        "thumbnail": {"url": format!("{}/packs/media/images/preview.png", state.base_url)},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": format!("{}", state.base_url.replacen("http", "ws", 1))},
            "accounts": {"max_featured_tags": 10},
            "statuses": {"max_characters": 500},
        },
        "registrations": {"enabled": false, "approval_required": false, "message": null},
        "contact": {"email": format!("admin@{}", state.domain), "account": null},
        "rules": [],
    });
    if state.mode.is_modern() {
        body["api_versions"] = json!({"mastodon": 11});
    }
    json(StatusCode::OK, &body)
}

/// `GET /api/v1/instance` (deprecated; 4.4+ sends a `Deprecation` header).
pub async fn instance_v1(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    let body = json!({
        "uri": state.domain,
        "title": if state.mode == Mode::Snac { "snac" } else { "Fake Social" },
        "short_description": "A fake server for tests.",
        "description": "",
        "email": format!("admin@{}", state.domain),
        "version": state.mode.version(),
        "urls": {},
        "stats": {"user_count": state.users.len(), "status_count": 0, "domain_count": 1},
        "languages": ["en"],
        "registrations": false,
        "approval_required": false,
    });
    let mut response = json(StatusCode::OK, &body);
    if state.mode.is_modern() {
        response
            .headers_mut()
            .insert("deprecation", HeaderValue::from_static("@1668384000"));
    }
    response
}

/// `GET /.well-known/nodeinfo`.
pub async fn nodeinfo_links(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    json(
        StatusCode::OK,
        &json!({"links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": format!("{}/nodeinfo/2.0", state.base_url),
        }]}),
    )
}

/// `GET /nodeinfo/2.0`.
pub async fn nodeinfo(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    let version = match state.mode {
        Mode::Snac => "2.94",
        Mode::Takahe => "0.11.0",
        Mode::GoToSocial => "0.20.0",
        Mode::Mitra => "5.9.0",
        mode => mode.version(),
    };
    let name = state.mode.software();
    json(
        StatusCode::OK,
        &json!({
            "version": "2.0",
            "software": {"name": name, "version": version},
            "protocols": ["activitypub"],
            "services": {"outbound": [], "inbound": []},
            "usage": {"users": {"total": state.users.len()}, "localPosts": 0},
            "openRegistrations": false,
            "metadata": {"nodeName": "Fake Social"},
        }),
    )
}
