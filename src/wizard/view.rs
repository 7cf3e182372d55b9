//! The frame around every screen: header with the step, body, notice line, key footer, help
//! popup, and the "terminal too small" fallback. Rendering is a pure function of the state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph, Wrap};

use super::msg::Key;
use super::state::{NoticeKind, Session};
use super::theme::Theme;

mod fit;

pub use fit::{button_rows, buttons, fit_line, width};

/// Below this the layout would break; a message is shown instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// What every screen gives the frame.
pub trait Screen {
    /// "Add account", "Accounts", "Unlock".
    fn title(&self) -> &'static str;
    /// The header's title where it names what the screen is for (a re-authorization names the
    /// account); `None` shows `title`.
    fn heading(&self) -> Option<String> {
        None
    }
    /// The step header, e.g. `(2, "Scopes")` shown as "2/5 Scopes".
    fn progress(&self) -> Option<(u8, &'static str)> {
        None
    }
    /// Key hints for the footer, most important first.
    fn keys(&self, session: &Session) -> Vec<(&'static str, &'static str)>;
    /// The `?` popup text.
    fn help(&self) -> &'static str;
    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx);
}

pub struct ViewCtx<'a> {
    pub theme: Theme,
    pub session: &'a Session,
}

pub const STEPS: u8 = 5;
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub fn spinner(session: &Session) -> char {
    SPINNER[session.spinner % SPINNER.len()]
}

/// Error texts are worded as clauses ("the server …") for the CLI's "mastokey: " prefix; on
/// screen they stand alone as sentences.
pub fn sentence(text: impl std::fmt::Display) -> String {
    let text = text.to_string();
    // A message that starts with a host or handle ("mastodon.example did not answer") keeps it
    // as typed.
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.contains(['.', ':', '@', '/']) {
        return text;
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// The frame around the current screen: header, the screen, the notice, the keys, and the
/// help over it when open.
/// `help_key` is the key that opens the help now: `?`, or `F1` where `?` is text.
pub fn render(
    screen: &dyn Screen,
    session: &Session,
    help: bool,
    help_key: &'static str,
    frame: &mut Frame,
    theme: Theme,
) {
    let area = frame.area();
    if too_small(area) {
        render_too_small(frame, area, theme, false);
        return;
    }
    let ctx = ViewCtx { theme, session };
    // A notice wraps onto up to three lines rather than being cut.
    let notice_line = session.notice.as_ref().map(|n| {
        let style = match n.kind {
            NoticeKind::Info => theme.dim(),
            NoticeKind::Success => theme.ok(),
            NoticeKind::Error => theme.error(),
        };
        Line::styled(n.text.clone(), style)
    });
    // No notice, no row: the body gets it (at the minimum size every row counts).
    let notice_height = notice_line.as_ref().map_or(0, |l| {
        wrapped_height(std::slice::from_ref(l), area.width.saturating_sub(2)).min(3)
    });
    let [header, body, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(notice_height),
        Constraint::Length(1),
    ])
    .areas(area);

    let mut left = vec![
        Span::styled(" mastokey", theme.accent()),
        Span::raw(" · "),
        Span::styled(
            screen
                .heading()
                .unwrap_or_else(|| screen.title().to_owned()),
            theme.bold(),
        ),
    ];
    if session.ssh {
        left.push(Span::styled("  (over SSH)", theme.dim()));
    }
    let left = Line::from(left);
    let room = usize::from(header.width).saturating_sub(left.width() + 2);
    let progress = screen
        .progress()
        .map(|(n, name)| progress_text(n, name, room));
    // A long title (a re-authorized handle) gives way to the step, cut with `…`.
    let title_room =
        usize::from(header.width).saturating_sub(progress.as_deref().map_or(0, |p| width(p) + 1));
    frame.render_widget(Paragraph::new(fit_line(left, title_room)), header);
    if let Some(text) = progress {
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.bold())).alignment(Alignment::Right),
            header,
        );
    }

    let inner = body.inner(ratatui::layout::Margin::new(1, 0));
    screen.render(frame, inner, &ctx);

    if let Some(line) = notice_line {
        let inner = notice.inner(ratatui::layout::Margin::new(1, 0));
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), inner);
    }

    frame.render_widget(
        Paragraph::new(fit::footer(
            &with_help(screen.keys(session), help_key),
            footer.width,
            theme,
        )),
        footer,
    );

    if help {
        render_help(frame, area, screen, theme);
    }
}

