//! The "escapes" option: a hostile server that puts terminal escape sequences and bidi controls
//! into every text field of every JSON answer, the token's `scope` included. Only the values the
//! protocol must echo back unchanged (ids, secrets, tokens, links, RFC 6749 error codes) are left
//! alone, so a whole sign-in still works and every later output can be checked for control bytes.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::Shared;

/// A window-title change, a clipboard write (OSC 52), a screen clear, a device-status query that
/// injects input, a hyperlink, a C1 CSI, and bidi overrides and isolates.
pub const ESCAPES: &str = "\u{1b}]0;TITLE\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}[6n\
                           \u{1b}]8;;https://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\
                           \u{9b}31m\u{202e}lrt\u{2066}\u{2069}\u{200f}\u{61c}";

/// Keys whose values a client sends back or matches exactly.
const KEEP: &[&str] = &[
    "access_token",
    "client_id",
    "client_secret",
    "id",
    "href",
    "rel",
    "error",
    "token_type",
    "vapid_key",
];

pub async fn layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !shared.lock().escapes {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    taint(&mut value);
    let text = value.to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// Strings get the escapes appended (after a space, so a space-joined scope list gains one
/// hostile "scope"); string lists gain one hostile element.
fn taint(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if KEEP.contains(&key.as_str()) {
                    continue;
                }
                match member {
                    Value::String(text) => {
                        text.push(' ');
                        text.push_str(ESCAPES);
                    }
                    Value::Array(items) if items.iter().all(Value::is_string) => {
                        items.push(Value::String(ESCAPES.to_owned()));
                    }
                    other => taint(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(taint),
        _ => {}
    }
}
