//! The HTTP client, the rustls provider, and the pieces of response classification every call
//! shares: reading a bounded body, turning server text into a safe hint, rate limits, 5xx, and
//! mapping transport failures.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Once;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect;
use url::Url;

use super::errors::{ApiError, NotMastodonReason};
use super::server::is_secure_or_loopback;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Discovery may follow www → apex and http → https, not an endless chain.
const MAX_REDIRECTS: usize = 5;
/// Nothing the protocol needs is bigger; a larger body is cut rather than buffered.
const MAX_BODY: usize = 1024 * 1024;
/// Longest server text shown to the user.
pub const HINT_MAX: usize = 120;

static PROVIDER: Once = Once::new();

/// Installs rustls's ring provider as the process default, once. reqwest is built with
/// `rustls-no-provider` (ring builds faster and smaller than aws-lc-rs) and panics if no
/// provider is installed when a client is built. Tests building their own clients call this too.
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        // Err only means another provider is already installed, which serves just as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The two HTTP clients. Cheap to clone (reqwest clients are reference-counted).
#[derive(Clone, Debug)]
pub struct Client {
    /// Follows redirects (https→https, or to loopback): discovery GETs only.
    pub(super) follow: reqwest::Client,
    /// Never follows redirects: every POST, and every request that carries a token, so a
    /// secret never reaches another origin.
    pub(super) direct: reqwest::Client,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl Client {
    pub fn new() -> Result<Client, ApiError> {
        Client::with_timeouts(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    pub fn with_timeouts(connect: Duration, request: Duration) -> Result<Client, ApiError> {
        install_crypto_provider();
        let policy = redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(TooManyRedirects)
            } else if is_secure_or_loopback(attempt.url()) {
                attempt.follow()
            } else {
                let to = attempt.url().host_str().unwrap_or("?").to_owned();
                attempt.error(InsecureRedirect(to))
            }
        });
        let follow = builder(connect, request).redirect(policy).build();
        let direct = builder(connect, request)
            .redirect(redirect::Policy::none())
            .build();
        match (follow, direct) {
            (Ok(follow), Ok(direct)) => Ok(Client {
                follow,
                direct,
                connect_timeout: connect,
                request_timeout: request,
            }),
            (Err(e), _) | (_, Err(e)) => Err(ApiError::Setup {
                detail: sanitize_hint(&e.to_string(), HINT_MAX),
            }),
        }
    }

    /// Sends a request and reads its body, mapping transport failures to `ApiError`.
    pub(super) async fn send(
        &self,
        request: reqwest::RequestBuilder,
        host: &str,
    ) -> Result<Raw, ApiError> {
        let mut response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&e, host))?;
        let status = response.status().as_u16();
        let url = response.url().clone();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e, host))?
        {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        Ok(Raw {
            status,
            headers,
            body,
            url,
        })
    }

    fn transport_error(&self, error: &reqwest::Error, host: &str) -> ApiError {
        let limit = if error.is_connect() {
            self.connect_timeout
        } else {
            self.request_timeout
        };
        // Rounded up, so a sub-second test timeout never reads "within 0 s".
        let seconds = limit
            .as_millis()
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u64::MAX);
        let mut chain = String::new();
        let mut redirect_to = None;
        let mut too_many = false;
        let mut source: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(err) = source {
            if let Some(InsecureRedirect(to)) = err.downcast_ref::<InsecureRedirect>() {
                redirect_to = Some(to.clone());
            }
            too_many |= err.is::<TooManyRedirects>();
            chain.push_str(&err.to_string());
            chain.push('\n');
            source = err.source();
        }
        // The URL and host are in the messages; a host like `dns.example` must not look like a
        // DNS failure.
        if let Some(url) = error.url() {
            chain = chain.replace(url.as_str(), "");
        }
        let chain = chain.replace(host, "");
        let facts = TransportFacts {
            timeout: error.is_timeout(),
            dns: error.is_dns(),
            redirect_to,
            too_many_redirects: too_many,
            chain: &chain,
        };
        classify_transport(&facts, host, seconds)
    }
}

fn builder(connect: Duration, request: Duration) -> reqwest::ClientBuilder {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    // Error texts on /api are localised by Accept-Language; the wording layer expects English.
    headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    reqwest::Client::builder()
        .user_agent(concat!("mastokey/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .connect_timeout(connect)
        .timeout(request)
}

#[derive(Debug)]
struct InsecureRedirect(String);
impl fmt::Display for InsecureRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to an insecure location on {}", self.0)
    }
}
impl StdError for InsecureRedirect {}