/// Every footer names the help key, the one that works now (a screen that lists `?` where `?`
/// is text gets `F1`); a screen that does not list it gets it just before its quit key.
pub fn with_help(
    mut keys: Vec<(&'static str, &'static str)>,
    help_key: &'static str,
) -> Vec<(&'static str, &'static str)> {
    if let Some(item) = keys.iter_mut().find(|(_, what)| *what == "help") {
        item.0 = help_key;
        return keys;
    }
    let at = match keys.last() {
        Some((_, "quit")) => keys.len() - 1,
        _ => keys.len(),
    };
    keys.insert(at, (help_key, "help"));
    keys
}

/// The steps of adding an account, as the header names them.
const STEP_NAMES: [&str; STEPS as usize] =
    ["Server", "Scopes", "Register", "Authorize", "Verify & save"];

/// The header's step: every earlier step ticked as done (a step that passed by itself, like
/// registering when the vault's app is reused, counts as done rather than leaving a gap in the
/// count), shortened to what fits in `room` columns.
fn progress_text(n: u8, name: &str, room: usize) -> String {
    let done = STEP_NAMES.iter().take(usize::from(n.saturating_sub(1)));
    let counter = format!("{n}/{STEPS} {name} ");
    let full: String = done.clone().flat_map(|s| [s, " ✓  "]).collect::<String>() + &counter;
    if width(&full) <= room {
        return full;
    }
    let ticks: String = done.map(|_| '✓').collect();
    let compact = if ticks.is_empty() {
        counter.clone()
    } else {
        format!("{ticks} {counter}")
    };
    if width(&compact) <= room {
        compact
    } else {
        counter
    }
}

/// True when `area` is below the size the layout needs.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The fallback below the minimum size. `waiting`: a question (it takes every key) is open but
/// cannot be drawn, so the message says so rather than leaving keys to act unseen.
pub fn render_too_small(frame: &mut Frame, area: Rect, theme: Theme, waiting: bool) {
    let size = format!(
        "{}×{} now, {MIN_WIDTH}×{MIN_HEIGHT} needed.",
        area.width, area.height
    );
    let mut full = vec![
        Line::styled("Terminal too small", theme.bold()),
        Line::raw(size.clone()),
    ];
    if waiting {
        full.push(Line::styled(
            "A question is waiting: enlarge the window to answer it.",
            theme.accent(),
        ));
    }
    full.push(Line::raw("Enlarge the window, or press Ctrl-C to quit."));
    // Measured: when the full text would be cut, a shorter one says the same.
    let text = if wrapped_height(&full, area.width) <= area.height {
        full
    } else {
        let mut short = vec![Line::styled(format!("Too small: {size}"), theme.bold())];
        if waiting {
            short.push(Line::styled("A question is waiting.", theme.accent()));
        }
        short.push(Line::raw("Enlarge it, or Ctrl-C to quit."));
        short
    };
    let height = wrapped_height(&text, area.width).min(area.height);
    let [mid] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        mid,
    );
}

fn render_help(frame: &mut Frame, area: Rect, screen: &dyn Screen, theme: Theme) {
    let width = area.width.saturating_sub(8).min(74);
    // Border and one column of padding on each side.
    let inner = width.saturating_sub(4);
    let room = area.height.saturating_sub(4);
    let mut lines: Vec<Line> = screen.help().lines().map(Line::raw).collect();
    lines.push(Line::raw(""));
    let everywhere = Line::styled(
        "Everywhere: Enter confirm · Esc back · Tab/arrows move · Space toggle · q quit (outside text fields) · Ctrl-C quit, vault untouched",
        theme.dim(),
    );
    let close = Line::styled("Press any key to close this help.", theme.dim());
    // The keys that hold everywhere are the first to go when the screen's own help needs the
    // room; the way out always stays.
    let mut with_everywhere = lines.clone();
    with_everywhere.extend([everywhere, close.clone()]);
    if wrapped_height(&with_everywhere, inner) <= room {
        lines = with_everywhere;
    } else {
        lines.push(close.clone());
        if wrapped_height(&lines, inner) > room {
            lines = cut_help(screen.help(), inner, room, close, theme);
        }
    }
    // As tall as the text needs (measured at the box's inner width), within the screen.
    let height = wrapped_height(&lines, inner)
        .saturating_add(2)
        .min(area.height.saturating_sub(2));
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .padding(Padding::horizontal(1))
                .title(" Help "),
        ),
        popup,
    );
}

