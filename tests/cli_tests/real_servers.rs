//! `remove --revoke`, `verify` and `list` against servers that are not Mastodon: Mitra (revoke
//! needs the token as a bearer, tokens expire), snac (403 for an unknown token), GoToSocial (its
//! tokens page is "Access Tokens"), and a server that says it revoked a token it kept.

use jiff::{SignedDuration, Timestamp};
use mastokey::mastodon::ApiError;

use super::{Cli, add, check_token};
use crate::support::fake_server::{FakeServer, Fault, Mode};

fn one_account(server: &FakeServer) -> (Cli, super::Added) {
    let cli = Cli::new();
    let mut vault = cli.create_vault();
    let added = add(&mut vault, server, "alice");
    (cli, added)
}

fn accounts_left(cli: &Cli) -> usize {
    cli.unlock().data().accounts.len()
}

#[test]
fn mitra_revoke_retries_with_the_bearer_and_the_token_dies() {
    let server = FakeServer::start(Mode::Mitra);
    let (cli, alice) = one_account(&server);
    let out = cli.run(&["remove", "alice", "--revoke"]);
    out.code(0);
    assert!(
        out.stdout.starts_with("Removed alice@") && out.stdout.contains("its token was revoked"),
        "{out:?}"
    );
    assert_eq!(out.stderr, "", "{out:?}");
    assert_eq!(accounts_left(&cli), 0);
    assert!(matches!(
        check_token(&server.base_url(), &alice.token),
        Err(ApiError::TokenInvalid | ApiError::TokenRevoked)
    ));
    // The first try is Mastodon's (no bearer), the second adds it.
    let revokes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oauth/revoke")
        .collect();
    assert_eq!(revokes.len(), 2, "{revokes:?}");
    assert!(revokes[0].header("authorization").is_none());
    assert!(revokes[1].header("authorization").is_some());
}

/// snac answers 403 for a token it does not know: the token is dead, so the entry goes, and no
/// advice is printed at all (it used to be printed twice).
#[test]
fn an_already_revoked_token_is_removed_without_advice() {
    let server = FakeServer::start(Mode::Snac);
    let (cli, alice) = one_account(&server);
    assert!(server.revoke_token(&alice.token));
    let out = cli.run(&["remove", "alice", "--revoke"]);
    out.code(0);
    assert_eq!(out.stderr, "", "{out:?}");
    assert!(
        out.stdout.contains("no longer works on the server"),
        "{out:?}"
    );
    assert_eq!(out.stdout.matches("Authorized apps").count(), 0, "{out:?}");
    assert_eq!(accounts_left(&cli), 0);
}

/// A server that answers 200 but keeps the token: the check afterwards finds it alive, the entry
/// stays, and the message names the settings page by the server's software.
#[test]
fn a_token_still_valid_after_the_revoke_keeps_the_entry_and_names_the_page() {
    for (mode, page) in [
        (Mode::Mastodon47, "Authorized apps"),
        (Mode::GoToSocial, "Access Tokens"),
    ] {
        let server = FakeServer::start(mode);
        let (cli, alice) = one_account(&server);
        server.set_fault("/oauth/revoke", Fault::MalformedJson);
        let out = cli.run(&["remove", "alice", "--revoke"]);
        out.code(4);
        assert!(
            out.stderr.contains("still valid on the server"),
            "{mode:?}: {out:?}"
        );
        assert!(out.stderr.contains(page), "{mode:?}: {out:?}");
        assert_eq!(out.stderr.matches(page).count(), 1, "{out:?}");
        assert_eq!(accounts_left(&cli), 1);
        check_token(&server.base_url(), &alice.token).unwrap();
    }
}

#[test]
fn mitra_expiry_is_listed_warned_about_and_verified_as_expired() {
    // Tokens that live 3 days: valid, with a warning.
    let server = FakeServer::with_quirks(Mode::Mitra, |q| q.token_lifetime_secs = Some(3 * 86_400));
    let (cli, _) = one_account(&server);
    let list = cli.run(&["list", "--json"]);
    list.code(0);
    let expires = list.json()["accounts"][0]["expires_at"].clone();
    let at: Timestamp = expires.as_str().unwrap().parse().unwrap();
    let left = Timestamp::now().duration_until(at);
    assert!(left > SignedDuration::from_hours(71) && left <= SignedDuration::from_hours(72));
    let table = cli.run(&["list"]);
    assert!(table.stdout.contains("EXPIRES"), "{table:?}");
    assert!(table.stdout.contains("(soon)"), "{table:?}");

    let verify = cli.run(&["verify"]);
    verify.code(0);
    assert!(
        verify.stdout.contains("warning: alice@")
            && verify.stdout.contains("the token expires in 3 days (on ")
            && !verify.stdout.contains("UTC"),
        "{verify:?}"
    );
    let json = cli.run(&["verify", "--json"]);
    json.code(0);
    assert!(
        !json.stdout.contains("warning"),
        "no warning in JSON: {json:?}"
    );

    // Four days later, on both clocks: the server refuses it, and mastokey knows why.
    server.advance(std::time::Duration::from_secs(4 * 86_400));
    cli.unlock()
        .update(|d| {
            d.accounts[0].expires_at = Some(Timestamp::now() - SignedDuration::from_hours(24));
        })
        .unwrap();
    let out = cli.run(&["verify", "--json"]);
    out.code(1);
    assert_eq!(out.json()["results"][0]["status"], "expired", "{out:?}");
    let text = cli.run(&["verify"]);
    text.code(1);
    assert!(text.stdout.contains("expired"), "{text:?}");
}

#[test]
fn tokens_that_do_not_expire_list_null_and_no_column() {
    let server = FakeServer::start(Mode::Mastodon47);
    let (cli, _) = one_account(&server);
    let list = cli.run(&["list", "--json"]);
    assert!(
        list.json()["accounts"][0]["expires_at"].is_null(),
        "{list:?}"
    );
    assert!(!cli.run(&["list"]).stdout.contains("EXPIRES"));
}

/// Takahē's answer to a bad token (400 HTML) is an invalid token: exit 1, never "not Mastodon".
#[test]
fn takahe_revoked_token_verifies_as_invalid_with_exit_1() {
    // `add` asks for `profile`, which Takahē's verify_credentials does not take: that quirk is
    // off here, the 400 HTML for a bad token is what is tested.
    let server = FakeServer::with_quirks(Mode::Takahe, |q| q.verify_needs_read = false);
    let (cli, alice) = one_account(&server);
    assert!(server.revoke_token(&alice.token));
    let out = cli.run(&["verify", "--json"]);
    out.code(1);
    assert_eq!(out.json()["results"][0]["status"], "invalid", "{out:?}");
    assert!(!out.stdout.contains("Mastodon server"), "{out:?}");
}
