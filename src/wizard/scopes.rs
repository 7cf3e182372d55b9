//! Step 2, Scopes: what discovery found on top, then presets and grouped checkboxes, each with a
//! one-line description. Where the server does not say it has `profile`, that row gives the reason
//! and `read:accounts` takes its place. A scope missing from the server's list is only "not
//! advertised" (the list need not be complete) and stays selectable.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::mastodon::Capabilities;
use crate::mastodon::scopes::{Availability, ServerScopes, catalogue, negotiate, replacement_note};

use super::msg::{Key, Msg};
use super::outcome::{Exit, Outcome};
use super::state::{Reauth, ServerPick, Session};
use super::theme::Theme;
use super::view::{Screen, ViewCtx, fit_line, wrapped_height};

/// Columns for a preset's or scope's name, so the descriptions line up.
const NAME_WIDTH: usize = 24;

enum Row {
    Preset {
        name: String,
        description: String,
        scopes: Vec<String>,
        /// `read` was added to what the preset asks for elsewhere (this server needs it).
        read_added: bool,
    },
    Group(String),
    /// Whether the server offers it is read from the capabilities when needed, never copied.
    Scope {
        name: String,
        description: String,
    },
}

pub struct ScopesScreen {
    server: ServerPick,
    /// What the server offers, read once from its capabilities.
    scopes: ServerScopes,
    rows: Vec<Row>,
    cursor: usize,
    checked: BTreeSet<String>,
    error: Option<String>,
}

/// What the Scopes screen says about one scope on this server (from `ServerScopes`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Offer {
    /// Listed by the server, or the server publishes no list.
    Listed,
    /// Missing from a published list, which need not be complete: still selectable.
    NotAdvertised,
    /// Cannot be asked for: a short text for its row, and the whole reason.
    Not { row: String, reason: String },
}

fn offer(name: &str, server: &ServerScopes, caps: &Capabilities) -> Offer {
    if let Some(instead) = server.replacement(name) {
        return Offer::Not {
            row: format!("not advertised: {instead} is used instead"),
            reason: replacement_note(name, instead).replace('`', ""),
        };
    }
    match server.availability(name) {
        Availability::Missing(why) => Offer::Not {
            row: format!("unavailable: {why}"),
            reason: why.to_string(),
        },
        // Without a published list nothing is "not advertised": there is nothing to compare.
        Availability::NotAdvertised if caps.scopes_supported.is_some() => Offer::NotAdvertised,
        Availability::NotAdvertised | Availability::Advertised => Offer::Listed,
    }
}

/// The scopes widened so that `verify_credentials` works everywhere: `profile` and every
/// `read:…` scope become `read`; the others stay.
pub(super) fn with_read(scopes: &[String]) -> Vec<String> {
    let mut out = vec!["read".to_owned()];
    for scope in scopes {
        if scope != "profile" && !scope.starts_with("read") && !out.contains(scope) {
            out.push(scope.clone());
        }
    }
    out
}

/// Why `read` is in the selection (or what leaving it out costs) where this server tells whose
/// a token is only to a token with `read`.
fn read_note(with_read: bool) -> &'static str {
    if with_read {
        "This server tells whose a token is only to tokens that may read everything: `read` is \
         added."
    } else {
        "This server tells whose a token is only to tokens that may read everything: without \
         `read`, one more sign-in follows."
    }
}

impl ScopesScreen {
    /// `previous` restores the user's choice when coming back with Esc.
    pub fn new(server: ServerPick, previous: Option<BTreeSet<String>>) -> Self {
        let cat = catalogue();
        let mut rows = Vec::new();
        for preset in &cat.presets {
            let negotiated = negotiate(&preset.scopes, &server.caps).scopes;
            // A step-up was needed here before: every preset asks for `read` at once.
            let scopes = if server.verify_needs_read {
                with_read(&negotiated)
            } else {
                negotiated.clone()
            };
            rows.push(Row::Preset {
                name: preset.name.clone(),
                description: preset.description.clone(),
                read_added: !negotiated.iter().any(|s| s == "read") && scopes != negotiated,
                scopes,
            });
        }
        for group in &cat.groups {
            rows.push(Row::Group(group.title.clone()));
            for scope in cat.scopes.iter().filter(|s| s.group == group.id) {
                rows.push(Row::Scope {
                    name: scope.name.clone(),
                    description: scope.description.clone(),
                });
            }
        }
        let checked = previous.unwrap_or_else(|| match rows.first() {
            Some(Row::Preset { scopes, .. }) => scopes.iter().cloned().collect(),
            _ => BTreeSet::new(),
        });
        // A scope asked for or granted before that has no row of its own (a server's own scope)
        // is still listed, so it can be seen and unticked.
        let unlisted: Vec<String> = checked
            .iter()
            .filter(|name| cat.get(name).is_none())
            .cloned()
            .collect();
        if !unlisted.is_empty() {
            rows.push(Row::Group("Not in mastokey's list".into()));
            for name in unlisted {
                rows.push(Row::Scope {
                    name,
                    description: "asked for or granted before; this server's own scope".into(),
                });
            }
        }
        let mut screen = Self {
            scopes: ServerScopes::new(&server.caps),
            server,
            rows,
            cursor: 0,
            checked,
            error: None,
        };
        // Start on the preset that matches the current choice, if any; Enter keeps the choice
        // either way.
        screen.cursor = screen.marked_preset().unwrap_or(0);
        screen
    }

