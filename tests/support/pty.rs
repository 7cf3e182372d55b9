//! Runs the real binary in a pseudo-terminal and rebuilds its screen with vt100, so tests can
//! wait for phrases the way a person reads them (ratatui moves the cursor instead of printing
//! spaces, so matching raw bytes would not work).

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Ends once the program's side of the terminal is closed and all its output was read.
    reader: std::thread::JoinHandle<()>,
}

pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
pub const CTRL_C: &str = "\x03";
pub const DOWN: &str = "\x1b[B";
pub const ESC: &str = "\x1b";

impl Pty {
    /// Starts `bin` with exactly `env` (the rest of the environment is cleared) at `cols`×`rows`.
    pub fn spawn(bin: &Path, args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env_clear();
        // portable-pty starts in $HOME unless told otherwise; stay where the test runs.
        cmd.cwd(std::env::temp_dir());
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn in pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).expect("rows > 0"),
            NonZeroU16::new(cols).expect("cols > 0"),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (Arc::clone(&parser), Arc::clone(&raw));
        // The master must stay alive while the reader runs; the thread owns it.
        let master = pair.master;
        let reader = std::thread::spawn(move || {
            let _master = master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .process(&buf[..n]);
                        r.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Pty {
            child,
            writer,
            parser,
            raw,
            reader,
        }
    }

    pub fn screen(&self) -> String {
        self.parser
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .screen()
            .contents()
    }

    /// Everything the program wrote, for checks that a secret never reached the terminal.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until the screen shows `text`; panics with the screen when it does not.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, Duration::from_secs(20))
    }

    pub fn wait_for_within(&self, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {text:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn send(&mut self, text: &str) {
        let before = self.output_len();
        self.writer
            .write_all(text.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
        self.wait_for_output(before);
    }

    /// Polls until the program wrote more than `before` bytes: it redraws after every input, so
    /// then it has read this input, and the next one cannot run into it (a bare Esc followed at
    /// once by more bytes would read as Alt+key). Gives up quietly after 5 seconds, for input
    /// that ends the program without a word.
    fn wait_for_output(&self, before: usize) {
        let start = Instant::now();
        while self.output_len() <= before && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn output_len(&self) -> usize {
        self.raw
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Types text as one bracketed paste.
    pub fn paste(&mut self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    /// After the exit: polls until the reader has taken everything the program wrote (it ends
    /// when the terminal closes), so the screen shows the last words.
    fn wait_for_last_output(&self) {
        let start = Instant::now();
        while !self.reader.is_finished() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits for the program to exit and returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.wait_for_last_output();
                return status.exit_code();
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!(
                    "the program did not exit; the screen shows:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
