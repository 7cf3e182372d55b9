//! The no-echo passphrase prompt. Echo is turned off before the question is shown, so nothing
//! typed after the question appears can be echoed; what is read is capped at
//! `vault::MAX_PASSPHRASE_BYTES`; a line that is not UTF-8 text or too long is asked again
//! instead of being lost.

use std::io;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::secret::Secret;
use crate::vault::MAX_PASSPHRASE_BYTES;

/// Lines that are not text or too long before giving up.
const TRIES: usize = 3;

/// The terminal as the prompt needs it; a fake in the tests records the order of the calls.
pub(super) trait Tty {
    /// Turns echo off (the newline still echoes), remembering how it was.
    fn echo_off(&mut self) -> io::Result<()>;
    /// Puts echo back as it was. Called whatever happened.
    fn restore(&mut self);
    /// Shows `text` where the user looks (stderr), flushed.
    fn show(&mut self, text: &str) -> io::Result<()>;
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

/// One line read from the terminal.
enum Line {
    Bytes(Zeroizing<Vec<u8>>),
    TooLong,
}

/// Asks `question` and reads one line without echo. An empty answer is refused.
pub(super) fn ask(tty: &mut impl Tty, question: &str) -> Result<Secret, Error> {
    tty.echo_off().map_err(Error::Terminal)?;
    let answer = ask_quietly(tty, question);
    tty.restore();
    answer
}

fn ask_quietly(tty: &mut impl Tty, question: &str) -> Result<Secret, Error> {
    let mut last = Error::PromptNotText;
    for attempt in 1..=TRIES {
        tty.show(question).map_err(Error::Terminal)?;
        let error = match read_line(tty).map_err(Error::Terminal)? {
            Line::TooLong => Error::PromptTooLong {
                max: MAX_PASSPHRASE_BYTES,
            },
            Line::Bytes(bytes) => match std::str::from_utf8(strip_newline(&bytes)) {
                Ok("") => return Err(Error::EmptyPassphrase),
                Ok(text) => return Ok(Secret::new(text)),
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

/// Reads up to the end of the line (or of input). Beyond the cap the rest of the line is read
/// and dropped, so the next question starts on a fresh line.
fn read_line(tty: &mut impl Tty) -> io::Result<Line> {
    let mut buf = Zeroizing::new(vec![0u8; MAX_PASSPHRASE_BYTES + 1]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            return discard_line(tty).map(|()| Line::TooLong);
        }
        match tty.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                let end = filled + n;
                if buf[filled..end].contains(&b'\n') {
                    filled = end;
                    break;
                }
                filled = end;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    if let Some(at) = buf.iter().position(|&b| b == b'\n') {
        buf.truncate(at + 1);
    }
    Ok(Line::Bytes(buf))
}

fn discard_line(tty: &mut impl Tty) -> io::Result<()> {
    let mut scratch = Zeroizing::new([0u8; 256]);
    loop {
        match tty.read(&mut scratch[..]) {
            Ok(0) => return Ok(()),
            Ok(n) if scratch[..n].contains(&b'\n') => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn strip_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
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
    fn echo_off(&mut self) -> io::Result<()> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let saved = tcgetattr(&self.file)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
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

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut self.file, buf)
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
        EchoOff,
        Show(String),
        Read,
        Restore,
    }

    /// Gives `input` in chunks as a terminal in canonical mode would: at most one line per read.
    struct Fake {
        input: Vec<u8>,
        events: Vec<Event>,
        echo: bool,
    }

    impl Fake {
        fn new(input: &[u8]) -> Fake {
            Fake {
                input: input.to_vec(),
                events: Vec::new(),
                echo: true,
            }
        }
    }

    impl Tty for Fake {
        fn echo_off(&mut self) -> io::Result<()> {
            self.echo = false;
            self.events.push(Event::EchoOff);
            Ok(())
        }
        fn restore(&mut self) {
            self.echo = true;
            self.events.push(Event::Restore);
        }
        fn show(&mut self, text: &str) -> io::Result<()> {
            assert!(!self.echo, "text shown while echo is on: {text:?}");
            self.events.push(Event::Show(text.to_owned()));
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            assert!(!self.echo, "read while echo is on");
            self.events.push(Event::Read);
            let line = self
                .input
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.input.len(), |at| at + 1);
            let n = line.min(buf.len());
            buf[..n].copy_from_slice(&self.input[..n]);
            self.input.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn echo_is_off_before_the_question_shows_and_back_after() {
        let mut tty = Fake::new(b"hunter22\n");
        let answer = ask(&mut tty, "Vault passphrase: ").unwrap();
        assert_eq!(answer.expose(), "hunter22");
        assert_eq!(
            tty.events,
            [
                Event::EchoOff,
                Event::Show("Vault passphrase: ".into()),
                Event::Read,
                Event::Restore
            ]
        );
    }

    #[test]
    fn a_line_that_is_not_text_is_asked_again_not_swallowed() {
        let mut tty = Fake::new(b"ab\xffcd\r\nhunter22\r\n");
        let answer = ask(&mut tty, "Q: ").unwrap();
        assert_eq!(answer.expose(), "hunter22");
        let shown: Vec<_> = tty
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Show(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[1].contains("not UTF-8"), "{shown:?}");
        assert_eq!(tty.events.last(), Some(&Event::Restore));
    }

    #[test]
    fn an_endless_line_is_capped_and_refused_after_three_tries() {
        let mut input = vec![b'x'; 3 * (MAX_PASSPHRASE_BYTES + 10)];
        input[MAX_PASSPHRASE_BYTES + 9] = b'\n';
        input[2 * (MAX_PASSPHRASE_BYTES + 10) - 1] = b'\n';
        let mut tty = Fake::new(&input);
        let err = ask(&mut tty, "Q: ").err().unwrap();
        assert!(matches!(err, Error::PromptTooLong { .. }), "{err:?}");
        assert_eq!(tty.events.last(), Some(&Event::Restore));
        let mut tty = Fake::new(b"");
        assert!(matches!(ask(&mut tty, "Q: "), Err(Error::EmptyPassphrase)));
    }
}
