//! How strong a new passphrase looks: one rule for the wizard's hint and `passwd`'s. The only
//! hard rule is the minimum length ([`MIN_PASSPHRASE_LEN`]).

use super::MIN_PASSPHRASE_LEN;

/// A rough strength hint for a new passphrase; empty for an empty one.
pub fn passphrase_strength(passphrase: &str) -> &'static str {
    let len = passphrase.chars().count();
    let classes = [
        passphrase.chars().any(char::is_lowercase),
        passphrase.chars().any(char::is_uppercase),
        passphrase.chars().any(|c| c.is_ascii_digit()),
        passphrase.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match (len, classes) {
        (0, _) => "",
        (l, _) if l < MIN_PASSPHRASE_LEN => "too short (at least 8 characters)",
        (l, c) if l >= 20 || (l >= 14 && c >= 3) => "strong",
        (l, c) if l >= 12 || c >= 3 => "fair: a longer passphrase is stronger",
        _ => "weak: use a longer passphrase, e.g. several words",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_hints() {
        assert!(passphrase_strength("abc").starts_with("too short"));
        assert!(passphrase_strength("abcdefgh").starts_with("weak"));
        assert!(passphrase_strength("Abcdefgh1!").starts_with("fair"));
        assert_eq!(
            passphrase_strength("correct horse battery staple"),
            "strong"
        );
        assert_eq!(passphrase_strength(""), "");
        // The message names the real minimum.
        assert!(
            passphrase_strength("abc")
                .contains(&format!("at least {MIN_PASSPHRASE_LEN} characters"))
        );
    }
}
