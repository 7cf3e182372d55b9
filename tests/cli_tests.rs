//! Command-line tests: the real binary, a cleared environment, a vault in a temp dir holding
//! real tokens from the fake server (signed in through the real OAuth flow).

mod accounts;
mod agent;
mod escapes;
mod hardening;
mod identity;
mod import;
mod passphrase;
mod real_servers;
mod remove;
mod verify;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use mastokey::mastodon::{AppCredentials, AppRegistration, AuthorizeParams, Client, authorize_url};
use mastokey::secret::Secret;
use mastokey::vault::{Kdf, StoredAccount, StoredApp, StoredServer, Vault};

use crate::support::fake_server::{FakeServer, Mode};

pub const PASSPHRASE: &str = "correct horse battery staple";
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mastokey"))
}

/// A temp dir holding the config dir (the vault) and a fake home.
pub struct Cli {
    pub dir: tempfile::TempDir,
}

/// An account put into the vault by [`Cli::add`].
pub struct Added {
    pub handle: String,
    pub token: String,
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Asserts the exit code, showing the whole run when it differs.
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "unexpected exit code: {self:#?}");
        self
    }
}

impl Cli {
    pub fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Cli { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn create_vault(&self) -> Vault {
        Vault::create(
            &self.config(),
            &Secret::new(PASSPHRASE),
            Kdf::insecure_for_tests(10),
        )
        .unwrap()
    }

    pub fn unlock(&self) -> Vault {
        Vault::unlock(&self.config(), &Secret::new(PASSPHRASE)).unwrap()
    }
}

/// Signs `user` in on `server` as the wizard would (register an app, authorize, exchange the
/// code, verify) and stores the account with its app, so `remove --revoke` can revoke it.
pub fn add(vault: &mut Vault, server: &FakeServer, user: &str) -> Added {
    add_at(vault, server, user, &server.base_url())
}

/// Like [`add`], reaching the server under `base_url` (`http://localhost:PORT`, say).
pub fn add_at(vault: &mut Vault, server: &FakeServer, user: &str, base_url: &str) -> Added {
    server.add_user(user);
    let base = mastokey::mastodon::BaseUrl::parse(base_url).unwrap();
    let scopes = vec!["profile".to_string()];
    let client = Client::new().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, token, account, expires_in) = runtime.block_on(async {
        let app = client
            .register_app(
                &base,
                &AppRegistration {
                    client_name: "mastokey tests".into(),
                    website: None,
                    redirect_uris: vec![OOB.into()],
                    scopes: scopes.clone(),
                },
            )
            .await
            .unwrap();
        let request = authorize_url(
            &base,
            &AuthorizeParams {
                client_id: app.client_id.clone(),
                redirect_uri: OOB.into(),
                scopes: scopes.clone(),
                pkce: false,
                force_login: true,
            },
        );
        let code = server.approve(request.url.as_str(), user).unwrap().code;
        let credentials = AppCredentials {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.duplicate(),
        };
        let grant = client
            .exchange_code(&base, &credentials, &Secret::new(code), OOB, None)
            .await
            .unwrap();
        let account = client
            .verify_credentials(&base, &grant.access_token)
            .await
            .unwrap();
        (app, grant.access_token, account, grant.expires_in)
    });
    let domain = server.domain();
    let base_url = base_url.to_owned();
    let token_text = token.expose().to_owned();
    let handle = format!("{}@{domain}", account.username);
    vault
        .update(|data| {
            let stored = data.upsert_server(StoredServer {
                base_url: base_url.clone(),
                domain: domain.clone(),
                software: Some(server.mode().software().into()),
                version: Some(server.mode().version().into()),
                verify_needs_read: false,
                apps: Vec::new(),
            });
            stored.apps.push(StoredApp {
                client_id: app.client_id.clone(),
                client_secret: app.client_secret.duplicate(),
                scopes: app.scopes.clone(),
                redirect_uris: app.redirect_uris.clone(),
                created_at: Timestamp::now(),
            });
            data.upsert_account(StoredAccount {
                id: account.id.clone(),
                username: account.username.clone(),
                domain: domain.clone(),
                server: base_url.clone(),
                display_name: account.display_name.clone(),
                token,
                scopes,
                client_id: app.client_id.clone(),
                created_at: Timestamp::now(),
                last_checked_at: None,
                last_status: None,
                last_detail: None,
                expires_at: expires_in.map(|secs| {
                    Timestamp::now() + jiff::SignedDuration::from_secs(secs.try_into().unwrap())
                }),
            });
        })
        .unwrap();
    Added {
        handle,
        token: token_text,
    }
}

impl Cli {
    /// The binary with a cleared environment: PATH, HOME and the config dir only (no passphrase).
    pub fn locked(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin());
        command
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path().join("home"))
            .env("MASTOKEY_CONFIG_DIR", self.config())
            .stdin(Stdio::null());
        command
    }

    /// Like [`Cli::locked`], with `MASTOKEY_PASSPHRASE` set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.locked(args);
        command.env("MASTOKEY_PASSPHRASE", PASSPHRASE);
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(&mut self.command(args))
    }
}

/// Whether `token` still works on the server at `server_base`.
pub fn check_token(server_base: &str, token: &str) -> Result<(), mastokey::mastodon::ApiError> {
    let client = Client::new().unwrap();
    let base = mastokey::mastodon::BaseUrl::parse(server_base).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(client.verify_credentials(&base, &Secret::new(token)))
        .map(|_| ())
}

pub fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    Run {
        // A signal death shows as -1, which no assertion expects.
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Two servers and three accounts: alice and alan on social.example (so "al" is ambiguous), bob
/// on other.example.
pub struct World {
    pub cli: Cli,
    pub social: FakeServer,
    pub other: FakeServer,
    pub alice: Added,
    pub alan: Added,
    pub bob: Added,
}

impl World {
    pub fn new() -> World {
        let cli = Cli::new();
        let social = FakeServer::start(Mode::Mastodon47);
        let other = FakeServer::start(Mode::Mastodon47).with_domain("other.example");
        let mut vault = cli.create_vault();
        let alice = add(&mut vault, &social, "alice");
        let alan = add(&mut vault, &social, "alan");
        let bob = add(&mut vault, &other, "bob");
        World {
            cli,
            social,
            other,
            alice,
            alan,
            bob,
        }
    }

    /// Every token of the world, to check that none leaked into output.
    pub fn tokens(&self) -> [&str; 3] {
        [&self.alice.token, &self.alan.token, &self.bob.token]
    }

    pub fn assert_no_token_in(&self, text: &str) {
        for token in self.tokens() {
            assert!(!text.contains(token), "a token leaked: {text}");
        }
    }
}
