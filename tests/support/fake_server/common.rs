//! Helpers shared by the handlers: Rails-like parameter parsing, JSON responses, bearer tokens.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One parameter as Rails sees it: a string, or an array (JSON array or `name[]=` form fields).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Array(Vec<String>),
    /// An object or another JSON shape Rails would not permit.
    Other,
}

/// Request parameters from a form-encoded or JSON body (and/or a query string).
#[derive(Debug, Default)]
pub struct Params {
    pub json: bool,
    fields: Vec<(String, Value)>,
}

impl Params {
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Params {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if content_type.starts_with("application/json") {
            return Params::from_json(body);
        }
        Params::from_form(body)
    }

    pub fn from_form(body: &[u8]) -> Params {
        let mut params = Params::default();
        for (key, value) in url::form_urlencoded::parse(body).into_owned() {
            if let Some(name) = key.strip_suffix("[]") {
                match params.fields.iter_mut().find(|(k, _)| k == name) {
                    Some((_, Value::Array(items))) => items.push(value),
                    _ => params.set(name, Value::Array(vec![value])),
                }
            } else {
                params.set(&key, Value::Str(value));
            }
        }
        params
    }

    fn from_json(body: &[u8]) -> Params {
        let mut params = Params {
            json: true,
            fields: Vec::new(),
        };
        if let Ok(serde_json::Value::Object(map)) =
            serde_json::from_slice::<serde_json::Value>(body)
        {
            for (key, value) in map {
                let value = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => Value::Str(s),
                    serde_json::Value::Array(items) => Value::Array(
                        items
                            .into_iter()
                            .map(|i| match i {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            })
                            .collect(),
                    ),
                    serde_json::Value::Bool(b) => Value::Str(b.to_string()),
                    serde_json::Value::Number(n) => Value::Str(n.to_string()),
                    serde_json::Value::Object(_) => Value::Other,
                };
                params.set(&key, value);
            }
        }
        params
    }

    fn set(&mut self, name: &str, value: Value) {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.to_string(), value));
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A string parameter; arrays and objects count as absent.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A string parameter that is present and not blank.
    pub fn present(&self, name: &str) -> Option<&str> {
        self.str(name).filter(|s| !s.trim().is_empty())
    }
}

pub fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

/// Mastodon's `/api/*` error shape: `{"error":"…"}`.
pub fn api_error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

/// snac answers errors with an empty body (or an HTML page) rather than JSON.
pub fn empty(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "",
    )
        .into_response()
}

/// Doorkeeper's `WWW-Authenticate` value; from 5.9 on `"` in the description becomes `_`.
pub fn www_authenticate(error: &str, description: &str) -> HeaderValue {
    let value = format!(
        "Bearer realm=\"Doorkeeper\", error=\"{error}\", error_description=\"{}\"",
        description.replace('"', "_")
    );
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"Doorkeeper\""))
}

/// The bearer token from `Authorization: Bearer …` (or Doorkeeper's `access_token` parameter).
pub fn bearer(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = auth.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| rest.trim().to_string());
    }
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// `Authorization: Basic base64(id:secret)`, if present and well-formed.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = auth.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}