#[derive(Debug)]
struct TooManyRedirects;
impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}
impl StdError for TooManyRedirects {}

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
    if facts.dns
        || [
            "dns",
            "failed to lookup",
            "name or service not known",
            "no address associated",
        ]
        .iter()
        .any(|needle| chain.contains(needle))
    {
        return ApiError::Dns { host };
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

/// Server text → something safe to show: for JSON, `error_description` or `error`; for HTML, its
/// `<title>` or nothing; otherwise the text itself. Secrets are replaced, control characters
/// (escape sequences included) removed, whitespace collapsed, length capped at `HINT_MAX`.
pub fn hint_from_body(body: &[u8], html: bool, secrets: &[&str]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let raw = if html {
        html_title(&text)?
    } else if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
        let field = |name: &str| {
            map.get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        field("error_description").or_else(|| field("error"))?
    } else {
        text.into_owned()
    };
    // Sanitised before scrubbing as well as after: a secret split by a control or invisible
    // character would otherwise slip past the scrub and be joined up again by the sanitiser.
    let mut scrubbed = sanitize_hint(&raw, usize::MAX);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        scrubbed = scrubbed.replace(secret, "[redacted]");
    }
    let hint = sanitize_hint(&scrubbed, HINT_MAX);
    (!hint.is_empty()).then_some(hint)
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    // ASCII lower-casing keeps byte offsets, so they index `text` too.
    let title = text.get(start..end)?;
    let title = title
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    Some(title)
}

/// Removes every control character (ESC, C1 controls, bidi overrides), collapses whitespace,
/// and truncates to `max` characters with an ellipsis.
pub fn sanitize_hint(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_format_char(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return cut;
    }
    out
}

/// Invisible format characters that can reorder or hide text on a terminal.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
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

/// The host of a base URL, for error messages.
pub fn host_of(base: &Url) -> String {
    match (base.host_str(), base.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => base.as_str().to_owned(),
    }
}

/// An endpoint under a base URL. Paths here are fixed, so joining cannot fail for an http(s) base.
pub fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(path);
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
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
    fn sanitize_strips_controls_and_collapses() {
        assert_eq!(sanitize_hint("  a\n\n b\t c  ", 120), "a b c");
        assert_eq!(sanitize_hint("\u{1b}[31mred\u{1b}[0m", 120), "[31mred[0m");
        assert_eq!(sanitize_hint("a\u{7}b\u{9b}c\u{202e}d", 120), "abcd");
        let long = "x".repeat(300);
        let cut = sanitize_hint(&long, 120);
        assert_eq!(cut.chars().count(), 120);
        assert!(cut.ends_with('…'));
        assert_eq!(sanitize_hint(&"é".repeat(121), 120).chars().count(), 120);
    }

    #[test]
    fn hints_from_json_html_and_text() {
        let json =
            br#"{"error":"invalid_grant","error_description":"The provided grant is invalid."}"#;
        assert_eq!(
            hint_from_body(json, false, &[]).as_deref(),
            Some("The provided grant is invalid.")
        );
        assert_eq!(
            hint_from_body(br#"{"error":"Too many requests"}"#, false, &[]).as_deref(),
            Some("Too many requests")
        );
        let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><script>x</script></body></html>";
        assert_eq!(
            hint_from_body(html, true, &[]).as_deref(),
            Some("502 Bad Gateway")
        );
        assert_eq!(
            hint_from_body(b"<html><body>oops</body></html>", true, &[]),
            None
        );
        assert_eq!(hint_from_body(b"", false, &[]), None);
        assert_eq!(
            hint_from_body(b"plain\x1b]0;pwned\x07 text", false, &[]).as_deref(),
            Some("plain]0;pwned text")
        );
    }

    #[test]
    fn hints_never_carry_secrets() {
        let body = br#"{"error":"code abc123SECRET is bad"}"#;
        let hint = hint_from_body(body, false, &["abc123SECRET"]).unwrap();
        assert!(!hint.contains("abc123SECRET"));
        assert_eq!(hint, "code [redacted] is bad");
        let split = "code abc123\u{200b}SECRET is bad";
        let hint = hint_from_body(split.as_bytes(), false, &["abc123SECRET"]).unwrap();
        assert_eq!(hint, "code [redacted] is bad");
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

    #[test]
    fn endpoints_and_hosts() {
        let base = Url::parse("http://127.0.0.1:3000/").unwrap();
        assert_eq!(
            endpoint(&base, "/api/v1/apps").as_str(),
            "http://127.0.0.1:3000/api/v1/apps"
        );
        assert_eq!(host_of(&base), "127.0.0.1:3000");
        assert_eq!(
            host_of(&Url::parse("https://social.example/").unwrap()),
            "social.example"
        );
    }

    #[test]
    fn provider_installs_idempotently() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(Client::new().is_ok());
    }
}
