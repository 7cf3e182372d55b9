//! The runner owns the terminal and the event loop: it translates crossterm events into `Msg`,
//! hands each `Effect` to the executor, and redraws after each event; it ticks only while a
//! spinner shows.

use std::io::{IsTerminal, stdout};
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyCode, KeyEvent,
    KeyEventKind, KeyModifiers,
};
use futures_util::StreamExt;
use tokio::sync::mpsc::unbounded_channel;

use crate::error::Error;
use crate::secret::Secret;
use crate::vault::Vault;

use super::executor::{Executor, Services};
use super::farewell::{Farewell, farewell};
use super::flow::{State, update};
use super::hyperlink;
use super::msg::{Key, Msg};
use super::random::Random;
use super::state::{Session, Start, VaultStatus};
use super::theme::Theme;
use super::view_model::VaultView;

const SPINNER_INTERVAL: Duration = Duration::from_millis(100);

/// What the wizard needs from the outside world: what the executor works against, and what
/// the screens start from.
pub struct Deps {
    pub services: Services,
    pub no_color: bool,
    /// The terminal is taken to show OSC 8 hyperlinks (`hyperlinks_supported`).
    pub hyperlinks: bool,
    pub ssh: bool,
    pub env_passphrase: Option<Secret>,
    /// The vault, already opened through the unlock agent: no Unlock screen.
    pub unlocked: Option<Vault>,
    /// Where sign-in links get their `state` and PKCE verifier.
    pub random: Box<dyn Random>,
}

pub fn run(start: Start, deps: Deps) -> Result<ExitCode, Error> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        return Err(Error::NotATerminal);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Terminal)?;
    runtime.block_on(run_async(start, deps))
}

async fn run_async(start: Start, deps: Deps) -> Result<ExitCode, Error> {
    // Restore bracketed paste too on a panic; ratatui's own hook (installed by init) restores
    // raw mode and the main screen, then calls this one.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(stdout(), DisableBracketedPaste);
        previous(info);
    }));
    let mut terminal = ratatui::try_init().map_err(Error::Terminal)?;
    let result = match crossterm::execute!(stdout(), EnableBracketedPaste) {
        Ok(()) => event_loop(&mut terminal, start, deps).await,
        Err(e) => Err(Error::Terminal(e)),
    };
    let _ = crossterm::execute!(stdout(), DisableBracketedPaste);
    ratatui::restore();
    // Only now, with the terminal back to normal, may anything be printed.
    let (farewell, warnings) = result?;
    for warning in &warnings {
        eprintln!("{warning}");
    }
    for line in &farewell.lines {
        println!("{line}");
    }
    if let Some(warning) = &farewell.warning {
        eprintln!("{warning}");
    }
    Ok(ExitCode::from(farewell.code))
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    start: Start,
    deps: Deps,
) -> Result<(Farewell, Vec<String>), Error> {
    let Deps {
        services,
        no_color,
        hyperlinks,
        ssh,
        env_passphrase,
        unlocked,
        random,
    } = deps;
    let theme = Theme::new(no_color);
    let status = match &unlocked {
        Some(vault) => VaultStatus::Unlocked(VaultView::from_data(vault.data())),
        None if Vault::exists(&services.dir) => VaultStatus::Locked,
        None => VaultStatus::Missing,
    };
    let mut session = Session::new(status, ssh, services.dir.clone(), random);
    session.zone = jiff::tz::TimeZone::system();
    let clock = services.clock;
    let (tx, mut rx) = unbounded_channel();
    let mut executor = Executor::new(services, tx);
    if let Some(vault) = unlocked {
        executor.opened(vault);
    }
    let (mut state, first_effects) = State::new(start, session, env_passphrase);
    state.session.now = clock();

    // The first frame comes before any network or key derivation.
    draw(terminal, &state, theme, hyperlinks).map_err(Error::Terminal)?;
    for effect in first_effects {
        executor.execute(effect);
    }

    let mut events = EventStream::new();
    loop {
        let ticking = state.needs_tick();
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match translate(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(e)) => return Err(Error::Terminal(e)),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            () = tokio::time::sleep(SPINNER_INTERVAL), if ticking => Msg::Tick,
        };
        state.session.now = clock();
        for effect in update(&mut state, msg) {
            executor.execute(effect);
        }
        if state.session.quit {
            break;
        }
        draw(terminal, &state, theme, hyperlinks).map_err(Error::Terminal)?;
    }
    executor.clear_copied_token();
    Ok((farewell(&state), executor.take_warnings()))
}

/// One frame; then the sign-in link, if the screen shows it whole, once more as a run the
/// terminal wraps itself (see `hyperlink`).
fn draw(
    terminal: &mut ratatui::DefaultTerminal,
    state: &State,
    theme: Theme,
    hyperlinks: bool,
) -> std::io::Result<()> {
    let link = hyperlink::shown_link(state);
    let placed = {
        let frame = terminal.draw(|frame| state.render(frame, theme))?;
        link.as_deref()
            .and_then(|url| hyperlink::link_row(frame.buffer, url))
            .map(|row| (row, hyperlink::style_at(frame.buffer, row)))
    };
    if let (Some(url), Some((row, style))) = (link, placed) {
        hyperlink::write_link(terminal.backend_mut(), row, &url, style, hyperlinks)?;
    }
    Ok(())
}

fn translate(event: Event) -> Option<Msg> {
    match event {
        // Windows also reports releases; only presses and repeats are input.
        Event::Key(key) if key.kind != KeyEventKind::Release => translate_key(key).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(Secret::new(text))),
        Event::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

fn translate_key(key: KeyEvent) -> Option<Key> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    })
}
