//! Server text → text that is safe to show or store. Everything a server sends that reaches a
//! screen or the vault passes through here: error hints, names, account fields, scopes.
//!
//! Two shapes: [`sanitize_hint`] for one-line values (whitespace collapsed, length capped), and
//! [`for_terminal`] for any text about to be printed (controls removed, line breaks kept).

use std::borrow::Cow;

/// Longest server text shown to the user.
pub const HINT_MAX: usize = 120;

/// Characters that must never reach a terminal: C0 and C1 controls (ESC, CSI, OSC, BEL …) and
/// the invisible format characters that reorder or hide text (bidi overrides and isolates,
/// directional marks, zero-width characters).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || is_format_char(c)
}

/// Invisible format characters that can reorder or hide text on a terminal.
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
    )
}

/// The one sanitiser for terminal output: removes every C0/C1 control (so no escape sequence
/// can start) and every bidi or invisible format character. Line breaks and tabs survive, so
/// multi-line output keeps its shape; nothing else is changed. Borrowed when already clean.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let keep = |c: char| matches!(c, '\n' | '\t') || !is_unsafe_char(c);
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|&c| keep(c)).collect())
}

/// Removes every control character (ESC, C1 controls, bidi overrides), collapses whitespace,
/// and truncates to `max` characters with an ellipsis.
pub fn sanitize_hint(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_unsafe_char(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return cut;
    }
    out
}

/// One OAuth scope token (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`): printable ASCII
/// without space, `"` and `\`. Anything else in a server's scope list is not a scope.
pub fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope.len() <= 128
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Server text → something safe to show: for JSON, `error_description` or `error`; for HTML, its
/// `<title>` or nothing; otherwise the text itself. Secrets are replaced, control characters
/// (escape sequences included) removed, whitespace collapsed, length capped at `HINT_MAX`.
pub fn hint_from_body(body: &[u8], html: bool, secrets: &[&str]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let raw = if html {
        html_title(&text)?
    } else if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
        let field = |name: &str| {
            map.get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        field("error_description").or_else(|| field("error"))?
    } else {
        text.into_owned()
    };
    // Sanitised before scrubbing as well as after: a secret split by a control or invisible
    // character would otherwise slip past the scrub and be joined up again by the sanitiser.
    let mut scrubbed = sanitize_hint(&raw, usize::MAX);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        scrubbed = scrubbed.replace(secret, "[redacted]");
    }
    let hint = sanitize_hint(&scrubbed, HINT_MAX);
    (!hint.is_empty()).then_some(hint)
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    // ASCII lower-casing keeps byte offsets, so they index `text` too.
    let title = text.get(start..end)?;
    let title = title
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    Some(title)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_controls_and_collapses() {
        assert_eq!(sanitize_hint("  a\n\n b\t c  ", 120), "a b c");
        assert_eq!(sanitize_hint("\u{1b}[31mred\u{1b}[0m", 120), "[31mred[0m");
        assert_eq!(sanitize_hint("a\u{7}b\u{9b}c\u{202e}d", 120), "abcd");
        assert_eq!(sanitize_hint("a\u{61c}b\u{2066}c\u{200e}d", 120), "abcd");
        let long = "x".repeat(300);
        let cut = sanitize_hint(&long, 120);
        assert_eq!(cut.chars().count(), 120);
        assert!(cut.ends_with('…'));
        assert_eq!(sanitize_hint(&"é".repeat(121), 120).chars().count(), 120);
    }

    #[test]
    fn for_terminal_removes_every_escape_and_bidi_control() {
        let hostile = "profile \u{1b}]0;TITLE\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{1b}[6n\
                       \u{9b}31m\u{202e}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}\u{7f}\u{0}end";
        let clean = for_terminal(hostile);
        assert!(clean.chars().all(|c| !is_unsafe_char(c)), "{clean:?}");
        assert_eq!(clean, "profile ]0;TITLE]52;c;aGk=[2J[6n31mend");
        // Clean text is not copied; line breaks and tabs keep their shape.
        assert!(matches!(for_terminal("a\tb\nc"), Cow::Borrowed("a\tb\nc")));
        assert_eq!(for_terminal("a\r\nb"), "a\nb");
    }

    #[test]
    fn scope_tokens_follow_the_grammar() {
        for ok in [
            "read",
            "write:statuses",
            "admin:read:accounts",
            "profile",
            "!#[]~",
        ] {
            assert!(is_scope_token(ok), "{ok}");
        }
        for bad in [
            "",
            "re ad",
            "a\"b",
            "a\\b",
            "\u{1b}[2J",
            "é",
            "a\u{202e}",
            &"x".repeat(129),
        ] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn hints_from_json_html_and_text() {
        let json =
            br#"{"error":"invalid_grant","error_description":"The provided grant is invalid."}"#;
        assert_eq!(
            hint_from_body(json, false, &[]).as_deref(),
            Some("The provided grant is invalid.")
        );
        assert_eq!(
            hint_from_body(br#"{"error":"Too many requests"}"#, false, &[]).as_deref(),
            Some("Too many requests")
        );
        let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><script>x</script></body></html>";
        assert_eq!(
            hint_from_body(html, true, &[]).as_deref(),
            Some("502 Bad Gateway")
        );
        assert_eq!(
            hint_from_body(b"<html><body>oops</body></html>", true, &[]),
            None
        );
        assert_eq!(hint_from_body(b"", false, &[]), None);
        assert_eq!(
            hint_from_body(b"plain\x1b]0;pwned\x07 text", false, &[]).as_deref(),
            Some("plain]0;pwned text")
        );
    }

    #[test]
    fn hints_never_carry_secrets() {
        let body = br#"{"error":"code abc123SECRET is bad"}"#;
        let hint = hint_from_body(body, false, &["abc123SECRET"]).unwrap();
        assert!(!hint.contains("abc123SECRET"));
        assert_eq!(hint, "code [redacted] is bad");
        let split = "code abc123\u{200b}SECRET is bad";
        let hint = hint_from_body(split.as_bytes(), false, &["abc123SECRET"]).unwrap();
        assert_eq!(hint, "code [redacted] is bad");
    }

    proptest::proptest! {
        #[test]
        fn for_terminal_leaves_nothing_unsafe_and_is_idempotent(text in proptest::prelude::any::<String>()) {
            let once = for_terminal(&text);
            proptest::prop_assert!(once.chars().all(|c| matches!(c, '\n' | '\t') || !is_unsafe_char(c)));
            proptest::prop_assert_eq!(for_terminal(&once), once.clone());
        }
    }
}