    /// The one preset shown as chosen: the first whose scopes are exactly the selection.
    fn marked_preset(&self) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| matches!(r, Row::Preset { scopes, .. } if self.is_current(scopes)))
    }

    fn is_current(&self, scopes: &[String]) -> bool {
        scopes.len() == self.checked.len() && scopes.iter().all(|s| self.checked.contains(s))
    }

    fn selectable(&self, index: usize) -> bool {
        !matches!(self.rows.get(index), Some(Row::Group(_)) | None)
    }

    fn move_by(&mut self, delta: isize) {
        let mut index = self.cursor;
        loop {
            let Some(next) = index
                .checked_add_signed(delta)
                .filter(|i| *i < self.rows.len())
            else {
                return;
            };
            index = next;
            if self.selectable(index) {
                self.cursor = index;
                return;
            }
        }
    }

    fn toggle(&mut self) {
        match self.rows.get(self.cursor) {
            Some(Row::Preset { scopes, .. }) => self.checked = scopes.iter().cloned().collect(),
            Some(Row::Scope { name, .. }) => match offer(name, &self.scopes, &self.server.caps) {
                Offer::Not { reason, .. } => {
                    self.error = Some(format!("{name} is unavailable: {reason}."));
                }
                Offer::Listed | Offer::NotAdvertised => {
                    if !self.checked.remove(name) {
                        self.checked.insert(name.clone());
                    }
                }
            },
            Some(Row::Group(_)) | None => {}
        }
    }

    /// What discovery found, the selection, and whether scopes mean anything here.
    fn summary_lines(&self, theme: Theme) -> Vec<Line<'static>> {
        let caps = &self.server.caps;
        let yes_no = |b: bool| {
            if b {
                Span::styled("yes", theme.ok())
            } else {
                Span::styled("no", theme.warn())
            }
        };
        let title = caps.title.clone().unwrap_or_else(|| caps.domain.clone());
        let mut first = vec![
            Span::styled(title, theme.bold()),
            Span::raw(format!(" · {} · {}", caps.software, caps.base.url())),
        ];
        if caps.loopback_http {
            first.push(Span::styled(" · plain http (loopback only)", theme.warn()));
        }
        vec![
            Line::from(first),
            Line::from(vec![
                Span::raw("profile scope: "),
                yes_no(caps.profile_scope),
                Span::raw("   PKCE: "),
                yes_no(caps.pkce_s256),
                Span::raw(format!("   accounts are @user@{}", caps.domain)),
            ]),
            Line::styled(
                format!(
                    "Selected: {}",
                    self.checked.iter().cloned().collect::<Vec<_>>().join(" ")
                ),
                theme.accent(),
            ),
        ]
    }

    /// The line under the summary, wrapped: that scopes mean nothing here, or why `read` is
    /// added.
    fn note_line(&self, theme: Theme) -> Line<'static> {
        if !self.scopes.enforces_scopes {
            Line::styled(
                "This server ignores scopes: any token may do everything.",
                theme.warn(),
            )
        } else if self.server.verify_needs_read {
            Line::styled(read_note(self.checked.contains("read")), theme.dim())
        } else {
            Line::raw("")
        }
    }

    /// One row of the list, uncut.
    fn row_line(&self, index: usize, theme: Theme) -> Option<Line<'static>> {
        let marked = self.marked_preset();
        Some(match self.rows.get(index)? {
            Row::Preset {
                name,
                description,
                scopes,
                ..
            } => {
                let mark = if marked == Some(index) {
                    "(•)"
                } else {
                    "( )"
                };
                Line::from(vec![
                    Span::raw(format!("{mark} ")),
                    Span::styled(format!("{name:<NAME_WIDTH$}"), theme.bold()),
                    Span::styled(format!("[{}] ", scopes.join(" ")), theme.accent()),
                    Span::styled(description.clone(), theme.dim()),
                ])
            }
            Row::Group(title) => Line::styled(title.clone(), theme.accent()),
            Row::Scope { name, description } => {
                let ticked = if self.checked.contains(name) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let (mark, text) = match offer(name, &self.scopes, &self.server.caps) {
                    Offer::Not { row, .. } => ("[-]", row),
                    Offer::NotAdvertised => (ticked, format!("(not advertised) {description}")),
                    Offer::Listed => (ticked, description.clone()),
                };
                Line::from(vec![
                    Span::raw(format!("  {mark} ")),
                    Span::raw(format!("{name:<width$}", width = NAME_WIDTH - 2)),
                    Span::styled(text, theme.dim()),
                ])
            }
        })
    }

    /// The focused row in full: a preset's scopes and description, a scope's description, or
    /// why it cannot be asked for.
    fn focused_detail(&self, theme: Theme) -> Line<'static> {
        let text = match self.rows.get(self.cursor) {
            Some(Row::Preset {
                name,
                description,
                scopes,
                read_added,
            }) => {
                // What the preset's own description promises may not hold here.
                let added = if !self.scopes.enforces_scopes {
                    " This server ignores scopes: the token can do everything."
                } else if *read_added {
                    " Here `read` is added: the token can read everything."
                } else {
                    ""
                };
                format!("{name} [{}]: {description}{added}", scopes.join(" "))
            }
            Some(Row::Scope { name, description }) => {
                match offer(name, &self.scopes, &self.server.caps) {
                    Offer::Not { reason, .. } => format!("{name} is unavailable: {reason}."),
                    Offer::NotAdvertised => format!(
                        "{name}: {description} (not advertised by this server: it may still work)"
                    ),
                    Offer::Listed => format!("{name}: {description}"),
                }
            }
            Some(Row::Group(_)) | None => String::new(),
        };
        Line::styled(text, theme.dim())
    }

    pub fn update(mut self, msg: &Msg) -> Outcome<Self> {
        if let Msg::Key(_) = msg {
            self.error = None;
        }
        match msg {
            Msg::Key(Key::Esc) if self.server.reauth.is_some() => return Outcome::exit(Exit::Home),
            Msg::Key(Key::Esc) => return Outcome::exit(Exit::EditServer(self.server.text)),
            // Enter keeps the selection shown; only Space on a preset replaces it.
            Msg::Key(Key::Enter) => {
                if self.checked.is_empty() {
                    self.error = Some("Choose at least one scope (Space toggles).".into());
                } else {
                    let scopes: Vec<String> = self.checked.iter().cloned().collect();
                    return Outcome::exit(Exit::ScopesChosen(self.server, scopes));
                }
            }
            Msg::Key(Key::Up | Key::Char('k') | Key::BackTab) => self.move_by(-1),
            Msg::Key(Key::Down | Key::Char('j') | Key::Tab) => self.move_by(1),
            Msg::Key(Key::PageUp) => self.move_by(-10),
            Msg::Key(Key::PageDown) => self.move_by(10),
            Msg::Key(Key::Home) => {
                self.cursor = 0;
            }
            Msg::Key(Key::End) => {
                self.cursor = self.rows.len().saturating_sub(1);
            }
            Msg::Key(Key::Char(' ')) => self.toggle(),
            _ => {}
        }
        Outcome::stay(self)
    }
}

