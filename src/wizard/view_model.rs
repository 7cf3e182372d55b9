//! What the screens may know of the vault: a display snapshot without any secret in it.

use jiff::Timestamp;

use crate::vault::model::{AccountKey, CheckStatus, VaultData, label_order, same_base};

#[derive(Debug, Clone, Default)]
pub struct VaultView {
    pub accounts: Vec<AccountRow>,
    /// Base URLs of the servers the vault knows, most recently used first.
    pub servers: Vec<String>,
    /// Base URLs of the servers that check a token only when it has `read` (the vault learned
    /// it from a step-up there).
    pub verify_needs_read_on: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    /// What every action on this row addresses: the handle is only the server's claim.
    pub key: AccountKey,
    /// The name people see: the handle, with its server when another entry claims it too.
    pub label: String,
    pub handle: String,
    pub server: String,
    /// The server's software as discovered ("Mastodon", "GoToSocial"…), for wording only.
    pub software: Option<String>,
    pub id: String,
    pub display_name: String,
    /// What the server granted.
    pub scopes: Vec<String>,
    /// False for a token made elsewhere and adopted without its app's credentials: mastokey
    /// cannot revoke it (the server's Authorized-apps page can).
    pub revocable: bool,
    /// What mastokey asked for: the scopes of the app that issued the token, when it is stored.
    pub requested: Option<Vec<String>>,
    pub created_at: Timestamp,
    /// When the server said the token stops working (Mitra's tokens expire).
    pub expires_at: Option<Timestamp>,
    pub last_checked_at: Option<Timestamp>,
    pub last_status: Option<CheckStatus>,
    pub last_detail: Option<String>,
}

/// Tokens expiring this close are flagged, so a bot's token does not die unnoticed.
const EXPIRY_WARNING: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

impl AccountRow {
    /// A few words for the list when the expiry is near or past ("3 days left", "expired").
    pub fn expiry_short(&self, now: Timestamp) -> Option<String> {
        let left = self.expires_at?.duration_since(now);
        if left.is_negative() {
            return Some("expired".to_owned());
        }
        (left <= EXPIRY_WARNING).then(|| match left.as_hours() / 24 {
            0 => "expires today".to_owned(),
            1 => "1 day left".to_owned(),
            n => format!("{n} days left"),
        })
    }

    /// What to say about the token's expiry, and whether it is near (within 7 days) or past.
    pub fn expiry(&self, now: Timestamp) -> Option<(String, bool)> {
        let at = self.expires_at?;
        let date = at.strftime("%Y-%m-%d");
        let left = at.duration_since(now);
        Some(if left.is_negative() {
            (format!("expired {date}"), true)
        } else if left <= EXPIRY_WARNING {
            let days = left.as_hours() / 24;
            let when = match days {
                0 => "today".to_owned(),
                1 => "in 1 day".to_owned(),
                n => format!("in {n} days"),
            };
            (format!("expires {when} ({date})"), true)
        } else {
            (format!("expires {date}"), false)
        })
    }

    /// For a token made elsewhere (no app credentials): mastokey cannot revoke it, and where
    /// the user can (the page's address only where the server has that page, on a line of its
    /// own so a narrow window never breaks it mid-word).
    pub fn revoke_note(&self) -> Vec<String> {
        if self.revocable {
            return Vec::new();
        }
        let software = self.software.as_deref();
        match crate::accounts::revoke_page(&self.server, software) {
            Some(page) => vec![
                "Made elsewhere: mastokey cannot revoke it; do so at".to_owned(),
                page,
            ],
            None => vec![format!(
                "Made elsewhere: mastokey cannot revoke it; do so {}.",
                crate::accounts::where_to_revoke(&self.server, software)
            )],
        }
    }

    /// What a new sign-in for this account should ask for: what was asked for last, not what
    /// the server chose to grant (some grant more, or other scopes, than asked).
    pub fn scopes_to_ask(&self) -> Vec<String> {
        self.requested
            .clone()
            .unwrap_or_else(|| self.scopes.clone())
    }
}

