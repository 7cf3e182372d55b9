//! Human output of the commands: aligned columns, colour only on a terminal without `NO_COLOR`,
//! relative times. JSON output is built by each command with serde.

use std::io::{self, IsTerminal, Write};

use jiff::Timestamp;

use super::{Env, no_color};
use crate::error::{Error, Warning};
use crate::vault::CheckStatus;

/// How a piece of text is shown. Colour discipline: bold headers, dim secondary text, green
/// success, red problems, yellow for "could not tell".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Header,
    Dim,
    Good,
    Bad,
    Warn,
}

const RESET: &str = "\x1b[0m";

impl Tone {
    fn code(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Header => Some("\x1b[1m"),
            Tone::Dim => Some("\x1b[2m"),
            Tone::Good => Some("\x1b[32m"),
            Tone::Bad => Some("\x1b[31m"),
            Tone::Warn => Some("\x1b[33m"),
        }
    }
}

/// Whether stdout gets colour: only when it is a terminal and `NO_COLOR` is unset or empty.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    pub fn for_stdout(env: &Env) -> Style {
        Style {
            colour: io::stdout().is_terminal() && !no_color(env),
        }
    }

    pub fn paint(self, text: &str, tone: Tone) -> String {
        match tone.code() {
            Some(code) if self.colour && !text.is_empty() => format!("{code}{text}{RESET}"),
            _ => text.to_owned(),
        }
    }
}

/// One table cell: its text and how to show it.
pub type Cell = (String, Tone);

/// Columns padded to the widest cell (counted in characters, before colour is added); the last
/// column is not padded, so lines carry no trailing spaces.
pub struct Columns {
    widths: Vec<usize>,
    style: Style,
}

const GAP: &str = "  ";

impl Columns {
    /// Widths fitted to `rows` (header included, if any).
    pub fn fit<'a>(rows: impl IntoIterator<Item = &'a [Cell]>, style: Style) -> Columns {
        let mut widths: Vec<usize> = Vec::new();
        for row in rows {
            for (i, (text, _)) in row.iter().enumerate() {
                let width = text.chars().count();
                match widths.get_mut(i) {
                    Some(w) => *w = (*w).max(width),
                    None => widths.push(width),
                }
            }
        }
        Columns { widths, style }
    }

    pub fn line(&self, row: &[Cell]) -> String {
        let mut line = String::new();
        for (i, (text, tone)) in row.iter().enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            line.push_str(&self.style.paint(text, *tone));
            if i + 1 < row.len() {
                let width = self.widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(text.chars().count());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        // An empty last cell leaves padding behind.
        line.truncate(line.trim_end().len());
        line
    }
}

pub use crate::accounts::check::status_label;

/// What a status says about the token: fine, not valid, or unknown (network or server trouble).
pub fn status_tone(status: CheckStatus) -> Tone {
    match status {
        CheckStatus::Valid => Tone::Good,
        CheckStatus::Unreachable | CheckStatus::Timeout | CheckStatus::ServerError => Tone::Warn,
        CheckStatus::Revoked
        | CheckStatus::Invalid
        | CheckStatus::InsufficientScope
        | CheckStatus::AccountDisabled
        | CheckStatus::AccountPending => Tone::Bad,
    }
}

/// "just now", "5 min ago", "3 h ago", "12 days ago", or the date for anything older.
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

/// Writes to stdout. A closed pipe (`mastokey list | head -1`) is not an error: the reader has
/// what it wanted.
pub fn print(text: &str) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

/// A line on stdout.
pub fn println(text: &str) -> Result<(), Error> {
    print(&format!("{text}\n"))
}

/// A warning on stderr; if stderr is gone there is nobody left to tell.
pub fn warn(warning: &Warning) {
    let _ = writeln!(io::stderr(), "mastokey: {warning}");
}

/// A note on stderr (diagnostics that must stay out of stdout).
pub fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_without_trailing_spaces() {
        let style = Style { colour: false };
        let rows: Vec<Vec<Cell>> = vec![
            vec![("a".into(), Tone::Plain), ("xyz".into(), Tone::Good)],
            vec![("long name".into(), Tone::Plain), ("q".into(), Tone::Bad)],
        ];
        let columns = Columns::fit(rows.iter().map(Vec::as_slice), style);
        assert_eq!(columns.line(&rows[0]), "a          xyz");
        assert_eq!(columns.line(&rows[1]), "long name  q");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(Style { colour: false }.paint("x", Tone::Bad), "x");
        assert_eq!(
            Style { colour: true }.paint("x", Tone::Bad),
            "\x1b[31mx\x1b[0m"
        );
        assert_eq!(Style { colour: true }.paint("x", Tone::Plain), "x");
    }

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
