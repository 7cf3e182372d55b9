//! The fake server's model: apps, grants, tokens, users, the clock, the registration counters.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};

use super::{Fault, Mode, Quirks, RecordedRequest, UserState};

/// Authorization codes live this long (Doorkeeper's default `authorization_code_expires_in`).
pub const CODE_LIFETIME_SECS: i64 = 600;
/// `POST /api/v1/apps`: 5 per 10 minutes per IP (4.3+).
pub const APP_LIMIT: u32 = 5;
pub const APP_PERIOD_SECS: i64 = 600;
/// The unauthenticated `/api` throttle: 300 per 5 minutes per IP.
pub const API_LIMIT: u32 = 300;
pub const API_PERIOD_SECS: i64 = 300;

/// The 47 scopes of Mastodon 4.6+, in `scopes_supported` order.
pub const SCOPES_47: &[&str] = &[
    "read",
    "profile",
    "write",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:collections",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:collections",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "follow",
    "push",
    "admin:read",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// What Mitra grants, whatever was asked for.
const MITRA_GRANT: &[&str] = &["read", "write", "follow"];

impl Mode {
    /// Is `scope` one the server knows? 4.2 has no `profile` (4.3) and no collections scopes (4.6),
    /// but still has `crypto` (removed in 4.3). snac and GoToSocial accept any name at
    /// registration; Takahē and Mitra know the 4.2 set plus `profile`.
    pub fn knows_scope(self, scope: &str) -> bool {
        match self {
            Mode::Mastodon47 => SCOPES_47.contains(&scope),
            Mode::Mastodon42 => {
                scope == "crypto"
                    || (SCOPES_47.contains(&scope)
                        && scope != "profile"
                        && !scope.ends_with(":collections"))
            }
            Mode::Takahe | Mode::Mitra => {
                SCOPES_47.contains(&scope) && !scope.ends_with(":collections")
            }
            Mode::Snac | Mode::GoToSocial => true,
        }
    }

    /// The quirks a server of this mode shows unless a test says otherwise.
    pub fn quirks(self) -> Quirks {
        match self {
            Mode::Mastodon47 | Mode::Mastodon42 => Quirks::default(),
            // The real snac closes every connection after one response; the client sends POSTs on
            // fresh connections and retries GETs that meet a closed one, so this is on by default.
            Mode::Snac => Quirks {
                close_after_response: true,
                revoke_deletes_app: true,
                oob_code_and_state: true,
                ..Quirks::default()
            },
            Mode::Takahe => Quirks {
                exact_redirect: true,
                verify_needs_read: true,
                bad_token_400_html: true,
                ..Quirks::default()
            },
            Mode::GoToSocial => Quirks {
                exact_redirect: true,
                redirect_mismatch_server_error: true,
                ..Quirks::default()
            },
            Mode::Mitra => Quirks {
                exact_redirect: true,
                one_redirect_uri: true,
                refused_code_404: true,
                revoke_needs_bearer: true,
                token_lifetime_secs: Some(30 * 24 * 3600),
                empty_scopes_echo: true,
                granted_scopes: Some(MITRA_GRANT.iter().map(|s| (*s).to_string()).collect()),
                code_lifetime_secs: Some(300),
                ..Quirks::default()
            },
        }
    }

    /// Mastodon itself (any version), as opposed to software that implements its client API.
    pub fn is_mastodon(self) -> bool {
        matches!(self, Mode::Mastodon47 | Mode::Mastodon42)
    }

    /// The software name in `NodeInfo`.
    pub fn software(self) -> &'static str {
        match self {
            Mode::Mastodon47 | Mode::Mastodon42 => "mastodon",
            Mode::Snac => "snac",
            Mode::Takahe => "takahe",
            Mode::GoToSocial => "gotosocial",
            Mode::Mitra => "mitra",
        }
    }

    /// 4.3+ behaviour: PKCE, `profile`, metadata, app-registration throttle, new JSON shapes.
    pub fn is_modern(self) -> bool {
        matches!(self, Mode::Mastodon47)
    }

    pub fn version(self) -> &'static str {
        match self {
            Mode::Mastodon47 => "4.7.0",
            Mode::Mastodon42 => "4.2.10",
            Mode::Snac => "4.0.0 (not true; really snac/2.94)",
            Mode::Takahe => "takahe/0.11.0",
            Mode::GoToSocial => "4.3.0 (compatible; GoToSocial 0.20.0)",
            Mode::Mitra => "4.0.0 (compatible; Mitra 5.9.0)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    /// Newline-joined, as Doorkeeper stores it.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub code: String,
    pub client_id: String,
    pub user: String,
    /// As requested (port included), not as registered.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub created_at: Timestamp,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub secret: String,
    pub client_id: String,
    /// `None` for an app-only (client credentials) token.
    pub user: Option<String>,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// Set where the server's tokens expire (`Quirks::token_lifetime_secs`).
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub state: UserState,
}

/// Everything the server knows, behind one `std::sync::Mutex` (never held across an await).
#[derive(Debug)]
pub struct State {
    pub mode: Mode,
    pub quirks: Quirks,
    pub domain: String,
    pub base_url: String,
    /// Escape sequences in every JSON text field (`FakeServer::with_escapes`).
    pub escapes: bool,
    /// The user a browser is "signed in" as when it opens the authorize page.
    pub browser_user: String,
    clock_offset: Duration,
    next_id: u64,
    pub apps: Vec<App>,
    pub grants: Vec<Grant>,
    pub tokens: Vec<Token>,
    pub users: Vec<User>,
    /// (ip, window index) → POSTs to `/api/v1/apps` in that fixed window.
    app_registrations: HashMap<(IpAddr, i64), u32>,
    /// (ip, window index) → `/api/*` requests in that fixed window.
    api_requests: HashMap<(IpAddr, i64), u32>,
    pub faults: Vec<(String, Fault)>,
    pub requests: Vec<RecordedRequest>,
}

/// Values for the `X-RateLimit-*` headers.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub limit: u32,
    pub remaining: u32,
    pub reset: String,
}

