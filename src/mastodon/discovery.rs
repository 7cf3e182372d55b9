//! Discovery: what a server offers, found by features rather than version numbers.
//!
//! Three independent GETs run concurrently: the OAuth metadata document (4.3+; a 404 means an
//! older or non-Mastodon server), `/api/v2/instance` (falling back to v1), and `NodeInfo` (only to
//! name the software). The final origin after redirects becomes the base URL for every later call.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};
use url::Url;

use super::errors::{ApiError, NotMastodonReason};
use super::http::{Client, Raw, common_error, endpoint, host_of, sanitize_hint};
use super::server::{ServerInput, is_secure_or_loopback};

/// Longest server-provided name or version kept.
const NAME_MAX: usize = 80;
/// How long discovery waits for `NodeInfo`, which only names the software.
const NODEINFO_BUDGET: Duration = Duration::from_secs(5);

/// What discovery learnt about a server.
// Independent facts, each shown to the user on its own: bools, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The origin to use for every call (after redirects), e.g. `https://mastodon.social/`.
    pub base: Url,
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
    /// The metadata's scope list, when there is one.
    pub scopes_supported: Option<Vec<String>>,
    /// Plain http, allowed only because the host is loopback.
    pub loopback_http: bool,
}

/// The server software, e.g. "Mastodon 4.7.0", "snac 2.94", "Akkoma 3.20.0".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software {
    pub name: String,
    pub version: Option<String>,
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{} {version}", self.name),
            None => f.write_str(&self.name),
        }
    }
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

    async fn discover_at(&self, base: &Url) -> Result<Capabilities, ApiError> {
        let host = host_of(base);
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
        if !is_secure_or_loopback(&final_url) {
            return Err(ApiError::InsecureRedirect {
                to: host_of(&final_url),
            });
        }
        let base = Url::parse(&final_url.origin().ascii_serialization()).map_err(|_| {
            ApiError::InsecureRedirect {
                to: host_of(&final_url),
            }
        })?;
        // The metadata is optional: any failure there just means "no metadata".
        let metadata = metadata.ok().as_ref().and_then(parse_metadata);
        Ok(capabilities(
            base,
            instance,
            metadata.as_ref(),
            nodeinfo.as_ref(),
        ))
    }

    async fn get_following(&self, base: &Url, path: &str, host: &str) -> Result<Raw, ApiError> {
        self.send(self.follow.get(endpoint(base, path)), host).await
    }

    /// The origin of the actor a `WebFinger` lookup of `user@host` points to, if it is usable.
    async fn webfinger(&self, base: &Url, user: &str) -> Option<Url> {
        let host = host_of(base);
        let resource = format!("acct:{user}@{}", base.host_str()?);
        let mut url = endpoint(base, "/.well-known/webfinger");
        url.query_pairs_mut().append_pair("resource", &resource);
        let raw = self.send(self.follow.get(url), &host).await.ok()?;
        webfinger_origin(&raw)
    }

    /// `software.name` and `.version` from `NodeInfo` 2.1 or 2.0, or nothing on any failure.
    async fn nodeinfo(&self, base: &Url, host: &str) -> Option<(String, Option<String>)> {
        let index = self
            .get_following(base, "/.well-known/nodeinfo", host)
            .await
            .ok()?;
        let href = nodeinfo_href(&index)?;
        // Fetch the document from the origin that answered, whatever host the link names: a
        // link to `WEB_DOMAIN` behind a test server or a proxy would otherwise go astray.
        let path = index.url.join(&href).ok()?.path().to_owned();
        let origin = Url::parse(&index.url.origin().ascii_serialization()).ok()?;
        let document = self.get_following(&origin, &path, host).await.ok()?;
        parse_nodeinfo(&document)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstanceApi {
    V1,
    V2,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Instance {
    domain: Option<String>,
    title: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Metadata {
    scopes_supported: Option<Vec<String>>,
    pkce_s256: bool,
}

fn capabilities(
    base: Url,
    instance: Instance,
    metadata: Option<&Metadata>,
    nodeinfo: Option<&(String, Option<String>)>,
) -> Capabilities {
    let domain = instance
        .domain
        .clone()
        .or_else(|| base.host_str().map(str::to_owned))
        .unwrap_or_default();
    let software = detect_software(
        instance.version.as_deref(),
        nodeinfo
            .as_ref()
            .map(|(name, version)| (name.as_str(), version.as_deref())),
    );
    let scopes_supported = metadata.and_then(|m| m.scopes_supported.clone());
    Capabilities {
        loopback_http: base.scheme() == "http",
        base,
        domain,
        title: instance.title,
        software,
        metadata: metadata.is_some(),
        profile_scope: scopes_supported
            .as_ref()
            .is_some_and(|scopes| scopes.iter().any(|s| s == "profile")),
        pkce_s256: metadata.is_some_and(|m| m.pkce_s256),
        scopes_supported,
    }
}

fn text_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.get(name)
        .and_then(Value::as_str)
        .map(|s| sanitize_hint(s, NAME_MAX))
        .filter(|s| !s.is_empty())
}

/// v2 `domain` / v1 `uri` (sometimes a full URL on old or other servers), title, version.
fn parse_instance(raw: &Raw, api: InstanceApi) -> Option<Instance> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let domain_field = match api {
        InstanceApi::V2 => "domain",
        InstanceApi::V1 => "uri",
    };
    let domain = text_field(&map, domain_field).map(|d| {
        let d = d
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        d.trim_end_matches('/').to_ascii_lowercase()
    });
    let version = text_field(&map, "version");
    if domain.is_none() && version.is_none() {
        return None;
    }
    Some(Instance {
        domain: domain.filter(|d| !d.is_empty()),
        title: text_field(&map, "title"),
        version,
    })
}

/// Both instance endpoints failed: say why, preferring a clear server-side problem on v2 over a
/// 404 on the deprecated v1.
fn instance_error(v2: &Raw, v1: &Raw) -> ApiError {
    if let Some(error) = common_error(v1, &[]) {
        return error;
    }
    if v1.status == 200 {
        return if v1.is_html() {
            ApiError::NotMastodon {
                reason: NotMastodonReason::Html,
            }
        } else {
            ApiError::Malformed {
                what: "instance information",
            }
        };
    }
    if let Some(error) = common_error(v2, &[]) {
        return error;
    }
    if v1.is_html() && v1.status != 404 {
        return ApiError::NotMastodon {
            reason: NotMastodonReason::Html,
        };
    }
    ApiError::NotMastodon {
        reason: if v1.status == 404 {
            NotMastodonReason::NoInstanceApi
        } else {
            NotMastodonReason::Status(v1.status)
        },
    }
}

fn parse_metadata(raw: &Raw) -> Option<Metadata> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let strings = |name: &str| -> Option<Vec<String>> {
        Some(
            map.get(name)?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        )
    };
    Some(Metadata {
        scopes_supported: strings("scopes_supported"),
        pkce_s256: strings("code_challenge_methods_supported")
            .is_some_and(|methods| methods.iter().any(|m| m == "S256")),
    })
}

