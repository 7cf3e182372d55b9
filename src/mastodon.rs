//! The Mastodon protocol layer: server input, discovery, scopes, OAuth calls, token checks.
//!
//! It knows nothing of storage or terminals. Every endpoint is derived from a base URL alone
//! (the vault stores only that). Errors are facts (`errors.rs`); their wording lives in
//! `src/error/mastodon.rs`.

pub mod account;
pub mod callback;
pub mod discovery;
pub mod errors;
pub mod http;
pub mod oauth;
pub mod scopes;
pub mod server;

#[cfg(test)]
mod roundtrip;

pub use account::VerifiedAccount;
pub use callback::{CallbackError, CallbackListener};
pub use discovery::{Capabilities, Software};
pub use errors::{ApiError, CodeInputError, InputError, NotMastodonReason};
pub use http::{Client, install_crypto_provider};
pub use oauth::{
    AppCredentials, AppRegistration, AuthorizeParams, AuthorizeRequest, RegisteredApp, TokenGrant,
    authorize_url, parse_pasted_code,
};
pub use scopes::{Negotiated, Unavailable, catalogue, negotiate};
pub use server::{ServerInput, parse_server_input};
