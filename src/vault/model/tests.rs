// Panicking on a broken expectation is how these tests fail.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;

mod needs_read;

fn account(server: &str, id: &str, user: &str, domain: &str) -> StoredAccount {
    StoredAccount {
        id: id.into(),
        username: user.into(),
        domain: domain.into(),
        server: server.into(),
        display_name: user.into(),
        token: Secret::new(format!("token-{user}")),
        scopes: vec!["profile".into()],
        client_id: "cid".into(),
        created_at: Timestamp::UNIX_EPOCH,
        last_checked_at: None,
        last_status: None,
        last_detail: None,
        expires_at: None,
    }
}

fn app(id: &str, scopes: &[&str]) -> StoredApp {
    StoredApp {
        client_id: id.into(),
        client_secret: Secret::new("cs"),
        scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
        redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
        created_at: Timestamp::UNIX_EPOCH,
    }
}

fn server(base: &str, apps: Vec<StoredApp>) -> StoredServer {
    StoredServer {
        base_url: base.into(),
        domain: "social.example".into(),
        software: Some("mastodon".into()),
        version: Some("4.5.0".into()),
        apps,
        verify_needs_read: false,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn find_app_needs_same_scope_set_and_redirects() {
    let mut data = VaultData::default();
    data.upsert_server(server(
        "https://social.example",
        vec![app("a", &["profile", "write:statuses"])],
    ));
    let oob = strings(&["urn:ietf:wg:oauth:2.0:oob"]);
    let found = data.find_app(
        "https://SOCIAL.example/",
        &strings(&["write:statuses", "profile"]),
        &oob,
    );
    assert_eq!(found.map(|a| a.client_id.as_str()), Some("a"));
    assert!(
        data.find_app("https://social.example", &strings(&["profile"]), &oob)
            .is_none()
    );
    assert!(
        data.find_app(
            "https://social.example",
            &strings(&["profile", "write:statuses"]),
            &strings(&["http://127.0.0.1:1234/cb"])
        )
        .is_none()
    );
    assert!(
        data.find_app("https://other.example", &strings(&["profile"]), &oob)
            .is_none()
    );
}

#[test]
fn upsert_server_merges_apps() {
    let mut data = VaultData::default();
    data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
    let mut newer = server("https://s.example/", vec![app("b", &["read"])]);
    newer.version = Some("4.6.0".into());
    let stored = data.upsert_server(newer);
    stored.apps.push(app("c", &["write"]));
    assert_eq!(data.servers.len(), 1);
    assert_eq!(data.servers[0].version.as_deref(), Some("4.6.0"));
    let ids: Vec<&str> = data.servers[0]
        .apps
        .iter()
        .map(|a| a.client_id.as_str())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[test]
fn add_app_replaces_same_sets_or_same_client_id() {
    let mut data = VaultData::default();
    data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
    // Same scope set (other order, duplicates) and redirects on the same server, another case.
    data.add_app("https://S.example/", app("b", &["profile", "profile"]));
    // Another scope set is kept alongside.
    data.add_app("https://s.example", app("c", &["read"]));
    // The same client id re-registered with other scopes replaces it.
    data.add_app("https://s.example", app("c", &["write"]));
    assert_eq!(data.servers.len(), 1);
    assert_eq!(data.servers[0].domain, "social.example");
    let apps: Vec<(&str, &[String])> = data.servers[0]
        .apps
        .iter()
        .map(|a| (a.client_id.as_str(), a.scopes.as_slice()))
        .collect();
    assert_eq!(
        apps,
        [
            ("b", &strings(&["profile", "profile"])[..]),
            ("c", &strings(&["write"])[..])
        ]
    );
    // An unknown server is added, its base without the trailing slash.
    let added = data.add_app("https://t.example/", app("d", &["profile"]));
    assert_eq!(added.base_url, "https://t.example");
    assert_eq!(data.servers.len(), 2);
    assert!(same_base("https://T.example/", "https://t.example"));
    assert!(!same_base("https://t.example", "https://u.example"));
}

#[test]
fn upsert_account_replaces_same_server_and_id() {
    let mut data = VaultData::default();
    let s = "https://s.example";
    assert_eq!(
        data.upsert_account(account(s, "1", "alice", "s.example")),
        Upsert::Added
    );
    assert_eq!(
        data.upsert_account(account(s, "2", "bob", "s.example")),
        Upsert::Added
    );
    let mut again = account("https://s.example/", "1", "alice", "s.example");
    again.token = Secret::new("new");
    assert_eq!(data.upsert_account(again), Upsert::Replaced);
    assert_eq!(data.accounts.len(), 2);
    assert_eq!(
        data.find_account(&AccountKey::new("HTTPS://s.example/", "1"))
            .map(|a| a.token.expose()),
        Some("new")
    );
    // Same id on another server is another account.
    let other = account("https://t.example", "1", "alice", "t.example");
    assert_eq!(data.upsert_account(other), Upsert::Added);
}

#[test]
fn resolve_exact_prefix_unknown_ambiguous() {
    let mut data = VaultData::default();
    for (id, user) in [("1", "al"), ("2", "alice"), ("3", "bob")] {
        data.upsert_account(account("https://s.example", id, user, "s.example"));
    }
    data.upsert_account(account("https://t.example", "9", "alice", "t.example"));
    // An exact handle wins even though it is also a prefix of another.
    assert_eq!(data.resolve("al@s.example").map(|a| a.id.as_str()), Ok("1"));
    assert_eq!(data.resolve("@BOB").map(|a| a.id.as_str()), Ok("3"));
    assert_eq!(data.resolve("alice@t").map(|a| a.id.as_str()), Ok("9"));
    assert_eq!(
        data.resolve("alice").err(),
        Some(Resolve::Ambiguous {
            candidates: strings(&["alice@s.example", "alice@t.example"])
        })
    );
    let Err(Resolve::Unknown { known }) = data.resolve("zed") else {
        panic!("zed should be unknown");
    };
    assert_eq!(known.len(), 4);
    assert!(matches!(data.resolve(""), Err(Resolve::Unknown { .. })));
}

#[test]
fn remove_and_record_check_by_key() {
    let mut data = VaultData::default();
    data.upsert_account(account("https://s.example", "1", "alice", "s.example"));
    data.upsert_account(account("https://t.example", "1", "alice", "s.example"));
    let real = AccountKey::new("https://s.example", "1");
    let other = AccountKey::new("https://t.example/", "1");
    let at = Timestamp::from_second(1_700_000_000).unwrap();
    assert!(data.record_check(&other, CheckStatus::Revoked, Some("x".into()), at));
    assert!(!data.record_check(
        &AccountKey::new("https://s.example", "2"),
        CheckStatus::Valid,
        None,
        at
    ));
    // Recorded on the entry checked, not the first with the same handle.
    assert_eq!(data.find_account(&real).unwrap().last_status, None);
    let a = data.find_account(&other).unwrap();
    assert_eq!(a.last_status, Some(CheckStatus::Revoked));
    assert_eq!(a.last_checked_at, Some(at));
    assert_eq!(
        data.remove_account(&other).map(|a| a.server),
        Some("https://t.example".into())
    );
    assert!(data.remove_account(&other).is_none());
    assert_eq!(data.accounts.len(), 1);
    assert_eq!(data.accounts[0].key(), real);
}

/// bob@localhost:3300 for real, a server on 127.0.0.1:3308 claiming the same domain, and the
/// real one again under 127.0.0.1:3300.
fn clashing() -> VaultData {
    let mut data = VaultData::default();
    data.upsert_account(account(
        "http://localhost:3300",
        "1",
        "bob",
        "localhost:3300",
    ));
    data.upsert_account(account(
        "http://127.0.0.1:3308",
        "1",
        "bob",
        "localhost:3300",
    ));
    data.upsert_account(account(
        "http://127.0.0.1:3300/",
        "1",
        "bob",
        "localhost:3300",
    ));
    data.upsert_account(account("https://s.example", "7", "alice", "s.example"));
    data
}

#[test]
fn shared_handles_get_their_server_in_the_label() {
    let data = clashing();
    assert_eq!(
        data.labels(),
        [
            "bob@localhost:3300",
            "bob@localhost:3300 (127.0.0.1:3308)",
            "bob@localhost:3300 (127.0.0.1:3300)",
            "alice@s.example"
        ]
    );
    let hostile = AccountKey::new("http://127.0.0.1:3308", "1");
    assert_eq!(
        data.argument_name(&hostile).as_deref(),
        Some("bob@localhost:3300@127.0.0.1:3308")
    );
    assert_eq!(
        data.argument_name(&AccountKey::new("http://localhost:3300", "1"))
            .as_deref(),
        Some("bob@localhost:3300")
    );
    // Neither entry at home: both named with their server.
    let mut data = VaultData::default();
    data.upsert_account(account("http://127.0.0.1:1", "1", "bob", "b.example"));
    data.upsert_account(account("https://127.0.0.1:1", "1", "bob", "b.example"));
    data.upsert_account(account("https://127.0.0.1:1", "2", "bob", "b.example"));
    assert_eq!(
        data.labels(),
        [
            "bob@b.example (http://127.0.0.1:1)",
            "bob@b.example (127.0.0.1:1, id 1)",
            "bob@b.example (127.0.0.1:1, id 2)"
        ]
    );
    for (i, label) in data.labels().iter().enumerate() {
        assert_eq!(data.resolve(label).unwrap().key(), data.accounts[i].key());
    }
    assert_eq!(
        data.argument_name(&AccountKey::new("https://127.0.0.1:1", "2"))
            .as_deref(),
        Some("'bob@b.example (127.0.0.1:1, id 2)'")
    );
    assert_eq!(
        data.argument_name(&AccountKey::new("http://127.0.0.1:1", "1"))
            .as_deref(),
        Some("bob@b.example@http://127.0.0.1:1")
    );
}

#[test]
fn resolve_names_each_entry_of_a_shared_handle() {
    let data = clashing();
    let id_of = |q: &str| data.resolve(q).map(|a| a.server.clone());
    assert_eq!(
        id_of("bob@localhost:3300"),
        Ok("http://localhost:3300".into())
    );
    assert_eq!(
        id_of("@BOB@localhost:3300"),
        Ok("http://localhost:3300".into())
    );
    for query in [
        "bob@localhost:3300 (127.0.0.1:3308)",
        "bob@localhost:3300@127.0.0.1:3308",
        "bob@localhost:3300@http://127.0.0.1:3308/",
    ] {
        assert_eq!(id_of(query), Ok("http://127.0.0.1:3308".into()), "{query}");
    }
    assert_eq!(
        id_of("bob@localhost:3300@127.0.0.1:3300"),
        Ok("http://127.0.0.1:3300/".into())
    );
    assert_eq!(
        id_of("bob@localhost:3300@localhost:3300"),
        Ok("http://localhost:3300".into())
    );
    // A prefix matching several entries lists the names that tell them apart.
    assert_eq!(
        data.resolve("bo").err(),
        Some(Resolve::Ambiguous {
            candidates: strings(&[
                "bob@localhost:3300",
                "bob@localhost:3300 (127.0.0.1:3308)",
                "bob@localhost:3300 (127.0.0.1:3300)"
            ])
        })
    );
    assert!(matches!(
        data.resolve("bob@localhost:3300@127.0.0.1:9"),
        Err(Resolve::Unknown { .. })
    ));
    assert_eq!(data.accounts_with_handle("Bob@localhost:3300").len(), 3);
}

#[test]
fn json_round_trip_and_versions() {
    let mut data = VaultData::default();
    data.upsert_server(server("https://s.example", vec![app("a", &["profile"])]));
    let mut acc = account("https://s.example", "1", "alice", "s.example");
    acc.last_status = Some(CheckStatus::InsufficientScope);
    data.upsert_account(acc);
    let mut json = Vec::new();
    encode(&data, &mut json).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(text.starts_with(r#"{"version":2,"#), "{text}");
    assert!(text.contains(r#""expires_at":null"#), "{text}");
    assert!(text.contains(r#""last_status":"insufficient_scope""#));
    assert!(text.contains(r#""created_at":"1970-01-01T00:00:00Z""#));
    let back = decode(&json).unwrap();
    assert_eq!(back.accounts[0].token.expose(), "token-alice");
    assert_eq!(back.servers[0].apps[0].client_secret.expose(), "cs");

    assert_eq!(
        decode(br#"{"version":7,"servers":"whatever"}"#).unwrap_err(),
        DecodeError::Newer { found: 7 }
    );
    assert!(matches!(
        decode(br#"{"version":0}"#),
        Err(DecodeError::Invalid(_))
    ));
    assert!(matches!(
        decode(br#"{"servers":[]}"#),
        Err(DecodeError::Invalid(_))
    ));
    assert!(matches!(decode(b"[1,2]"), Err(DecodeError::Invalid(_))));
    assert!(decode(br#"{"version":1}"#).unwrap().accounts.is_empty());
}

/// Version 1 had no `expires_at`: such a file still opens, its tokens read as not expiring, and
/// the next save writes version 2 with the expiry kept.
#[test]
fn version_1_files_still_open_and_expiry_round_trips() {
    let v1 = br#"{"version":1,"servers":[],"accounts":[{"id":"1","username":"alice","domain":"s.example","server":"https://s.example","display_name":"A","token":"tok","scopes":["read"],"client_id":"c","created_at":"2026-01-01T00:00:00Z","last_checked_at":null,"last_status":"valid","last_detail":null}]}"#;
    let mut data = decode(v1).unwrap();
    assert_eq!(data.accounts[0].expires_at, None);
    let at: Timestamp = "2026-12-30T00:00:00Z".parse().unwrap();
    data.accounts[0].expires_at = Some(at);
    data.accounts[0].last_status = Some(CheckStatus::Expired);
    let mut json = Vec::new();
    encode(&data, &mut json).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(text.starts_with(r#"{"version":2,"#), "{text}");
    assert!(
        text.contains(r#""expires_at":"2026-12-30T00:00:00Z""#),
        "{text}"
    );
    assert!(text.contains(r#""last_status":"expired""#), "{text}");
    let back = decode(&json).unwrap();
    assert_eq!(back.accounts[0].expires_at, Some(at));
    assert_eq!(
        decode(br#"{"version":3}"#).unwrap_err(),
        DecodeError::Newer { found: 3 }
    );
}

/// Registering again for the same scopes must not drop the app a stored token came from: its
/// credentials are what revokes that token.
#[test]
fn add_app_keeps_an_app_a_stored_token_came_from() {
    let mut data = VaultData::default();
    data.add_app("https://s.example", app("old", &["read"]));
    let mut alice = account("https://s.example", "1", "alice", "s.example");
    alice.client_id = "old".into();
    data.upsert_account(alice);
    data.add_app("https://s.example", app("new", &["read"]));
    let ids: Vec<&str> = data.servers[0]
        .apps
        .iter()
        .map(|a| a.client_id.as_str())
        .collect();
    assert_eq!(ids, ["old", "new"]);
    // An app no token came from is still replaced by one with the same sets.
    data.add_app("https://s.example", app("newer", &["read"]));
    let ids: Vec<&str> = data.servers[0]
        .apps
        .iter()
        .map(|a| a.client_id.as_str())
        .collect();
    assert_eq!(ids, ["old", "newer"]);
    // A token on another server does not hold an app here.
    data.add_app("https://t.example", app("t1", &["read"]));
    let mut bob = account("https://s.example", "2", "bob", "s.example");
    bob.client_id = "t1".into();
    data.upsert_account(bob);
    data.add_app("https://t.example", app("t2", &["read"]));
    assert_eq!(data.servers[1].apps.len(), 1);
}

#[test]
fn decode_errors_never_echo_values() {
    let json = br#"{"version":1,"accounts":[{"id":"1","token":12345678}]}"#;
    let DecodeError::Invalid(msg) = decode(json).unwrap_err() else {
        panic!("expected invalid");
    };
    assert!(!msg.contains("12345678"), "{msg}");
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("version"),
            Just("servers"),
            Just("accounts"),
            Just("token")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            Just("version".to_string()),
            Just("servers".to_string()),
            Just("accounts".to_string()),
            Just("apps".to_string()),
            Just("id".to_string()),
            Just("created_at".to_string()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn decode_never_panics_on_any_json(value in arb_json(), version in 0u64..3) {
        let mut value = value;
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("version".into(), version.into());
        }
        let bytes = serde_json::to_vec(&value).unwrap();
        let _ = decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }
}
