//! The sign-in link, written once more over its own cells after each frame as one run of text
//! that the terminal wraps by itself. ratatui places every row with a cursor move, so a terminal
//! takes the rows for separate lines and a mouse selection of the link gets line breaks; a run
//! the terminal wrapped is one line to it, and its selection copies the link whole. Where the
//! terminal takes OSC 8, the run is also a hyperlink (ratatui has no support for them: the
//! escape goes around the run, outside ratatui's buffer, which keeps the same cells).

use std::io::{self, Write};

use crossterm::cursor::{MoveTo, RestorePosition, SavePosition};
use crossterm::queue;
use crossterm::style::{Print, PrintStyledContent};
use ratatui::backend::IntoCrossterm;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::Style;

use super::flow::{State, Step};

/// Whether OSC 8 hyperlinks are written. Terminals that do not know OSC 8 skip it, but the Linux
/// console and dumb terminals may print it, and plain mode (`NO_COLOR`) asks for nothing beyond
/// text; an unset `TERM` says nothing about the terminal, so it counts as plain too.
pub fn hyperlinks_supported(term: Option<&str>, plain: bool) -> bool {
    let Some(term) = term.map(str::trim).filter(|t| !t.is_empty()) else {
        return false;
    };
    !plain && term != "dumb" && !term.starts_with("linux")
}

/// The link the current screen shows in full rows from the first column, if any.
pub fn shown_link(state: &State) -> Option<String> {
    match &state.step {
        Step::Authorize(screen) if !state.help => screen.shown_link(),
        _ => None,
    }
}

/// The row where `url` starts, when the whole link is drawn in `buffer` as full rows from the
/// first column (not covered by a popup, not cut by a small window).
pub fn link_row(buffer: &Buffer, url: &str) -> Option<u16> {
    let width = usize::from(buffer.area.width);
    if width == 0 || !printable(url) {
        return None;
    }
    let rows: Vec<&str> = url
        .as_bytes()
        .chunks(width)
        .map(|row| std::str::from_utf8(row).unwrap_or_default())
        .collect();
    let shows = |y: u16, row: &str| {
        row.chars().enumerate().all(|(x, c)| {
            u16::try_from(x)
                .ok()
                .and_then(|x| buffer.cell((x, y)))
                .is_some_and(|cell| {
                    let mut buf = [0u8; 4];
                    cell.symbol() == c.encode_utf8(&mut buf)
                })
        })
    };
    (0..buffer.area.height).find(|&y| {
        rows.iter().enumerate().all(|(i, row)| {
            u16::try_from(i)
                .ok()
                .and_then(|i| y.checked_add(i))
                .is_some_and(|y| y < buffer.area.height && shows(y, row))
        })
    })
}

/// Printable ASCII only: what may be written around ratatui without escaping.
fn printable(url: &str) -> bool {
    url.is_ascii() && !url.chars().any(|c| c.is_ascii_control())
}

/// The style of the link's first cell, to write it again the same.
pub fn style_at(buffer: &Buffer, row: u16) -> Style {
    buffer.cell((0, row)).map(Cell::style).unwrap_or_default()
}

/// Writes `url` from the first column of `row` in `style`, as a hyperlink when `osc8`, and puts
/// the cursor back where ratatui left it.
pub fn write_link(
    out: &mut impl Write,
    row: u16,
    url: &str,
    style: Style,
    osc8: bool,
) -> io::Result<()> {
    // The link is written raw, outside ratatui: anything but printable ASCII (an escape from a
    // hostile server, say) is never sent.
    if !printable(url) {
        return Ok(());
    }
    let style = style.into_crossterm();
    queue!(out, SavePosition, MoveTo(0, row))?;
    if osc8 {
        queue!(out, Print(format!("\x1b]8;;{url}\x1b\\")))?;
    }
    queue!(out, PrintStyledContent(style.apply(url)))?;
    if osc8 {
        queue!(out, Print("\x1b]8;;\x1b\\"))?;
    }
    queue!(out, RestorePosition)?;
    out.flush()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    const URL: &str = "https://social.example/oauth/authorize?response_type=code&client_id=abc&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&scope=profile&state=xyz";

    #[test]
    fn a_link_with_an_escape_is_never_written() {
        let mut out = Vec::new();
        let hostile = "https://evil.example/\x1b]52;c;aGk=\x07";
        write_link(&mut out, 3, hostile, Style::default(), true).unwrap();
        assert!(out.is_empty(), "{out:?}");
        write_link(&mut out, 3, "https://a.example/é", Style::default(), false).unwrap();
        assert!(out.is_empty(), "{out:?}");
        write_link(&mut out, 3, URL, Style::default(), false).unwrap();
        assert!(!out.is_empty());
    }

    /// The link drawn as ratatui draws it: each row placed with its own cursor move.
    fn drawn(width: u16, height: u16, at: u16) -> (Buffer, vt100::Parser) {
        let mut buffer = Buffer::empty(Rect::new(0, 0, width, height));
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(height).unwrap(),
            std::num::NonZeroU16::new(width).unwrap(),
            0,
        );
        for (i, row) in URL.as_bytes().chunks(usize::from(width)).enumerate() {
            let y = at + u16::try_from(i).unwrap();
            if y >= height {
                break;
            }
            let row = std::str::from_utf8(row).unwrap();
            buffer.set_string(0, y, row, Style::new());
            parser.process(format!("\x1b[{};1H{row}", y + 1).as_bytes());
        }
        (buffer, parser)
    }

    #[test]
    fn the_rewritten_link_is_one_wrapped_line_and_a_hyperlink_when_asked() {
        let (buffer, mut parser) = drawn(60, 16, 3);
        assert!(
            !parser.screen().row_wrapped(3),
            "ratatui's rows are separate lines"
        );
        assert_eq!(link_row(&buffer, URL), Some(3));
        let mut out = Vec::new();
        write_link(&mut out, 3, URL, style_at(&buffer, 3), true).unwrap();
        parser.process(&out);
        let screen = parser.screen();
        assert!(screen.row_wrapped(3) && screen.row_wrapped(4));
        assert!(
            screen.contents().lines().any(|l| l == URL),
            "{}",
            screen.contents()
        );
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(&format!("\x1b]8;;{URL}\x1b\\")), "{out:?}");
        assert!(out.ends_with("\x1b]8;;\x1b\\\x1b8"), "{out:?}");

        let mut plain = Vec::new();
        write_link(&mut plain, 3, URL, Style::new(), false).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains("\x1b]8"));
    }

    #[test]
    fn a_link_cut_or_covered_is_left_alone() {
        // Cut by the bottom of the window.
        let (buffer, _) = drawn(60, 4, 2);
        assert_eq!(link_row(&buffer, URL), None);
        // One cell covered (a popup over it).
        let (mut buffer, _) = drawn(60, 16, 3);
        buffer.set_string(10, 4, "│", Style::new());
        assert_eq!(link_row(&buffer, URL), None);
    }

    #[test]
    fn hyperlinks_only_where_the_terminal_is_known_to_take_them() {
        assert!(hyperlinks_supported(Some("xterm-256color"), false));
        assert!(hyperlinks_supported(Some("tmux-256color"), false));
        assert!(!hyperlinks_supported(Some("xterm-256color"), true));
        assert!(!hyperlinks_supported(Some("linux"), false));
        assert!(!hyperlinks_supported(Some("dumb"), false));
        assert!(!hyperlinks_supported(Some(""), false));
        assert!(!hyperlinks_supported(None, false));
    }
}
