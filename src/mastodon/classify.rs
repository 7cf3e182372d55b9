//! Response classification every call shares: a bounded response (`Raw`), rate limits, 5xx,
//! web pages where JSON belongs, unreadable bodies, and transport failures.

use std::fmt;

use reqwest::header::{self, HeaderMap};
use url::Url;

use super::errors::{ApiError, NotMastodonReason};
use super::sanitize::hint_from_body;

/// What a transport failure looked like, gathered from a reqwest error and its source chain.
pub(super) struct TransportFacts<'a> {
    pub timeout: bool,
    pub dns: bool,
    pub redirect_to: Option<String>,
    pub too_many_redirects: bool,
    /// Every error message of the source chain, one per line.
    pub chain: &'a str,
}

/// Transport failure → `ApiError`. Timeouts first: a connect timeout is still a timeout.
pub(super) fn classify_transport(facts: &TransportFacts<'_>, host: &str, seconds: u64) -> ApiError {
    let host = host.to_owned();
    let chain = facts.chain.to_ascii_lowercase();
    if let Some(to) = &facts.redirect_to {
        return ApiError::InsecureRedirect { to: to.clone() };
    }
    if facts.too_many_redirects || chain.contains("too many redirects") {
        return ApiError::TooManyRedirects { host };
    }
    if facts.timeout || chain.contains("timed out") {
        return ApiError::Timeout { host, seconds };
    }
    // A name lookup failed. Only the resolver's own messages count: a bare "dns" also appears in
    // certificate errors (`DnsName(…)`), and an address typed as an IP is never looked up.
    let literal_ip = host_is_ip(&host);
    if !literal_ip && chain.contains("temporary failure in name resolution") {
        return ApiError::DnsUnavailable { host };
    }
    if !literal_ip
        && (facts.dns
            || [
                "dns error",
                "error resolving dns",
                "failed to lookup address",
                "name or service not known",
                "no address associated",
                "nodename nor servname",
            ]
            .iter()
            .any(|needle| chain.contains(needle)))
    {
        return ApiError::Dns { host };
    }
    if [
        "network is unreachable",
        "no route to host",
        "host is unreachable",
        "os error 101",
        "os error 113",
    ]
    .iter()
    .any(|needle| chain.contains(needle))
    {
        return ApiError::Unroutable { host };
    }
    if [
        "certificate",
        "tls",
        "handshake",
        "invalidcontenttype",
        "peer is incompatible",
    ]
    .iter()
    .any(|needle| chain.contains(needle))
    {
        return ApiError::Tls { host };
    }
    // Refused, reset mid-response, closed before a full message: all a broken connection.
    ApiError::Connect { host }
}

/// Whether `host` (as in a URL: `[::1]:443`, `10.0.0.1:8080`, `social.example`) is an IP address.
fn host_is_ip(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    name.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A response as the classifiers see it: status, headers, body (bounded), final URL.
#[derive(Clone)]
pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub url: Url,
}

