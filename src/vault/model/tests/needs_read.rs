//! `StoredServer::verify_needs_read`: remembered across saves, absent from older files.

use super::*;

#[test]
fn a_server_that_needs_read_round_trips_and_a_file_without_the_field_opens() {
    let mut data = VaultData::default();
    let mut needs = server("https://takahe.example", vec![]);
    needs.verify_needs_read = true;
    data.upsert_server(needs);
    data.upsert_server(server("https://other.example", vec![]));
    let mut out = Vec::new();
    encode(&data, &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    // Written only where it is true: other servers' records keep their old shape.
    assert_eq!(text.matches("verify_needs_read").count(), 1, "{text}");
    assert!(text.starts_with(r#"{"version":2,"#), "{text}");
    let back = decode(&out).unwrap();
    assert!(
        back.find_server("https://takahe.example")
            .unwrap()
            .verify_needs_read
    );
    assert!(
        !back
            .find_server("https://other.example")
            .unwrap()
            .verify_needs_read
    );

    // A vault written before the field existed opens, and knows nothing of `read`.
    let old = br#"{"version":2,"servers":[{"base_url":"https://takahe.example","domain":"takahe.example","software":"takahe","version":null,"apps":[]}],"accounts":[]}"#;
    let data = decode(old).unwrap();
    assert!(!data.servers[0].verify_needs_read);
}

#[test]
fn refreshing_a_server_keeps_what_was_learned() {
    let mut data = VaultData::default();
    let mut needs = server("https://takahe.example", vec![]);
    needs.verify_needs_read = true;
    data.upsert_server(needs);
    // An adopted token refreshes the record without having signed in: the flag stays.
    let refreshed = data.upsert_server(server("https://takahe.example/", vec![]));
    assert!(refreshed.verify_needs_read);
    // A server first met through an app registration knows nothing yet.
    let added = data.add_app("https://new.example", app("a", &["read"]));
    assert!(!added.verify_needs_read);
}
