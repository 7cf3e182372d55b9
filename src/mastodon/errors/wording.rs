//! Wording of the protocol layer's errors, next to their types: what happened, then what to do
//! next.
//!
//! Values inside these errors are already sanitised (no control characters, bounded length) and
//! never hold a token, client secret or code, so they can be shown as they are.

use std::fmt;

use jiff::Zoned;

use super::{ApiError, CodeInputError, InputError, NotMastodonReason};

mod relative;

pub use relative::retry_wording;

const EXAMPLE: &str = "for example mastodon.social";

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Empty => write!(
                f,
                "no server name was given. Type the name of your Mastodon server, {EXAMPLE}."
            ),
            InputError::Whitespace => write!(
                f,
                "a server name cannot contain spaces. Type it without spaces, {EXAMPLE}."
            ),
            InputError::Path { path } => write!(
                f,
                "a server name has no path, but \"{path}\" follows it. Type only the server, {EXAMPLE}."
            ),
            InputError::Scheme { scheme } => write!(
                f,
                "\"{scheme}://\" addresses cannot be used. Type the server name alone, or start it with https://."
            ),
            InputError::PlainHttp { host } => write!(
                f,
                "{host} would be reached over plain http, which exposes logins and tokens. Use https://{host} instead."
            ),
            InputError::InvalidHost { host } if host.is_empty() => {
                write!(
                    f,
                    "the server name is missing. Type it after the @, {EXAMPLE}."
                )
            }
            InputError::InvalidHost { host } => write!(
                f,
                "\"{host}\" is not a valid server name. Check it for typos; it should look like mastodon.social."
            ),
            InputError::InvalidUser { user } => write!(
                f,
                "\"{user}\" is not a valid user name. Type the handle as @user@server, or just the server name."
            ),
        }
    }
}
impl std::error::Error for InputError {}

impl fmt::Display for NotMastodonReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotMastodonReason::NoInstanceApi => f.write_str("it has no Mastodon instance API"),
            NotMastodonReason::Html => {
                f.write_str("it answered with a web page where the Mastodon API should be")
            }
            NotMastodonReason::Status(status) => {
                write!(f, "its Mastodon API answered with HTTP {status}")
            }
        }
    }
}

/// " (HTTP 502: Bad Gateway)" or " (HTTP 502)".
fn status_and_hint(status: u16, hint: Option<&String>) -> String {
    match hint {
        Some(hint) => format!(" (HTTP {status}: {hint})"),
        None => format!(" (HTTP {status})"),
    }
}

