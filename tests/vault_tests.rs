//! vault_tests
