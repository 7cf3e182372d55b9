//! Checking stored tokens: one classification of `verify_credentials` results and one bounded,
//! concurrent runner, shared by `mastokey verify` and the Home screen.

use futures_util::StreamExt;
use futures_util::stream;
use jiff::Timestamp;

use crate::mastodon::BaseUrl;
use crate::mastodon::{ApiError, Client, VerifiedAccount};
use crate::secret::Secret;
use crate::vault::model::{AccountKey, CheckStatus};

/// At most this many checks in flight per server: enough to hide latency, few enough to stay
/// polite. Servers are checked side by side, each with its own allowance.
pub const PER_SERVER: usize = 16;

/// One token to check.
pub struct CheckItem {
    /// The entry checked; its id is the account the token belonged to when stored (another id
    /// in the answer means a different account).
    pub key: AccountKey,
    /// The entry's name for people (see `VaultData::labels`).
    pub label: String,
    pub base: BaseUrl,
    pub token: Secret,
    /// When the stored token expires, if the server said so when it issued it.
    pub expires_at: Option<Timestamp>,
}

/// The result of one check, for the entry it was made on.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub key: AccountKey,
    pub label: String,
    pub status: CheckStatus,
    pub detail: String,
}

/// Like [`classify`], for a token stored with an expiry: a refusal after that moment is
/// `Expired` (servers word an expired token like an unknown one).
pub fn classify_expiring(
    result: &Result<VerifiedAccount, ApiError>,
    expected_id: &str,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> (CheckStatus, String) {
    let (status, detail) = classify(result, expected_id);
    match expires_at {
        Some(at) if at <= now && matches!(status, CheckStatus::Invalid | CheckStatus::Revoked) => (
            CheckStatus::Expired,
            format!(
                "the token expired on {}. Sign in again to create a new token for this account.",
                at.strftime("%Y-%m-%d %H:%M UTC")
            ),
        ),
        _ => (status, detail),
    }
}

/// Maps a `verify_credentials` result to a status and a short, secret-free detail.
pub fn classify(
    result: &Result<VerifiedAccount, ApiError>,
    expected_id: &str,
) -> (CheckStatus, String) {
    match result {
        Ok(account) if account.id == expected_id => {
            (CheckStatus::Valid, format!("@{}", account.acct))
        }
        Ok(account) => (
            CheckStatus::Invalid,
            format!(
                "the token now belongs to another account (@{})",
                account.acct
            ),
        ),
        Err(error) => {
            let status = match error {
                ApiError::TokenRevoked => CheckStatus::Revoked,
                ApiError::TokenExpired => CheckStatus::Expired,
                ApiError::TokenInvalid | ApiError::AppToken => CheckStatus::Invalid,
                ApiError::InsufficientScope => CheckStatus::InsufficientScope,
                ApiError::AccountDisabled | ApiError::AccountUnconfirmed => {
                    CheckStatus::AccountDisabled
                }
                ApiError::AccountPending => CheckStatus::AccountPending,
                ApiError::Timeout { .. } => CheckStatus::Timeout,
                // Connect, DNS, TLS, and a redirect that cannot be followed.
                error if error.is_network_problem() => CheckStatus::Unreachable,
                _ => CheckStatus::ServerError,
            };
            (status, error.to_string())
        }
    }
}

/// Checks every item concurrently (bounded per server), calling `on_result` as each answer
/// arrives.
pub async fn check_all(
    client: &Client,
    items: Vec<CheckItem>,
    mut on_result: impl FnMut(CheckOutcome),
) {
    let mut by_server: Vec<(String, Vec<CheckItem>)> = Vec::new();
    for item in items {
        let origin = item.base.as_str().to_owned();
        match by_server.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, group)) => group.push(item),
            None => by_server.push((origin, vec![item])),
        }
    }
    let streams = by_server.into_iter().map(|(_, group)| {
        let client = client.clone();
        stream::iter(group.into_iter().map(move |item| {
            let client = client.clone();
            async move {
                let result = client.verify_credentials(&item.base, &item.token).await;
                let (status, detail) =
                    classify_expiring(&result, &item.key.id, item.expires_at, Timestamp::now());
                CheckOutcome {
                    key: item.key,
                    label: item.label,
                    status,
                    detail,
                }
            }
        }))
        .buffer_unordered(PER_SERVER)
        .boxed()
    });
    let mut results = stream::select_all(streams);
    while let Some(outcome) = results.next().await {
        on_result(outcome);
    }
}

/// The status as people read it ("insufficient scope"); JSON uses the snake-case name.
pub fn status_label(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Valid => "valid",
        CheckStatus::Revoked => "revoked",
        CheckStatus::Invalid => "invalid",
        CheckStatus::InsufficientScope => "insufficient scope",
        CheckStatus::AccountDisabled => "account disabled",
        CheckStatus::AccountPending => "account pending",
        CheckStatus::Expired => "expired",
        CheckStatus::Unreachable => "unreachable",
        CheckStatus::Timeout => "timeout",
        CheckStatus::ServerError => "server error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(error: ApiError) -> CheckStatus {
        classify(&Err(error), "1").0
    }

    #[test]
    fn a_refusal_after_the_stored_expiry_is_expired() {
        let at: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let before: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let after: Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        let refused = Err(ApiError::TokenInvalid);
        let (status, detail) = classify_expiring(&refused, "1", Some(at), after);
        assert_eq!(status, CheckStatus::Expired);
        assert!(detail.contains("expired on 2026-12-01"), "{detail}");
        assert_eq!(
            classify_expiring(&refused, "1", Some(at), before).0,
            CheckStatus::Invalid
        );
        assert_eq!(
            classify_expiring(&refused, "1", None, after).0,
            CheckStatus::Invalid
        );
        // A network failure says nothing about the token.
        let down = Err(ApiError::Connect {
            host: "social.example".into(),
        });
        assert_eq!(
            classify_expiring(&down, "1", Some(at), after).0,
            CheckStatus::Unreachable
        );
        assert_eq!(status_of(ApiError::TokenExpired), CheckStatus::Expired);
        assert_eq!(status_label(CheckStatus::Expired), "expired");
    }

    #[test]
    fn transport_failures_are_unreachable_or_timeout() {
        let host = || "social.example".to_owned();
        assert_eq!(
            status_of(ApiError::Timeout {
                host: host(),
                seconds: 10
            }),
            CheckStatus::Timeout
        );
        for error in [
            ApiError::Connect { host: host() },
            ApiError::Dns { host: host() },
            ApiError::DnsUnavailable { host: host() },
            ApiError::Unroutable { host: host() },
            ApiError::Tls { host: host() },
            ApiError::InsecureRedirect {
                to: "http://social.example/".into(),
            },
            ApiError::TooManyRedirects { host: host() },
        ] {
            assert!(error.is_network_problem(), "{error:?}");
            assert_eq!(status_of(error), CheckStatus::Unreachable);
        }
        assert_eq!(
            status_of(ApiError::Server {
                status: 502,
                hint: None
            }),
            CheckStatus::ServerError
        );
    }
}
