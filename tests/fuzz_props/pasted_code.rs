//! Pasted codes.

use super::*;

/// Characters a code may have (`check_code` in src/mastodon/oauth.rs).
fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// A query parameter of a pasted callback URL.
#[derive(Debug, Clone)]
enum Param {
    Code(String),
    State(String),
    Error(String),
    Other(String, String),
}

fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,50}",
        "[A-Za-z0-9_.~+/=%-]{0,20}",
        any::<String>(),
    ]
}

fn param(expected_state: String) -> impl Strategy<Value = Param> {
    prop_oneof![
        3 => value_text().prop_map(Param::Code),
        2 => Just(expected_state).prop_map(Param::State),
        2 => value_text().prop_map(Param::State),
        1 => value_text().prop_map(Param::Error),
        1 => ("[a-z_]{1,8}", value_text()).prop_map(|(k, v)| Param::Other(k, v)),
    ]
}

fn query(params: &[Param]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for p in params {
        match p {
            Param::Code(v) => query.append_pair("code", v),
            Param::State(v) => query.append_pair("state", v),
            Param::Error(v) => query.append_pair("error", v),
            Param::Other(k, v) => query.append_pair(k, v),
        };
    }
    query.finish()
}

fn pasted_url() -> impl Strategy<Value = (String, String, Vec<Param>)> {
    "[A-Za-z0-9_-]{8,32}".prop_flat_map(|expected| {
        (
            Just(expected.clone()),
            prop_oneof![
                Just("http://127.0.0.1:4567/callback?".to_owned()),
                Just("https://social.example/oauth/authorize/native?".to_owned()),
                Just(String::new()),
                Just("?".to_owned()),
                "[ \t\r\n]{0,3}(https?|[a-z]{1,5})://[a-z.]{1,12}(:[0-9]{1,5})?/[a-z/]{0,10}\\?",
            ],
            prop::collection::vec(param(expected), 0..5),
            "[ \t\r\n]{0,3}",
        )
            .prop_map(|(expected, prefix, params, suffix)| {
                (
                    format!("{prefix}{}{suffix}", query(&params)),
                    expected,
                    params,
                )
            })
    })
}

fn check_code_output(code: &Secret) -> Result<(), TestCaseError> {
    let code = code.expose();
    prop_assert!(!code.is_empty());
    prop_assert!(code.len() <= 512);
    prop_assert!(
        code.chars().all(code_char),
        "code {code:?} has whitespace, control or other characters"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pasted_code_any_text(input in any::<String>(), expected in "[A-Za-z0-9_-]{0,32}") {
        if let Ok(code) = parse_pasted_code(&input, &expected) {
            check_code_output(&code)?;
        }
    }

    #[test]
    fn pasted_bare_code_is_returned_trimmed(code in "[A-Za-z0-9_-]{1,64}", pad in "[ \t\r\n]{0,3}") {
        let input = format!("{pad}{code}{pad}");
        let parsed = parse_pasted_code(&input, "state").unwrap();
        prop_assert_eq!(parsed.expose(), code.as_str());
    }

    /// A callback URL (or its query) gives its code only when no `state` in it differs from
    /// the expected one, and never when it carries an `error`.
    #[test]
    fn pasted_url_code_only_with_matching_state((input, expected, params) in pasted_url()) {
        let result = parse_pasted_code(&input, &expected);
        let states: Vec<&String> =
            params.iter().filter_map(|p| if let Param::State(s) = p { Some(s) } else { None }).collect();
        let has_error = params.iter().any(|p| matches!(p, Param::Error(_)));
        let last_code = params.iter().rev().find_map(|p| if let Param::Code(c) = p { Some(c) } else { None });
        if let Ok(code) = &result {
            check_code_output(code)?;
            prop_assert!(!has_error, "a denied callback gave a code: {input:?}");
            prop_assert!(
                states.iter().all(|s| **s == expected),
                "{input:?} gave a code although a state differs from {expected:?}"
            );
            if input.contains('?') || input.trim_start().starts_with("code=") {
                prop_assert_eq!(Some(code.expose()), last_code.map(String::as_str));
            }
        }
        if !has_error && states.iter().any(|s| **s != expected) && input.contains('?') {
            prop_assert_eq!(result.err(), Some(CodeInputError::StateMismatch));
        }
    }
}
