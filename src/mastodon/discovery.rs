//! Discovery: what a server offers, found by features rather than version numbers.
//!
//! Three independent GETs run concurrently: the OAuth metadata document (Mastodon 4.3+; a 404
//! only means "not said": GoToSocial publishes none yet has `profile`), `/api/v2/instance`
//! (falling back to v1), and `NodeInfo` (to name the software). The final origin after redirects becomes the base URL for every later call.

mod parse;
mod software;

use std::time::Duration;

use url::Url;

use super::base_url::{BaseUrl, redirect_allowed};
use super::classify::Raw;
use super::client::Client;
use super::errors::ApiError;
use super::sanitize::{HINT_MAX, sanitize_hint};
use super::server::ServerInput;
use parse::{
    InstanceApi, capabilities, instance_error, nodeinfo_href, parse_instance, parse_metadata,
    parse_nodeinfo, webfinger_origin,
};
pub use software::Software;
/// How long discovery waits for `NodeInfo`, which only names the software.
const NODEINFO_BUDGET: Duration = Duration::from_secs(5);

/// What discovery learnt about a server.
// Independent facts, each shown to the user on its own: bools, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The origin to use for every call (after redirects), e.g. `https://mastodon.social`.
    pub base: BaseUrl,
    /// The domain in account handles (`LOCAL_DOMAIN`), which may differ from the API host.
    pub domain: String,
    pub title: Option<String>,
    pub software: Software,
    /// `/.well-known/oauth-authorization-server` answered with JSON.
    pub metadata: bool,
    /// The metadata lists the `profile` scope.
    pub profile_scope: bool,
    /// The metadata lists `S256` in `code_challenge_methods_supported`.
    pub pkce_s256: bool,
    /// The metadata's scope list, when there is one. It need not be complete (RFC 8414): see
    /// `scopes::ServerScopes` for what a scope missing from it means.
    pub scopes_supported: Option<Vec<String>>,
    /// Plain http, allowed only because the host is loopback.
    pub loopback_http: bool,
}

impl Client {
    pub async fn discover(&self, input: &ServerInput) -> Result<Capabilities, ApiError> {
        let first = self.discover_at(&input.base).await;
        // `@user@example.com` may name a LOCAL_DOMAIN whose API lives on another host
        // (WEB_DOMAIN): WebFinger names that host.
        if let (Err(ApiError::NotMastodon { .. }), Some(user)) = (&first, &input.user)
            && let Some(api_base) = self.webfinger(&input.base, user).await
            && api_base != input.base
        {
            return self.discover_at(&api_base).await;
        }
        first
    }

    async fn discover_at(&self, base: &BaseUrl) -> Result<Capabilities, ApiError> {
        let host = base.host();
        let (metadata, v2, nodeinfo) = tokio::join!(
            self.get_following(base, "/.well-known/oauth-authorization-server", &host),
            self.get_following(base, "/api/v2/instance", &host),
            // Only names the software: not worth waiting the full request timeout for.
            tokio::time::timeout(NODEINFO_BUDGET, self.nodeinfo(base, &host)),
        );
        let nodeinfo = nodeinfo.ok().flatten();
        let v2 = v2?;
        let (instance, final_url) = if let Some(instance) = parse_instance(&v2, InstanceApi::V2) {
            (instance, v2.url.clone())
        } else {
            let v1 = self.get_following(base, "/api/v1/instance", &host).await?;
            let instance =
                parse_instance(&v1, InstanceApi::V1).ok_or_else(|| instance_error(&v2, &v1))?;
            (instance, v1.url.clone())
        };
        // The redirect policy already refuses a downgrade; this holds whatever the policy did.
        let insecure = || ApiError::InsecureRedirect {
            to: shown_host(&final_url),
        };
        if !redirect_allowed(base.url(), &final_url) {
            return Err(insecure());
        }
        let base = BaseUrl::from_origin(&final_url).ok_or_else(insecure)?;
        // The metadata is optional: any failure there just means "no metadata".
        let metadata = metadata.ok().as_ref().and_then(parse_metadata);
        Ok(capabilities(
            base,
            instance,
            metadata.as_ref(),
            nodeinfo.as_ref(),
        ))
    }

    async fn get_following(&self, base: &BaseUrl, path: &str, host: &str) -> Result<Raw, ApiError> {
        self.send(self.follow.get(base.endpoint(path)), host).await
    }

    /// The origin of the actor a `WebFinger` lookup of `user@host` points to, if it is usable.
    async fn webfinger(&self, base: &BaseUrl, user: &str) -> Option<BaseUrl> {
        let resource = format!("acct:{user}@{}", base.host_str());
        let mut url = base.endpoint("/.well-known/webfinger");
        url.query_pairs_mut().append_pair("resource", &resource);
        let raw = self.send(self.follow.get(url), &base.host()).await.ok()?;
        webfinger_origin(&raw, base)
    }

    /// `software.name` and `.version` from `NodeInfo` 2.1 or 2.0, or nothing on any failure.
    async fn nodeinfo(&self, base: &BaseUrl, host: &str) -> Option<(String, Option<String>)> {
        let index = self
            .get_following(base, "/.well-known/nodeinfo", host)
            .await
            .ok()?;
        let href = nodeinfo_href(&index)?;
        // Fetch the document from the origin that answered, whatever host the link names: a
        // link to `WEB_DOMAIN` behind a test server or a proxy would otherwise go astray.
        let path = index.url.join(&href).ok()?.path().to_owned();
        let origin = BaseUrl::from_origin(&index.url)?;
        let document = self.get_following(&origin, &path, host).await.ok()?;
        parse_nodeinfo(&document)
    }
}

/// A URL's host (and port) for a message; the whole URL, sanitised, when it has no usable origin.
fn shown_host(url: &Url) -> String {
    BaseUrl::from_origin(url).map_or_else(|| sanitize_hint(url.as_str(), HINT_MAX), |b| b.host())
}
