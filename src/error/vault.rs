//! Wording of the vault's errors.

use std::fmt;

use crate::vault::VaultError;

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("vault error")
    }
}
impl std::error::Error for VaultError {}