/// The origin of the `self` (actor) link, else the profile page, of a `WebFinger` answer.
fn webfinger_origin(raw: &Raw) -> Option<Url> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let links = map.get("links")?.as_array()?;
    let href = |rel: &str| {
        links.iter().find_map(|link| {
            (link.get("rel")?.as_str()? == rel).then(|| link.get("href")?.as_str())?
        })
    };
    let href = href("self").or_else(|| href("http://webfinger.net/rel/profile-page"))?;
    let url = Url::parse(href).ok()?;
    if !is_secure_or_loopback(&url) {
        return None;
    }
    Url::parse(&url.origin().ascii_serialization()).ok()
}

/// The `NodeInfo` 2.1 link, else 2.0.
fn nodeinfo_href(raw: &Raw) -> Option<String> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let links = map.get("links")?.as_array()?;
    let find = |schema: &str| {
        links.iter().find_map(|link| {
            let rel = link.get("rel")?.as_str()?;
            let href = link.get("href")?.as_str()?;
            rel.ends_with(schema).then(|| href.to_owned())
        })
    };
    find("/schema/2.1").or_else(|| find("/schema/2.0"))
}

fn parse_nodeinfo(raw: &Raw) -> Option<(String, Option<String>)> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let software = map.get("software")?.as_object()?;
    let name = text_field(software, "name")?;
    Some((name.to_ascii_lowercase(), text_field(software, "version")))
}

