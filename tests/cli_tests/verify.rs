//! verify: statuses, exit codes and their precedence, JSON shape, results recorded in the vault.

use mastokey::vault::CheckStatus;

use super::World;
use crate::support::fake_server::Fault;

fn statuses(value: &serde_json::Value) -> Vec<(String, String)> {
    value["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["account"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, s)| ((*a).to_owned(), (*s).to_owned()))
        .collect()
}

#[test]
fn all_valid_exits_0_with_the_documented_json_and_records_the_results() {
    let w = World::new();
    let out = w.cli.run(&["verify", "--json"]);
    out.code(0);
    w.assert_no_token_in(&out.stdout);
    w.assert_no_token_in(&out.stderr);
    let value = out.json();
    assert_eq!(
        value.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["results"]
    );
    assert_eq!(
        statuses(&value),
        pairs(&[
            ("alan@social.example", "valid"),
            ("alice@social.example", "valid"),
            ("bob@other.example", "valid"),
        ])
    );
    for result in value["results"].as_array().unwrap() {
        let mut keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["account", "checked_at", "detail", "server", "status"]
        );
        assert!(result["detail"].is_string());
        result["checked_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap();
    }
    assert_eq!(value["results"][2]["server"], w.other.base_url().as_str());

    let vault = w.cli.unlock();
    for account in &vault.data().accounts {
        assert_eq!(account.last_status, Some(CheckStatus::Valid));
        assert!(account.last_checked_at.is_some());
    }
    // list shows the recorded check.
    let list = w.cli.run(&["list", "--json"]).json();
    assert_eq!(list["accounts"][0]["last_status"], "valid");
    assert!(list["accounts"][0]["last_checked_at"].is_string());
}

#[test]
fn a_revoked_token_shows_as_revoked_with_exit_1() {
    let w = World::new();
    assert!(w.social.revoke_token(&w.alice.token));
    let out = w.cli.run(&["verify"]);
    out.code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // A header, the rows in the order of `list` (by label), a summary naming the failing one.
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    assert!(lines[0].starts_with("ACCOUNT  "), "{}", out.stdout);
    assert!(
        lines[1].starts_with("alan@social.example"),
        "{}",
        out.stdout
    );
    assert!(
        lines[2].starts_with("alice@social.example"),
        "{}",
        out.stdout
    );
    assert!(lines[3].starts_with("bob@other.example"), "{}", out.stdout);
    assert_eq!(lines[4], "2 valid, 1 revoked: alice@social.example");
    let list = w.cli.run(&["list"]);
    let listed: Vec<&str> = list
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let verified: Vec<&str> = lines[..4]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, verified, "{list:?}");
    let alice = lines[2];
    assert!(alice.contains("revoked"), "{alice}");
    // One aligned column for the status, under its heading.
    let at = |line: &str| {
        line.find("valid")
            .or_else(|| line.find("revoked"))
            .or_else(|| line.find("STATUS"))
            .unwrap()
    };
    assert!(
        lines[..4].iter().all(|l| at(l) == at(alice)),
        "{}",
        out.stdout
    );

    let vault = w.cli.unlock();
    let stored = vault.data().accounts_with_handle("alice@social.example")[0];
    assert_eq!(stored.last_status, Some(CheckStatus::Revoked));
    let stored = vault.data().accounts_with_handle("bob@other.example")[0];
    assert_eq!(stored.last_status, Some(CheckStatus::Valid));
}

#[test]
fn results_that_cannot_be_recorded_are_a_warning_and_keep_the_verify_code() {
    let w = World::new();
    assert!(w.social.revoke_token(&w.alice.token));
    // Another process holds the vault's lock past the save's timeout.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.cli.config().join("vault.lock"))
        .unwrap();
    lock.lock().unwrap();
    let out = w.cli.run(&["verify", "--json"]);
    lock.unlock().unwrap();
    out.code(1);
    assert_eq!(
        statuses(&out.json()),
        pairs(&[
            ("alan@social.example", "valid"),
            ("alice@social.example", "revoked"),
            ("bob@other.example", "valid"),
        ])
    );
    assert!(
        out.stderr
            .contains("warning: the results above were not recorded in the vault"),
        "{out:?}"
    );
    let vault = w.cli.unlock();
    let stored = vault.data().accounts_with_handle("alice@social.example")[0];
    assert_ne!(stored.last_status, Some(CheckStatus::Revoked));
}

