//! Server answers: the shared classifiers, on arbitrary `Raw` responses.

use super::*;

pub(super) fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        let key = prop_oneof![
            "[a-z_]{1,16}",
            prop::sample::select(vec![
                "id",
                "username",
                "acct",
                "display_name",
                "url",
                "error",
                "error_description",
                "client_id",
                "client_secret",
                "access_token",
                "scope",
                "scopes",
                "domain",
                "uri",
                "version",
                "title",
                "links",
                "rel",
                "href",
                "software",
                "name",
            ])
            .prop_map(str::to_owned),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies a broken, hostile or non-Mastodon server might send.
pub(super) fn arb_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        any::<String>().prop_map(String::into_bytes),
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        "[ \n]{0,2}<(!doctype html|html|HTML)>(<title>[^<]{0,40}</title>)?.{0,40}"
            .prop_map(String::into_bytes),
        Just(Vec::new()),
        Just(b"{not json".to_vec()),
    ]
}

pub(super) fn arb_content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "application/json",
        "application/json; charset=utf-8",
        "text/html; charset=utf-8",
        "text/plain",
        "application/octet-stream",
    ]))
}

pub(super) fn arb_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![200u16, 201, 204, 301, 302, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503]),
        1 => 200u16..600,
    ]
}

fn raw(status: u16, content_type: Option<&str>, rate_reset: Option<&str>, body: Vec<u8>) -> Raw {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_str(ct).unwrap(),
        );
    }
    if let Some(reset) = rate_reset.and_then(|r| HeaderValue::from_str(r).ok()) {
        headers.insert(HeaderName::from_static("x-ratelimit-reset"), reset);
    }
    Raw {
        status,
        headers,
        body,
        url: Url::parse("https://social.example/api/v1/x").unwrap(),
    }
}

/// Every hint an error carries is safe to draw and short.
pub(super) fn check_hints(error: &ApiError) -> Result<(), TestCaseError> {
    let hint = match error {
        ApiError::Rejected { hint, .. }
        | ApiError::Server { hint, .. }
        | ApiError::Unexpected { hint, .. } => hint.as_deref(),
        _ => None,
    };
    if let Some(hint) = hint {
        prop_assert!(!hint.is_empty());
        prop_assert!(hint.chars().count() <= HINT_MAX);
        prop_assert!(!hint.chars().any(unsafe_char), "unsafe hint {hint:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shared_classifiers_never_panic(
        status in 0u16..1000,
        content_type in arb_content_type(),
        reset in prop::option::of(prop_oneof!["[0-9]{1,12}", any::<String>(), "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?Z"]),
        body in arb_body(),
    ) {
        let raw = raw(status, content_type, reset.as_deref(), body);
        let _ = raw.is_html();
        let _ = raw.json_error();
        if let Some(error) = common_error(&raw, &[]) {
            prop_assert!(status == 429 || (500..600).contains(&status));
            check_hints(&error)?;
        }
        check_hints(&fallback_error(&raw, &[]))?;
        match success_json(&raw, "thing") {
            Ok(map) => prop_assert_eq!(Some(map), raw.json_object()),
            Err(e) => prop_assert!(
                matches!(e, ApiError::Malformed { .. } | ApiError::NotMastodon { .. }),
                "success_json gave {e:?}"
            ),
        }
        if let Some(reset) = &reset {
            let _ = parse_rate_limit_reset(reset);
        }
    }

    #[test]
    fn hints_are_safe_and_scrubbed(
        body in arb_body(),
        html in any::<bool>(),
        secret in "[A-Za-z0-9_-]{12,43}",
        place in 0usize..4,
        split in 1usize..12,
        hidden in prop::sample::select(vec!['\u{200b}', '\u{1b}', '\u{7}', '\u{202e}', '\u{feff}', '\u{9b}']),
    ) {
        // The secret embedded in the body, in the places a server could echo it.
        let mut body = body;
        match place {
            0 => body.extend_from_slice(secret.as_bytes()),
            // Split by a character the sanitiser removes afterwards.
            3 => body = format!("bad code {}{hidden}{}", &secret[..split], &secret[split..]).into_bytes(),
            1 => body = serde_json::to_vec(&serde_json::json!({ "error": format!("bad code {secret}") })).unwrap(),
            _ => body = format!("<html><title>code {secret}</title></html>").into_bytes(),
        }
        if let Some(hint) = hint_from_body(&body, html, &[secret.as_str()]) {
            prop_assert!(!hint.contains(secret.as_str()), "hint {hint:?} leaks the secret");
            prop_assert!(hint.chars().count() <= HINT_MAX);
            prop_assert!(!hint.chars().any(unsafe_char));
        }
    }

    #[test]
    fn sanitize_hint_output_is_safe(text in any::<String>(), max in 1usize..200) {
        let out = sanitize_hint(&text, max);
        prop_assert!(out.chars().count() <= max);
        prop_assert!(!out.chars().any(unsafe_char));
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' '));
        prop_assert_eq!(sanitize_hint(&out, usize::MAX), out.clone());
    }
}
