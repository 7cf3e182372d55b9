//! Command-line tests (see `cli_tests/`).
