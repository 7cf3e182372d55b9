//! `Secret`: the one type for tokens, client secrets, authorization codes and passphrases.
//!
//! It cannot leak by accident: `Debug` and `Display` are redacted, there is no `Clone`, `Serialize`
//! or `PartialEq` derive, the memory is wiped on drop, and the only way to read it is the loudly
//! named [`Secret::expose`]. Storage opts in explicitly through [`serde_exposed`].

use std::fmt;

use zeroize::Zeroizing;

/// A secret string, wiped from memory when dropped.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret in clear. Every call site is a place where the secret leaves this type: keep
    /// them few and obvious (HTTP bodies, the vault's serialiser, an explicit reveal or copy).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// An explicit copy; `Secret` is deliberately not `Clone` so copies are visible in review.
    #[must_use]
    pub fn duplicate(&self) -> Self {
        Self::new(self.expose())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Compares two secrets without exposing either to the caller.
    pub fn same_as(&self, other: &Secret) -> bool {
        // Not constant-time: comparisons happen locally between values the user already holds.
        self.expose() == other.expose()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// Serde support for the vault only, used as `#[serde(with = "crate::secret::serde_exposed")]`.
/// The vault file is encrypted as a whole, so writing the secret in clear inside it is intended.
pub mod serde_exposed {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Secret;

    pub fn serialize<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{s}"), "<redacted>");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn duplicate_and_compare() {
        let a = Secret::new("abc");
        let b = a.duplicate();
        assert!(a.same_as(&b));
        assert!(!a.same_as(&Secret::new("abd")));
        assert_eq!(a.len(), 3);
    }
}
