//! All integration tests, compiled into one binary (`autotests = false` in Cargo.toml).

mod support;

mod cli_tests;
mod fake_server_tests;
mod mastodon_flow;
mod vault_tests;
mod wizard_e2e;
