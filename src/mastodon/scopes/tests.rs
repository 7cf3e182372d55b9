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
        c.get("admin").is_none() && c.get("read:reports").is_none() && c.get("crypto").is_none()
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

/// Issue 12 §1: a scope missing from `scopes_supported` is "not advertised", never dropped, and
/// no preset comes out empty on a server that lists only coarse scopes.
#[test]
fn unadvertised_scopes_are_kept_and_noted() {
    let coarse = caps(Some(vec!["read", "write", "follow", "push"]));
    let n = negotiate(&strings(&["profile", "read:collections", "read"]), &coarse);
    assert_eq!(n.scopes, ["read:accounts", "read:collections", "read"]);
    assert_eq!(
        n.replaced,
        [("profile".to_owned(), "read:accounts".to_owned())]
    );
    assert_eq!(n.not_advertised, ["read:accounts", "read:collections"]);
    assert!(n.unavailable.is_empty());
    for preset in &catalogue().presets {
        assert!(
            !negotiate(&preset.scopes, &coarse).scopes.is_empty(),
            "{}",
            preset.name
        );
    }
    let server = ServerScopes::new(&coarse);
    assert_eq!(server.availability("read"), Availability::Advertised);
    assert_eq!(
        server.availability("write:statuses"),
        Availability::NotAdvertised
    );
    assert!(server.offered("write:statuses") && server.enforces_scopes);
    assert!(server.advertises_scopes() && !ServerScopes::new(&caps(None)).advertises_scopes());
}

fn caps_of(software: &str) -> Capabilities {
    let mut c = caps(None);
    c.software = Software {
        name: software.into(),
        version: Some("0.20.0".into()),
    };
    c
}

/// Issue 15 §8: GoToSocial has no `collections`; the reason names the software, and no
/// "Mastodon 4.3" appears anywhere for a server without metadata.
#[test]
fn software_without_a_scope_does_not_offer_it() {
    let gts = caps_of("GoToSocial");
    let server = ServerScopes::new(&gts);
    let missing = server.availability("read:collections");
    assert_eq!(
        missing,
        Availability::Missing(Unavailable::NotInSoftware {
            software: "GoToSocial".into()
        })
    );
    assert_eq!(missing.to_string(), "GoToSocial does not have this scope");
    assert!(!server.offered("write:collections") && server.offered("read:statuses"));
    let n = negotiate(&strings(&["read:collections", "read:lists"]), &gts);
    assert_eq!(n.scopes, ["read:lists"]);
    assert_eq!(n.unavailable.len(), 1);
    // Only unavailable scopes chosen: the covering scope keeps the choice from being empty.
    let n = negotiate(&strings(&["read:collections"]), &gts);
    assert_eq!(n.scopes, ["read"]);
    assert_eq!(
        n.replaced,
        [("read:collections".to_owned(), "read".to_owned())]
    );
    // Mastodon has collections.
    assert!(ServerScopes::new(&caps_of("Mastodon")).offered("read:collections"));
}

#[test]
fn profile_fallback_wording_names_no_version() {
    let note = replacement_note("profile", "read:accounts");
    assert_eq!(
        note,
        "this server does not say it supports `profile`; `read:accounts` is used instead"
    );
    let profile = catalogue().get("profile").unwrap();
    let text = profile.note.as_deref().unwrap_or_default();
    assert!(!text.contains("4.3") && !text.contains("older"), "{text}");
}

/// Issue 12 §11: snac lets a token do more than its scopes say.
#[test]
fn software_that_does_not_enforce_scopes_is_flagged() {
    assert!(!ServerScopes::new(&caps_of("snac")).enforces_scopes);
    assert!(ServerScopes::new(&caps_of("GoToSocial")).enforces_scopes);
}

#[test]
fn covering_scopes() {
    assert_eq!(covering_scope("read:accounts").as_deref(), Some("read"));
    assert_eq!(covering_scope("profile").as_deref(), Some("read"));
    assert_eq!(covering_scope("write:statuses").as_deref(), Some("write"));
    assert_eq!(
        covering_scope("admin:read:accounts").as_deref(),
        Some("admin:read")
    );
    assert_eq!(covering_scope("read"), None);
    assert_eq!(covering_scope("push"), None);
}
