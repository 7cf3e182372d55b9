//! Fitting text into cells of a known width: cut with `…` (never mid-word without a mark), rows
//! of whole buttons, and a footer that says when it left keys out. Widths are terminal columns,
//! measured the way ratatui draws them.

use ratatui::text::{Line, Span};

use super::super::theme::Theme;

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to at most `max` columns, ending with `…` whether or not it would have fit: more
/// follows it.
fn cut(text: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let mut buf = [0; 4];
        let w = width(c.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    // Ending on a space would read as if nothing was cut.
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

/// `line` cut to `max` columns, keeping each span's style; a cut ends with `…`.
pub fn fit_line(line: Line<'static>, max: usize) -> Line<'static> {
    if line.width() <= max {
        return line;
    }
    let style = line.style;
    let alignment = line.alignment;
    let mut spans = Vec::new();
    let mut left = max;
    for span in line.spans {
        let w = span.width();
        if w < left {
            left -= w;
            spans.push(span);
            continue;
        }
        // This span holds the cut (the `…` takes the last column): more follows even when the
        // span itself would just fit.
        spans.push(Span::styled(cut(&span.content, left), span.style));
        break;
    }
    let mut out = Line::from(spans).style(style);
    out.alignment = alignment;
    out
}

/// A row of buttons; the focused one is highlighted.
pub fn buttons<'a>(labels: &[&'a str], focused: Option<usize>, theme: Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        spans.push(button(label, focused == Some(i), theme));
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}

fn button(label: &str, focused: bool, theme: Theme) -> Span<'static> {
    let style = if focused {
        theme.selected()
    } else {
        theme.bold()
    };
    Span::styled(format!("[ {label} ]"), style)
}

/// Buttons as whole units in rows of at most `max` columns: a button that does not fit on a row
/// starts the next one, so no label is ever split.
pub fn button_rows(
    labels: &[&str],
    focused: Option<usize>,
    max: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let max = usize::from(max);
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for (i, label) in labels.iter().enumerate() {
        let span = button(label, focused == Some(i), theme);
        let w = span.width();
        let gap = if used == 0 { 0 } else { 2 };
        if used > 0 && used + gap + w > max {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            if used > 0 {
                row.push(Span::raw("  "));
                used += 2;
            }
            row.push(span);
            used += w;
        }
    }
    rows.into_iter().map(Line::from).collect()
}

/// The key footer within `max` columns. Keys come most important first; when they do not all
/// fit, the last ones give way to `…` (help, when offered, always stays: it lists them all).
pub fn footer(keys: &[(&str, &str)], max: u16, theme: Theme) -> Line<'static> {
    let max = usize::from(max);
    let item_width = |(key, what): &(&str, &str)| width(key) + width(what) + 3;
    let total: usize = keys.iter().map(item_width).sum();
    let shown: Vec<&(&str, &str)> = if total <= max {
        keys.iter().collect()
    } else {
        let help = keys.iter().position(|(_, what)| *what == "help");
        let reserved = help.map_or(0, |i| item_width(&keys[i])) + width(" … ");
        let mut used = 0;
        let mut shown = Vec::new();
        for (i, item) in keys.iter().enumerate() {
            if Some(i) == help {
                continue;
            }
            if used + item_width(item) + reserved > max {
                break;
            }
            used += item_width(item);
            shown.push(item);
        }
        shown.push(&("…", ""));
        if let Some(i) = help {
            shown.push(&keys[i]);
        }
        shown
    };
    let mut spans = Vec::new();
    for (key, what) in shown {
        if *key == "…" && what.is_empty() {
            spans.push(Span::styled(" … ", theme.dim()));
            continue;
        }
        spans.push(Span::styled(format!(" {key}"), theme.bold()));
        spans.push(Span::styled(format!(" {what} "), theme.dim()));
    }
    fit_line(Line::from(spans), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_cut_always_ends_with_an_ellipsis() {
        let fit = |s: &str, n| text(&fit_line(Line::raw(s.to_owned()), n));
        assert_eq!(fit("alice@social.example", 30), "alice@social.example");
        assert_eq!(fit("alice@social.example", 10), "alice@soc…");
        assert_eq!(fit("upload images or other", 17), "upload images or…");
        assert_eq!(fit("abc", 0), "");
        let line = Line::from(vec![Span::raw("revoked"), Span::raw(" · 2 hours ago")]);
        assert_eq!(text(&fit_line(line, 12)), "revoked · 2…");
        // A span that exactly fills the width, with more after it, still shows the cut.
        let line = Line::from(vec![Span::raw("abcde"), Span::raw("fgh")]);
        assert_eq!(text(&fit_line(line, 5)), "abcd…");
    }

    #[test]
    fn buttons_wrap_as_whole_units() {
        let theme = Theme::new(true);
        let labels = ["Copy token", "Reveal", "Verify", "Re-authorize", "Remove…"];
        let rows = button_rows(&labels, Some(3), 54, theme);
        let rows: Vec<String> = rows.iter().map(text).collect();
        assert_eq!(
            rows,
            [
                "[ Copy token ]  [ Reveal ]  [ Verify ]",
                "[ Re-authorize ]  [ Remove… ]"
            ]
        );
    }

    #[test]
    fn a_footer_that_does_not_fit_says_so_and_keeps_help() {
        let theme = Theme::new(true);
        let keys = [
            ("Enter", "choose"),
            ("o", "open"),
            ("c", "copy"),
            ("r", "QR"),
            ("m", "other device"),
            ("Esc", "back"),
            ("?", "help"),
            ("q", "quit"),
        ];
        let wide = text(&footer(&keys, 200, theme));
        assert!(wide.ends_with(" q quit "), "{wide}");
        let narrow = text(&footer(&keys, 40, theme));
        assert!(narrow.contains(" … "), "{narrow}");
        assert!(narrow.trim_end().ends_with("? help"), "{narrow}");
        assert!(width(&narrow) <= 40, "{narrow}");
    }
}
