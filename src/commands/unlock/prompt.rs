//! The no-echo passphrase prompt. The terminal goes quiet (no echo, keys read one by one) before
//! the question is shown, so nothing typed after the question appears can be echoed. What is read
//! is capped at `vault::MAX_PASSPHRASE_BYTES`; a line that is not UTF-8 text or too long is asked
//! again instead of being lost; Ctrl-C puts the terminal back before mastokey stops.

use std::io;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::secret::Secret;
use crate::vault::MAX_PASSPHRASE_BYTES;

/// Lines that are not text or too long before giving up.
const TRIES: usize = 3;

const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const BACKSPACE: u8 = 0x08;
const CTRL_U: u8 = 0x15;
const ESC: u8 = 0x1b;
const DEL: u8 = 0x7f;

/// The terminal as the prompt needs it; a fake in the tests records the order of the calls.
pub(super) trait Tty {
    /// No echo, no line editing by the terminal, Ctrl-C as a key; remembers how it was.
    fn quiet(&mut self) -> io::Result<()>;
    /// Puts the terminal back as it was. Called whatever happened.
    fn restore(&mut self);
    /// Shows `text` where the user looks (stderr), flushed.
    fn show(&mut self, text: &str) -> io::Result<()>;
    /// One byte, `None` at the end of input.
    fn byte(&mut self) -> io::Result<Option<u8>>;
    /// Ctrl-C was pressed (the terminal is already restored): stop as Ctrl-C does.
    fn interrupt(&mut self);
}

/// One line read from the terminal.
enum Line {
    Bytes(Zeroizing<Vec<u8>>),
    TooLong,
    Interrupted,
}

/// Asks `question` and reads one line without echo. An empty answer is refused.
pub(super) fn ask(tty: &mut impl Tty, question: &str) -> Result<Secret, Error> {
    tty.quiet().map_err(Error::Terminal)?;
    let answer = ask_quietly(tty, question);
    tty.restore();
    if let Some(answer) = answer? {
        return Ok(answer);
    }
    tty.interrupt();
    // Only reached when the interrupt signal is ignored.
    Err(Error::Terminal(io::ErrorKind::Interrupted.into()))
}

/// The answer, or `None` for Ctrl-C.
fn ask_quietly(tty: &mut impl Tty, question: &str) -> Result<Option<Secret>, Error> {
    let mut last = Error::PromptNotText;
    for attempt in 1..=TRIES {
        tty.show(question).map_err(Error::Terminal)?;
        let line = read_line(tty).map_err(Error::Terminal)?;
        // The Enter the terminal no longer echoes.
        tty.show("\n").map_err(Error::Terminal)?;
        let error = match line {
            Line::Interrupted => return Ok(None),
            Line::TooLong => Error::PromptTooLong {
                max: MAX_PASSPHRASE_BYTES,
            },
            Line::Bytes(bytes) => match std::str::from_utf8(&bytes) {
                Ok("") => return Err(Error::EmptyPassphrase),
                Ok(text) => return Ok(Some(Secret::new(text))),
                Err(_) => Error::PromptNotText,
            },
        };
        if attempt < TRIES {
            tty.show(&format!("{error}\n")).map_err(Error::Terminal)?;
        }
        last = error;
    }
    Err(last)
}

/// Reads keys up to Enter (or the end of input), with the editing a password prompt offers:
/// Backspace, Ctrl-U (clear), Ctrl-D on an empty line (end). Escape sequences (arrow keys) and
/// other control keys are dropped. Past the cap, keys are read and dropped until Enter.
fn read_line(tty: &mut impl Tty) -> io::Result<Line> {
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_PASSPHRASE_BYTES + 1));
    let mut too_long = false;
    while let Some(byte) = next(tty)? {
        match byte {
            b'\r' | b'\n' => break,
            CTRL_C => return Ok(Line::Interrupted),
            CTRL_D if buf.is_empty() => break,
            DEL | BACKSPACE => pop_char(&mut buf),
            CTRL_U => buf.clear(),
            ESC => skip_escape(tty)?,
            b if b < 0x20 => {}
            _ if buf.len() == MAX_PASSPHRASE_BYTES => too_long = true,
            b => buf.push(b),
        }
    }
    Ok(if too_long {
        Line::TooLong
    } else {
        Line::Bytes(buf)
    })
}

