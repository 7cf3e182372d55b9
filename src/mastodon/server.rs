//! What the user typed as a server → the canonical base URL (origin only).
//!
//! Accepts `host`, `https://host/`, `@user@host`, `user@host`, upper case, trailing dots and
//! slashes, IDN names (turned into punycode by `url`) and ports. A loopback host without a scheme
//! gets plain http: that is what local test and development servers speak.

use url::{Host, Url};

use super::base_url::{BaseUrl, is_loopback_host};
use super::errors::InputError;
use super::sanitize::sanitize_hint;

/// A parsed server input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInput {
    /// Origin only, e.g. `https://mastodon.social`.
    pub base: BaseUrl,
    /// The `user` of `@user@host`, if one was typed.
    pub user: Option<String>,
    /// Plain http, allowed only because the host is loopback.
    pub loopback_http: bool,
}

/// The user of a profile address's path: `/@bob`, `/@bob/`, `/@bob/112233` (a post) → `bob`.
/// `None` when the path is not a profile's; an error when it is one with an impossible name.
fn profile_user(tail: &str) -> Result<Option<String>, InputError> {
    let Some(rest) = tail.strip_prefix("/@") else {
        return Ok(None);
    };
    let user = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !valid_user(user) {
        return Err(InputError::InvalidUser { user: echo(user) });
    }
    Ok(Some(user.to_owned()))
}

/// Longest piece of user input echoed back in an error.
const ECHO_MAX: usize = 60;

pub fn parse_server_input(input: &str) -> Result<ServerInput, InputError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(InputError::Whitespace);
    }

    let (scheme, rest) = match text.find("://") {
        Some(at) => (Some(text[..at].to_ascii_lowercase()), &text[at + 3..]),
        None => (None, text),
    };
    if let Some(scheme) = &scheme
        && scheme != "https"
        && scheme != "http"
    {
        return Err(InputError::Scheme {
            scheme: echo(scheme),
        });
    }

    // Split the authority from whatever follows: only trailing slashes may follow, or a
    // profile's path (`https://host/@user`, or a post under it), read as `@user@host`.
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    let profile = profile_user(tail)?;
    if profile.is_none() && tail.bytes().any(|b| b != b'/') {
        return Err(InputError::Path { path: echo(tail) });
    }

    // A handle: `@user@host` or `user@host`. With a scheme, `user@` would be URL credentials.
    let (user, host_port) = if let Some(user) = profile {
        if authority.contains('@') {
            return Err(InputError::InvalidHost {
                host: echo(authority),
            });
        }
        (Some(user), authority)
    } else if scheme.is_none() {
        let handle = authority.strip_prefix('@').unwrap_or(authority);
        match handle.rsplit_once('@') {
            Some((user, host)) => {
                if !valid_user(user) {
                    return Err(InputError::InvalidUser { user: echo(user) });
                }
                (Some(user.to_owned()), host)
            }
            None => (None, handle),
        }
    } else {
        if authority.contains('@') {
            return Err(InputError::InvalidHost {
                host: echo(authority),
            });
        }
        (None, authority)
    };
    let invalid = || InputError::InvalidHost {
        host: echo(host_port),
    };
    if host_port.is_empty() {
        return Err(invalid());
    }

    let scheme_for_parse = scheme.as_deref().unwrap_or("https");
    let mut url =
        Url::parse(&format!("{scheme_for_parse}://{host_port}/")).map_err(|_| invalid())?;
    let host = match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_owned();
            if !valid_domain(&domain) {
                return Err(invalid());
            }
            Host::Domain(domain)
        }
        Some(Host::Ipv4(ip)) => Host::Ipv4(ip),
        Some(Host::Ipv6(ip)) => Host::Ipv6(ip),
        None => return Err(invalid()),
    };
    let loopback = is_loopback_host(&host);
    if scheme.is_none() && loopback {
        // `set_scheme` between the special schemes http and https always succeeds.
        url.set_scheme("http").map_err(|()| invalid())?;
    }
    if let Host::Domain(domain) = &host {
        url.set_host(Some(domain)).map_err(|_| invalid())?;
    }
    if url.scheme() == "http" && !loopback {
        return Err(InputError::PlainHttp {
            host: echo(&host.to_string()),
        });
    }

    // Rebuild from the parts so nothing but the origin survives.
    let base = BaseUrl::from_origin(&url).ok_or_else(invalid)?;
    Ok(ServerInput {
        loopback_http: !base.is_https(),
        base,
        user,
    })
}

