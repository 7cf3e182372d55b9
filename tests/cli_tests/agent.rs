//! The unlock agent: unlock → token → lock, the idle timeout, garbage on its socket, and an agent
//! killed while commands write the vault.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Run, World, run};

/// Runs commands of `world` with a private runtime dir; locks the agent when dropped.
struct Session<'a> {
    world: &'a World,
    runtime: PathBuf,
}

impl<'a> Session<'a> {
    fn new(world: &'a World) -> Session<'a> {
        let runtime = world.cli.dir.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        Session { world, runtime }
    }

    /// No passphrase variable, stdin not a terminal.
    fn locked(&self, args: &[&str]) -> Command {
        let mut command = self.world.cli.locked(args);
        command.env("XDG_RUNTIME_DIR", &self.runtime);
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&mut self.locked(args))
    }

    fn unlock(&self, timeout: &str) {
        let mut command = self.world.cli.command(&["unlock", "--timeout", timeout]);
        command.env("XDG_RUNTIME_DIR", &self.runtime);
        let out = run(&mut command);
        out.code(0);
        assert!(out.stdout.contains("Unlocked"), "{out:?}");
    }

    fn socket(&self) -> Option<PathBuf> {
        let dir = self.runtime.join("mastokey");
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "sock"))
    }

    /// `status`'s answer; its exit code says the same (0 unlocked, 3 locked).
    fn status(&self) -> String {
        let out = self.run(&["status"]);
        let expected = if out.stdout.starts_with("unlocked") {
            0
        } else {
            3
        };
        out.code(expected).stdout.clone()
    }

    fn pid(&self) -> String {
        let status = self.status();
        let start = status.find("(pid ").unwrap() + 5;
        status[start..].split(')').next().unwrap().to_owned()
    }

    /// Polls `status` until it says locked, within `limit`.
    fn wait_locked(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.status().starts_with("locked") {
            assert!(Instant::now() < deadline, "the agent is still unlocked");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.locked(&["lock"]).output();
    }
}

#[test]
fn unlock_then_token_then_lock_then_token_fails() {
    let w = World::new();
    let s = Session::new(&w);
    assert!(s.status().starts_with("locked"));
    s.run(&["token", "alice"]).code(3);
    s.unlock("60");
    let socket = s.socket().unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(s.status().starts_with("unlocked"), "{}", s.status());
    // The agent runs with core dumps off, like every mastokey process.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", s.pid())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
    let out = s.run(&["token", "alice"]);
    assert_eq!(out.code(0).stdout, format!("{}\n", w.alice.token));
    // Turned off: back to the passphrase sources, and there are none.
    run(s.locked(&["token", "alice"]).env("MASTOKEY_NO_AGENT", "1")).code(3);
    // Writes go through the agent too: the command encrypts to the recipient itself.
    s.run(&["remove", "bob"]).code(0);
    assert_eq!(w.cli.unlock().data().accounts.len(), 2);
    assert!(s.run(&["lock"]).code(0).stdout.contains("Locked"));
    let out = s.run(&["token", "alice"]);
    out.code(3);
    assert!(out.stdout.is_empty());
    assert!(s.status().starts_with("locked"));
    assert!(s.run(&["lock"]).code(0).stdout.contains("Already locked"));
}

#[test]
fn the_idle_timeout_expires_and_the_socket_goes() {
    let w = World::new();
    let s = Session::new(&w);
    s.unlock("1");
    s.wait_locked(Duration::from_secs(20));
    s.run(&["token", "alice"]).code(3);
    assert!(s.socket().is_none(), "the agent removes its socket");
}

