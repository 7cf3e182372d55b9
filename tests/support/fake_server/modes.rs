//! Which server the fake imitates (`Mode`) and the behaviours of real servers it can add one by
//! one (`Quirks`); `Mode::quirks` (in state.rs) gives each mode's own set.

/// Which server the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Mastodon 4.7.0: metadata, `profile`, PKCE S256, 47 scopes, the app-registration throttle,
    /// multiple client-auth methods rejected.
    #[default]
    Mastodon47,
    /// Mastodon 4.2.x: no metadata, no `profile`, array `redirect_uris` dropped, PKCE ignored.
    Mastodon42,
    /// snac 2.94: no metadata or v2 instance, `scope` instead of `scopes`, 422 with an empty body
    /// for a bad token, empty error bodies.
    Snac,
    /// Takahē 0.11: no metadata; exact redirect matching; `verify_credentials` needs `read`;
    /// a bad token gets 400 HTML.
    Takahe,
    /// GoToSocial 0.20: no metadata yet `profile`; exact redirect matching; after Allow on a
    /// redirect mismatch, `error=server_error`; no `collections` scopes.
    GoToSocial,
    /// Mitra 5.9: one redirect URI per app, matched exactly; 404 for a refused code; revoke needs
    /// the token as a bearer; tokens expire; empty `scopes` echoed at registration.
    Mitra,
}

/// Behaviours seen on real servers, each switchable on its own so that a test can pin one down.
/// `Mode::quirks` gives the set a mode starts with; `Config::quirks` replaces it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // Independent switches, combined freely by tests.
pub struct Quirks {
    /// The metadata's `scopes_supported` lists only `read write follow push`.
    pub coarse_scope_metadata: bool,
    /// A redirect URI must equal a registered one exactly: no loopback port rule.
    pub exact_redirect: bool,
    /// An app registers one redirect URI: several get 400 `{"error":"invalid redirect URI"}`.
    pub one_redirect_uri: bool,
    /// `verify_credentials` needs `read`: anything narrower gets 403 `out_of_scope_for_token`.
    pub verify_needs_read: bool,
    /// A missing, unknown or revoked token gets 400 `text/html` "Invalid Bearer token".
    pub bad_token_400_html: bool,
    /// Each connection is closed after one response, without `Connection: close`.
    pub close_after_response: bool,
    /// `POST /oauth/revoke` also deletes the token's app (the app's other tokens live on).
    pub revoke_deletes_app: bool,
    /// `POST /oauth/revoke` needs the token in an `Authorization: Bearer` header as well
    /// (401 with an empty body without it).
    pub revoke_needs_bearer: bool,
    /// The out-of-band page's body is literally `CODE&state=STATE`.
    pub oob_code_and_state: bool,
    /// A wrong, expired or reused code gets 404 `{"error":"authorization not found"}`.
    pub refused_code_404: bool,
    /// Tokens carry `expires_in` (seconds) and stop working after it.
    pub token_lifetime_secs: Option<u64>,
    /// The registration answer has `"scopes": []`, whatever was registered.
    pub empty_scopes_echo: bool,
    /// On a redirect URI mismatch the consent page is still shown, and Allow sends the browser to
    /// the unregistered URI with `error=server_error`.
    pub redirect_mismatch_server_error: bool,
    /// These scopes are granted whatever was asked for (Mitra: `read write follow`).
    pub granted_scopes: Option<Vec<String>>,
    /// Authorization codes live this long instead of Mastodon's 600 s.
    pub code_lifetime_secs: Option<i64>,
}

impl Mode {
    /// Every mode with the name `examples/fake-server.rs` knows it by.
    pub const NAMES: &'static [(&'static str, Mode)] = &[
        ("mastodon-4.7", Mode::Mastodon47),
        ("mastodon-4.2", Mode::Mastodon42),
        ("snac", Mode::Snac),
        ("takahe", Mode::Takahe),
        ("gotosocial", Mode::GoToSocial),
        ("mitra", Mode::Mitra),
    ];

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, mode)| *mode)
    }

    pub fn name(self) -> &'static str {
        Mode::NAMES
            .iter()
            .find(|(_, mode)| *mode == self)
            .map_or("?", |(name, _)| name)
    }
}

impl Quirks {
    /// The names `examples/fake-server.rs --quirk NAME` switches on.
    pub const NAMES: &'static [&'static str] = &[
        "coarse-scopes",
        "exact-redirect",
        "one-redirect-uri",
        "verify-needs-read",
        "bad-token-400-html",
        "close-after-response",
        "revoke-deletes-app",
        "revoke-needs-bearer",
        "oob-code-and-state",
        "refused-code-404",
        "token-expires",
        "empty-scopes-echo",
        "redirect-mismatch-server-error",
    ];

    /// Switches one quirk on by name; `Err` names the known ones.
    pub fn switch_on(&mut self, name: &str) -> Result<(), String> {
        match name {
            "coarse-scopes" => self.coarse_scope_metadata = true,
            "exact-redirect" => self.exact_redirect = true,
            "one-redirect-uri" => self.one_redirect_uri = true,
            "verify-needs-read" => self.verify_needs_read = true,
            "bad-token-400-html" => self.bad_token_400_html = true,
            "close-after-response" => self.close_after_response = true,
            "revoke-deletes-app" => self.revoke_deletes_app = true,
            "revoke-needs-bearer" => self.revoke_needs_bearer = true,
            "oob-code-and-state" => self.oob_code_and_state = true,
            "refused-code-404" => self.refused_code_404 = true,
            "token-expires" => self.token_lifetime_secs = Some(30 * 24 * 3600),
            "empty-scopes-echo" => self.empty_scopes_echo = true,
            "redirect-mismatch-server-error" => self.redirect_mismatch_server_error = true,
            other => {
                return Err(format!(
                    "unknown quirk {other}; known: {}",
                    Quirks::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }
}
