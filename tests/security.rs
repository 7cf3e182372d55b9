//! Secrets stay secret and the network cannot write to the terminal.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::support::e2e::{E2e, approve_and_paste, choose_first_passphrase};
use crate::support::fake_server::Mode;
use crate::support::pty::{CTRL_C, ENTER};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Where `needle` last starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn after_a_full_run_no_secret_is_on_screen_or_in_the_vault_files() {
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    let (_, code) = approve_and_paste(&t, &mut pty, "alice", 1);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();

    let vault = t.unlock();
    let token = vault.data().accounts[0].token.expose().to_owned();
    let secret = vault.data().servers[0].apps[0]
        .client_secret
        .expose()
        .to_owned();
    let output = pty.raw_output();
    for (what, value) in [
        ("token", &token),
        ("client secret", &secret),
        ("code", &code),
    ] {
        // The pasted code is shown in its field on purpose, so a typo can be seen and fixed: it
        // works once and for minutes, and only on the full screen, which is gone once mastokey
        // exits; what stays in the shell after that never holds it.
        if what == "code" {
            let left_at = find(&output, b"\x1b[?1049l").expect("the full screen was left");
            assert!(
                !contains(&output[left_at..], value),
                "the code stayed in the shell"
            );
        } else {
            assert!(!contains(&output, value), "the {what} reached the terminal");
        }
        for entry in std::fs::read_dir(t.config_dir()).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !contains(&bytes, value),
                "the {what} is in {} in clear",
                path.display()
            );
        }
    }
    // The passphrase neither.
    assert!(!contains(&output, crate::support::e2e::PASSPHRASE));
}

#[test]
fn escape_sequences_from_the_server_never_reach_the_terminal() {
    // A server whose instance title and error texts carry terminal escape sequences.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(40) {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            let (status, body) = if request.starts_with("GET /api/v2/instance") {
                (
                    "200 OK",
                    r#"{"domain":"evil.example","title":"\u001b]0;pwned\u0007Evil\u001b[2J Social","version":"4.7.0"}"#,
                )
            } else if request.starts_with("POST /api/v1/apps") {
                (
                    "422 Unprocessable Entity",
                    r#"{"error":"Validation failed: \u001b]0;pwned\u0007 nope"}"#,
                )
            } else {
                ("404 Not Found", r#"{"error":"Record not found"}"#)
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let t = E2e::new(Mode::Mastodon47);
    let mut pty = t.spawn(&["add", &format!("http://127.0.0.1:{port}")], &[]);
    let screen = pty.wait_for("2/5 Scopes");
    assert!(screen.contains("Evil"), "{screen}");
    pty.send(ENTER);
    let screen = pty.wait_for("rejected the request");
    assert!(screen.contains("nope"), "{screen}");
    pty.send(CTRL_C);
    pty.wait_exit();
    let output = pty.raw_output();
    assert!(
        !contains(&output, "\x1b]0;pwned"),
        "an OSC sequence from the server reached the terminal"
    );
}
