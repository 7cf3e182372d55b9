//! The encrypted vault (placeholder until the Vault work lands).

#[derive(Debug)]
pub enum VaultError {
    Missing,
}