impl Screen for ScopesScreen {
    fn title(&self) -> &'static str {
        "Add account"
    }

    fn heading(&self) -> Option<String> {
        self.server.reauth.as_ref().map(Reauth::title)
    }

    fn progress(&self) -> Option<(u8, &'static str)> {
        Some((2, "Scopes"))
    }

    fn keys(&self, _: &Session) -> Vec<(&'static str, &'static str)> {
        vec![
            ("Enter", "continue"),
            ("Space", "toggle"),
            ("↑↓", "move"),
            ("Esc", "back"),
            ("?", "help"),
            ("q", "quit"),
        ]
    }

    fn help(&self) -> &'static str {
        "Scopes limit what the token may do. Ask for as little as the job needs.\n\n\
         Account check only (profile; read:accounts before Mastodon 4.3): lets a script confirm whose \
         token it is, nothing more.\n\
         Posting bot: publish posts and upload media.\n\
         Read everything: read all of the account's data.\n\n\
         Space on a preset picks it; Space on a scope adds or removes it."
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &ViewCtx) {
        let theme = ctx.theme;
        let max = usize::from(area.width);
        // The focused row's whole text, or the error, under the list: rows are cut to the width
        // (with `…`), so what a row leaves out is always readable here.
        let detail = match &self.error {
            Some(error) => Line::styled(error.clone(), theme.error()),
            None => self.focused_detail(theme),
        };
        let detail_height = wrapped_height(std::slice::from_ref(&detail), area.width).min(3);
        let note = self.note_line(theme);
        let note_height = wrapped_height(std::slice::from_ref(&note), area.width).clamp(1, 2);
        let [summary, note_area, list, _, status] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(note_height),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(detail_height),
        ])
        .areas(area);
        let summary_lines = self
            .summary_lines(theme)
            .into_iter()
            .map(|line| fit_line(line, max))
            .collect::<Vec<_>>();
        frame.render_widget(Paragraph::new(summary_lines), summary);
        frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: true }), note_area);
        let items: Vec<ListItem> = (0..self.rows.len())
            .filter_map(|index| self.row_line(index, theme))
            .map(|line| ListItem::new(fit_line(line, max)))
            .collect();
        let mut state = ListState::default().with_selected(Some(self.cursor));
        frame.render_stateful_widget(
            List::new(items).highlight_style(theme.selected()),
            list,
            &mut state,
        );
        frame.render_widget(Paragraph::new(detail).wrap(Wrap { trim: true }), status);
    }
}