impl ApiError {
    /// The message, with any time in it worded relative to `now` (the wizard passes its
    /// injected clock; `Display` reads the system's).
    pub fn wording_at(&self, now: &Zoned) -> String {
        match self {
            ApiError::RateLimited { reset: Some(reset) } => format!(
                "the server refused because of too many requests in a short time. Try again {}.",
                retry_wording(*reset, now)
            ),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Setup { detail } => write!(
                f,
                "the secure connection setup failed ({detail}). This is a bug in mastokey; please report it."
            ),
            ApiError::Timeout { host, seconds } => write!(
                f,
                "{host} did not answer within {seconds} s. Check the name, or try again later."
            ),
            ApiError::Connect { host } => write!(
                f,
                "the connection to {host} was refused or broken off. Check the name and your network, or try again later."
            ),
            ApiError::Dns { host } => write!(
                f,
                "{host} could not be found (no such name in DNS). Check the spelling of the server name and your network."
            ),
            ApiError::DnsUnavailable { host } => write!(
                f,
                "the address of {host} could not be looked up: no name server answered. Check your network connection, then try again."
            ),
            ApiError::Unroutable { host } => write!(
                f,
                "{host} cannot be reached from this network (no route to it). Check the address, and your network connection, VPN or firewall."
            ),
            ApiError::Tls { host } => write!(
                f,
                "no secure connection to {host} could be made (its certificate or https setup was refused). Check the name; if it is right, the server's https is broken."
            ),
            ApiError::InsecureRedirect { to } => write!(
                f,
                "the server redirected to {to} without https, so mastokey stopped. Type the server's final https address instead."
            ),
            ApiError::TooManyRedirects { host } => write!(
                f,
                "{host} redirected too many times. Type the server's own address, or try again later."
            ),
            ApiError::NotMastodon { reason } => write!(
                f,
                "this does not look like a Mastodon server: {reason}. Check that the name is the Mastodon server itself, not a website about it."
            ),
            ApiError::RateLimited { reset: Some(_) } => {
                f.write_str(&self.wording_at(&Zoned::now()))
            }
            ApiError::RateLimited { reset: None } => f.write_str(
                "the server refused because of too many requests in a short time. Wait a few minutes, then try again.",
            ),
            ApiError::InvalidClient => f.write_str(
                "the server no longer accepts mastokey's app registration (it may have been deleted). Try again: a new app will be registered.",
            ),
            ApiError::InvalidGrant => f.write_str(
                "the server refused the code: it was mistyped or incomplete, expired (codes last only minutes), was already used, or belongs to another app. Sign in again to get a new code, or fix a typo and press Enter.",
            ),
            ApiError::InvalidScope => f.write_str(
                "the server refused the requested scopes. Choose other scopes and try again.",
            ),
            ApiError::InvalidRequest => f.write_str(
                "the server found the token request incomplete. Try again; if it keeps failing, please report it as a mastokey bug.",
            ),
            ApiError::UnsupportedGrantType => f.write_str(
                "the server does not hand out tokens this way, so it is not fully Mastodon-compatible. Use a token created on the server's website instead.",
            ),
            ApiError::TokenType { token_type } if token_type.is_empty() => f.write_str(
                "the server handed out a token of an unknown type, which mastokey cannot use. Use a token created on the server's website instead.",
            ),
            ApiError::TokenType { token_type } => write!(
                f,
                "the server handed out a \"{token_type}\" token, but mastokey can only use bearer tokens. Use a token created on the server's website instead."
            ),
            ApiError::Rejected { status, hint } => write!(
                f,
                "the server rejected the request{}. Check the chosen scopes, then try again.",
                status_and_hint(*status, hint.as_ref())
            ),
            ApiError::TokenInvalid => f.write_str(
                "the token is not valid on this server (unknown or deleted). Re-authorize the account to get a new one (in `mastokey`, its details).",
            ),
            ApiError::TokenRevoked => f.write_str(
                "the token was revoked, for example under Authorized apps on the server's website. Re-authorize the account to get a new one (in `mastokey`, its details).",
            ),
            ApiError::InsufficientScope => f.write_str(
                "the token lacks the scope this server needs to check it: read always works, while profile or read:accounts is not enough on some servers. Re-authorize the account with the read scope to fix it.",
            ),
            ApiError::TokenExpired => f.write_str(
                "the token has expired on this server. Sign in again to create a new token for this account.",
            ),
            ApiError::AppToken => f.write_str(
                "this token belongs to an app, not to a user account. Create a token by signing in as a user.",
            ),
            ApiError::AccountDisabled => f.write_str(
                "the account is disabled or suspended on this server. Sign in on the server's website to see why, or ask its moderators.",
            ),
            ApiError::AccountPending => f.write_str(
                "the account is still waiting for approval by the server's moderators. Try again once it is approved.",
            ),
            ApiError::AccountUnconfirmed => f.write_str(
                "the account's e-mail address is not confirmed yet. Follow the link in the confirmation e-mail, then try again.",
            ),
            ApiError::RevokeForbidden => f.write_str(
                "the server refused to revoke the token for this app. Revoke it in the server's settings, on the page that lists authorized apps or access tokens.",
            ),
            // A proxy's answer: the server behind it did not answer in time or at all.
            ApiError::RevokeIgnored { page } => write!(
                f,
                "the server answered the revoke, but the token is still valid on the server. Revoke it in the server's settings, {page}."
            ),
            ApiError::Server { status, hint } if matches!(status, 502 | 504) => write!(
                f,
                "a gateway in front of the server could not reach it{}. The server may be down or restarting; try again later.",
                status_and_hint(*status, hint.as_ref())
            ),
            ApiError::Server { status, hint } => write!(
                f,
                "the server had an internal error{}. Try again later.",
                status_and_hint(*status, hint.as_ref())
            ),
            ApiError::Unexpected { status, hint } => write!(
                f,
                "the server gave an unexpected answer{}. Try again later; if it persists, the server may not be Mastodon-compatible.",
                status_and_hint(*status, hint.as_ref())
            ),
            ApiError::Malformed { what } => write!(
                f,
                "the server's {what} answer could not be read. Try again later; if it persists, the server may not be Mastodon-compatible."
            ),
        }
    }
}
impl std::error::Error for ApiError {}

impl fmt::Display for CodeInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let CodeInputError::ServerError { description } = self {
            return write!(
                f,
                "the server reported an error instead of a code: \"{description}\". Open the authorize page again with the code flow (m) and paste the code it shows."
            );
        }
        f.write_str(match self {
            CodeInputError::ServerError { .. } => "",
            CodeInputError::Empty => {
                "nothing was pasted. Paste the code the server showed, or the whole address the browser ended on."
            }
            CodeInputError::Denied => {
                "the authorization was denied in the browser. Open the authorize page again and choose Authorize."
            }
            CodeInputError::StateMismatch => {
                "the pasted address belongs to another sign-in attempt. Paste the address from the latest authorize page, or just the code."
            }
            CodeInputError::MissingCode => {
                "the pasted address holds no code. Paste the address the browser ended on after Authorize, or just the code."
            }
            CodeInputError::InvalidCharacters => {
                "that does not look like an authorization code (it has spaces or unusual characters). Copy just the code and paste it again."
            }
        })
    }
}
impl std::error::Error for CodeInputError {}

