//! Human output of the commands: aligned columns, colour only on a terminal without `NO_COLOR`,
//! relative times. JSON output is built by each command with serde.
//!
//! Everything the commands write to stdout or stderr goes through [`clean`]: names, servers,
//! scopes and details come from servers, and arguments from the user, so either may hold escape
//! sequences. The only control bytes that leave are mastokey's own colour codes, which only
//! [`Painted`] text (cleaned piece by piece before colouring) can carry.

use std::borrow::Cow;
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

    /// `text`, cleaned, in `tone`'s colour when colour is on.
    pub fn paint(self, text: &str, tone: Tone) -> Painted {
        let text = clean(text);
        Painted(match tone.code() {
            Some(code) if self.colour && !text.is_empty() => format!("{code}{text}{RESET}"),
            _ => text.into_owned(),
        })
    }
}

/// The one sanitiser for terminal output (see the module comment): no C0/C1 control, escape
/// sequence or bidi/invisible format character survives; line breaks and tabs do.
pub fn clean(text: &str) -> Cow<'_, str> {
    crate::mastodon::for_terminal(text)
}

/// Text whose pieces were cleaned before mastokey's own colour codes were added around them:
/// printed as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Painted(String);

impl Painted {
    pub fn push(&mut self, other: &Painted) {
        self.0.push_str(&other.0);
    }

    /// Appends plain text, cleaned.
    pub fn push_str(&mut self, text: &str) {
        self.0.push_str(&clean(text));
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
                let width = clean(text).chars().count();
                match widths.get_mut(i) {
                    Some(w) => *w = (*w).max(width),
                    None => widths.push(width),
                }
            }
        }
        Columns { widths, style }
    }

    pub fn line(&self, row: &[Cell]) -> Painted {
        let mut line = String::new();
        for (i, (text, tone)) in row.iter().enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            line.push_str(self.style.paint(text, *tone).as_str());
            if i + 1 < row.len() {
                let width = self.widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(clean(text).chars().count());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        // An empty last cell leaves padding behind.
        line.truncate(line.trim_end().len());
        Painted(line)
    }
}

pub use crate::accounts::check::status_label;

/// Writes cleaned text to stdout. A closed pipe (`mastokey list | head -1`) is not an error:
/// the reader has what it wanted.
pub fn print(text: &str) -> Result<(), Error> {
    print_painted(&Painted(clean(text).into_owned()))
}

/// Writes painted text (cleaned already) to stdout.
pub fn print_painted(text: &Painted) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(text.0.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

/// A cleaned line on stdout.
pub fn println(text: &str) -> Result<(), Error> {
    print(&format!("{text}\n"))
}

/// A painted line on stdout.
pub fn println_painted(text: &Painted) -> Result<(), Error> {
    let mut line = text.clone();
    line.0.push('\n');
    print_painted(&line)
}

/// One JSON document on a line of stdout. serde escapes C0 controls; the other characters a
/// terminal acts on (DEL, C1 controls, bidi and invisible format characters) are escaped here
/// as `\uXXXX` too, which leaves the JSON value exactly the same.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Error> {
    // Serialising strings, timestamps and enums cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    println(&escape_json(&text))
}

fn escape_json(json: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if crate::mastodon::sanitize::is_unsafe_char(c) {
            // Every such character is in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A cleaned line on stderr; if stderr is gone there is nobody left to tell.
pub fn eprintln(text: &str) {
    let _ = writeln!(io::stderr(), "{}", clean(text));
}

/// A warning on stderr.
pub fn warn(warning: &Warning) {
    eprintln(&format!("mastokey: {warning}"));
}

/// A question on stderr, without a line break (the answer follows on the same line).
pub fn ask(text: &str) {
    let mut err = io::stderr();
    let _ = write!(err, "{}", clean(text));
    let _ = err.flush();
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
        assert_eq!(columns.line(&rows[0]).as_str(), "a          xyz");
        assert_eq!(columns.line(&rows[1]).as_str(), "long name  q");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(Style { colour: false }.paint("x", Tone::Bad).as_str(), "x");
        assert_eq!(
            Style { colour: true }.paint("x", Tone::Bad).as_str(),
            "\x1b[31mx\x1b[0m"
        );
        assert_eq!(Style { colour: true }.paint("x", Tone::Plain).as_str(), "x");
    }

    #[test]
    fn cells_are_cleaned_before_colour_and_padding() {
        let style = Style { colour: true };
        let rows: Vec<Vec<Cell>> = vec![
            vec![
                ("a\x1b[2Jb\u{202e}".into(), Tone::Bad),
                ("x".into(), Tone::Plain),
            ],
            vec![("abcd".into(), Tone::Plain), ("y".into(), Tone::Plain)],
        ];
        let columns = Columns::fit(rows.iter().map(Vec::as_slice), style);
        assert_eq!(columns.line(&rows[0]).as_str(), "\x1b[31ma[2Jb\x1b[0m  x");
        assert_eq!(columns.line(&rows[1]).as_str(), "abcd   y");
    }

    #[test]
    fn json_escapes_what_a_terminal_acts_on_and_keeps_the_value() {
        let value = serde_json::json!({"s": "a\u{1b}]0;T\u{7}\u{7f}\u{9b}\u{202e}é"});
        let text = escape_json(&serde_json::to_string(&value).unwrap());
        assert!(
            text.chars()
                .all(|c| !crate::mastodon::sanitize::is_unsafe_char(c))
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }
}
