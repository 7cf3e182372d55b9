//! `parse_pasted_code` on arbitrary text: never panics; a code is returned only when no `state`
//! in the text differs from the expected one, and it holds only code characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mastokey::mastodon::oauth::{parse_pasted_code, pasted_query};

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
    // Any state the text carries must be the expected one. Which text is a query is the
    // parser's own reading (`pasted_query`), so this checks the real parser, not a copy of it.
    let query = pasted_query(input).expect("a text that gave a code has a readable query");
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        assert!(key != "error", "a code from a denied callback: {input:?}");
        if key == "state" {
            assert_eq!(value, EXPECTED, "a code despite state {value:?} in {input:?}");
        }
    }
});
