//! Server input (never-panics and idempotence are in src/mastodon/server.rs; this adds the shape
//! of a successful result).

use super::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn server_input_success_is_a_bare_origin(
        input in prop_oneof![
            any::<String>(),
            "[ \t]{0,2}(HTTPS?://|https?://)?@?([a-zA-Z0-9._-]{1,6}@)?([a-zA-Z0-9ü-]{1,10}\\.){0,3}[a-zA-Z0-9-]{1,8}\\.?(:[0-9]{1,6})?/{0,3}[ \t\n]{0,2}",
            "(https?://)?(127\\.0\\.0\\.[0-9]{1,3}|localhost|\\[::1\\]|10\\.0\\.0\\.1)(:[0-9]{1,5})?/?",
        ]
    ) {
        if let Ok(parsed) = parse_server_input(&input) {
            let base = parsed.base.url();
            prop_assert_eq!(base.path(), "/");
            prop_assert!(base.query().is_none() && base.fragment().is_none());
            prop_assert!(base.username().is_empty() && base.password().is_none());
            prop_assert!(base.host_str().is_some_and(|h| !h.is_empty()));
            match base.scheme() {
                "https" => prop_assert!(!parsed.loopback_http),
                "http" => prop_assert!(parsed.loopback_http),
                other => prop_assert!(false, "scheme {other} from {input:?}"),
            }
            if let Some(user) = &parsed.user {
                prop_assert!(!user.is_empty());
                prop_assert!(!user.chars().any(|c| c.is_whitespace() || unsafe_char(c) || c == '@'));
            }
        }
    }
}