/// What a removal adds to "Removed …": the token was revoked, or (an entry made elsewhere, which
/// `accounts::remove` removes without revoking) where the user can revoke it.
pub fn removal_note(
    revoked: bool,
    asked: bool,
    key: &AccountKey,
    software: Option<&str>,
) -> String {
    match (revoked, asked) {
        (true, _) => " Its token was revoked on the server.".to_owned(),
        (false, true) => format!(
            " mastokey could not revoke its token (made elsewhere): revoke it {}",
            crate::accounts::where_to_revoke(&key.server, software)
        ),
        (false, false) => String::new(),
    }
}

impl VaultView {
    pub fn from_data(data: &VaultData) -> Self {
        let mut accounts: Vec<AccountRow> = data
            .accounts
            .iter()
            .zip(data.labels())
            .map(|(a, label)| AccountRow {
                key: a.key(),
                label,
                handle: a.handle(),
                server: a.server.clone(),
                software: data.find_server(&a.server).and_then(|s| s.software.clone()),
                id: a.id.clone(),
                display_name: a.display_name.clone(),
                scopes: a.scopes.clone(),
                revocable: a.has_app(),
                requested: data
                    .servers
                    .iter()
                    .filter(|s| same_base(&s.base_url, &a.server))
                    .flat_map(|s| &s.apps)
                    .find(|app| app.client_id == a.client_id)
                    .map(|app| app.scopes.clone())
                    .filter(|scopes| !scopes.is_empty()),
                created_at: a.created_at,
                expires_at: a.expires_at,
                last_checked_at: a.last_checked_at,
                last_status: a.last_status,
                last_detail: a.last_detail.clone(),
            })
            .collect();
        // The order of `list` and `verify` (one rule, in the vault model).
        accounts.sort_by(|a, b| label_order(&a.label, &b.label));
        let servers = data.servers.iter().map(|s| s.base_url.clone()).collect();
        let verify_needs_read_on = data
            .servers
            .iter()
            .filter(|s| s.verify_needs_read)
            .map(|s| s.base_url.clone())
            .collect();
        Self {
            accounts,
            servers,
            verify_needs_read_on,
        }
    }

    pub fn account(&self, key: &AccountKey) -> Option<&AccountRow> {
        self.accounts.iter().find(|a| a.key == *key)
    }

    /// Whether any stored account lives on this server (then a new sign-in must force a login).
    pub fn has_account_on(&self, base: &str) -> bool {
        self.accounts.iter().any(|a| same_base(&a.server, base))
    }

    /// The stored account with this server and id, if the user signed in as it again.
    pub fn same_account(&self, base: &str, id: &str) -> Option<&AccountRow> {
        self.accounts
            .iter()
            .find(|a| same_base(&a.server, base) && a.id == id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_row_knows_what_was_asked_for_from_the_issuing_app() {
        let data: VaultData = serde_json::from_value(serde_json::json!({
            "servers": [{
                "base_url": "https://social.example",
                "domain": "social.example",
                "software": "Mitra",
                "version": null,
                "apps": [{
                    "client_id": "app-1",
                    "client_secret": "s",
                    "scopes": ["read:accounts"],
                    "redirect_uris": ["http://127.0.0.1:4000/callback"],
                    "created_at": "2026-11-28T12:00:00Z"
                }]
            }],
            "accounts": [{
                "id": "1", "username": "alice", "domain": "social.example",
                "server": "https://social.example", "display_name": "",
                "token": "t", "scopes": ["follow", "read", "write"], "client_id": "app-1",
                "created_at": "2026-11-28T12:00:00Z", "last_checked_at": null,
                "last_status": null, "last_detail": null,
                "expires_at": "2026-12-28T12:00:00Z"
            }]
        }))
        .unwrap();
        let view = VaultView::from_data(&data);
        let row = &view.accounts[0];
        assert_eq!(
            row.requested.as_deref(),
            Some(&["read:accounts".to_owned()][..])
        );
        assert_eq!(row.scopes_to_ask(), ["read:accounts"]);
        let now: Timestamp = "2026-12-25T12:00:00Z".parse().unwrap();
        assert_eq!(row.expiry_short(now).as_deref(), Some("3 days left"));
        let later: Timestamp = "2026-12-29T12:00:00Z".parse().unwrap();
        assert_eq!(row.expiry_short(later).as_deref(), Some("expired"));
    }
}
