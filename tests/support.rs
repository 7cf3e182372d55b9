//! Shared test helpers: the fake Mastodon server, the CLI runner, the pseudo-terminal driver.

pub mod e2e;
pub mod fake_server;
pub mod pty;
