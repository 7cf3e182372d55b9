//! All integration tests, compiled into one binary (`autotests = false` in Cargo.toml).

// A panic in a test is a failure with a backtrace, which is what a test wants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cli_tests;
mod fake_server_tests;
mod faults;
mod fuzz_props;
mod mastodon_flow;
mod security;
mod vault_tests;
mod wizard_adopt_e2e;
mod wizard_e2e;
mod wizard_identity_e2e;
