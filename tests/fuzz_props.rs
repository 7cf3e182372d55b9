//! Property tests over everything that reads untrusted input, through the public API: server
//! input, pasted codes, server answers (the shared classifiers on `Raw`, and each call's own
//! classifier through a loopback server that answers with arbitrary statuses and bodies), and
//! vault files. Case counts stay small so `cargo test` stays fast; `fuzz/` holds the
//! coverage-guided targets for longer runs.
//!
//! Unit-level proptests live beside their code (`src/mastodon/server.rs`, `src/vault/model.rs`);
//! nothing here repeats them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use mastokey::mastodon::classify::{
    Raw, common_error, fallback_error, parse_rate_limit_reset, success_json,
};
use mastokey::mastodon::sanitize::{HINT_MAX, hint_from_body, sanitize_hint};
use mastokey::mastodon::{
    ApiError, AppCredentials, AppRegistration, Client, CodeInputError, parse_pasted_code,
    parse_server_input,
};
use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault, VaultError};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

/// A character that must never reach the terminal from the network or a paste.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

mod classify;
mod client;
mod pasted_code;
mod server_input;
mod vault;
