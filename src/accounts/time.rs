//! How long ago something happened, worded the same in the CLI and the wizard.

use jiff::Timestamp;

/// "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago", or the date for anything
/// older than 30 days. A `then` in the future (a clock skew) reads "just now".
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    let seconds = now.as_second().saturating_sub(then.as_second());
    match seconds {
        ..60 => "just now".to_owned(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        86_400..172_800 => "yesterday".to_owned(),
        172_800..2_592_000 => format!("{} days ago", seconds / 86_400),
        _ => then.strftime("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::ago;

    #[test]
    fn relative_times() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let before = |s: i64| Timestamp::from_second(1_800_000_000 - s).unwrap();
        assert_eq!(ago(before(5), now), "just now");
        assert_eq!(ago(before(-30), now), "just now");
        assert_eq!(ago(before(300), now), "5 min ago");
        assert_eq!(ago(before(7_200), now), "2 h ago");
        assert_eq!(ago(before(90_000), now), "yesterday");
        assert_eq!(ago(before(3 * 86_400), now), "3 days ago");
        assert_eq!(ago(before(90 * 86_400), now), "2026-10-17");
    }
}
