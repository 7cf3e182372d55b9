//! The TUI under test: the real binary in an 80×24 pseudo-terminal, its screen rebuilt with vt100,
//! and the temporary config directories it runs in.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

use super::{COLS, PENDING, ROWS, SERVER_HEADER, UNLOCKING, ms};

/// The child in its pty, with a reader thread that notes when each awaited phrase first shows.
pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    shared: Arc<Mutex<Shared>>,
    pub started: Instant,
}

pub struct Shared {
    parser: vt100::Parser,
    /// Phrase, when it first appeared, and the whole screen at that moment.
    watch: Vec<(String, Option<(Instant, String)>)>,
}

impl Tui {
    pub fn spawn(bin: &Path, args: &[&str], env: &[(&str, &Path)], extra: &[(&str, &str)]) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env_clear();
        cmd.cwd(std::env::temp_dir());
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let shared = Arc::new(Mutex::new(Shared {
            parser: vt100::Parser::new(
                NonZeroU16::new(ROWS).expect("rows > 0"),
                NonZeroU16::new(COLS).expect("cols > 0"),
                0,
            ),
            watch: [SERVER_HEADER, PENDING, UNLOCKING]
                .iter()
                .map(|p| ((*p).to_owned(), None))
                .collect(),
        }));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn in pty");
        drop(pair.slave);
        let master = pair.master;
        let seen = Arc::clone(&shared);
        std::thread::spawn(move || {
            let _master = master;
            let mut buf = [0u8; 16384];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let now = Instant::now();
                        let mut shared = seen.lock().unwrap_or_else(PoisonError::into_inner);
                        shared.parser.process(&buf[..n]);
                        if shared.watch.iter().any(|(_, hit)| hit.is_none()) {
                            let screen = shared.parser.screen().contents();
                            for (phrase, hit) in &mut shared.watch {
                                if hit.is_none() && screen.contains(phrase.as_str()) {
                                    *hit = Some((now, screen.clone()));
                                }
                            }
                        }
                    }
                }
            }
        });
        Tui {
            child,
            writer,
            shared,
            started,
        }
    }

    /// Waits (up to 10 s) for `phrase`; returns when it first showed and the screen then.
    pub fn wait_for(&self, phrase: &str) -> (Instant, String) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            {
                let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
                let hit = shared
                    .watch
                    .iter()
                    .find(|(p, _)| p == phrase)
                    .unwrap_or_else(|| panic!("{phrase:?} is not watched"));
                if let Some(hit) = &hit.1 {
                    return hit.clone();
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {phrase:?}; the screen shows:\n{}",
                    shared.parser.screen().contents()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    pub fn ms_to(&self, phrase: &str) -> f64 {
        ms(self.wait_for(phrase).0 - self.started)
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child has a pid")
    }

    /// Ctrl-C, then waits for the exit (killing it after 5 s).
    pub fn quit(mut self) {
        let _ = self.writer.write_all(b"\x03");
        let _ = self.writer.flush();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private HOME and config directory per run.
pub struct Dirs {
    _root: tempfile::TempDir,
    home: PathBuf,
    pub config: PathBuf,
}

impl Dirs {
    pub fn new() -> Dirs {
        let root = tempfile::tempdir().expect("temp dir");
        let home = root.path().join("home");
        let config = root.path().join("config");
        std::fs::create_dir(&home).expect("home dir");
        std::fs::create_dir(&config).expect("config dir");
        Dirs {
            _root: root,
            home,
            config,
        }
    }

    pub fn env(&self) -> [(&'static str, &Path); 2] {
        [
            ("HOME", self.home.as_path()),
            ("MASTOKEY_CONFIG_DIR", self.config.as_path()),
        ]
    }
}
