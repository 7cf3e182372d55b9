//! The accounts list: one row per account, columns sized by what they hold. When the width runs
//! short, Scopes gives way first, then Server, then Last check; below their least, Scopes and
//! Server are hidden whole; the account's name, the one column that tells rows apart, is cut
//! last. Every cut ends with `…`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::accounts::check::status_label;
use crate::accounts::time::ago;
use crate::accounts::tone::status_tone;
use crate::base_url;

use super::super::view::{ViewCtx, fit_line, spinner};
use super::HomeScreen;

const HEADERS: [&str; 4] = ["Account", "Server", "Scopes", "Last check"];
/// Columns between two columns.
const GAP: u16 = 2;
/// The order in which columns give up width (indexes into `HEADERS`), and the least each keeps
/// before the next one gives way.
const SHRINK: [(usize, u16); 3] = [(2, 7), (1, 8), (3, 10)];
/// Below their least, these columns are hidden whole rather than cut to a stub (a name that needs
/// the server to tell it apart carries the server in itself).
const HIDE: [usize; 2] = [2, 1];
const ACCOUNT: usize = 0;
const LAST_CHECK: usize = 3;

/// Each column's width: its widest cell (header included) when all fit in `room`, else shrunk
/// in the order of `SHRINK`, then Scopes and Server hidden, and only then the account cut (Last
/// check last of all).
pub(super) fn column_widths(natural: [u16; 4], room: u16) -> [u16; 4] {
    let mut widths = natural;
    let gaps = GAP * 3;
    // Summed wide: a server may send a name far wider than any window.
    let over = |w: &[u16; 4]| {
        let total = w.iter().map(|&x| u32::from(x)).sum::<u32>() + u32::from(gaps);
        u16::try_from(total.saturating_sub(u32::from(room))).unwrap_or(u16::MAX)
    };
    for (column, floor) in SHRINK {
        let floor = floor.min(widths[column]);
        widths[column] -= over(&widths).min(widths[column] - floor);
    }
    for column in HIDE {
        if over(&widths) > 0 {
            widths[column] = 0;
        }
    }
    for column in [ACCOUNT, LAST_CHECK] {
        widths[column] -= over(&widths).min(widths[column].saturating_sub(1));
    }
    for column in [LAST_CHECK, ACCOUNT] {
        widths[column] -= over(&widths).min(widths[column]);
    }
    // Hiding a column may free more than was needed: the visible ones take it back, in the
    // reverse of the order they gave it up.
    let used = |w: &[u16; 4]| w.iter().map(|&x| u32::from(x)).sum::<u32>() + u32::from(gaps);
    for column in [ACCOUNT, LAST_CHECK, 1, 2] {
        if widths[column] == 0 {
            continue;
        }
        let spare = u32::from(room).saturating_sub(used(&widths));
        let want = u32::from(natural[column] - widths[column]);
        widths[column] += u16::try_from(spare.min(want)).unwrap_or(0);
    }
    widths
}

fn width_of(line: &Line) -> u16 {
    u16::try_from(line.width()).unwrap_or(u16::MAX)
}

pub(super) fn render(home: &HomeScreen, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
    let theme = ctx.theme;
    let accounts = ctx
        .session
        .view()
        .map_or(&[][..], |v| v.accounts.as_slice());
    if accounts.is_empty() {
        // Also before the first save: nothing is stored yet, and `a` is the way on.
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("No accounts yet.", theme.bold()),
                Line::raw(""),
                Line::raw(
                    "Press a to add one: mastokey signs you in on your server and keeps the \
                     token in an encrypted vault.",
                ),
                Line::raw("Already have a token (made on the website or by an app)? Press i."),
            ])
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let cells: Vec<[Line<'static>; 4]> = accounts
        .iter()
        .map(|a| {
            let near = a.expiry_short(ctx.session.now);
            let check = if home.pending.contains(&a.key) {
                Line::styled(
                    format!("{} checking…", spinner(ctx.session)),
                    theme.accent(),
                )
            } else {
                match (a.last_status, a.last_checked_at) {
                    // A near expiry says more than when the last check was.
                    (Some(status), _) if near.is_some() => Line::from(vec![
                        Span::styled(status_label(status), theme.tone(status_tone(status))),
                        Span::styled(format!(" · {}", near.unwrap_or_default()), theme.warn()),
                    ]),
                    (Some(status), Some(at)) => Line::from(vec![
                        Span::styled(status_label(status), theme.tone(status_tone(status))),
                        Span::styled(format!(" · {}", ago(at, ctx.session.now)), theme.dim()),
                    ]),
                    _ => Line::styled(near.unwrap_or_else(|| "never".into()), theme.dim()),
                }
            };
            [
                Line::raw(format!("@{}", a.label)),
                Line::raw(base_url::short_name(&a.server)),
                Line::raw(a.scopes.join(" ")),
                check,
            ]
        })
        .collect();
    let mut natural = HEADERS.map(|h| width_of(&Line::raw(h)));
    for row in &cells {
        for (n, cell) in natural.iter_mut().zip(row) {
            *n = (*n).max(width_of(cell));
        }
    }
    let widths = column_widths(natural, area.width);
    let fit = |line: Line<'static>, w: u16| Cell::from(fit_line(line, usize::from(w)));
    let header = Row::new(
        HEADERS
            .iter()
            .zip(widths)
            .map(|(h, w)| fit(Line::raw(*h), w)),
    )
    .style(theme.bold());
    let rows: Vec<Row> = cells
        .into_iter()
        .map(|row| Row::new(row.into_iter().zip(widths).map(|(line, w)| fit(line, w))))
        .collect();
    let table = Table::new(rows, widths.map(Constraint::Length))
        .header(header)
        .column_spacing(GAP)
        .flex(Flex::Start)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(home.cursor));
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_their_content_and_give_way_in_order() {
        // Room for everything: each column is as wide as its content.
        assert_eq!(column_widths([22, 14, 7, 16], 200), [22, 14, 7, 16]);
        // Scopes gives way first, then Server; the account keeps its width.
        assert_eq!(column_widths([22, 14, 30, 16], 68), [22, 14, 10, 16]);
        assert_eq!(column_widths([22, 14, 30, 16], 58), [22, 8, 7, 15]);
        // Below their least, Scopes and then Server are hidden rather than cut to a stub, and
        // only then is the account cut.
        assert_eq!(column_widths([38, 15, 7, 16], 56), [38, 0, 0, 12]);
        assert_eq!(column_widths([40, 14, 30, 16], 50), [34, 0, 0, 10]);
        assert_eq!(column_widths([30, 14, 30, 16], 60), [30, 8, 0, 16]);
        // What hiding frees beyond the need goes back to the visible columns.
        assert_eq!(column_widths([22, 14, 30, 16], 50), [22, 8, 0, 14]);
        // A name as wide as a u16 can say neither overflows nor pushes past the room.
        let w = column_widths([u16::MAX, 14, 30, u16::MAX], 60);
        assert!(
            w.iter().map(|&x| u32::from(x)).sum::<u32>() + 6 <= 60,
            "{w:?}"
        );
        // Never wider than the room, whatever it is.
        let w = column_widths([40, 14, 30, 16], 10);
        assert!(w.iter().sum::<u16>() + 6 <= 10, "{w:?}");
    }
}