/// The help text cut to what `room` rows hold, at a word, with a line that says there is more
/// and the way out below it: a cut is never silent.
fn cut_help(
    help: &str,
    inner: u16,
    room: u16,
    close: Line<'static>,
    theme: Theme,
) -> Vec<Line<'static>> {
    let tail = [
        Line::styled("… (enlarge the window to read the rest)", theme.accent()),
        close,
    ];
    let fits = |kept: &[Line<'static>]| {
        let mut all = kept.to_vec();
        all.extend(tail.iter().cloned());
        wrapped_height(&all, inner) <= room
    };
    let mut kept: Vec<Line<'static>> = Vec::new();
    for paragraph in help.lines() {
        let whole = Line::raw(paragraph.to_owned());
        kept.push(whole);
        if fits(&kept) {
            continue;
        }
        kept.pop();
        // As many of its words as still fit.
        let words: Vec<&str> = paragraph.split_whitespace().collect();
        let mut best = None;
        for n in 1..=words.len() {
            kept.push(Line::raw(words[..n].join(" ")));
            let ok = fits(&kept);
            kept.pop();
            if !ok {
                break;
            }
            best = Some(n);
        }
        if let Some(n) = best {
            kept.push(Line::raw(words[..n].join(" ")));
        }
        break;
    }
    while kept.last().is_some_and(|l| l.width() == 0) {
        kept.pop();
    }
    kept.extend(tail);
    kept
}

/// A box `width` × `height` in the middle of `area` (for popups), within `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    popup
}

/// Rows these lines take once wrapped at `width`.
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    // Measured with the same word wrapping the paragraph is drawn with, never estimated from
    // character counts (a word that does not fit moves whole to the next row).
    let count = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: true })
        .line_count(width.max(1));
    u16::try_from(count).unwrap_or(u16::MAX)
}

/// The line under a step's field: a spinner with what is happening, else the error, else nothing.
pub fn status_text(
    ctx: &ViewCtx,
    working: Option<String>,
    error: Option<&String>,
) -> Line<'static> {
    match (working, error) {
        (Some(doing), _) => Line::styled(
            format!("{} {doing}", spinner(ctx.session)),
            ctx.theme.accent(),
        ),
        (None, Some(error)) => Line::styled(error.clone(), ctx.theme.error()),
        (None, None) => Line::raw(""),
    }
}

/// [`status_text`] as a paragraph that wraps.
pub fn status_line(
    ctx: &ViewCtx,
    working: Option<String>,
    error: Option<&String>,
) -> Paragraph<'static> {
    Paragraph::new(status_text(ctx, working, error)).wrap(Wrap { trim: true })
}

/// A text field, a blank row, and the status line under it (what is being done, or the error).
#[allow(clippy::too_many_arguments)] // the field's own label and focus, and the status's parts
pub fn field_with_status(
    frame: &mut Frame,
    area: Rect,
    ctx: &ViewCtx,
    field: &super::text_field::TextField,
    label: &str,
    typing: bool,
    working: Option<String>,
    error: Option<&String>,
) {
    let [row, _, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    field.render(frame, row, label, typing, ctx.theme);
    frame.render_widget(status_line(ctx, working, error), status);
}

/// A row of buttons as an enum: the buttons in order, each with its label. Arrow keys and Tab
/// move along the row, wrapping around.
pub trait Choice: Copy + PartialEq + 'static {
    const ALL: &'static [Self];

    fn label(self) -> &'static str;

    /// The focus after `key`, or `None` when the key does not move along a row of buttons.
    fn moved(self, key: Key) -> Option<Self> {
        let all = Self::ALL;
        let index = all.iter().position(|c| *c == self).unwrap_or(0);
        let next = match key {
            Key::Left | Key::Up | Key::BackTab => index + all.len() - 1,
            Key::Right | Key::Down | Key::Tab => index + 1,
            _ => return None,
        };
        all.get(next % all.len()).copied()
    }
}

/// The row of `C`'s buttons with `focused` highlighted; `label` may rename a button.
pub fn choices<C: Choice>(
    focused: C,
    label: impl Fn(C) -> &'static str,
    theme: Theme,
) -> Line<'static> {
    let labels: Vec<&'static str> = C::ALL.iter().map(|c| label(*c)).collect();
    let index = C::ALL.iter().position(|c| *c == focused);
    buttons(&labels, index, theme)
}

/// As [`choices`], in rows of whole buttons at most `max` columns wide.
pub fn choice_rows<C: Choice>(
    focused: C,
    label: impl Fn(C) -> &'static str,
    max: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let labels: Vec<&'static str> = C::ALL.iter().map(|c| label(*c)).collect();
    let index = C::ALL.iter().position(|c| *c == focused);
    button_rows(&labels, index, max, theme)
}
