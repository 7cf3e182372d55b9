//! A server's base URL: scheme, host and port only, normalised once.
//!
//! Every endpoint is derived from it; the vault stores it as text (`https://social.example`, no
//! trailing slash). Parsing a stored string tolerates the trailing slash older vaults kept. A
//! value type below every layer (like `secret`), so the vault can compare stored addresses
//! with the same rules the protocol layer uses; [`canonical`], [`same`] and [`short_name`] are
//! those rules for text as stored.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

/// An http(s) origin. Equality is on the normalised form, so `https://Social.Example/` and
/// `https://social.example` are the same server.
///
/// No `Display` impl on purpose: a caller chooses between [`BaseUrl::as_str`] (the canonical
/// text, for storage and the environment), [`BaseUrl::host`] and [`BaseUrl::display`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    /// The origin with the root path (`https://social.example/`), as the `url` crate keeps it.
    url: Url,
    /// The canonical text: the origin without trailing slash.
    text: String,
}

/// A string that is not an http(s) origin (it has a path, query, credentials, another scheme…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBaseUrl;

impl fmt::Display for InvalidBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a server address (https://host[:port] expected)")
    }
}
impl std::error::Error for InvalidBaseUrl {}

impl BaseUrl {
    /// Reads a stored or typed base URL: `http` or `https`, a host, an optional port, and at
    /// most a trailing slash after it. Host case and a default port are normalised away.
    pub fn parse(text: &str) -> Result<BaseUrl, InvalidBaseUrl> {
        let url = Url::parse(text.trim()).map_err(|_| InvalidBaseUrl)?;
        let bare = url.path().trim_start_matches('/').is_empty()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !bare {
            return Err(InvalidBaseUrl);
        }
        BaseUrl::from_origin(&url).ok_or(InvalidBaseUrl)
    }

    /// The origin of any http(s) URL (a redirect's target, a `WebFinger` link): its path, query
    /// and credentials are dropped. `None` for other schemes or a URL without host.
    pub fn from_origin(url: &Url) -> Option<BaseUrl> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let text = url.origin().ascii_serialization();
        let url = Url::parse(&text).ok()?;
        url.host_str().filter(|h| !h.is_empty())?;
        Some(BaseUrl { url, text })
    }

    /// The canonical text, e.g. `https://social.example` or `http://127.0.0.1:3000`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The host, with the port when it is not the scheme's default: `social.example`,
    /// `127.0.0.1:3000`. For messages and tables.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// For people: the host alone over https, the whole address over plain http (so a local
    /// test server never passes for a real one).
    pub fn display(&self) -> String {
        if self.is_https() {
            self.host()
        } else {
            self.text.clone()
        }
    }

    /// The origin as a `Url` with its root path (`https://social.example/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The port, when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.url.port()
    }

    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The host is loopback (`127.0.0.0/8`, `::1`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        self.url.host().is_some_and(|h| is_loopback_host(&h))
    }

    /// The host name or address alone, without port (as in an `acct:` URI).
    pub fn host_str(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// An endpoint under this base. `path` is absolute (`/api/v1/apps`); a query in it is kept.
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.url.clone();
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        url.set_path(path);
        url.set_query(query);
        url
    }

    /// Same as [`BaseUrl::endpoint`].
    pub fn join(&self, path: &str) -> Url {
        self.endpoint(path)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.text)
    }
}

impl FromStr for BaseUrl {
    type Err = InvalidBaseUrl;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        BaseUrl::parse(text)
    }
}

impl Serialize for BaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        BaseUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Loopback: 127.0.0.0/8, `::1` (also as an IPv4-mapped address), and the name `localhost`.
/// A stored base URL in its canonical form: [`BaseUrl::as_str`] when it parses; otherwise the
/// text lower-cased without trailing slashes (an address an old vault kept as typed), so that
/// two spellings of one server still compare equal.
pub fn canonical(text: &str) -> String {
    match BaseUrl::parse(text) {
        Ok(base) => base.text,
        Err(_) => text.trim().trim_end_matches('/').to_ascii_lowercase(),
    }
}

/// Whether two stored base URLs name the same server.
pub fn same(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// A stored base URL as people read it, `host[:port]` ([`BaseUrl::host`]); the text without
/// scheme and trailing slashes when it does not parse.
pub fn short_name(text: &str) -> String {
    if let Ok(base) = BaseUrl::parse(text) {
        return base.host();
    }
    let text = text.trim();
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    rest.trim_end_matches('/').to_owned()
}

pub fn is_loopback_host<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(d) => d.as_ref().eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => is_loopback_ip(IpAddr::V6(*ip)),
    }
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::LOCALHOST
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| Ipv4Addr::is_loopback(&v4))
        }
    }
}

/// Whether a URL may be reached over its scheme: https anywhere, http only on loopback.
pub fn is_secure_or_loopback(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host().is_some_and(|h| is_loopback_host(&h)),
        _ => false,
    }
}

