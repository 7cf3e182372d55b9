//! The authorize URL as a QR code made of text: two modules per terminal cell, stacked
//! (`▀`, `▄`, `█`, space), so a phone can open the sign-in page.
//!
//! The code is drawn *light on dark*: light modules (and the quiet zone) are the glyphs, dark
//! modules are blank cells. On a terminal with a dark background that is a correct QR code
//! even without colours (`NO_COLOR`); where colours are allowed, draw the lines with a white
//! foreground on a black background and it is correct on any theme.
//!
//! Size: a QR code of version `v` is `4v + 17` modules wide; with the quiet zone the lines are
//! `4v + 17 + 2 * QUIET_ZONE` cells wide and half as many (rounded up) tall. Authorize URLs
//! for mastodon.social with a 43-character client id (error correction L):
//!
//! | URL                                  | chars   | version | columns × rows |
//! |--------------------------------------|---------|---------|----------------|
//! | `profile`, no PKCE, no `force_login` | 220     | 9       | 57 × 29        |
//! | `profile` + PKCE                     | 306     | 11      | 65 × 33        |
//! | + `force_login`, up to 3 scopes      | 323–354 | 12      | 69 × 35        |
//!
//! So the code alone needs about 69×35 cells (73×37 beyond 367 bytes) and never fits the
//! 80×24 minimum: show it on its own (a popup or full-screen view, sized from the lines)
//! with a "terminal too small for the QR code" fallback.

use qrcode::render::Renderer;
use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use super::view::wrapped_height;

/// Modules of light margin around the code. The standard asks for 4; 2 is common for codes
/// shown in terminals and saves two rows. The decoding test reads it with 2; a change here is
/// the only knob if a phone ever struggles.
pub const QUIET_ZONE: u32 = 2;

/// The lines of a QR code holding `text`, all of the same width in cells. `None` when `text`
/// is too long for any QR code (more than 2,953 bytes).
pub fn qr_lines(text: &str) -> Option<Vec<String>> {
    // A code on a screen is not scratched or folded: the lowest error correction gives the
    // smallest code.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    let colors = code.to_colors();
    let image = Renderer::<Dense1x2>::new(&colors, code.width(), QUIET_ZONE)
        // Light on dark: see the module comment.
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build();
    Some(image.lines().map(str::to_owned).collect())
}

