//! The one wording of a moment to wait for (a rate limit's end, a token's expiry): relative to
//! now, in the user's own time zone, never a UTC clock reading.

use jiff::{Timestamp, Zoned};

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// When `at` comes, relative to `now`: "in 9 minutes", "in about an hour", "in about 5 hours",
/// and the local date and time as well when that is not today: "in 3 days (on 2027-01-02 at
/// 00:00)". Minutes are exact (a rate limit's window is minutes long); hours and days are
/// rounded, as people say them. A pure function of its arguments, so it is tested at any fixed moment.
pub fn retry_wording(at: Timestamp, now: &Zoned) -> String {
    let seconds = at.as_second() - now.timestamp().as_second();
    if seconds <= 0 {
        return "now".to_owned();
    }
    let minutes = (seconds + 59) / 60;
    let relative = if seconds < 60 {
        plural(seconds, "second")
    } else if minutes < 60 {
        plural(minutes, "minute")
    } else if minutes < 90 {
        "about an hour".to_owned()
    } else if minutes < 48 * 60 {
        format!("about {}", plural((minutes + 30) / 60, "hour"))
    } else {
        plural((minutes + 12 * 60) / (24 * 60), "day")
    };
    let local = at.to_zoned(now.time_zone().clone());
    if local.date() == now.date() {
        format!("in {relative}")
    } else {
        format!("in {relative} (on {})", local.strftime("%Y-%m-%d at %H:%M"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mastodon::ApiError;

    fn at(text: &str) -> Zoned {
        text.parse().unwrap()
    }

    fn reset(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn minutes_are_exact_and_hours_rounded() {
        let now = at("2026-08-21T12:31:00+00:00[UTC]");
        let cases = [
            ("2026-08-21T12:40:00Z", "in 9 minutes"),
            ("2026-08-21T12:31:30Z", "in 30 seconds"),
            ("2026-08-21T12:32:00Z", "in 1 minute"),
            ("2026-08-21T12:31:01Z", "in 1 second"),
            ("2026-08-21T13:30:00Z", "in 59 minutes"),
            ("2026-08-21T13:31:00Z", "in about an hour"),
            ("2026-08-21T13:59:00Z", "in about an hour"),
            ("2026-08-21T14:01:00Z", "in about 2 hours"),
            ("2026-08-21T14:36:00Z", "in about 2 hours"),
            ("2026-08-21T12:00:00Z", "now"),
        ];
        for (when, wording) in cases {
            assert_eq!(retry_wording(reset(when), &now), wording, "{when}");
        }
    }

    #[test]
    fn another_day_brings_the_local_date_and_time() {
        let now = at("2026-08-21T12:31:00+00:00[UTC]");
        assert_eq!(
            retry_wording(reset("2026-08-22T00:10:00Z"), &now),
            "in about 12 hours (on 2026-08-22 at 00:10)"
        );
        assert_eq!(
            retry_wording(reset("2027-01-01T00:00:00Z"), &now),
            "in 132 days (on 2027-01-01 at 00:00)"
        );
        // "Today" and the clock reading are the user's, not UTC's.
        let berlin = at("2026-08-21T23:50:00+02:00[Europe/Berlin]");
        assert_eq!(
            retry_wording(reset("2026-08-21T22:05:00Z"), &berlin),
            "in 15 minutes (on 2026-08-22 at 00:05)"
        );
        let tokyo = at("2026-08-21T10:00:00+09:00[Asia/Tokyo]");
        assert_eq!(
            retry_wording(reset("2026-08-25T03:00:00Z"), &tokyo),
            "in 4 days (on 2026-08-25 at 12:00)"
        );
    }

    #[test]
    fn a_rate_limit_says_how_long_to_wait_not_a_utc_time() {
        let now = at("2026-08-21T12:31:00+00:00[UTC]");
        let error = ApiError::RateLimited {
            reset: Some(reset("2026-08-21T12:40:00Z")),
        };
        assert_eq!(
            error.wording_at(&now),
            "the server refused because of too many requests in a short time. Try again in 9 minutes."
        );
        // Display reads the system's clock and zone, with the same wording.
        let message = ApiError::RateLimited {
            reset: Some(Timestamp::now() + jiff::SignedDuration::from_secs(9 * 60)),
        }
        .to_string();
        assert!(message.contains("Try again in 9 minutes"), "{message}");
        assert!(!message.contains("UTC"), "{message}");
    }
}
