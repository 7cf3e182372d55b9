//! The scope catalogue (`assets/scopes.json`) and scope negotiation against a server.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use super::discovery::Capabilities;

/// The catalogue groups, in the order a scope picker shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeGroup {
    Basic,
    Account,
    Read,
    Write,
    Admin,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopeInfo {
    pub name: String,
    pub group: ScopeGroup,
    /// One line a non-expert understands.
    pub description: String,
    /// The Mastodon version that introduced it.
    pub since: String,
    /// A caveat worth showing (deprecated, fallback on older servers).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GroupInfo {
    pub id: ScopeGroup,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Catalogue {
    pub scopes: Vec<ScopeInfo>,
    pub groups: Vec<GroupInfo>,
    /// The first preset is the default ("Account check only").
    pub presets: Vec<Preset>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Catalogue {
    pub fn get(&self, name: &str) -> Option<&ScopeInfo> {
        self.scopes.iter().find(|s| s.name == name)
    }

    pub fn in_group(&self, group: ScopeGroup) -> impl Iterator<Item = &ScopeInfo> {
        self.scopes.iter().filter(move |s| s.group == group)
    }

    /// The preselected preset.
    pub fn default_preset(&self) -> Option<&Preset> {
        self.presets.first()
    }
}

const CATALOGUE_JSON: &str = include_str!("../../assets/scopes.json");

pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // The file is compiled in and `tests::catalogue_parses` proves it parses.
        #[allow(clippy::expect_used)]
        serde_json::from_str(CATALOGUE_JSON).expect("assets/scopes.json is valid")
    })
}

/// Why a chosen scope cannot be requested from this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The server's `scopes_supported` does not list it.
    NotSupported,
}

/// The scopes to register and request, and what changed on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Negotiated {
    pub scopes: Vec<String>,
    /// `(wanted, used instead)`, e.g. `("profile", "read:accounts")` on servers before 4.3.
    pub replaced: Vec<(String, String)>,
    /// Dropped because the server does not offer them.
    pub unavailable: Vec<(String, Unavailable)>,
}

/// Fits the chosen scopes to a server. `profile` becomes `read:accounts` where the server does
/// not advertise it (an unknown scope makes registration fail with 422 on 3.4–4.2); any scope
/// missing from a known `scopes_supported` is dropped. Order is kept, duplicates removed.
pub fn negotiate(wanted: &[String], caps: &Capabilities) -> Negotiated {
    let mut out = Negotiated::default();
    let supported = |scope: &str| {
        caps.scopes_supported
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == scope))
    };
    for scope in wanted {
        let scope = scope.trim();
        if scope.is_empty() {
            continue;
        }
        let use_scope = if scope == "profile" && !caps.profile_scope {
            out.replaced
                .push((scope.to_owned(), "read:accounts".to_owned()));
            "read:accounts".to_owned()
        } else {
            scope.to_owned()
        };
        if !supported(&use_scope) {
            out.unavailable
                .push((use_scope.clone(), Unavailable::NotSupported));
            continue;
        }
        if !out.scopes.contains(&use_scope) {
            out.scopes.push(use_scope);
        }
    }
    out
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::NotSupported => f.write_str("not offered by this server"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::mastodon::discovery::Software;

    #[test]
    fn catalogue_parses() {
        let catalogue: Catalogue = serde_json::from_str(CATALOGUE_JSON).unwrap();
        assert_eq!(catalogue.scopes.len(), 47);
        assert_eq!(catalogue, *super::catalogue());
    }

    #[test]
    fn every_preset_scope_is_in_the_catalogue() {
        let c = catalogue();
        for preset in &c.presets {
            assert!(!preset.scopes.is_empty(), "{}", preset.name);
            for scope in &preset.scopes {
                assert!(c.get(scope).is_some(), "{} in {}", scope, preset.name);
            }
        }
        let names: Vec<_> = c.presets.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["Account check only", "Posting bot", "Read everything"]
        );
        assert_eq!(c.default_preset().unwrap().scopes, ["profile"]);
    }

    #[test]
    fn catalogue_is_consistent() {
        let c = catalogue();
        let mut names: Vec<_> = c.scopes.iter().map(|s| &s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), c.scopes.len(), "duplicate scope names");
        for scope in &c.scopes {
            assert!(
                c.groups.iter().any(|g| g.id == scope.group),
                "{}",
                scope.name
            );
            assert!(!scope.description.is_empty() && !scope.description.contains('\n'));
            assert!(
                scope.description.len() <= 100,
                "{} description too long",
                scope.name
            );
            assert!(!scope.since.is_empty());
        }
        assert!(
            c.get("admin").is_none()
                && c.get("read:reports").is_none()
                && c.get("crypto").is_none()
        );
        assert_eq!(c.in_group(ScopeGroup::Admin).count(), 16);
    }

    fn caps(metadata: Option<Vec<&str>>) -> Capabilities {
        let scopes_supported: Option<Vec<String>> =
            metadata.map(|list| list.into_iter().map(str::to_owned).collect());
        Capabilities {
            base: crate::mastodon::BaseUrl::parse("https://social.example/").unwrap(),
            domain: "social.example".into(),
            title: None,
            software: Software {
                name: "Mastodon".into(),
                version: None,
            },
            metadata: scopes_supported.is_some(),
            profile_scope: scopes_supported
                .as_ref()
                .is_some_and(|s| s.iter().any(|x| x == "profile")),
            pkce_s256: scopes_supported.is_some(),
            scopes_supported,
            loopback_http: false,
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn profile_kept_where_offered() {
        let n = negotiate(
            &strings(&["profile", "write:statuses"]),
            &caps(Some(vec!["read", "profile", "write:statuses"])),
        );
        assert_eq!(n.scopes, ["profile", "write:statuses"]);
        assert!(n.replaced.is_empty() && n.unavailable.is_empty());
    }

    #[test]
    fn profile_replaced_on_old_servers() {
        let n = negotiate(
            &strings(&["profile", "write:media", "read:accounts"]),
            &caps(None),
        );
        assert_eq!(n.scopes, ["read:accounts", "write:media"]);
        assert_eq!(
            n.replaced,
            [("profile".to_owned(), "read:accounts".to_owned())]
        );
        assert!(n.unavailable.is_empty());
    }

    #[test]
    fn unsupported_scopes_are_dropped() {
        let n = negotiate(
            &strings(&["profile", "read:collections", "read"]),
            &caps(Some(vec!["read", "write"])),
        );
        assert_eq!(n.scopes, ["read"]);
        assert_eq!(
            n.replaced,
            [("profile".to_owned(), "read:accounts".to_owned())]
        );
        assert_eq!(
            n.unavailable,
            [
                ("read:accounts".to_owned(), Unavailable::NotSupported),
                ("read:collections".to_owned(), Unavailable::NotSupported)
            ]
        );
    }

    #[test]
    fn unavailable_wording() {
        assert_eq!(
            Unavailable::NotSupported.to_string(),
            "not offered by this server"
        );
    }
}