fn next(tty: &mut impl Tty) -> io::Result<Option<u8>> {
    loop {
        match tty.byte() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Removes the last character: its UTF-8 continuation bytes, then its first byte.
fn pop_char(buf: &mut Vec<u8>) {
    while let Some(b) = buf.pop() {
        if b & 0xc0 != 0x80 {
            break;
        }
    }
}

/// Drops the rest of `ESC [ … final` or `ESC O x` (arrow and function keys).
fn skip_escape(tty: &mut impl Tty) -> io::Result<()> {
    match next(tty)? {
        Some(b'[' | b'O') => {
            while let Some(b) = next(tty)? {
                if (0x40..=0x7e).contains(&b) {
                    break;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The controlling terminal (`/dev/tty`), through rustix's safe termios calls.
#[cfg(unix)]
pub(super) struct DevTty {
    file: std::fs::File,
    saved: Option<rustix::termios::Termios>,
}

#[cfg(unix)]
impl DevTty {
    pub(super) fn open() -> io::Result<DevTty> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        Ok(DevTty { file, saved: None })
    }
}

#[cfg(unix)]
impl Tty for DevTty {
    fn quiet(&mut self) -> io::Result<()> {
        use rustix::termios::{
            LocalModes, OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr,
        };
        let saved = tcgetattr(&self.file)?;
        let mut quiet = saved.clone();
        quiet
            .local_modes
            .remove(LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG | LocalModes::ECHONL);
        quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
        quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
        tcsetattr(&self.file, OptionalActions::Now, &quiet)?;
        self.saved = Some(saved);
        Ok(())
    }

    fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = rustix::termios::tcsetattr(
                &self.file,
                rustix::termios::OptionalActions::Now,
                &saved,
            );
        }
    }

    fn show(&mut self, text: &str) -> io::Result<()> {
        use std::io::Write;
        let mut err = io::stderr().lock();
        err.write_all(text.as_bytes())?;
        err.flush()
    }

    fn byte(&mut self) -> io::Result<Option<u8>> {
        let mut one = [0u8; 1];
        let n = io::Read::read(&mut self.file, &mut one)?;
        Ok((n == 1).then_some(one[0]))
    }

    fn interrupt(&mut self) {
        use rustix::process::{Signal, getpid, kill_process};
        // The default action ends the process with the status a shell expects from Ctrl-C.
        let _ = kill_process(getpid(), Signal::INT);
    }
}

#[cfg(unix)]
impl Drop for DevTty {
    fn drop(&mut self) {
        self.restore();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Event {
        Quiet,
        Show(String),
        Read,
        Restore,
        Interrupt,
    }

    /// Keys typed in advance; records every call, and fails on output or input while loud.
    struct Fake {
        input: std::collections::VecDeque<u8>,
        events: Vec<Event>,
        quiet: bool,
    }

    impl Fake {
        fn new(input: &[u8]) -> Fake {
            Fake {
                input: input.iter().copied().collect(),
                events: Vec::new(),
                quiet: false,
            }
        }

        fn shown(&self) -> Vec<&str> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Event::Show(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect()
        }
    }

    impl Tty for Fake {
        fn quiet(&mut self) -> io::Result<()> {
            self.quiet = true;
            self.events.push(Event::Quiet);
            Ok(())
        }
        fn restore(&mut self) {
            self.quiet = false;
            self.events.push(Event::Restore);
        }
        fn show(&mut self, text: &str) -> io::Result<()> {
            assert!(self.quiet, "text shown while the terminal echoes: {text:?}");
            self.events.push(Event::Show(text.to_owned()));
            Ok(())
        }
        fn byte(&mut self) -> io::Result<Option<u8>> {
            assert!(self.quiet, "read while the terminal echoes");
            if self.events.last() != Some(&Event::Read) {
                self.events.push(Event::Read);
            }
            Ok(self.input.pop_front())
        }
        fn interrupt(&mut self) {
            assert!(!self.quiet, "interrupted before the terminal was restored");
            self.events.push(Event::Interrupt);
        }
    }

    fn answer(input: &[u8]) -> Result<String, Error> {
        ask(&mut Fake::new(input), "Q: ").map(|s| s.expose().to_owned())
    }

    #[test]
    fn the_terminal_is_quiet_before_the_question_shows_and_restored_after() {
        let mut tty = Fake::new(b"hunter22\r");
        let answer = ask(&mut tty, "Vault passphrase: ").unwrap();
        assert_eq!(answer.expose(), "hunter22");
        assert_eq!(
            tty.events,
            [
                Event::Quiet,
                Event::Show("Vault passphrase: ".into()),
                Event::Read,
                Event::Show("\n".into()),
                Event::Restore
            ]
        );
    }

    #[test]
    fn a_line_that_is_not_text_is_asked_again_not_swallowed() {
        let mut tty = Fake::new(b"ab\xffcd\rhunter22\r");
        let answer = ask(&mut tty, "Q: ").unwrap();
        assert_eq!(answer.expose(), "hunter22");
        let shown = tty.shown();
        assert_eq!(
            shown.iter().filter(|t| **t == "Q: ").count(),
            2,
            "{shown:?}"
        );
        assert!(shown.iter().any(|t| t.contains("not UTF-8")), "{shown:?}");
        assert_eq!(tty.events.last(), Some(&Event::Restore));
        let err = answer_err(b"\xff\r\xfe\r\xc3\r");
        assert!(matches!(err, Error::PromptNotText), "{err:?}");
    }

    fn answer_err(input: &[u8]) -> Error {
        answer(input).err().unwrap()
    }

    #[test]
    fn an_endless_line_is_capped_and_refused_after_three_tries() {
        let mut input = Vec::new();
        for _ in 0..3 {
            input.extend(std::iter::repeat_n(b'x', MAX_PASSPHRASE_BYTES + 10));
            input.push(b'\r');
        }
        let err = answer_err(&input);
        assert!(matches!(err, Error::PromptTooLong { .. }), "{err:?}");
        let exact = vec![b'y'; MAX_PASSPHRASE_BYTES];
        assert_eq!(
            answer(&[&exact[..], b"\r"].concat()).unwrap().len(),
            MAX_PASSPHRASE_BYTES
        );
        assert!(matches!(answer_err(b""), Error::EmptyPassphrase));
        assert!(matches!(answer_err(b"\x04"), Error::EmptyPassphrase));
    }

    #[test]
    fn editing_keys_work_and_escape_sequences_are_dropped() {
        assert_eq!(answer(b"abd\x7fc\r").unwrap(), "abc");
        assert_eq!(answer("pé\x08e\n".as_bytes()).unwrap(), "pe");
        assert_eq!(answer(b"wrong\x15right\r").unwrap(), "right");
        assert_eq!(answer(b"a\x1b[Ab\x1bOCc\tz\r").unwrap(), "abcz");
    }

    #[test]
    fn ctrl_c_restores_the_terminal_then_interrupts() {
        let mut tty = Fake::new(b"secr\x03et\r");
        let err = ask(&mut tty, "Q: ").err().unwrap();
        assert!(matches!(err, Error::Terminal(_)), "{err:?}");
        let n = tty.events.len();
        assert_eq!(&tty.events[n - 2..], [Event::Restore, Event::Interrupt]);
    }
}