/// Names the software from the instance `version` string and `NodeInfo`. Only for display: no
/// behaviour depends on it (features come from the metadata document).
fn detect_software(version: Option<&str>, nodeinfo: Option<(&str, Option<&str>)>) -> Software {
    let software = |name: &str, version: Option<&str>| Software {
        name: name.to_owned(),
        version: version.map(str::to_owned).filter(|v| !v.is_empty()),
    };
    if let Some(version) = version {
        // snac: "4.0.0 (not true; really snac/2.94)".
        if let Some(rest) = version.split("really ").nth(1) {
            let inner = rest.trim_end_matches(')');
            let (name, ver) = inner.split_once('/').unwrap_or((inner, ""));
            return software(&pretty_name(name), Some(ver.trim()));
        }
        // Pleroma, Akkoma: "2.7.2 (compatible; Akkoma 3.20.0)".
        if let Some(rest) = version.split("compatible; ").nth(1) {
            let inner = rest.trim_end_matches(')');
            let (name, ver) = inner.split_once(' ').unwrap_or((inner, ""));
            return software(&pretty_name(name), Some(ver.trim()));
        }
    }
    match nodeinfo {
        Some((name, node_version)) if name != "mastodon" => {
            software(&pretty_name(name), node_version.or(version))
        }
        _ => match version {
            // glitch-soc reports "mastodon" in NodeInfo; its build metadata starts with "glitch".
            Some(v) if v.contains("+glitch") => software("glitch-soc", v.split('+').next()),
            Some(v) => software("Mastodon", Some(v)),
            None => software("Mastodon", None),
        },
    }
}