#[test]
fn an_account_whose_stored_server_is_not_a_url_is_a_server_error_not_skipped() {
    let w = World::new();
    let mut vault = w.cli.unlock();
    vault
        .update(|data| {
            let alan = data.accounts.iter_mut().find(|a| a.username == "alan");
            alan.unwrap().server = "not a url".into();
        })
        .unwrap();
    let out = w.cli.run(&["verify", "--json"]);
    out.code(4);
    let value = out.json();
    assert_eq!(
        statuses(&value),
        pairs(&[
            ("alan@social.example", "server_error"),
            ("alice@social.example", "valid"),
            ("bob@other.example", "valid"),
        ])
    );
    assert_eq!(value["results"][0]["server"], "not a url");
    assert_eq!(
        value["results"][0]["detail"],
        "the stored server address is not a valid URL"
    );
    // Named alone, and in the human output, it still shows up.
    let out = w.cli.run(&["verify", "alan"]);
    out.code(4);
    assert!(
        out.stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("alan@social.example"),
        "{out:?}"
    );
    assert!(out.stdout.contains("not a valid URL"), "{out:?}");
    let vault = w.cli.unlock();
    let stored = vault.data().accounts_with_handle("alan@social.example")[0];
    assert_eq!(stored.last_status, Some(CheckStatus::ServerError));
}

#[test]
fn a_server_that_is_down_shows_as_unreachable_and_the_others_still_verify() {
    let World {
        cli, social, other, ..
    } = World::new();
    drop(other);
    let out = cli.run(&["verify", "--json"]);
    out.code(4);
    assert_eq!(
        statuses(&out.json()),
        pairs(&[
            ("alan@social.example", "valid"),
            ("alice@social.example", "valid"),
            ("bob@other.example", "unreachable"),
        ])
    );
    // A token that is not valid outranks the network trouble.
    let alan = cli.run(&["token", "alan"]).stdout;
    assert!(social.revoke_token(alan.trim_end()));
    let out = cli.run(&["verify", "--json"]);
    out.code(1);
    assert_eq!(
        statuses(&out.json()),
        pairs(&[
            ("alan@social.example", "revoked"),
            ("alice@social.example", "valid"),
            ("bob@other.example", "unreachable"),
        ])
    );
}

#[test]
fn a_server_error_exits_4_and_only_named_accounts_are_checked() {
    let w = World::new();
    w.other.set_fault("/api/", Fault::Html5xx(502));
    let out = w.cli.run(&["verify", "bob", "--json"]);
    out.code(4);
    assert_eq!(
        statuses(&out.json()),
        pairs(&[("bob@other.example", "server_error")])
    );
    // Named twice (exactly and by prefix): checked once.
    let out = w.cli.run(&["verify", "alice", "alice@social.example"]);
    out.code(0);
    // Header, one row, summary.
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    assert_eq!(out.stdout.lines().last(), Some("1 valid"), "{}", out.stdout);
    let vault = w.cli.unlock();
    let alan = vault.data().accounts_with_handle("alan@social.example")[0];
    assert_eq!(alan.last_status, None, "alan was not named");
}

#[test]
fn token_and_exec_warn_on_stderr_when_the_last_check_was_not_valid() {
    let w = World::new();
    // Never checked, or checked valid: not a word.
    let out = w.cli.run(&["token", "alice"]);
    out.code(0);
    assert_eq!(out.stderr, "");
    w.cli.run(&["verify"]).code(0);
    let out = w.cli.run(&["token", "alice"]);
    assert_eq!(out.stderr, "");

    assert!(w.social.revoke_token(&w.alice.token));
    w.cli.run(&["verify"]).code(1);
    let out = w.cli.run(&["token", "alice"]);
    out.code(0);
    // stdout stays exactly the token.
    assert_eq!(out.stdout, format!("{}\n", w.alice.token));
    assert!(
        out.stderr
            .contains("alice@social.example: last check: revoked; run `mastokey` → Re-authorize"),
        "{out:?}"
    );
    w.assert_no_token_in(&out.stderr);
    let out = w.cli.run(&["exec", "alice", "--", "true"]);
    out.code(0);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("last check: revoked; run `mastokey` → Re-authorize"),
        "{out:?}"
    );
    // The others are still fine.
    let out = w.cli.run(&["token", "bob"]);
    assert_eq!(out.stderr, "");
}
