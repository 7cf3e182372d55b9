//! The Mastodon protocol layer: server input, discovery, scopes, OAuth calls, token checks.
//!
//! It knows nothing of storage or terminals. Every endpoint is derived from a [`BaseUrl`] alone
//! (the vault stores only that). Everything a server sends is validated or sanitised here
//! (`sanitize`) before a caller can store or show it. Errors are facts (`errors.rs`) with their
//! wording beside them (`errors/wording.rs`).

pub mod account;
pub mod app_info;
pub use crate::base_url;
pub mod callback;
pub mod classify;
pub mod client;
pub mod discovery;
pub mod errors;
pub mod oauth;
pub mod sanitize;
pub mod scopes;
pub mod server;

#[cfg(test)]
mod roundtrip;

pub use account::VerifiedAccount;
pub use app_info::AppInfo;
pub use base_url::{BaseUrl, InvalidBaseUrl};
pub use callback::{CallbackError, CallbackListener};
pub use client::{Client, install_crypto_provider};
pub use discovery::{Capabilities, Software};
pub use errors::{ApiError, CodeInputError, InputError, NotMastodonReason, cause, retry_wording};
pub use oauth::{
    AppCredentials, AppRegistration, AuthorizeParams, AuthorizeRequest, RegisteredApp, TokenGrant,
    authorize_url, parse_pasted_code,
};
pub use sanitize::for_terminal;
pub use scopes::{
    Availability, Negotiated, ServerScopes, Unavailable, catalogue, covering_scope, negotiate,
    replacement_note,
};
pub use server::{ServerInput, parse_server_input};
