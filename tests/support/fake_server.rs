//! A stateful fake Mastodon server for tests (and `examples/fake-server.rs`), faithful to the
//! server behaviour in ARCHITECTURE.md: apps, one-time codes that expire, client authentication,
//! exact scope subsets, the loopback port rule, PKCE S256, token reuse, revoke, error bodies.
//! `Quirks` add, one by one, what other servers were seen to do; the non-Mastodon modes bundle
//! the quirks of one real server.
//!
//! Each server runs on its own thread with its own tokio runtime, so sync tests, async tests and
//! pseudo-terminal tests can all use it; state access is synchronous. Dropping it stops it.

// The children are named with explicit paths so that this file compiles both as
// `tests/support/fake_server.rs` and when included by the example through `#[path]`.
#[path = "fake_server/accounts.rs"]
mod accounts;
#[path = "fake_server/apps.rs"]
mod apps;
#[path = "fake_server/authorize.rs"]
mod authorize;
#[path = "fake_server/common.rs"]
mod common;
#[path = "fake_server/discovery.rs"]
mod discovery;
#[path = "fake_server/escapes.rs"]
mod escapes;
#[path = "fake_server/faults.rs"]
mod faults;
#[path = "fake_server/html.rs"]
mod html;
#[path = "fake_server/modes.rs"]
mod modes;
#[path = "fake_server/state.rs"]
mod state;
#[path = "fake_server/tokens.rs"]
mod tokens;
#[path = "fake_server/uri.rs"]
mod uri;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

pub use escapes::ESCAPES;
pub use html::error_description;
pub use modes::{Mode, Quirks};

/// A fault injected for every request whose path starts with a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally, after this delay.
    Latency(Duration),
    /// Never answer (the client must time out).
    Hang,
    /// This status with an nginx-style HTML body.
    Html5xx(u16),
    /// 429 `{"error":"Too many requests"}` with `X-RateLimit-*` (reset as ISO-8601).
    RateLimited,
    /// 200, `application/json`, a truncated body.
    MalformedJson,
    /// Read the request, then drop the connection with a TCP RST and no response.
    Reset,
}

/// An account's state, as far as the API's before-filters care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserState {
    Active,
    /// Awaiting moderator approval.
    Pending,
    /// E-mail not confirmed.
    Unconfirmed,
    /// Disabled by a moderator (also: moved, memorial, missing required 2FA).
    Disabled,
    /// Suspended: refused before the token is even looked at.
    Suspended,
}

/// What the browser's Authorize click produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub code: String,
    /// The full `Location` the browser is sent to.
    pub redirect: String,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// Form fields, or the top-level members of a JSON object body (non-strings as JSON text).
    pub form: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// Start-up settings; `FakeServer::start(mode)` is `Config { mode, ..Config::default() }`.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// `LOCAL_DOMAIN`: the domain in handles (`uri` / `domain` in the instance documents).
    pub domain: String,
    /// 0 picks a free port.
    pub port: u16,
    /// `None`: the mode's own quirks (`Mode::quirks`).
    pub quirks: Option<Quirks>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            mode: Mode::default(),
            domain: "social.example".into(),
            port: 0,
            quirks: None,
        }
    }
}