fn exchange(socket: &Path, bytes: &[u8]) -> Vec<u8> {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The agent may close first (an oversized length): a failed write is an answer too.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

#[test]
fn garbage_on_the_socket_is_refused_and_the_agent_survives() {
    let w = World::new();
    let s = Session::new(&w);
    s.unlock("60");
    let socket = s.socket().unwrap();
    assert!(exchange(&socket, &[0xff, 0xff, 0xff, 0xff, 1, 2, 3]).is_empty());
    let hello = [&5u32.to_be_bytes()[..], b"hello"].concat();
    let answer = exchange(&socket, &hello);
    assert!(
        String::from_utf8_lossy(&answer).contains("refused"),
        "{answer:?}"
    );
    let unknown = br#"{"op":"dump_key"}"#;
    let framed = [
        &u32::try_from(unknown.len()).unwrap().to_be_bytes()[..],
        unknown,
    ]
    .concat();
    assert!(String::from_utf8_lossy(&exchange(&socket, &framed)).contains("refused"));
    assert!(exchange(&socket, &[0, 0]).is_empty());
    assert!(s.status().starts_with("unlocked"));
    s.run(&["token", "alice"]).code(0);
}

#[test]
fn an_agent_killed_while_commands_write_leaves_the_vault_intact() {
    let w = World::new();
    let s = Session::new(&w);
    for delay_ms in [0u64, 15, 40, 80] {
        s.unlock("60");
        let pid = s.pid();
        // verify records its results: a read-modify-write through the agent.
        let verify = s
            .locked(&["verify"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
        assert!(killed.success());
        let out = verify.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("restore it"),
            "a vanished agent is not a damaged vault: {stderr}"
        );
        s.wait_locked(Duration::from_secs(10));
        let vault = w.cli.unlock();
        assert_eq!(vault.data().accounts.len(), 3);
    }
    // A stale socket does not stop the next unlock.
    s.unlock("60");
    s.run(&["token", "bob"]).code(0);
}

#[test]
fn status_exits_3_when_locked_and_0_when_unlocked() {
    let w = World::new();
    let s = Session::new(&w);
    let out = s.run(&["status"]);
    assert_eq!(out.code(3).stdout, "locked\n");
    s.unlock("60");
    assert!(s.run(&["status"]).code(0).stdout.starts_with("unlocked"));
    // A second unlock keeps the running agent and its timeout, and says how to change it.
    let again = s.run(&["unlock", "--timeout", "5"]);
    assert!(
        again.code(0).stdout.contains("Already unlocked"),
        "{again:?}"
    );
    assert!(again.stdout.contains("another --timeout"), "{again:?}");
    // Turned off, the agent is of no use to commands: locked for them, and it says why.
    let out = run(s.locked(&["status"]).env("MASTOKEY_NO_AGENT", "1"));
    out.code(3);
    assert!(
        out.stdout
            .contains("MASTOKEY_NO_AGENT is set: commands do not use it"),
        "{out:?}"
    );
    s.run(&["lock"]).code(0);
    s.run(&["status"]).code(3);
}

/// Without `XDG_RUNTIME_DIR` the socket goes in a 0700 directory of ours under the temp dir.
#[test]
fn without_a_runtime_dir_the_socket_is_private_under_the_temp_dir() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let w = World::new();
    let tmp = w.cli.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let with_tmp = |mut command: Command| {
        command.env_remove("XDG_RUNTIME_DIR").env("TMPDIR", &tmp);
        command
    };
    let out = run(&mut with_tmp(w.cli.command(&["unlock", "--timeout", "60"])));
    out.code(0);
    let uid = std::fs::metadata(w.cli.dir.path()).unwrap().uid();
    let dir = tmp.join(format!("mastokey-{uid}"));
    let meta = std::fs::symlink_metadata(&dir).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    let socket = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
        .expect("the agent's socket");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let token = run(&mut with_tmp(w.cli.locked(&["token", "alice"])));
    assert_eq!(token.code(0).stdout, format!("{}\n", w.alice.token));
    run(&mut with_tmp(w.cli.locked(&["lock"]))).code(0);
    // The agent removes its socket as it exits, just after answering.
    let deadline = Instant::now() + Duration::from_secs(10);
    while socket.exists() {
        assert!(Instant::now() < deadline, "the socket outlived the agent");
        std::thread::sleep(Duration::from_millis(20));
    }
}
