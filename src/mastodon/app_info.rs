//! `GET /api/v1/apps/verify_credentials`: which app a token belongs to, and (where the server
//! says) the app's scopes. Used to describe a token made elsewhere before it is adopted.

use serde_json::Value;

use super::base_url::BaseUrl;
use super::classify::{Raw, fallback_error, success_json};
use super::client::Client;
use super::errors::ApiError;
use super::sanitize::{is_scope_token, sanitize_hint};
use crate::secret::Secret;

/// Longest app name kept.
const NAME_MAX: usize = 80;

/// What the server says about a token's app. Strings are sanitised for a terminal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppInfo {
    pub name: Option<String>,
    /// The app's scopes when the server lists them (Mastodon 4.3+, Takahē, GoToSocial, Mitra):
    /// only entries matching the scope grammar. `None` when the answer has no list.
    pub scopes: Option<Vec<String>>,
}

impl Client {
    /// Describes the app of `token`. The bearer goes through the client that never follows
    /// redirects.
    pub async fn app_info(&self, base: &BaseUrl, token: &Secret) -> Result<AppInfo, ApiError> {
        let url = base.endpoint("/api/v1/apps/verify_credentials");
        let request = self.direct.get(url).bearer_auth(token.expose());
        let raw = self.send(request, &base.host()).await?;
        classify_app_info(&raw, &[token.expose()])
    }
}

fn classify_app_info(raw: &Raw, secrets: &[&str]) -> Result<AppInfo, ApiError> {
    match raw.status {
        200 => {
            let map = success_json(raw, "app")?;
            let name = map
                .get("name")
                .and_then(Value::as_str)
                .map(|s| sanitize_hint(s, NAME_MAX))
                .filter(|s| !s.is_empty());
            let scopes = match map.get("scopes") {
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|s| is_scope_token(s))
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                ),
                Some(Value::String(joined)) => Some(
                    joined
                        .split_whitespace()
                        .filter(|s| is_scope_token(s))
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => None,
            }
            .filter(|s: &Vec<String>| !s.is_empty());
            Ok(AppInfo { name, scopes })
        }
        401 => Err(ApiError::TokenInvalid),
        403 => Err(ApiError::InsufficientScope),
        _ => Err(fallback_error(raw, secrets)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mastodon::classify::tests::raw;

    #[test]
    fn name_and_scopes_are_read_and_cleaned() {
        let body = r#"{"name":"toot\u001b[31m","scopes":["read","write:statuses","bad scope"]}"#;
        let info = classify_app_info(&raw(200, &[], body), &[]).unwrap();
        assert_eq!(info.name.as_deref(), Some("toot[31m"));
        assert_eq!(
            info.scopes,
            Some(vec!["read".to_owned(), "write:statuses".to_owned()])
        );
        let bare =
            classify_app_info(&raw(200, &[], r#"{"name":"x","website":null}"#), &[]).unwrap();
        assert_eq!(bare.scopes, None);
        assert!(matches!(
            classify_app_info(&raw(401, &[], "{}"), &[]),
            Err(ApiError::TokenInvalid)
        ));
    }
}
