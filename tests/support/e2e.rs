//! The end-to-end harness: the real binary in a pseudo-terminal against the fake server, with
//! `BROWSER` pointing at a helper that records the sign-in link; tests then approve it as a
//! user would in the browser and paste the code (or let the browser follow the redirect).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault};

use crate::support::fake_server::{FakeServer, Mode};
use crate::support::pty::{ENTER, Pty};

pub const PASSPHRASE: &str = "correct horse battery staple";

pub struct E2e {
    pub server: FakeServer,
    pub dir: tempfile::TempDir,
}

impl E2e {
    pub fn new(mode: Mode) -> E2e {
        E2e::with_server(FakeServer::start(mode))
    }

    /// The harness around a server started with its own quirks.
    pub fn with_server(server: FakeServer) -> E2e {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                dir.path().join("opened.txt").display()
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::create_dir(dir.path().join("home")).unwrap();
        E2e { server, dir }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn spawn(&self, args: &[&str], extra: &[(&str, &str)]) -> Pty {
        let config = self.config_dir();
        let browser = self.dir.path().join("browser.sh");
        let home = self.dir.path().join("home");
        let mut env: Vec<(&str, &str)> = vec![
            ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
            ("BROWSER", browser.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
            ("PATH", "/usr/bin:/bin"),
        ];
        env.extend_from_slice(extra);
        Pty::spawn(
            Path::new(env!("CARGO_BIN_EXE_mastokey")),
            args,
            &env,
            100,
            30,
        )
    }

    /// The links the browser helper was asked to open, in order.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened.txt"))
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    pub fn wait_opened(&self, count: usize) -> String {
        let start = Instant::now();
        loop {
            let opened = self.opened();
            if opened.len() >= count {
                return opened[count - 1].clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the browser helper was not called"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn vault_bytes(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.config_dir())
            .unwrap()
            .map(|e| e.unwrap())
            // Not the vault: apps registered before a save wait there (`vault::pending`).
            .filter(|e| e.file_name() != "apps.json")
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// Runs a command of the real binary (no terminal) with the vault unlocked from the
    /// environment; returns its exit code and what it printed.
    pub fn cli(&self, args: &[&str]) -> (i32, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mastokey"))
            .args(args)
            .env_clear()
            .env("MASTOKEY_CONFIG_DIR", self.config_dir())
            .env("MASTOKEY_PASSPHRASE", PASSPHRASE)
            .env("HOME", self.dir.path().join("home"))
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code().unwrap_or(-1), text)
    }

    pub fn unlock(&self) -> Vault {
        Vault::unlock(&self.config_dir(), &Secret::new(PASSPHRASE)).unwrap()
    }
}

/// From the Authorize step: open the link, approve as `user`, paste the code, exchange it.
/// Returns the link that was opened and the code that was pasted.
pub fn approve_and_paste(t: &E2e, pty: &mut Pty, user: &str, nth_link: usize) -> (String, String) {
    pty.wait_for("4/5 Authorize");
    pty.send(ENTER); // "Open in browser" has the focus
    let url = t.wait_opened(nth_link);
    let approval = t.server.approve(&url, user).unwrap();
    pty.paste(&approval.code);
    pty.send(ENTER);
    (url, approval.code)
}

pub fn choose_first_passphrase(pty: &mut Pty) {
    pty.wait_for("Choose a passphrase");
    pty.send(PASSPHRASE);
    pty.send(ENTER);
    pty.send(PASSPHRASE);
    pty.send(ENTER);
}

/// A vault (cheap KDF) holding real tokens of the fake server for `users`; returns the tokens.
pub fn seed_vault(t: &E2e, users: &[&str]) -> Vec<String> {
    use mastokey::mastodon::Client;
    use mastokey::vault::{StoredAccount, StoredApp, StoredServer};

    let mut vault = Vault::create(
        &t.config_dir(),
        &Secret::new(PASSPHRASE),
        Kdf::insecure_for_tests(10),
    )
    .unwrap();
    let base = t.server.base_url();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new().unwrap();
    let mut tokens = Vec::new();
    for user in users {
        let (client_id, token) = t.server.create_token(user, &["profile"]);
        let url = mastokey::mastodon::BaseUrl::parse(&base).unwrap();
        let account = runtime
            .block_on(client.verify_credentials(&url, &Secret::new(token.clone())))
            .unwrap();
        let now = jiff::Timestamp::now();
        vault
            .update(|data| {
                data.upsert_server(StoredServer {
                    base_url: base.clone(),
                    domain: "social.example".into(),
                    software: Some("Mastodon".into()),
                    version: Some("4.7.0".into()),
                    verify_needs_read: false,
                    apps: vec![StoredApp {
                        client_id: client_id.clone(),
                        client_secret: Secret::new("unknown"),
                        scopes: vec!["profile".into()],
                        redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
                        created_at: now,
                    }],
                });
                data.upsert_account(StoredAccount {
                    id: account.id.clone(),
                    username: account.username.clone(),
                    domain: "social.example".into(),
                    server: base.clone(),
                    display_name: account.display_name.clone(),
                    token: Secret::new(token.clone()),
                    scopes: vec!["profile".into()],
                    client_id: client_id.clone(),
                    created_at: now,
                    last_checked_at: None,
                    last_status: None,
                    last_detail: None,
                    expires_at: None,
                });
            })
            .unwrap();
        tokens.push(token);
    }
    tokens
}

/// What a browser does when the server redirects it to the loopback listener.
pub fn browser_follows(url: &str) -> String {
    use std::io::{Read, Write};
    let parsed = url::Url::parse(url).unwrap();
    let address = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let path = &url[url.find("/callback").unwrap()..];
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

pub fn redirect_port(authorize_url: &str) -> u16 {
    let url = url::Url::parse(authorize_url).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    url::Url::parse(&redirect).unwrap().port().unwrap()
}

/// Waits until nothing listens on 127.0.0.1:`port` any more; panics after 10 seconds.
pub fn wait_port_closed(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the listener on port {port} is still open"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
