//! `mastokey verify [ACCOUNT...] [--json]`: checks stored tokens concurrently, prints each result
//! as it arrives, records them all in the vault in one save.
//!
//! Exit code: 0 when every checked token is valid; else 1 when any token is not valid (revoked,
//! invalid, expired, insufficient scope, account disabled or pending), because that needs the user to act;
//! else 4 when any check could not be made (unreachable, timeout, server error). Failing to record
//! the printed results in the vault is a warning on stderr and leaves that code as it is.

use std::process::ExitCode;

use jiff::{Timestamp, Zoned};
use serde::Serialize;

use super::output::{self, Cell, Columns, Style, Tone};
use super::{Env, unlock};
use crate::accounts;
use crate::accounts::check::{CheckOutcome, check_all};
use crate::error::{EXIT_INVALID, EXIT_NETWORK, Error, Warning};
use crate::mastodon::{Client, retry_wording};
use crate::vault::CheckStatus;
use crate::vault::model::{AccountKey, VaultData};

#[derive(Serialize)]
struct JsonResult<'a> {
    account: &'a str,
    server: &'a str,
    status: CheckStatus,
    detail: &'a str,
    checked_at: Timestamp,
}

/// A checked entry, in label order.
struct Row {
    key: AccountKey,
    label: String,
    handle: String,
    server: String,
}

#[derive(Serialize)]
struct JsonResults<'a> {
    results: Vec<JsonResult<'a>>,
}