/// Status, header names and body length only: the body (a token or client secret), header values
/// (cookies) and the URL's query may hold secrets.
impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self
            .headers
            .keys()
            .map(header::HeaderName::as_str)
            .collect();
        f.debug_struct("Raw")
            .field("status", &self.status)
            .field("headers", &header_names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Raw {
    /// The body looks like a web page rather than JSON.
    pub fn is_html(&self) -> bool {
        let content_type_html = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
        content_type_html || body_looks_html(&self.body)
    }

    /// The body as a JSON object, if it is one.
    pub fn json_object(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    /// The `error` field of a JSON error body (`{"error": "…"}`), raw (not for display).
    pub fn json_error(&self) -> Option<String> {
        self.json_object()?
            .get("error")?
            .as_str()
            .map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A safe hint from the body, with the given secrets scrubbed out.
    pub fn hint(&self, secrets: &[&str]) -> Option<String> {
        hint_from_body(&self.body, self.is_html(), secrets)
    }
}

fn body_looks_html(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    // JSON never starts with `<`; HTML, XML error pages and `<!doctype` all do.
    text.trim_start().starts_with('<')
}

/// Statuses every call treats alike: 429 and 5xx.
pub fn common_error(raw: &Raw, secrets: &[&str]) -> Option<ApiError> {
    match raw.status {
        429 => Some(ApiError::RateLimited {
            reset: raw
                .header("x-ratelimit-reset")
                .and_then(parse_rate_limit_reset),
        }),
        500..=599 => Some(ApiError::Server {
            status: raw.status,
            hint: raw.hint(secrets),
        }),
        _ => None,
    }
}

/// The fallback after a call's own rows: a web page or 404 means no Mastodon API here.
pub fn fallback_error(raw: &Raw, secrets: &[&str]) -> ApiError {
    if let Some(error) = common_error(raw, secrets) {
        return error;
    }
    if raw.status == 404 {
        return ApiError::NotMastodon {
            reason: NotMastodonReason::NoInstanceApi,
        };
    }
    if raw.is_html() {
        return ApiError::NotMastodon {
            reason: NotMastodonReason::Html,
        };
    }
    ApiError::Unexpected {
        status: raw.status,
        hint: raw.hint(secrets),
    }
}

/// Reads a success body as JSON, or says which answer was unreadable.
pub fn success_json(
    raw: &Raw,
    what: &'static str,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    if let Some(map) = raw.json_object() {
        return Ok(map);
    }
    if raw.is_html() {
        return Err(ApiError::NotMastodon {
            reason: NotMastodonReason::Html,
        });
    }
    Err(ApiError::Malformed { what })
}

/// `X-RateLimit-Reset`: ISO 8601 (`2026-08-21T12:40:00.000000Z`) on Mastodon. Epoch seconds
/// are accepted too, since other servers send that.
pub fn parse_rate_limit_reset(value: &str) -> Option<jiff::Timestamp> {
    let value = value.trim();
    if let Ok(ts) = value.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    let seconds: i64 = value.parse().ok()?;
    // Small numbers are a delay in seconds, not a date.
    if seconds < 1_000_000_000 {
        return None;
    }
    jiff::Timestamp::from_second(seconds).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    pub(crate) fn raw(status: u16, headers: &[(&str, &str)], body: &str) -> Raw {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Raw {
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            url: Url::parse("https://social.example/x").unwrap(),
        }
    }

    #[test]
    fn raw_debug_shows_no_body_or_header_values() {
        let r = raw(
            200,
            &[("set-cookie", "session=cookie-value")],
            r#"{"access_token":"tok-secret","client_secret":"cs-secret"}"#,
        );
        let shown = format!("{r:?}");
        assert_eq!(
            shown,
            r#"Raw { status: 200, headers: ["set-cookie"], body_len: 57, .. }"#
        );
    }

    #[test]
    fn html_detection() {
        assert!(raw(200, &[("content-type", "text/html; charset=utf-8")], "x").is_html());
        assert!(raw(200, &[], "  <!doctype html><p>").is_html());
        assert!(!raw(200, &[("content-type", "application/json")], "{}").is_html());
    }

    #[test]
    fn rate_limit_is_iso8601_and_never_retry_after() {
        let limited = raw(
            429,
            &[
                ("x-ratelimit-limit", "5"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "2026-08-21T12:40:00.000000Z"),
            ],
            r#"{"error":"Too many requests"}"#,
        );
        let expected: jiff::Timestamp = "2026-08-21T12:40:00Z".parse().unwrap();
        assert_eq!(
            common_error(&limited, &[]),
            Some(ApiError::RateLimited {
                reset: Some(expected)
            })
        );
        let bare = raw(429, &[("retry-after", "60")], "");
        assert_eq!(
            common_error(&bare, &[]),
            Some(ApiError::RateLimited { reset: None })
        );
        assert_eq!(
            parse_rate_limit_reset("1755772800").map(jiff::Timestamp::as_second),
            Some(1_755_772_800)
        );
        assert_eq!(parse_rate_limit_reset("30"), None);
        assert_eq!(parse_rate_limit_reset("soon"), None);
    }

    #[test]
    fn server_errors_with_html_keep_only_the_title() {
        let page = raw(
            503,
            &[("content-type", "text/html")],
            "<html><head><title>Service \u{1b}[2J Unavailable</title></head></html>",
        );
        assert_eq!(
            common_error(&page, &[]),
            Some(ApiError::Server {
                status: 503,
                hint: Some("Service [2J Unavailable".into())
            })
        );
        let empty = raw(500, &[], "");
        assert_eq!(
            common_error(&empty, &[]),
            Some(ApiError::Server {
                status: 500,
                hint: None
            })
        );
    }

    #[test]
    fn fallbacks() {
        assert_eq!(
            fallback_error(&raw(404, &[], ""), &[]),
            ApiError::NotMastodon {
                reason: NotMastodonReason::NoInstanceApi
            }
        );
        assert_eq!(
            fallback_error(&raw(403, &[], "<html>blocked</html>"), &[]),
            ApiError::NotMastodon {
                reason: NotMastodonReason::Html
            }
        );
        assert_eq!(
            fallback_error(&raw(418, &[], r#"{"error":"teapot"}"#), &[]),
            ApiError::Unexpected {
                status: 418,
                hint: Some("teapot".into())
            }
        );
        assert_eq!(
            success_json(&raw(200, &[], "{not json"), "token").unwrap_err(),
            ApiError::Malformed { what: "token" }
        );
        assert_eq!(
            success_json(&raw(200, &[], "<html></html>"), "token").unwrap_err(),
            ApiError::NotMastodon {
                reason: NotMastodonReason::Html
            }
        );
    }

    fn transport(chain: &str, timeout: bool, dns: bool) -> ApiError {
        let facts = TransportFacts {
            timeout,
            dns,
            redirect_to: None,
            too_many_redirects: false,
            chain,
        };
        classify_transport(&facts, "social.example", 30)
    }

    #[test]
    fn transport_errors_by_kind() {
        let host = || "social.example".to_owned();
        assert_eq!(
            transport("error sending request\noperation timed out", true, false),
            ApiError::Timeout {
                host: host(),
                seconds: 30
            }
        );
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\ndns error\nfailed to lookup address information: Name or service not known",
                false,
                false
            ),
            ApiError::Dns { host: host() }
        );
        assert_eq!(transport("x", false, true), ApiError::Dns { host: host() });
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\ninvalid peer certificate: UnknownIssuer",
                false,
                false
            ),
            ApiError::Tls { host: host() }
        );
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\nreceived corrupt message of type InvalidContentType",
                false,
                false
            ),
            ApiError::Tls { host: host() }
        );
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\ntcp connect error\nConnection refused (os error 111)",
                false,
                false
            ),
            ApiError::Connect { host: host() }
        );
        assert_eq!(
            transport(
                "error decoding response body\nconnection reset by peer",
                false,
                false
            ),
            ApiError::Connect { host: host() }
        );
        // An unroutable address is not a DNS failure, nor is a certificate naming `DnsName`s.
        for chain in [
            "error sending request\nclient error (Connect)\ntcp connect error\nNetwork is unreachable (os error 101)",
            "error sending request\nclient error (Connect)\ntcp connect error\nNo route to host (os error 113)",
        ] {
            assert_eq!(
                transport(chain, false, false),
                ApiError::Unroutable { host: host() }
            );
        }
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\ninvalid peer certificate: certificate not valid for name; it is only valid for DnsName(\"a.example\")",
                false,
                false
            ),
            ApiError::Tls { host: host() }
        );
        assert_eq!(
            transport(
                "error sending request\nclient error (Connect)\ndns error\nfailed to lookup address information: Temporary failure in name resolution",
                false,
                true
            ),
            ApiError::DnsUnavailable { host: host() }
        );
        let ip = TransportFacts {
            timeout: false,
            dns: true,
            redirect_to: None,
            too_many_redirects: false,
            chain: "dns error",
        };
        for literal in ["10.255.255.1", "10.255.255.1:8443", "[2001:db8::1]:443"] {
            assert_eq!(
                classify_transport(&ip, literal, 30),
                ApiError::Connect {
                    host: literal.into()
                }
            );
        }
        let redirect = TransportFacts {
            timeout: false,
            dns: false,
            redirect_to: Some("evil.example".into()),
            too_many_redirects: false,
            chain: "",
        };
        assert_eq!(
            classify_transport(&redirect, "social.example", 30),
            ApiError::InsecureRedirect {
                to: "evil.example".into()
            }
        );
        assert_eq!(
            transport("error following redirect\ntoo many redirects", false, false),
            ApiError::TooManyRedirects { host: host() }
        );
    }
}
