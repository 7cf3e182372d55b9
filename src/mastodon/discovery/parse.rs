//! Pure readers of discovery answers: instance information, the OAuth metadata document,
//! `WebFinger` and `NodeInfo`. Every string kept is sanitised and length-capped here.

use serde_json::{Map, Value};
use url::Url;

use super::Capabilities;
use super::software::detect_software;
use crate::mastodon::base_url::{BaseUrl, redirect_allowed};
use crate::mastodon::classify::{Raw, common_error};
use crate::mastodon::errors::{ApiError, NotMastodonReason};
use crate::mastodon::sanitize::{is_scope_token, sanitize_hint};

/// Longest server-provided name or version kept.
pub(super) const NAME_MAX: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InstanceApi {
    V1,
    V2,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Instance {
    domain: Option<String>,
    title: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Metadata {
    scopes_supported: Option<Vec<String>>,
    pkce_s256: bool,
}

pub(super) fn capabilities(
    base: BaseUrl,
    instance: Instance,
    metadata: Option<&Metadata>,
    nodeinfo: Option<&(String, Option<String>)>,
) -> Capabilities {
    let domain = instance
        .domain
        .clone()
        .unwrap_or_else(|| base.host_str().to_owned());
    let software = detect_software(
        instance.version.as_deref(),
        nodeinfo
            .as_ref()
            .map(|(name, version)| (name.as_str(), version.as_deref())),
    );
    let scopes_supported = metadata.and_then(|m| m.scopes_supported.clone());
    Capabilities {
        loopback_http: !base.is_https(),
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

pub(super) fn text_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.get(name)
        .and_then(Value::as_str)
        .map(|s| sanitize_hint(s, NAME_MAX))
        .filter(|s| !s.is_empty())
}

/// v2 `domain` / v1 `uri` (sometimes a full URL on old or other servers), title, version.
pub(super) fn parse_instance(raw: &Raw, api: InstanceApi) -> Option<Instance> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let domain_field = match api {
        InstanceApi::V2 => "domain",
        InstanceApi::V1 => "uri",
    };
    let domain = text_field(&map, domain_field).and_then(|d| domain_label(&d));
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

/// The handle domain a server claims, as `host[:port]` in lower case (v1 may send a whole URL),
/// or nothing when it is not host-shaped. Only a label: it never decides where requests go.
fn domain_label(claimed: &str) -> Option<String> {
    let url = if claimed.contains("://") {
        BaseUrl::parse(claimed)
    } else {
        BaseUrl::parse(&format!("https://{claimed}"))
    };
    url.ok().map(|base| base.host())
}

/// Both instance endpoints failed: say why, preferring a clear server-side problem on v2 over a
/// 404 on the deprecated v1.
pub(super) fn instance_error(v2: &Raw, v1: &Raw) -> ApiError {
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

pub(super) fn parse_metadata(raw: &Raw) -> Option<Metadata> {
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
        // A scope list is shown and compared: anything outside the scope grammar is dropped.
        scopes_supported: strings("scopes_supported")
            .map(|list| list.into_iter().filter(|s| is_scope_token(s)).collect()),
        pkce_s256: strings("code_challenge_methods_supported")
            .is_some_and(|methods| methods.iter().any(|m| m == "S256")),
    })
}

/// The origin of the `self` (actor) link, else the profile page, of a `WebFinger` answer asked
/// of `asked`: never plain http when `asked` was https.
pub(super) fn webfinger_origin(raw: &Raw, asked: &BaseUrl) -> Option<BaseUrl> {
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
    if !redirect_allowed(asked.url(), &url) {
        return None;
    }
    BaseUrl::from_origin(&url)
}

/// The `NodeInfo` 2.1 link, else 2.0.
pub(super) fn nodeinfo_href(raw: &Raw) -> Option<String> {
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

pub(super) fn parse_nodeinfo(raw: &Raw) -> Option<(String, Option<String>)> {
    if raw.status != 200 {
        return None;
    }
    let map = raw.json_object()?;
    let software = map.get("software")?.as_object()?;
    let name = text_field(software, "name")?;
    Some((name.to_ascii_lowercase(), text_field(software, "version")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::mastodon::classify::tests::raw;

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
        // A claimed domain is a label: host-shaped, or nothing (the API host is used then).
        let domain =
            |json: &str, api| parse_instance(&raw(200, &[], json), api).and_then(|i| i.domain);
        assert_eq!(
            domain(
                r#"{"domain":"Localhost:3300","version":"4.7.0"}"#,
                InstanceApi::V2
            )
            .as_deref(),
            Some("localhost:3300")
        );
        assert_eq!(
            domain(
                r#"{"uri":"http://127.0.0.1:3000","version":"4.2.0"}"#,
                InstanceApi::V1
            )
            .as_deref(),
            Some("127.0.0.1:3000")
        );
        for hostile in [
            r#"{"domain":"evil\u001b[2J.example","version":"4.7.0"}"#,
            r#"{"domain":"a b.example","version":"4.7.0"}"#,
            r#"{"domain":"x.example/@bob","version":"4.7.0"}"#,
            r#"{"domain":"\u202eelpmaxe.live","version":"4.7.0"}"#,
        ] {
            let kept = domain(hostile, InstanceApi::V2);
            assert!(
                kept.as_deref()
                    .is_none_or(|d| d.chars().all(|c| c.is_ascii_graphic())),
                "{hostile}: {kept:?}"
            );
        }
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
        let hostile = raw(
            200,
            &[],
            "{\"scopes_supported\":[\"read\",\"pro\\u001b[2Jfile\",\"a b\",\"write\"]}",
        );
        assert_eq!(
            parse_metadata(&hostile).and_then(|m| m.scopes_supported),
            Some(vec!["read".into(), "write".into()])
        );
        assert_eq!(parse_metadata(&raw(404, &[], "")), None);
        assert_eq!(parse_metadata(&raw(200, &[], "<html></html>")), None);
    }

    #[test]
    fn capabilities_detect_features_not_versions() {
        let base = BaseUrl::parse("https://social.example").unwrap();
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

    fn asked() -> BaseUrl {
        BaseUrl::parse("https://example.com").unwrap()
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
            webfinger_origin(&answer, &asked())
                .map(|u| u.as_str().to_owned())
                .as_deref(),
            Some("https://social.example.com")
        );
        let insecure = raw(
            200,
            &[],
            r#"{"links":[{"rel":"self","href":"http://social.example.com/users/alice"}]}"#,
        );
        assert_eq!(webfinger_origin(&insecure, &asked()), None);
        assert_eq!(webfinger_origin(&raw(404, &[], ""), &asked()), None);
        // Asked over https, a link to plain http on loopback is a downgrade too.
        let downgrade = raw(
            200,
            &[],
            r#"{"links":[{"rel":"self","href":"http://127.0.0.1:3000/users/alice"}]}"#,
        );
        assert_eq!(webfinger_origin(&downgrade, &asked()), None);
        let local = BaseUrl::parse("http://localhost:3000").unwrap();
        assert_eq!(
            webfinger_origin(&downgrade, &local)
                .map(|u| u.as_str().to_owned())
                .as_deref(),
            Some("http://127.0.0.1:3000")
        );
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