impl State {
    pub fn new(mode: Mode, quirks: Quirks, domain: String, base_url: String) -> State {
        let mut state = State {
            mode,
            quirks,
            domain,
            base_url,
            escapes: false,
            browser_user: "alice".into(),
            clock_offset: Duration::ZERO,
            next_id: 100,
            apps: Vec::new(),
            grants: Vec::new(),
            tokens: Vec::new(),
            users: Vec::new(),
            app_registrations: HashMap::new(),
            api_requests: HashMap::new(),
            faults: Vec::new(),
            requests: Vec::new(),
        };
        for (name, user_state) in [
            ("alice", UserState::Active),
            ("bob", UserState::Active),
            ("pat", UserState::Pending),
            ("una", UserState::Unconfirmed),
            ("dee", UserState::Disabled),
        ] {
            state.add_user(name, user_state);
        }
        state
    }

    /// Now, plus whatever `advance` added.
    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::try_from(self.clock_offset).unwrap_or(SignedDuration::MAX);
        Timestamp::now()
            .saturating_add(offset)
            .unwrap_or(Timestamp::MAX)
    }

    pub fn advance(&mut self, by: Duration) {
        self.clock_offset += by;
    }

    pub fn next_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    pub fn add_user(&mut self, name: &str, user_state: UserState) {
        if let Some(user) = self.users.iter_mut().find(|u| u.username == name) {
            user.state = user_state;
            return;
        }
        let id = self.next_id();
        let mut display_name = name.to_string();
        if let Some(first) = display_name.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        self.users.push(User {
            id,
            username: name.into(),
            display_name,
            state: user_state,
        });
    }

    pub fn add_user_if_missing(&mut self, name: &str) {
        if self.user(name).is_none() {
            self.add_user(name, UserState::Active);
        }
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == name)
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// The client authenticated by id and secret, if both match one app.
    pub fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<&App> {
        self.app(client_id)
            .filter(|a| !client_secret.is_empty() && a.client_secret == client_secret)
    }

    pub fn token(&self, token: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.secret == token)
    }

    /// How long codes live on this server.
    pub fn code_lifetime_secs(&self) -> i64 {
        self.quirks.code_lifetime_secs.unwrap_or(CODE_LIFETIME_SECS)
    }

    /// Whether a token has passed its expiry (only where tokens expire).
    pub fn expired(&self, token: &Token) -> bool {
        token.expires_at.is_some_and(|at| self.now() >= at)
    }

    /// An unrevoked token for the same app, user and scope set (order does not matter).
    pub fn reusable_token(
        &self,
        client_id: &str,
        user: Option<&str>,
        scopes: &[String],
    ) -> Option<&Token> {
        self.tokens.iter().find(|t| {
            t.revoked_at.is_none()
                && !self.expired(t)
                && t.client_id == client_id
                && t.user.as_deref() == user
                && same_set(&t.scopes, scopes)
        })
    }

    /// Doorkeeper's `reuse_access_token`: the old token if there is one, else a new one.
    pub fn issue_token(&mut self, client_id: &str, user: Option<&str>, scopes: &[String]) -> Token {
        if let Some(token) = self.reusable_token(client_id, user, scopes) {
            return token.clone();
        }
        let now = self.now();
        let expires_at = self.quirks.token_lifetime_secs.and_then(|secs| {
            now.checked_add(SignedDuration::from_secs(
                i64::try_from(secs).unwrap_or(i64::MAX),
            ))
            .ok()
        });
        let token = Token {
            secret: random_secret(),
            client_id: client_id.into(),
            user: user.map(str::to_string),
            scopes: scopes.to_vec(),
            created_at: now,
            revoked_at: None,
            expires_at,
        };
        self.tokens.push(token.clone());
        token
    }

    pub fn revoke(&mut self, token: &str) -> bool {
        let now = self.now();
        match self.tokens.iter_mut().find(|t| t.secret == token) {
            Some(t) => {
                t.revoked_at.get_or_insert(now);
                true
            }
            None => false,
        }
    }

    /// Counts one `POST /api/v1/apps` from `ip`; `Err` once the fixed window is full.
    pub fn count_registration(&mut self, ip: IpAddr) -> Result<RateLimit, RateLimit> {
        let (window, reset) = self.window(APP_PERIOD_SECS);
        let count = self.app_registrations.entry((ip, window)).or_insert(0);
        *count += 1;
        let limit = RateLimit {
            limit: APP_LIMIT,
            remaining: APP_LIMIT.saturating_sub(*count),
            reset,
        };
        if *count > APP_LIMIT {
            Err(limit)
        } else {
            Ok(limit)
        }
    }

    /// Counts one `/api/*` request from `ip` for the general throttle.
    pub fn count_api_request(&mut self, ip: IpAddr) -> RateLimit {
        let (window, reset) = self.window(API_PERIOD_SECS);
        let count = self.api_requests.entry((ip, window)).or_insert(0);
        *count += 1;
        RateLimit {
            limit: API_LIMIT,
            remaining: API_LIMIT.saturating_sub(*count),
            reset,
        }
    }

    /// rack-attack's fixed window: its index and its end, `(now + period - now % period).iso8601(6)`.
    pub fn window(&self, period: i64) -> (i64, String) {
        let now = self.now().as_second();
        let window = now.div_euclid(period);
        (window, iso8601_micros((window + 1) * period))
    }

    /// The first fault whose prefix is the longest match for `path`.
    pub fn fault_for(&self, path: &str) -> Option<Fault> {
        self.faults
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, fault)| fault.clone())
    }
}

/// `2026-08-21T12:40:00.000000Z` for a whole second.
pub fn iso8601_micros(second: i64) -> String {
    let ts = Timestamp::from_second(second).unwrap_or(Timestamp::MAX);
    format!("{}.000000Z", ts.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// 32 random bytes, URL-safe base64 without padding: 43 characters, like Doorkeeper's secrets.
#[allow(clippy::expect_used)] // The OS random source failing is not something a test server can work around.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Splits a scope string on spaces (a `+` in a query has already become a space), dropping duplicates.
pub fn parse_scopes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in s.split([' ', '+', '\t', '\n']).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == scope) {
            out.push(scope.to_string());
        }
    }
    out
}

pub fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}