/// The link as a QR code over the whole terminal but its last `keep` rows (the footer), with
/// `below` rows left under it for the caller (the code field and a status line); or, when it
/// does not fit, what size the terminal needs. Returns the area left under the code or the
/// message.
pub fn render_qr(frame: &mut Frame, url: &str, theme: Theme, below: u16, keep: u16) -> Rect {
    let full = frame.area();
    let area = Rect {
        height: full.height.saturating_sub(keep),
        ..full
    };
    frame.render_widget(ratatui::widgets::Clear, full);
    let lines = qr_lines(url).unwrap_or_default();
    let width = lines.first().map_or(0, |l| l.chars().count());
    let need_w = u16::try_from(width).unwrap_or(u16::MAX);
    let qr_h = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let need_h = qr_h.saturating_add(below).saturating_add(keep);
    if lines.is_empty() || area.width < need_w || full.height < need_h {
        let text = vec![
            Line::styled("The QR code does not fit.", theme.bold()),
            Line::raw(format!(
                "It needs a terminal of {need_w}×{need_h}; this one is {}×{}.",
                full.width, full.height
            )),
            Line::raw(
                // Esc leaves the view with the focus on "Copy link" (the Authorize step).
                "Enlarge the window (or make the font smaller), or press Esc to go back and \
                 copy the link (Enter).",
            ),
        ];
        let height = wrapped_height(&text, area.width).min(area.height);
        let [message, rest] = Layout::vertical([
            Constraint::Length(height.saturating_add(1)),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), message);
        return rest;
    }
    // The code is drawn light on dark; with colours, pin them so any terminal theme scans.
    let style = if theme.color {
        ratatui::style::Style::new()
            .fg(ratatui::style::Color::White)
            .bg(ratatui::style::Color::Black)
    } else {
        ratatui::style::Style::new()
    };
    let text: Vec<Line> = lines.into_iter().map(|l| Line::styled(l, style)).collect();
    let [code, rest] = Layout::vertical([Constraint::Length(qr_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(text), code);
    rest
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {

    use super::*;
    use crate::mastodon::{AuthorizeParams, authorize_url};

    /// Pixels per module for the decoder.
    const SCALE: usize = 4;

    /// The lines as a terminal with a dark background shows them: glyph halves light, blank dark.
    fn as_seen(lines: &[String]) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in lines {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                let (t, b) = match c {
                    ' ' => (false, false),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    '█' => (true, true),
                    other => panic!("unexpected character {other:?}"),
                };
                top.push(t);
                bottom.push(b);
            }
            rows.push(top);
            rows.push(bottom);
        }
        rows
    }

    /// Decodes what the terminal shows, as a phone camera would.
    fn decode(lines: &[String]) -> String {
        let light = as_seen(lines);
        let (w, h) = (light[0].len(), light.len());
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(w * SCALE, h * SCALE, |x, y| {
                if light[y / SCALE][x / SCALE] { 255 } else { 0 }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one QR code is found");
        grids[0].decode().expect("the QR code decodes").1
    }

    fn long_authorize_url() -> String {
        let base = crate::mastodon::BaseUrl::parse("https://mastodon.example.social/").unwrap();
        let params = AuthorizeParams {
            client_id: "kDhQ3vJ6m0w9bEr1WfXyLz8NcTuA2sPqGiHo7lYe5Rk".into(),
            redirect_uri: "http://127.0.0.1:54321/callback".into(),
            scopes: vec![
                "profile".into(),
                "write:statuses".into(),
                "write:media".into(),
            ],
            pkce: true,
            force_login: true,
        };
        authorize_url(&base, &params).url.to_string()
    }

    #[test]
    fn decodes_to_the_exact_authorize_url() {
        let url = long_authorize_url();
        let lines = qr_lines(&url).unwrap();
        assert_eq!(decode(&lines), url);
    }

    #[test]
    fn short_and_unicode_texts_round_trip() {
        for text in [
            "https://a.example/",
            "https://bücher.example/oauth/authorize?x=ü",
        ] {
            assert_eq!(decode(&qr_lines(text).unwrap()), text);
        }
    }

    #[test]
    fn size_of_a_typical_authorize_url() {
        let url = long_authorize_url();
        let lines = qr_lines(&url).unwrap();
        let width = lines[0].chars().count();
        assert!(
            lines.iter().all(|l| l.chars().count() == width),
            "rectangular"
        );
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::L).unwrap();
        let modules = code.width() + 2 * QUIET_ZONE as usize;
        assert_eq!(width, modules);
        assert_eq!(lines.len(), modules.div_ceil(2));
        // The figures the module comment gives.
        assert!((300..=380).contains(&url.len()), "{} characters", url.len());
        assert!((65..=69).contains(&width), "{width} columns");
        assert!((33..=35).contains(&lines.len()), "{} rows", lines.len());
        // Framed by the light quiet zone on every side.
        let seen = as_seen(&lines);
        for q in 0..QUIET_ZONE as usize {
            assert!(seen[q].iter().all(|&light| light));
            assert!(seen[modules - 1 - q].iter().all(|&light| light));
            assert!(
                seen.iter()
                    .take(modules)
                    .all(|row| row[q] && row[width - 1 - q])
            );
        }
    }

    #[test]
    fn too_long_for_any_qr_code() {
        assert!(qr_lines(&"a".repeat(2953)).is_some());
        assert!(qr_lines(&"a".repeat(2954)).is_none());
    }

    #[test]
    fn snapshot_of_a_fixed_link() {
        let lines = qr_lines("https://social.example/oauth/authorize?response_type=code&client_id=abc&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&scope=profile&state=fixed").unwrap();
        insta::assert_snapshot!("qr_fixed_link", lines.join("\n"));
    }
}