fn pretty_name(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "mastodon" => "Mastodon".into(),
        "gotosocial" => "GoToSocial".into(),
        "pleroma" => "Pleroma".into(),
        "akkoma" => "Akkoma".into(),
        "hometown" => "Hometown".into(),
        "snac" => "snac".into(),
        "misskey" => "Misskey".into(),
        "iceshrimp" => "Iceshrimp".into(),
        "sharkey" => "Sharkey".into(),
        "friendica" => "Friendica".into(),
        "pixelfed" => "Pixelfed".into(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::http::tests::raw;
    use super::*;

    fn sw(version: Option<&str>, nodeinfo: Option<(&str, Option<&str>)>) -> String {
        detect_software(version, nodeinfo).to_string()
    }

    #[test]
    fn software_names() {
        assert_eq!(
            sw(Some("4.7.0"), Some(("mastodon", Some("4.7.0")))),
            "Mastodon 4.7.0"
        );
        assert_eq!(sw(Some("4.2.10"), None), "Mastodon 4.2.10");
        assert_eq!(sw(None, None), "Mastodon");
        assert_eq!(
            sw(Some("4.6.5+glitch"), Some(("mastodon", None))),
            "glitch-soc 4.6.5"
        );
        assert_eq!(
            sw(
                Some("4.0.0 (not true; really snac/2.94)"),
                Some(("snac", Some("2.94")))
            ),
            "snac 2.94"
        );
        assert_eq!(
            sw(Some("2.7.2 (compatible; Pleroma 2.9.1)"), None),
            "Pleroma 2.9.1"
        );
        assert_eq!(
            sw(
                Some("2.7.2 (compatible; Akkoma 3.20.0)"),
                Some(("akkoma", Some("3.20.0")))
            ),
            "Akkoma 3.20.0"
        );
        assert_eq!(
            sw(
                Some("3.5.3+0.19.1"),
                Some(("gotosocial", Some("0.19.1 git-abc")))
            ),
            "GoToSocial 0.19.1 git-abc"
        );
        assert_eq!(
            sw(Some("1.0"), Some(("someserver", None))),
            "someserver 1.0"
        );
    }

    #[test]
    fn instance_v2_and_v1() {
        let v2 = raw(
            200,
            &[],
            r#"{"domain":"social.example","title":"Social","version":"4.7.0","api_versions":{"mastodon":11}}"#,
        );
        assert_eq!(
            parse_instance(&v2, InstanceApi::V2),
            Some(Instance {
                domain: Some("social.example".into()),
                title: Some("Social".into()),
                version: Some("4.7.0".into())
            })
        );
        let v1 = raw(
            200,
            &[],
            r#"{"uri":"https://Social.Example/","title":"S","version":"4.0.0 (not true; really snac/2.94)"}"#,
        );
        assert_eq!(
            parse_instance(&v1, InstanceApi::V1)
                .unwrap()
                .domain
                .as_deref(),
            Some("social.example")
        );
        assert_eq!(parse_instance(&raw(404, &[], "{}"), InstanceApi::V2), None);
        assert_eq!(parse_instance(&raw(200, &[], "{}"), InstanceApi::V2), None);
        assert_eq!(
            parse_instance(&raw(200, &[], "<html>"), InstanceApi::V2),
            None
        );
    }

    #[test]
    fn instance_errors() {
        let html = || {
            raw(
                200,
                &[("content-type", "text/html")],
                "<!doctype html><title>Blog</title>",
            )
        };
        let not_found = || raw(404, &[], "");
        assert_eq!(
            instance_error(&not_found(), &not_found()),
            ApiError::NotMastodon {
                reason: NotMastodonReason::NoInstanceApi
            }
        );
        assert_eq!(
            instance_error(&html(), &html()),
            ApiError::NotMastodon {
                reason: NotMastodonReason::Html
            }
        );
        assert_eq!(
            instance_error(&not_found(), &raw(200, &[], "{broken")),
            ApiError::Malformed {
                what: "instance information"
            }
        );
        assert_eq!(
            instance_error(
                &raw(502, &[], "<html><title>Bad Gateway</title></html>"),
                &not_found()
            ),
            ApiError::Server {
                status: 502,
                hint: Some("Bad Gateway".into())
            }
        );
        assert_eq!(
            instance_error(&not_found(), &raw(503, &[], "")),
            ApiError::Server {
                status: 503,
                hint: None
            }
        );
        assert!(matches!(
            instance_error(&not_found(), &raw(429, &[], "")),
            ApiError::RateLimited { reset: None }
        ));
        assert_eq!(
            instance_error(&not_found(), &raw(403, &[], "")),
            ApiError::NotMastodon {
                reason: NotMastodonReason::Status(403)
            }
        );
    }

    #[test]
    fn metadata_features() {
        let doc = raw(
            200,
            &[],
            r#"{"issuer":"https://social.example/","scopes_supported":["read","profile","write"],"code_challenge_methods_supported":["S256"]}"#,
        );
        assert_eq!(
            parse_metadata(&doc),
            Some(Metadata {
                scopes_supported: Some(vec!["read".into(), "profile".into(), "write".into()]),
                pkce_s256: true
            })
        );
        let plain = raw(
            200,
            &[],
            r#"{"code_challenge_methods_supported":["plain"]}"#,
        );
        assert_eq!(parse_metadata(&plain).map(|m| m.pkce_s256), Some(false));
        assert_eq!(parse_metadata(&raw(404, &[], "")), None);
        assert_eq!(parse_metadata(&raw(200, &[], "<html></html>")), None);
    }

    #[test]
    fn capabilities_detect_features_not_versions() {
        let base = Url::parse("https://social.example/").unwrap();
        let instance = Instance {
            domain: None,
            title: None,
            version: Some("4.2.0".into()),
        };
        let without = capabilities(base.clone(), instance.clone(), None, None);
        assert!(!without.metadata && !without.profile_scope && !without.pkce_s256);
        assert_eq!(without.domain, "social.example");
        let with = capabilities(
            base.clone(),
            instance.clone(),
            Some(&Metadata {
                scopes_supported: Some(vec!["read".into(), "profile".into()]),
                pkce_s256: true,
            }),
            None,
        );
        assert!(with.metadata && with.profile_scope && with.pkce_s256);
        let no_profile = capabilities(
            base,
            instance,
            Some(&Metadata {
                scopes_supported: Some(vec!["read".into()]),
                pkce_s256: true,
            }),
            None,
        );
        assert!(no_profile.metadata && !no_profile.profile_scope);
    }

    #[test]
    fn webfinger_names_the_api_host() {
        let answer = raw(
            200,
            &[],
            r#"{"subject":"acct:alice@example.com","links":[
            {"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"https://social.example.com/@alice"},
            {"rel":"self","type":"application/activity+json","href":"https://social.example.com/users/alice"}]}"#,
        );
        assert_eq!(
            webfinger_origin(&answer).map(|u| u.to_string()).as_deref(),
            Some("https://social.example.com/")
        );
        let insecure = raw(
            200,
            &[],
            r#"{"links":[{"rel":"self","href":"http://social.example.com/users/alice"}]}"#,
        );
        assert_eq!(webfinger_origin(&insecure), None);
        assert_eq!(webfinger_origin(&raw(404, &[], "")), None);
    }

    #[test]
    fn nodeinfo_links_and_documents() {
        let index = raw(
            200,
            &[],
            r#"{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://s.example/nodeinfo/2.0"},{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"https://s.example/nodeinfo/2.1"}]}"#,
        );
        assert_eq!(
            nodeinfo_href(&index).as_deref(),
            Some("https://s.example/nodeinfo/2.1")
        );
        let doc = raw(
            200,
            &[],
            r#"{"version":"2.0","software":{"name":"Snac","version":"2.94"}}"#,
        );
        assert_eq!(
            parse_nodeinfo(&doc),
            Some(("snac".into(), Some("2.94".into())))
        );
        assert_eq!(parse_nodeinfo(&raw(200, &[], "{}")), None);
    }
}