pub(crate) struct Shared {
    state: Mutex<state::State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, state::State> {
        // A handler that panicked mid-update leaves state a test may still want to look at.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub struct FakeServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// A server on `127.0.0.1:<free port>` with `LOCAL_DOMAIN` "social.example".
    pub fn start(mode: Mode) -> FakeServer {
        FakeServer::start_with(Config {
            mode,
            ..Config::default()
        })
    }

    /// Panics if the port cannot be bound: a test cannot do anything useful without its server.
    #[allow(clippy::expect_used)]
    pub fn start_with(config: Config) -> FakeServer {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .expect("bind the fake server's port");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("the listener has an address");
        let base_url = format!("http://{addr}");
        let quirks = config.quirks.unwrap_or_else(|| config.mode.quirks());
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(
                config.mode,
                quirks,
                config.domain,
                base_url,
            )),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("build the fake server's runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("register the listener");
                    let service = app.into_make_service_with_connect_info::<faults::Conn>();
                    let server = axum::serve(faults::ResettableListener(listener), service);
                    tokio::select! {
                        _ = async { server.await } => {}
                        _ = stopped => {}
                    }
                });
                // Hanging handlers and idle keep-alive connections are simply dropped.
                runtime.shutdown_background();
            })
            .expect("spawn the fake server's thread");
        FakeServer {
            shared,
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn mode(&self) -> Mode {
        self.shared.lock().mode
    }

    /// A server of this mode with one quirk changed, e.g. `FakeServer::with_quirks(Mode::Mastodon47,
    /// |q| q.exact_redirect = true)`.
    pub fn with_quirks(mode: Mode, change: impl FnOnce(&mut Quirks)) -> FakeServer {
        let mut quirks = mode.quirks();
        change(&mut quirks);
        FakeServer::start_with(Config {
            mode,
            quirks: Some(quirks),
            ..Config::default()
        })
    }

    pub fn quirks(&self) -> Quirks {
        self.shared.lock().quirks.clone()
    }

    /// Sets `LOCAL_DOMAIN` (the default is "social.example").
    #[must_use]
    pub fn with_domain(self, domain: &str) -> FakeServer {
        self.shared.lock().domain = domain.to_string();
        self
    }

    pub fn domain(&self) -> String {
        self.shared.lock().domain.clone()
    }

    /// A hostile server: every text field of every JSON answer (the token's `scope` included)
    /// carries terminal escape sequences and bidi controls (`escapes::ESCAPES`).
    #[must_use]
    pub fn with_escapes(self) -> FakeServer {
        self.shared.lock().escapes = true;
        self
    }

    /// Adds an active user (or makes an existing one active).
    pub fn add_user(&self, name: &str) {
        self.shared.lock().add_user(name, UserState::Active);
    }

    /// Adds the user if needed and sets its state.
    pub fn set_user_state(&self, name: &str, user_state: UserState) {
        self.shared.lock().add_user(name, user_state);
    }

    /// The user a browser opening the authorize page is signed in as (default "alice"): it decides
    /// whether `GET /oauth/authorize` auto-approves, and prefills the consent form.
    pub fn set_browser_user(&self, name: &str) {
        self.shared.lock().browser_user = name.to_string();
    }

    /// What the Authorize click does for `as_user`: the same checks as the GET (errors come back
    /// as the error page's text), then a new grant and the redirect. The fake has no sign-in, so
    /// pending, unconfirmed and disabled users can approve too; only unknown users are refused.
    pub fn approve(&self, authorize_url: &str, as_user: &str) -> Result<Approval, String> {
        let params = authorize_params(authorize_url)?;
        let mut state = self.shared.lock();
        let pre =
            authorize::pre_authorize(&state, &params).map_err(|e| e.description.to_string())?;
        authorize::approve(&mut state, &pre, as_user)
    }

    /// What the Deny click does: `Ok(Some(location))` with `error=access_denied`, or `Ok(None)` for
    /// an oob redirect (the browser then shows a JSON 400).
    pub fn deny(&self, authorize_url: &str) -> Result<Option<String>, String> {
        let params = authorize_params(authorize_url)?;
        let state = self.shared.lock();
        let pre =
            authorize::pre_authorize(&state, &params).map_err(|e| e.description.to_string())?;
        Ok(authorize::deny(&pre))
    }

    /// Every request whose path starts with `path_prefix` suffers `fault` (the longest prefix wins).
    pub fn set_fault(&self, path_prefix: &str, fault: Fault) {
        let mut state = self.shared.lock();
        state.faults.retain(|(p, _)| p != path_prefix);
        state.faults.push((path_prefix.to_string(), fault));
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Moves the server's clock forward (codes expire after 600 s; rate-limit windows roll over).
    pub fn advance(&self, by: Duration) {
        self.shared.lock().advance(by);
    }

    /// Every request received so far, oldest first (`approve`/`deny` calls are not requests).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    pub fn apps_registered(&self) -> usize {
        self.shared.lock().apps.len()
    }

    /// Tokens ever issued (reused tokens count once), revoked ones included.
    pub fn tokens_issued(&self) -> usize {
        self.shared.lock().tokens.len()
    }

    pub fn active_tokens(&self) -> usize {
        self.shared
            .lock()
            .tokens
            .iter()
            .filter(|t| t.revoked_at.is_none())
            .count()
    }

    /// Revokes a token as the user would from the web UI; `false` if unknown.
    pub fn revoke_token(&self, token: &str) -> bool {
        self.shared.lock().revoke(token)
    }

    /// Registers an app and issues `user` a token with `scopes` directly, for tests that need a
    /// valid token without going through the flow. Returns (`client_id`, token).
    pub fn create_token(&self, user: &str, scopes: &[&str]) -> (String, String) {
        let mut state = self.shared.lock();
        state.add_user_if_missing(user);
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_string()).collect();
        let app = state::App {
            id: state.next_id(),
            client_id: state::random_secret(),
            client_secret: state::random_secret(),
            name: "mastokey tests".into(),
            redirect_uri: "http://127.0.0.1/callback".into(),
            scopes: scopes.clone(),
            website: None,
        };
        let client_id = app.client_id.clone();
        state.apps.push(app);
        let token = state.issue_token(&client_id, Some(user), &scopes);
        (client_id, token.secret)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn authorize_params(authorize_url: &str) -> Result<common::Params, String> {
    let url = url::Url::parse(authorize_url).map_err(|e| format!("not a URL: {e}"))?;
    if url.path() != "/oauth/authorize" {
        return Err(format!("not an authorize URL: path is {}", url.path()));
    }
    Ok(common::Params::from_form(
        url.query().unwrap_or("").as_bytes(),
    ))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route("/api/v1/apps/verify_credentials", get(apps::verify))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route("/api/v1/instance", get(discovery::instance_v1))
        .route("/api/v2/instance", get(discovery::instance_v2))
        .route(
            "/oauth/authorize",
            get(authorize::show)
                .post(authorize::submit)
                .delete(authorize::destroy),
        )
        .route("/oauth/authorize/native", get(authorize::native))
        .route("/oauth/oob", get(authorize::gotosocial_oob))
        .route("/oauth/token", post(tokens::token))
        .route("/oauth/revoke", post(tokens::revoke))
        .route(
            "/oauth/userinfo",
            get(accounts::userinfo).post(accounts::userinfo),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::oauth_metadata),
        )
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/2.0", get(discovery::nodeinfo))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            escapes::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::layer,
        ))
        .with_state(shared)
}

async fn not_found(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    let mode = shared.lock().mode;
    if uri.path().starts_with("/api/") && mode.is_mastodon() {
        return common::api_error(axum::http::StatusCode::NOT_FOUND, "Record not found");
    }
    discovery::not_found(mode)
}
