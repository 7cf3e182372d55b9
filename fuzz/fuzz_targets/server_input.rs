//! `parse_server_input` on arbitrary text: never panics; a success is a bare https origin (or
//! http on loopback) and parses to itself again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mastokey::mastodon::parse_server_input;

fuzz_target!(|input: &str| {
    let Ok(parsed) = parse_server_input(input) else {
        return;
    };
    let base = &parsed.base;
    let url = base.url();
    assert_eq!(url.path(), "/");
    assert!(url.query().is_none() && url.fragment().is_none());
    assert!(url.username().is_empty() && url.password().is_none());
    assert_eq!(base.scheme() == "http", parsed.loopback_http);
    let again = parse_server_input(base.as_str()).map(|p| p.base);
    assert_eq!(again.as_ref(), Ok(base), "not idempotent on {input:?}");
});
