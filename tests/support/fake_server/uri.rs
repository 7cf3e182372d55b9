//! Redirect URIs: Doorkeeper's `RedirectUriValidator` (registration) and `URIChecker` (matching).

use url::{Host, Url};

pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
pub const OOB_AUTO: &str = "urn:ietf:wg:oauth:2.0:oob:auto";

pub fn is_oob(uri: &str) -> bool {
    uri == OOB || uri == OOB_AUTO
}

/// The validation message (after "Redirect URI ") for one registered URI, or `None` if it is fine.
pub fn invalid_reason(uri: &str) -> Option<&'static str> {
    if is_oob(uri) {
        return None;
    }
    let lower = uri.to_ascii_lowercase();
    if ["data:", "javascript:", "vbscript:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Some("is forbidden by the server.");
    }
    let url = match Url::parse(uri) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase | url::ParseError::EmptyHost) => {
            return Some("must be an absolute URI.");
        }
        Err(_) => return Some("must be a valid URI."),
    };
    if url.cannot_be_a_base() || url.scheme() == "localhost" {
        return Some("must specify a scheme.");
    }
    if url.fragment().is_some() {
        return Some("cannot contain a fragment.");
    }
    if matches!(url.scheme(), "http" | "https") && url.host().is_none() {
        return Some("must be an absolute URI.");
    }
    None
}

/// Does the requested URI match any of the registered ones (whitespace-separated)? `exact`:
/// the server compares strings (Takahē, GoToSocial, Mitra), with no loopback port rule.
pub fn matches_any(requested: &str, registered: &str, exact: bool) -> bool {
    registered
        .split_whitespace()
        .any(|entry| matches_as(requested, entry, exact))
}

/// `matches`, or plain string equality on servers that match redirect URIs exactly.
pub fn matches_as(requested: &str, registered: &str, exact: bool) -> bool {
    if exact {
        requested == registered
    } else {
        matches(requested, registered)
    }
}

/// Doorkeeper 5.x `URIChecker.matches?`: the registered query must be present; ports are ignored
/// when both hosts are loopback IP literals (RFC 8252 §7.3); everything else compares exactly.
pub fn matches(requested: &str, registered: &str) -> bool {
    if is_oob(requested) || is_oob(registered) {
        return requested == registered;
    }
    if invalid_reason(requested).is_some() {
        return false;
    }
    let (Ok(req), Ok(reg)) = (Url::parse(requested), Url::parse(registered)) else {
        return false;
    };
    if reg.query().is_some() {
        let mut want: Vec<(String, String)> = reg.query_pairs().into_owned().collect();
        let mut got: Vec<(String, String)> = req.query_pairs().into_owned().collect();
        want.sort();
        got.sort();
        if want != got {
            return false;
        }
    }
    let ports_match = (is_loopback_ip(&req) && is_loopback_ip(&reg))
        || req.port_or_known_default() == reg.port_or_known_default();
    req.scheme() == reg.scheme()
        && req.host() == reg.host()
        && req.path() == reg.path()
        && ports_match
}

fn is_loopback_ip(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

/// `uri` with extra query pairs appended (an existing query is kept), as Doorkeeper builds redirects.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs {
                    query.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => uri.to_string(),
    }
}
