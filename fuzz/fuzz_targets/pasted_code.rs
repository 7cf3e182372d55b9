//! `parse_pasted_code` on arbitrary text: never panics; a code is returned only when no `state`
//! in the text differs from the expected one, and it holds only code characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mastokey::mastodon::parse_pasted_code;

const EXPECTED: &str = "expectedState_0123";

fuzz_target!(|input: &str| {
    let Ok(code) = parse_pasted_code(input, EXPECTED) else {
        return;
    };
    let code = code.expose();
    assert!(!code.is_empty() && code.len() <= 512);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b)),
        "code {code:?} from {input:?}"
    );
    // Any state the text carries must be the expected one. Which text is a query follows
    // the parser's own reading (src/mastodon/oauth.rs).
    let text = input.trim();
    let query = if text.contains("://") {
        url::Url::parse(text)
            .ok()
            .map(|u| u.query().unwrap_or_default().to_owned())
    } else if let Some((_, query)) = text.split_once('?') {
        Some(query.to_owned())
    } else if ["code=", "state=", "error="]
        .iter()
        .any(|key| text.starts_with(key) || text.contains(&format!("&{key}")))
    {
        Some(text.to_owned())
    } else {
        None
    };
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        assert!(key != "error", "a code from a denied callback: {input:?}");
        if key == "state" {
            assert_eq!(value, EXPECTED, "a code despite state {value:?} in {input:?}");
        }
    }
});