pub fn run(queries: &[String], json: bool, env: &Env) -> Result<ExitCode, Error> {
    let vault = unlock::open_if_present(env)?;
    let Some(mut vault) = vault.filter(|v| !v.data().accounts.is_empty()) else {
        // Naming an account that cannot be there is a mistake; checking all of none is not.
        if !queries.is_empty() {
            return Err(Error::NoAccounts);
        }
        if json {
            output::print_json(&JsonResults {
                results: Vec::new(),
            })?;
        } else {
            output::println("No accounts yet, so nothing to check. Add one with `mastokey add`.")?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let mut keys: Vec<AccountKey> = Vec::new();
    for query in queries {
        let key = unlock::resolve(&vault, query)?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let items = accounts::check_items(vault.data(), &keys);
    // Accounts whose stored server address is broken: not checked, but not passed over either.
    let unparsable = accounts::unparsable_accounts(vault.data(), &keys);
    // Each checked entry in the order of `list` (label order), with its label, handle and server:
    // results are printed in this order whatever order they arrive in.
    let order: Vec<Row> = vault
        .data()
        .in_label_order()
        .into_iter()
        .map(|(a, label)| Row {
            key: a.key(),
            label,
            handle: a.handle(),
            server: crate::base_url::canonical(&a.server),
        })
        .filter(|row| {
            items.iter().any(|i| i.key == row.key) || unparsable.iter().any(|o| o.key == row.key)
        })
        .collect();
    let position = |key: &AccountKey| order.iter().position(|row| row.key == *key);
    let row_of = |key: &AccountKey| order.iter().find(|row| row.key == *key);
    let server_of = |key: &AccountKey| row_of(key).map_or("", |row| row.server.as_str());

    let style = Style::for_stdout(env);
    let columns = fit_columns(&order, style);

    let client = Client::new()?;
    let mut outcomes: Vec<CheckOutcome> = Vec::with_capacity(order.len());
    let mut print_error = None;
    if !json {
        print_error = output::println_painted(&columns.line(&header())).err();
    }
    // Results that arrived before the ones listed above them wait here.
    let mut waiting: Vec<Option<CheckOutcome>> = vec![None; order.len()];
    let mut next = 0;
    let mut on_result = |outcome: CheckOutcome| {
        if !json && let Some(at) = position(&outcome.key) {
            waiting[at] = Some(outcome.clone());
            while let Some(Some(ready)) = waiting.get(next) {
                if print_error.is_none() {
                    let line = columns.line(&human_row(ready, server_of(&ready.key)));
                    print_error = output::println_painted(&line).err();
                }
                next += 1;
            }
        }
        outcomes.push(outcome);
    };
    unparsable.into_iter().for_each(&mut on_result);
    block_on(check_all(&client, items, on_result))?;
    let checked_at = Timestamp::now();
    outcomes.sort_by_key(|o| position(&o.key));

    if json {
        let results = JsonResults {
            results: outcomes
                .iter()
                .map(|o| JsonResult {
                    account: row_of(&o.key).map_or("", |row| row.handle.as_str()),
                    server: server_of(&o.key),
                    status: o.status,
                    detail: &o.detail,
                    checked_at,
                })
                .collect(),
        };
        output::print_json(&results)?;
    } else if let Some(error) = print_error {
        return Err(error);
    } else {
        output::println(&summary(&outcomes))?;
        // Below the results, in the text output only: JSON readers have `expires_at` in `list`.
        // In the user's own time zone, relative to now.
        let now = checked_at.to_zoned(jiff::tz::TimeZone::system());
        for warning in expiry_warnings(vault.data(), &outcomes, &now) {
            output::println(&warning)?;
        }
    }

    // The results are out: failing to record them must not hide what they say.
    let code = exit_code(outcomes.iter().map(|o| o.status));
    if let Err(error) = accounts::record_checks(&mut vault, outcomes, checked_at) {
        output::warn(&Warning::ChecksNotRecorded { error });
    }
    Ok(code)
}

fn header() -> Vec<Cell> {
    ["ACCOUNT", "SERVER", "STATUS", "DETAIL"]
        .into_iter()
        .map(|h| (h.to_owned(), Tone::Header))
        .collect()
}

/// Columns wide enough for the header, every row and every status, fixed before the first
/// result arrives.
fn fit_columns(order: &[Row], style: Style) -> Columns {
    let statuses = [
        CheckStatus::Valid,
        CheckStatus::Revoked,
        CheckStatus::Invalid,
        CheckStatus::InsufficientScope,
        CheckStatus::AccountDisabled,
        CheckStatus::AccountPending,
        CheckStatus::Expired,
        CheckStatus::Unreachable,
        CheckStatus::Timeout,
        CheckStatus::ServerError,
    ];
    let sizing: Vec<Vec<Cell>> = std::iter::once(header())
        .chain(order.iter().map(|row| {
            vec![
                (row.label.clone(), Tone::Plain),
                (row.server.clone(), Tone::Plain),
            ]
        }))
        .chain(statuses.iter().map(|s| {
            vec![
                (String::new(), Tone::Plain),
                (String::new(), Tone::Plain),
                (output::status_label(*s).to_owned(), Tone::Plain),
            ]
        }))
        .collect();
    Columns::fit(sizing.iter().map(Vec::as_slice), style)
}

/// The last line: "2 valid, 1 revoked: bob@other.example", naming each account that needs a
/// look, grouped by status in the order they were listed; groups after the first are separated
/// by "; " because their names are separated by ", ".
fn summary(outcomes: &[CheckOutcome]) -> String {
    let mut groups: Vec<(CheckStatus, Vec<&str>)> = Vec::new();
    for outcome in outcomes {
        match groups.iter_mut().find(|(s, _)| *s == outcome.status) {
            Some((_, names)) => names.push(&outcome.label),
            None => groups.push((outcome.status, vec![&outcome.label])),
        }
    }
    let valid = groups
        .iter()
        .find(|(s, _)| *s == CheckStatus::Valid)
        .map_or(0, |(_, names)| names.len());
    let others: Vec<String> = groups
        .iter()
        .filter(|(s, _)| *s != CheckStatus::Valid)
        .map(|(s, names)| {
            format!(
                "{} {}: {}",
                names.len(),
                output::status_label(*s),
                names.join(", ")
            )
        })
        .collect();
    if others.is_empty() {
        format!("{valid} valid")
    } else {
        format!("{valid} valid, {}", others.join("; "))
    }
}

fn human_row(outcome: &CheckOutcome, server: &str) -> Vec<Cell> {
    vec![
        (outcome.label.clone(), Tone::Plain),
        (server.to_owned(), Tone::Dim),
        (
            output::status_label(outcome.status).to_owned(),
            output::status_tone(outcome.status),
        ),
        (outcome.detail.clone(), Tone::Dim),
    ]
}

/// A token that still works but expires within this long gets a warning.
const EXPIRY_WARNING: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

/// One line per valid token that expires within [`EXPIRY_WARNING`] (servers that say when their
/// tokens expire: Mitra's last 30 days), so a bot's token does not die unnoticed.
fn expiry_warnings(data: &VaultData, outcomes: &[CheckOutcome], now: &Zoned) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| o.status == CheckStatus::Valid)
        .filter_map(|o| {
            let at = data.find_account(&o.key)?.expires_at?;
            (now.timestamp().duration_until(at) <= EXPIRY_WARNING).then(|| {
                format!(
                    "warning: {}: the token expires {}. Sign in again with `mastokey add` before then to replace it.",
                    o.label,
                    retry_wording(at, now)
                )
            })
        })
        .collect()
}

/// Not-valid tokens outrank checks that could not be made: they need the user to act.
fn exit_code(statuses: impl Iterator<Item = CheckStatus>) -> ExitCode {
    let mut unknown = false;
    for status in statuses {
        match status {
            CheckStatus::Valid => {}
            CheckStatus::Revoked
            | CheckStatus::Invalid
            | CheckStatus::InsufficientScope
            | CheckStatus::AccountDisabled
            | CheckStatus::AccountPending
            | CheckStatus::Expired => return ExitCode::from(EXIT_INVALID),
            CheckStatus::Unreachable | CheckStatus::Timeout | CheckStatus::ServerError => {
                unknown = true;
            }
        }
    }
    if unknown {
        ExitCode::from(EXIT_NETWORK)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs network work on a small single-threaded runtime: the checks are I/O-bound. Building it
/// fails only when the OS refuses threads or file descriptors.
pub(super) fn block_on<F: Future>(work: F) -> Result<F::Output, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Terminal)?;
    Ok(runtime.block_on(work))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expiring_within_a_week_are_named() {
        use crate::secret::Secret;
        use crate::vault::StoredAccount;
        let now: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let account = |id: &str, expires_at: Option<&str>| StoredAccount {
            id: id.into(),
            username: format!("u{id}"),
            domain: "s.example".into(),
            server: "https://s.example".into(),
            display_name: String::new(),
            token: Secret::new("t"),
            scopes: vec!["read".into()],
            client_id: "c".into(),
            created_at: now,
            last_checked_at: None,
            last_status: None,
            last_detail: None,
            expires_at: expires_at.map(|at| at.parse().unwrap()),
        };
        let data = VaultData {
            servers: Vec::new(),
            accounts: vec![
                account("1", Some("2026-12-05T12:00:00Z")),
                account("2", Some("2026-12-30T00:00:00Z")),
                account("3", None),
                account("4", Some("2026-12-01T00:00:00Z")),
            ],
        };
        let outcome = |id: &str, status| CheckOutcome {
            key: AccountKey::new("https://s.example", id),
            label: format!("u{id}@s.example"),
            status,
            detail: String::new(),
        };
        let outcomes = [
            outcome("1", CheckStatus::Valid),
            outcome("2", CheckStatus::Valid),
            outcome("3", CheckStatus::Valid),
            outcome("4", CheckStatus::Revoked),
        ];
        // In the user's zone (New York: 19:00 the day before), never as a UTC reading.
        let local = now.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap());
        let warnings = expiry_warnings(&data, &outcomes, &local);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .contains("u1@s.example: the token expires in 6 days (on 2026-12-05 at 07:00)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn the_summary_counts_and_names_what_needs_a_look() {
        use CheckStatus::{Revoked, Timeout, Valid};
        let outcome = |label: &str, status| CheckOutcome {
            key: AccountKey::new("https://s.example", label),
            label: label.into(),
            status,
            detail: String::new(),
        };
        assert_eq!(
            summary(&[outcome("a", Valid), outcome("b", Valid)]),
            "2 valid"
        );
        assert_eq!(
            summary(&[
                outcome("a", Revoked),
                outcome("b", Valid),
                outcome("c", Timeout),
                outcome("d", Revoked),
            ]),
            "1 valid, 2 revoked: a, d; 1 timeout: c"
        );
    }

    #[test]
    fn invalid_outranks_network_trouble() {
        use CheckStatus::{Revoked, Timeout, Valid};
        let code = |s: &[CheckStatus]| exit_code(s.iter().copied());
        assert_eq!(code(&[Valid, Valid]), ExitCode::SUCCESS);
        assert_eq!(code(&[Valid, Timeout]), ExitCode::from(EXIT_NETWORK));
        assert_eq!(code(&[Timeout, Revoked]), ExitCode::from(EXIT_INVALID));
        assert_eq!(code(&[]), ExitCode::SUCCESS);
    }
}
