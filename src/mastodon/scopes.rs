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
    /// What is known of other server software's scopes.
    #[serde(default)]
    pub software: Vec<SoftwareScopes>,
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

/// What the catalogue knows about one server software, matched by the name discovery found.
/// Only what a scope picker offers and says depends on it; requests never do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SoftwareScopes {
    /// The software's name as discovery shows it ("GoToSocial", "snac"), compared ignoring case.
    pub software: String,
    /// Scopes this software does not have at all.
    #[serde(default)]
    pub missing: Vec<String>,
    /// The software accepts scopes but does not enforce them: a token may do more than it says.
    #[serde(default)]
    pub unenforced: bool,
}

/// Whether a scope can be chosen on a server, for the scope picker to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// The server's metadata lists it.
    Advertised,
    /// The server publishes no list, or a list without it (RFC 8414 lists need not be
    /// complete): selectable, with a note; registration falls back if the server refuses it.
    NotAdvertised,
    /// The server's software is known not to have it: not offered.
    Missing(Unavailable),
}

/// Why a scope is not offered on this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The detected software (named) does not have this scope.
    NotInSoftware { software: String },
}

/// What a scope picker needs to know about one server: per scope [`Availability`], the
/// fallback for `profile`, and whether the server enforces scopes at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerScopes {
    /// The metadata's list, when there is one.
    advertised: Option<Vec<String>>,
    /// The server says it has `profile`.
    profile: bool,
    software: String,
    missing: Vec<String>,
    /// False where the software is known to let a token do more than its scopes say (snac).
    pub enforces_scopes: bool,
}

impl ServerScopes {
    pub fn new(caps: &Capabilities) -> ServerScopes {
        let known = catalogue()
            .software
            .iter()
            .find(|s| s.software.eq_ignore_ascii_case(&caps.software.name));
        ServerScopes {
            advertised: caps.scopes_supported.clone(),
            profile: caps.profile_scope,
            software: caps.software.name.clone(),
            missing: known.map(|k| k.missing.clone()).unwrap_or_default(),
            enforces_scopes: !known.is_some_and(|k| k.unenforced),
        }
    }

    pub fn availability(&self, scope: &str) -> Availability {
        if self.missing.iter().any(|m| m == scope) {
            return Availability::Missing(Unavailable::NotInSoftware {
                software: self.software.clone(),
            });
        }
        match &self.advertised {
            Some(list) if list.iter().any(|s| s == scope) => Availability::Advertised,
            _ => Availability::NotAdvertised,
        }
    }

    /// The scope used instead of `scope`, when the server does not say it has it: only
    /// `profile` (→ `read:accounts`, which every version of the API has).
    pub fn replacement(&self, scope: &str) -> Option<&'static str> {
        (scope == "profile" && !self.profile).then_some("read:accounts")
    }

    /// The server publishes a scope list. Without one every scope is
    /// [`Availability::NotAdvertised`], and a picker need not note it on every row.
    pub fn advertises_scopes(&self) -> bool {
        self.advertised.is_some()
    }

    /// Whether a scope can be chosen at all (everything not [`Availability::Missing`]).
    pub fn offered(&self, scope: &str) -> bool {
        !matches!(self.availability(scope), Availability::Missing(_))
    }
}

/// The scope that covers a granular one: `read:accounts` → `read`, `profile` → `read`,
/// `admin:read:accounts` → `admin:read`; `None` for a scope nothing covers (`read`, `push`).
pub fn covering_scope(scope: &str) -> Option<String> {
    if scope == "profile" {
        return Some("read".to_owned());
    }
    scope
        .rsplit_once(':')
        .map(|(parent, _)| parent.to_owned())
        .filter(|parent| !parent.is_empty())
}

/// The scopes to register and request, and what changed on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Negotiated {
    pub scopes: Vec<String>,
    /// `(wanted, used instead)`, e.g. `("profile", "read:accounts")` where the server does not
    /// say it has `profile`.
    pub replaced: Vec<(String, String)>,
    /// Requested although the server's list does not name them (they may still work).
    pub not_advertised: Vec<String>,
    /// Dropped because the server's software does not have them.
    pub unavailable: Vec<(String, Unavailable)>,
}

/// Fits the chosen scopes to a server. `profile` becomes `read:accounts` where the server does
/// not say it has it (an unknown scope makes registration fail with 422 on 3.4–4.2); scopes
/// the server's software is known not to have are dropped; scopes its metadata does not list
/// are kept (the list need not be complete) and noted. Order is kept, duplicates removed. A
/// non-empty choice never comes out empty: what was dropped is replaced by its covering scope.
pub fn negotiate(wanted: &[String], caps: &Capabilities) -> Negotiated {
    let server = ServerScopes::new(caps);
    let mut out = Negotiated::default();
    let push = |list: &mut Vec<String>, scope: String| {
        if !list.contains(&scope) {
            list.push(scope);
        }
    };
    for scope in wanted {
        let scope = scope.trim();
        if scope.is_empty() {
            continue;
        }
        let use_scope = match server.replacement(scope) {
            Some(instead) => {
                out.replaced.push((scope.to_owned(), instead.to_owned()));
                instead.to_owned()
            }
            None => scope.to_owned(),
        };
        match server.availability(&use_scope) {
            Availability::Missing(why) => out.unavailable.push((use_scope, why)),
            Availability::NotAdvertised => {
                if server.advertised.is_some() {
                    push(&mut out.not_advertised, use_scope.clone());
                }
                push(&mut out.scopes, use_scope);
            }
            Availability::Advertised => push(&mut out.scopes, use_scope),
        }
    }
    if out.scopes.is_empty() {
        let covers: Vec<(String, String)> = out
            .unavailable
            .iter()
            .filter_map(|(scope, _)| Some((scope.clone(), covering_scope(scope)?)))
            .filter(|(_, cover)| server.offered(cover))
            .collect();
        for (scope, cover) in covers {
            out.replaced.push((scope, cover.clone()));
            push(&mut out.scopes, cover);
        }
    }
    out
}

/// Why `wanted` is replaced by `used`, in a sentence a scope picker can show. Says what the
/// server does, never which version it runs: "this server does not say it supports `profile`;
/// `read:accounts` is used instead".
pub fn replacement_note(wanted: &str, used: &str) -> String {
    format!("this server does not say it supports `{wanted}`; `{used}` is used instead")
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Availability::Advertised => f.write_str("offered by this server"),
            Availability::NotAdvertised => f.write_str(
                "not advertised by this server: it may still work; if the server refuses it, a wider scope is used",
            ),
            Availability::Missing(why) => why.fmt(f),
        }
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::NotInSoftware { software } => {
                write!(f, "{software} does not have this scope")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