/// Whether a redirect from `from` to `to` may be followed: never from https down to http (even
/// to loopback, where a local process could be listening), and http only on loopback.
pub fn redirect_allowed(from: &Url, to: &Url) -> bool {
    let downgrade = from.scheme() == "https" && to.scheme() != "https";
    !downgrade && is_secure_or_loopback(to)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn base(text: &str) -> BaseUrl {
        BaseUrl::parse(text).unwrap()
    }

    /// Stored text compares by the same rules, and text that does not parse still compares.
    #[test]
    fn stored_text_is_canonical_compared_and_named_by_one_rule() {
        assert_eq!(
            canonical("HTTPS://Social.Example/"),
            "https://social.example"
        );
        assert_eq!(canonical("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert!(same("https://social.example/", "https://SOCIAL.example"));
        assert!(!same("http://127.0.0.1:8002", "http://localhost:8002"));
        assert_eq!(canonical("not a url//"), "not a url");
        assert!(same("Not A URL/", "not a url"));
        assert_eq!(short_name("https://social.example/"), "social.example");
        assert_eq!(short_name("http://127.0.0.1:3308"), "127.0.0.1:3308");
        assert_eq!(short_name("127.0.0.1:3308/"), "127.0.0.1:3308");
        assert_eq!(short_name("ftp://x.example/"), "x.example");
    }

    #[test]
    fn normalised_once_whatever_the_stored_form() {
        for text in [
            "https://social.example",
            "https://social.example/",
            "HTTPS://Social.Example/",
            "https://social.example:443",
            " https://social.example/ ",
        ] {
            assert_eq!(base(text).as_str(), "https://social.example", "{text:?}");
        }
        assert_eq!(
            base("https://social.example/"),
            base("https://SOCIAL.example")
        );
        let local = base("http://127.0.0.1:3000/");
        assert_eq!(local.as_str(), "http://127.0.0.1:3000");
        assert_eq!(local.url().as_str(), "http://127.0.0.1:3000/");
        assert_eq!(base("http://[::1]:8080").host(), "[::1]:8080");
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for text in [
            "",
            "social.example",
            "ftp://social.example",
            "https://social.example/@alice",
            "https://social.example/?x=1",
            "https://social.example/#top",
            "https://user:pw@social.example",
            "mailto:alice@social.example",
        ] {
            assert_eq!(BaseUrl::parse(text), Err(InvalidBaseUrl), "{text:?}");
        }
        let redirect = Url::parse("https://a.example:8443/some/path?q#f").unwrap();
        assert_eq!(
            BaseUrl::from_origin(&redirect).unwrap().as_str(),
            "https://a.example:8443"
        );
    }

    #[test]
    fn hosts_displays_and_endpoints() {
        let remote = base("https://social.example/");
        assert_eq!(remote.host(), "social.example");
        assert_eq!(remote.display(), "social.example");
        assert!(!remote.is_loopback() && remote.is_https());
        let local = base("http://localhost:3000");
        assert_eq!(local.host(), "localhost:3000");
        assert_eq!(local.display(), "http://localhost:3000");
        assert_eq!(local.host_str(), "localhost");
        assert!(local.is_loopback() && !local.is_https());
        assert_eq!(
            local.endpoint("/api/v1/apps").as_str(),
            "http://localhost:3000/api/v1/apps"
        );
        assert_eq!(
            remote
                .join("/api/v1/accounts/verify_credentials?lang=en")
                .as_str(),
            "https://social.example/api/v1/accounts/verify_credentials?lang=en"
        );
    }

    #[test]
    fn serde_is_the_canonical_string() {
        let json = serde_json::to_string(&base("https://Social.Example/")).unwrap();
        assert_eq!(json, r#""https://social.example""#);
        let back: BaseUrl = serde_json::from_str(r#""https://social.example/""#).unwrap();
        assert_eq!(back, base("https://social.example"));
        assert!(serde_json::from_str::<BaseUrl>(r#""https://x.example/path""#).is_err());
        assert_eq!(format!("{back:?}"), "BaseUrl(https://social.example)");
    }

    #[test]
    fn redirects_never_downgrade() {
        let url = |s: &str| Url::parse(s).unwrap();
        let https = url("https://social.example/api");
        assert!(redirect_allowed(
            &https,
            &url("https://www.social.example/")
        ));
        assert!(!redirect_allowed(&https, &url("http://127.0.0.2:3000/")));
        assert!(!redirect_allowed(&https, &url("http://social.example/")));
        let local = url("http://127.0.0.1:3000/");
        assert!(redirect_allowed(&local, &url("http://localhost:3000/")));
        assert!(redirect_allowed(&local, &url("https://social.example/")));
        assert!(!redirect_allowed(&local, &url("http://10.0.0.1/")));
    }

    proptest::proptest! {
        #[test]
        fn the_canonical_form_parses_back_to_itself(
            text in "(?i)(https?://)[a-z0-9.-]{1,20}(:[0-9]{1,5})?/{0,2}",
        ) {
            if let Ok(base) = BaseUrl::parse(&text) {
                proptest::prop_assert!(!base.as_str().ends_with('/'));
                proptest::prop_assert_eq!(BaseUrl::parse(base.as_str()), Ok(base.clone()));
                proptest::prop_assert_eq!(BaseUrl::parse(base.url().as_str()), Ok(base.clone()));
                proptest::prop_assert!(base.endpoint("/api").as_str().starts_with(base.as_str()));
            }
        }
    }
}