/// The cause in an error's wording, without the advice after it, for a sentence that gives its
/// own: "the token was revoked, for example … website. Re-authorize …" → "the token was revoked,
/// for example … website" (its first sentence, without the full stop).
pub fn cause(text: &str) -> &str {
    text.split(". ")
        .next()
        .unwrap_or(text)
        .trim_end()
        .trim_end_matches('.')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use super::*;

    fn all_api_errors() -> Vec<ApiError> {
        let host = || "mastodon.example".to_owned();
        vec![
            ApiError::Setup { detail: "x".into() },
            ApiError::Timeout {
                host: host(),
                seconds: 30,
            },
            ApiError::Connect { host: host() },
            ApiError::Dns { host: host() },
            ApiError::Tls { host: host() },
            ApiError::InsecureRedirect { to: host() },
            ApiError::TooManyRedirects { host: host() },
            ApiError::NotMastodon {
                reason: NotMastodonReason::NoInstanceApi,
            },
            ApiError::NotMastodon {
                reason: NotMastodonReason::Html,
            },
            ApiError::NotMastodon {
                reason: NotMastodonReason::Status(403),
            },
            ApiError::RateLimited { reset: None },
            ApiError::RateLimited {
                reset: Some("2026-08-21T12:40:00Z".parse().unwrap()),
            },
            ApiError::InvalidClient,
            ApiError::InvalidGrant,
            ApiError::InvalidScope,
            ApiError::InvalidRequest,
            ApiError::UnsupportedGrantType,
            ApiError::TokenType {
                token_type: "mac".into(),
            },
            ApiError::TokenType {
                token_type: String::new(),
            },
            ApiError::Rejected {
                status: 422,
                hint: Some("Validation failed".into()),
            },
            ApiError::TokenInvalid,
            ApiError::TokenRevoked,
            ApiError::InsufficientScope,
            ApiError::AppToken,
            ApiError::AccountDisabled,
            ApiError::AccountPending,
            ApiError::AccountUnconfirmed,
            ApiError::RevokeForbidden,
            ApiError::Server {
                status: 502,
                hint: Some("Bad Gateway".into()),
            },
            ApiError::Server {
                status: 500,
                hint: None,
            },
            ApiError::Unexpected {
                status: 418,
                hint: None,
            },
            ApiError::Malformed { what: "token" },
        ]
    }

    pub(crate) fn check_shape(message: &str) {
        let first = message.chars().next().unwrap();
        assert!(
            !first.is_uppercase() || message.starts_with('"'),
            "lower-case start: {message}"
        );
        assert!(
            !message.ends_with('\n') && message.ends_with('.'),
            "{message}"
        );
        assert!(message.chars().all(|c| !c.is_control()), "{message}");
        // Two parts: what happened, what to do.
        assert!(message.matches(". ").count() >= 1, "no advice: {message}");
    }

    #[test]
    fn a_bad_gateway_is_not_an_internal_error() {
        for status in [502, 504] {
            let text = ApiError::Server { status, hint: None }.to_string();
            assert!(text.contains("gateway in front of the server"), "{text}");
            assert!(!text.contains("internal error"), "{text}");
        }
        let text = ApiError::Server {
            status: 500,
            hint: None,
        }
        .to_string();
        assert!(text.contains("internal error"), "{text}");
    }

    #[test]
    fn api_messages_say_what_and_what_next() {
        for error in all_api_errors() {
            check_shape(&error.to_string());
        }
        assert_eq!(
            ApiError::Timeout {
                host: "mastodon.example".into(),
                seconds: 30
            }
            .to_string(),
            "mastodon.example did not answer within 30 s. Check the name, or try again later."
        );
        assert!(
            ApiError::Server {
                status: 502,
                hint: Some("Bad Gateway".into())
            }
            .to_string()
            .contains("(HTTP 502: Bad Gateway)")
        );
    }

    #[test]
    fn input_and_code_messages() {
        let inputs = [
            InputError::Empty,
            InputError::Whitespace,
            InputError::Path {
                path: "/@alice".into(),
            },
            InputError::Scheme {
                scheme: "ftp".into(),
            },
            InputError::PlainHttp {
                host: "mastodon.example".into(),
            },
            InputError::InvalidHost {
                host: String::new(),
            },
            InputError::InvalidHost {
                host: "exa$mple".into(),
            },
            InputError::InvalidUser { user: "a:b".into() },
        ];
        for error in inputs {
            check_shape(&error.to_string());
        }
        for error in [
            CodeInputError::Empty,
            CodeInputError::Denied,
            CodeInputError::ServerError {
                description: "The authorization server encountered an unexpected condition".into(),
            },
            CodeInputError::StateMismatch,
            CodeInputError::MissingCode,
            CodeInputError::InvalidCharacters,
        ] {
            check_shape(&error.to_string());
        }
    }
}
