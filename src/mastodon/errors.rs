//! The protocol layer's error types, and (in `errors/wording.rs`) their wording.
//!
//! No value here ever holds a token, client secret or authorization code: server text is kept
//! only as a sanitised, truncated `hint` (see `sanitize::hint_from_body`), with any secret the
//! request carried scrubbed out.

mod wording;

use jiff::Timestamp;

#[cfg(test)]
pub(crate) use wording::tests::check_shape;
pub use wording::{cause, retry_wording};

/// Why a typed server name cannot be used. Strings are sanitised copies of the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// Nothing was typed.
    Empty,
    /// The input has a space, tab or line break inside it.
    Whitespace,
    /// The input has a path, query or fragment after the host (e.g. a profile link).
    Path { path: String },
    /// A scheme other than https (or http for a loopback host).
    Scheme { scheme: String },
    /// Plain http to a host that is not loopback.
    PlainHttp { host: String },
    /// The host part is not a valid host name or address.
    InvalidHost { host: String },
    /// The `user` part of `@user@host` is empty or has characters a handle cannot have.
    InvalidUser { user: String },
}

/// Why a server answer or a request failed.
///
/// Transport variants carry the host (and the timeout) because the message names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The HTTP client could not be built (the TLS setup failed).
    Setup { detail: String },
    /// No answer within the connect or request timeout.
    Timeout { host: String, seconds: u64 },
    /// The connection was refused, reset or dropped.
    Connect { host: String },
    /// The host name does not resolve.
    Dns { host: String },
    /// The name could not be looked up at all (no DNS server answered): says nothing about the
    /// name.
    DnsUnavailable { host: String },
    /// No route to the address: the network is unreachable from here, or the host is.
    Unroutable { host: String },
    /// The TLS handshake failed (bad certificate, no https on that port, …).
    Tls { host: String },
    /// A discovery redirect pointed at plain http on a non-loopback host or another scheme.
    InsecureRedirect { to: String },
    /// More redirects than allowed, probably a loop.
    TooManyRedirects { host: String },
    /// The server does not offer the Mastodon client API.
    NotMastodon { reason: NotMastodonReason },
    /// 429. `reset` comes from `X-RateLimit-Reset` (ISO 8601) when the server sent it.
    RateLimited { reset: Option<Timestamp> },
    /// `invalid_client`: the app's client id or secret is not (or no longer) known to the server.
    InvalidClient,
    /// `invalid_grant`, or any other 4xx from the token endpoint after a successful registration
    /// (Mitra: 404): the code is wrong, expired, used, or for another app or redirect.
    InvalidGrant,
    /// `invalid_scope`.
    InvalidScope,
    /// `invalid_request`: a parameter is missing or client authentication was sent twice.
    InvalidRequest,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// The token answer's `token_type` is not `Bearer` (sanitised, possibly empty).
    TokenType { token_type: String },
    /// 422 validation failure (app registration): the server's reason as a hint.
    Rejected { status: u16, hint: Option<String> },
    /// The token is unknown or not valid (401; 422 with an empty body on snac).
    TokenInvalid,
    /// The token was revoked (401 "The access token was revoked").
    TokenRevoked,
    /// The token is past its lifetime (401 "The access token expired"; Mitra's tokens expire).
    TokenExpired,
    /// The token lacks the scope the call needs.
    InsufficientScope,
    /// The token belongs to the app, not to a user (client credentials).
    AppToken,
    /// The account is suspended, disabled, moved or lacks required 2FA.
    AccountDisabled,
    /// The account awaits moderator approval.
    AccountPending,
    /// The account's e-mail address is not confirmed.
    AccountUnconfirmed,
    /// The server refused to revoke this token for this app (403 `unauthorized_client`).
    RevokeForbidden,
    /// The server answered the revoke, yet still accepts the token. `page` names where its
    /// settings list tokens ("under Authorized apps"), chosen by the caller for wording only.
    RevokeIgnored { page: &'static str },
    /// 5xx.
    Server { status: u16, hint: Option<String> },
    /// Any other status the call does not expect.
    Unexpected { status: u16, hint: Option<String> },
    /// A success status whose body could not be read as the expected JSON.
    Malformed { what: &'static str },
}

/// Why a server is judged not to offer the Mastodon API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotMastodonReason {
    /// `/api/v1/instance` (and v2) answered 404.
    NoInstanceApi,
    /// A web page came back where JSON was expected.
    Html,
    /// Some other status where the instance information should be.
    Status(u16),
}

/// Why a pasted authorization code or callback URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeInputError {
    /// Nothing was pasted.
    Empty,
    /// The callback says the user pressed "Deny" (`error=access_denied`).
    Denied,
    /// The callback carries another error (`server_error`, …): its `error_description` (or the
    /// error code), sanitised and shortened.
    ServerError { description: String },
    /// The callback's `state` differs from the one sent: not the answer to this request.
    StateMismatch,
    /// A URL was pasted, but it has no `code` parameter.
    MissingCode,
    /// The text has spaces or characters a code cannot have.
    InvalidCharacters,
}

impl ApiError {
    /// The server could not be reached or did not answer: nothing is known about the token.
    pub fn is_network_problem(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout { .. }
                | ApiError::Connect { .. }
                | ApiError::Dns { .. }
                | ApiError::DnsUnavailable { .. }
                | ApiError::Unroutable { .. }
                | ApiError::Tls { .. }
                | ApiError::InsecureRedirect { .. }
                | ApiError::TooManyRedirects { .. }
        )
    }
}