/// DNS-shaped after IDNA: labels of letters, digits, `-` and `_`, 1–63 long, 253 in all.
fn valid_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Mastodon usernames are letters, digits and `_`; other servers allow `.` and `-` too.
fn valid_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 64
        && user
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn echo(text: &str) -> String {
    sanitize_hint(text, ECHO_MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base(input: &str) -> String {
        match parse_server_input(input) {
            Ok(parsed) => parsed.base.url().to_string(),
            Err(e) => panic!("{input:?} was rejected: {e:?}"),
        }
    }

    fn err(input: &str) -> InputError {
        match parse_server_input(input) {
            Ok(parsed) => panic!("{input:?} was accepted as {}", parsed.base.as_str()),
            Err(e) => e,
        }
    }

    #[test]
    fn accepts_the_usual_forms() {
        for input in [
            "mastodon.social",
            "  mastodon.social\n",
            "https://mastodon.social",
            "https://mastodon.social/",
            "https://mastodon.social///",
            "HTTPS://MASTODON.SOCIAL/",
            "Mastodon.Social.",
            "mastodon.social./",
            "mastodon.social:443",
        ] {
            assert_eq!(base(input), "https://mastodon.social/", "{input:?}");
        }
    }

    #[test]
    fn handles_give_the_user() {
        for input in [
            "@alice@mastodon.social",
            "alice@mastodon.social",
            "@alice@Mastodon.Social.",
        ] {
            let parsed = parse_server_input(input).unwrap();
            assert_eq!(parsed.base.as_str(), "https://mastodon.social");
            assert_eq!(parsed.user.as_deref(), Some("alice"));
            assert!(!parsed.loopback_http);
        }
        assert_eq!(parse_server_input("@mastodon.social").unwrap().user, None);
    }

    /// A pasted profile address names the account and its server.
    #[test]
    fn a_profile_address_gives_the_user() {
        for input in [
            "https://mastodon.social/@bob",
            "https://mastodon.social/@bob/",
            "https://mastodon.social/@bob/112233445566",
            "mastodon.social/@bob",
        ] {
            let parsed = parse_server_input(input).unwrap();
            assert_eq!(parsed.base.as_str(), "https://mastodon.social", "{input:?}");
            assert_eq!(parsed.user.as_deref(), Some("bob"), "{input:?}");
        }
        // Other paths are still not a server's address.
        assert!(matches!(
            err("https://mastodon.social/about"),
            InputError::Path { .. }
        ));
        assert!(matches!(
            err("https://mastodon.social/@b%20ob"),
            InputError::InvalidUser { .. }
        ));
    }

    #[test]
    fn idn_becomes_punycode_and_ports_stay() {
        assert_eq!(base("bücher.example"), "https://xn--bcher-kva.example/");
        assert_eq!(base("social.example:8443"), "https://social.example:8443/");
    }

    #[test]
    fn loopback_http_is_allowed_and_flagged() {
        for (input, expected) in [
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000/"),
            ("http://127.1.2.3:3000/", "http://127.1.2.3:3000/"),
            ("http://localhost:8080", "http://localhost:8080/"),
            ("http://[::1]:3000", "http://[::1]:3000/"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000/"),
            ("localhost", "http://localhost/"),
        ] {
            let parsed = parse_server_input(input).unwrap();
            assert_eq!(parsed.base.url().as_str(), expected, "{input:?}");
            assert!(parsed.loopback_http, "{input:?}");
        }
        let https = parse_server_input("https://localhost:8443").unwrap();
        assert!(!https.loopback_http);
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(err(""), InputError::Empty);
        assert_eq!(err(" \n\t"), InputError::Empty);
        assert_eq!(err("mastodon .social"), InputError::Whitespace);
        assert_eq!(err("mastodon.social/\tx"), InputError::Whitespace);
        assert!(
            matches!(err("https://mastodon.social/users/alice"), InputError::Path { path } if path == "/users/alice")
        );
        assert!(matches!(
            err("mastodon.social/about"),
            InputError::Path { .. }
        ));
        assert!(matches!(
            err("mastodon.social?x=1"),
            InputError::Path { .. }
        ));
        assert!(matches!(
            err("mastodon.social#top"),
            InputError::Path { .. }
        ));
        assert!(
            matches!(err("ftp://mastodon.social"), InputError::Scheme { scheme } if scheme == "ftp")
        );
        assert!(matches!(err("javascript://x"), InputError::Scheme { .. }));
        assert!(
            matches!(err("http://mastodon.social"), InputError::PlainHttp { host } if host == "mastodon.social")
        );
        assert!(matches!(
            err("http://10.0.0.1"),
            InputError::PlainHttp { .. }
        ));
        assert!(matches!(
            err("https://user:pw@mastodon.social"),
            InputError::InvalidHost { .. }
        ));
        assert!(matches!(
            err("exa$mple.com"),
            InputError::InvalidHost { .. }
        ));
        assert!(matches!(err("a..b"), InputError::InvalidHost { .. }));
        assert!(matches!(
            err("-bad-.example"),
            InputError::InvalidHost { .. }
        ));
        assert!(matches!(
            err("mastodon.social:99999"),
            InputError::InvalidHost { .. }
        ));
        assert!(matches!(err("https://"), InputError::InvalidHost { .. }));
        assert!(matches!(err("alice@"), InputError::InvalidHost { .. }));
        assert!(matches!(
            err("@@mastodon.social"),
            InputError::InvalidUser { .. }
        ));
        assert!(matches!(
            err("a/b@mastodon.social"),
            InputError::Path { .. }
        ));
        assert!(matches!(err("..."), InputError::InvalidHost { .. }));
    }

    #[test]
    fn echoed_input_is_sanitised() {
        let InputError::InvalidHost { host } = err("bad\u{1b}[31mhost$") else {
            panic!("expected InvalidHost");
        };
        assert!(!host.contains('\u{1b}'));
    }

    proptest! {
        #[test]
        fn never_panics(input in any::<String>()) {
            let _ = parse_server_input(&input);
        }

        #[test]
        fn never_panics_on_url_like_text(input in "[a-zA-Z0-9@:/.\\[\\]%?#_-]{0,40}") {
            let _ = parse_server_input(&input);
        }

        #[test]
        fn idempotent(input in "(https?://)?@?([a-z]{1,5}@)?[a-zA-Z0-9ü-]{1,10}(\\.[a-zA-Z0-9-]{1,8}){0,3}\\.?(:[0-9]{1,5})?/*") {
            if let Ok(first) = parse_server_input(&input) {
                let again = parse_server_input(first.base.as_str());
                prop_assert_eq!(again.map(|p| p.base), Ok(first.base));
            }
        }

        #[test]
        fn idempotent_on_anything(input in any::<String>()) {
            if let Ok(first) = parse_server_input(&input) {
                let again = parse_server_input(first.base.as_str());
                prop_assert_eq!(again.map(|p| p.base), Ok(first.base));
            }
        }
    }
}
