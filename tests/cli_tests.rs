//! cli_tests
