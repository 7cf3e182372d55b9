//! Human output of the commands: aligned columns, colour only on a terminal without `NO_COLOR`,
//! relative times. JSON output is built by each command with serde.

use std::io::{self, IsTerminal, Write};

use super::{Env, no_color};
use crate::error::{Error, Warning};

pub use crate::accounts::time::ago;
pub use crate::accounts::tone::{Tone, status_tone};

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
}
