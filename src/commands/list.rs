//! `mastokey list [--json]`: the stored accounts, with their last check.

use jiff::Timestamp;
use serde::Serialize;

use super::output::{self, Cell, Columns, Style, Tone};
use super::{Env, unlock};
use crate::error::Error;
use crate::vault::{CheckStatus, StoredAccount};

/// One account in `list --json`; the shape is documented in the README and stays stable.
#[derive(Serialize)]
struct JsonAccount<'a> {
    account: String,
    server: String,
    scopes: &'a [String],
    created_at: Timestamp,
    last_checked_at: Option<Timestamp>,
    last_status: Option<CheckStatus>,
    /// When the token stops working; null for tokens that do not expire.
    expires_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct JsonList<'a> {
    accounts: Vec<JsonAccount<'a>>,
}

pub fn run(json: bool, env: &Env) -> Result<(), Error> {
    // No vault yet: nothing to unlock, and no accounts to show.
    let vault = unlock::open_if_present(env)?;
    // Label order, the order of `verify` and of the wizard's Home. Handles that several entries
    // share get their server in the label (see `VaultData::labels`), so every row names one entry.
    let rows: Vec<(&StoredAccount, String)> = vault
        .as_ref()
        .map(|v| v.data().in_label_order())
        .unwrap_or_default();
    if json {
        print_json(&rows)
    } else {
        print_table(&rows, Style::for_stdout(env), Timestamp::now())
    }
}

fn print_json(rows: &[(&StoredAccount, String)]) -> Result<(), Error> {
    let list = JsonList {
        accounts: rows
            .iter()
            .map(|(a, _)| JsonAccount {
                account: a.handle(),
                server: crate::base_url::canonical(&a.server),
                scopes: &a.scopes,
                created_at: a.created_at,
                last_checked_at: a.last_checked_at,
                last_status: a.last_status,
                expires_at: a.expires_at,
            })
            .collect(),
    };
    output::print_json(&list)
}

fn print_table(
    accounts: &[(&StoredAccount, String)],
    style: Style,
    now: Timestamp,
) -> Result<(), Error> {
    if accounts.is_empty() {
        return output::println("No accounts yet. Add one with `mastokey add`.");
    }
    // The column appears only where some server said when its tokens expire.
    let expiring = accounts.iter().any(|(a, _)| a.expires_at.is_some());
    let header: Vec<Cell> = [
        "ACCOUNT",
        "SERVER",
        "SCOPES",
        "LAST CHECK",
        "WHEN",
        "EXPIRES",
    ]
    .into_iter()
    .take(if expiring { 6 } else { 5 })
    .map(|h| (h.to_owned(), Tone::Header))
    .collect();
    let rows: Vec<Vec<Cell>> = accounts
        .iter()
        .map(|(a, label)| {
            let mut cells = row(a, label, now);
            if expiring {
                cells.push(expiry(a.expires_at, now));
            }
            cells
        })
        .collect();
    let columns = Columns::fit(
        std::iter::once(header.as_slice()).chain(rows.iter().map(Vec::as_slice)),
        style,
    );
    let mut text = columns.line(&header);
    text.push_str("\n");
    for row in &rows {
        text.push(&columns.line(row));
        text.push_str("\n");
    }
    output::print_painted(&text)
}

/// "2026-12-30" (dim), "2026-12-05 (soon)" within a week (warning), "2026-11-01 (expired)".
fn expiry(expires_at: Option<Timestamp>, now: Timestamp) -> Cell {
    let Some(at) = expires_at else {
        return ("never".to_owned(), Tone::Dim);
    };
    let date = at.strftime("%Y-%m-%d").to_string();
    let left = now.duration_until(at);
    if left.is_negative() || left.is_zero() {
        (format!("{date} (expired)"), Tone::Bad)
    } else if left <= jiff::SignedDuration::from_hours(7 * 24) {
        (format!("{date} (soon)"), Tone::Warn)
    } else {
        (date, Tone::Dim)
    }
}

fn row(account: &StoredAccount, label: &str, now: Timestamp) -> Vec<Cell> {
    let (status, when) = match (account.last_status, account.last_checked_at) {
        (Some(status), Some(at)) => (
            (
                output::status_label(status).to_owned(),
                output::status_tone(status),
            ),
            (output::ago(at, now), Tone::Dim),
        ),
        _ => (
            ("never checked".to_owned(), Tone::Dim),
            (String::new(), Tone::Dim),
        ),
    };
    vec![
        (label.to_owned(), Tone::Plain),
        (crate::base_url::canonical(&account.server), Tone::Plain),
        // A token adopted from a server that does not say what it may do.
        if account.scopes.is_empty() {
            ("unknown".to_owned(), Tone::Dim)
        } else {
            (account.scopes.join(" "), Tone::Plain)
        },
        status,
        when,
    ]
}
