//! list, token, exec, completions, and how ACCOUNT is resolved.

use super::{Cli, PASSPHRASE, World, run};

#[test]
fn list_without_a_vault_says_there_are_no_accounts() {
    let cli = Cli::new();
    // No passphrase is needed, or asked for, when there is no vault.
    let human = run(&mut cli.locked(&["list"]));
    human.code(0);
    assert!(human.stdout.contains("No accounts yet"), "{human:?}");
    let json = run(&mut cli.locked(&["list", "--json"]));
    json.code(0);
    assert_eq!(json.json(), serde_json::json!({"accounts": []}));
    assert!(!cli.config().exists(), "list must not create a vault");
}

#[test]
fn list_json_has_the_documented_shape() {
    let w = World::new();
    let out = w.cli.run(&["list", "--json"]);
    out.code(0);
    w.assert_no_token_in(&out.stdout);
    let value = out.json();
    let object = value.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["accounts"]);
    let accounts = value["accounts"].as_array().unwrap();
    let handles: Vec<&str> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(
        handles,
        // Label order, as in `verify` and the wizard's Home, not the order they were added in.
        [
            "alan@social.example",
            "alice@social.example",
            "bob@other.example"
        ]
    );
    for account in accounts {
        let mut keys: Vec<&String> = account.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "account",
                "created_at",
                "expires_at",
                "last_checked_at",
                "last_status",
                "scopes",
                "server"
            ]
        );
        let created = account["created_at"].as_str().unwrap();
        created.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(account["scopes"], serde_json::json!(["profile"]));
        assert!(account["last_checked_at"].is_null());
        assert!(account["last_status"].is_null());
    }
    assert_eq!(accounts[0]["server"], w.social.base_url().as_str());
    assert_eq!(accounts[2]["server"], w.other.base_url().as_str());
}

#[test]
fn list_table_is_aligned_and_plain_when_piped() {
    let w = World::new();
    let out = w.cli.run(&["list"]);
    out.code(0);
    w.assert_no_token_in(&out.stdout);
    assert!(!out.stdout.contains('\x1b'), "no colour into a pipe");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(lines[0].starts_with("ACCOUNT"));
    let column = lines[0].find("SERVER").unwrap();
    for (line, server) in
        lines[1..]
            .iter()
            .zip([w.social.base_url(), w.social.base_url(), w.other.base_url()])
    {
        assert_eq!(line.find(&server), Some(column), "{}", out.stdout);
        assert!(line.contains("never checked"), "{line}");
        assert_eq!(*line, line.trim_end());
    }
}

#[test]
fn token_prints_the_bare_token_only() {
    let w = World::new();
    assert_eq!(w.alice.handle, "alice@social.example");
    let out = w.cli.run(&["token", &w.alice.handle]);
    out.code(0);
    assert_eq!(out.stdout, format!("{}\n", w.alice.token));
    assert_eq!(out.stderr, "");
    // A unique prefix, a leading @ and upper case work too.
    let out = w.cli.run(&["token", "@BO"]);
    out.code(0);
    assert_eq!(out.stdout, format!("{}\n", w.bob.token));
}

#[test]
fn ambiguous_prefix_lists_the_candidates() {
    let w = World::new();
    let out = w.cli.run(&["token", "al"]);
    out.code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("matches several accounts"), "{out:?}");
    assert!(out.stderr.contains("alice@social.example"));
    assert!(out.stderr.contains("alan@social.example"));
    assert!(!out.stderr.contains("bob@"));
    w.assert_no_token_in(&out.stderr);
}

#[test]
fn unknown_account_lists_the_stored_ones() {
    let w = World::new();
    for args in [
        &["token", "zed"][..],
        &["exec", "zed", "--", "true"],
        &["remove", "zed"],
        &["verify", "alice", "zed"],
    ] {
        let out = w.cli.run(args);
        out.code(2);
        assert!(
            out.stderr.contains("no stored account matches \"zed\""),
            "{out:?}"
        );
        assert!(
            out.stderr
                .contains("alice@social.example, alan@social.example, bob@other.example"),
            "{out:?}"
        );
    }
}

#[test]
fn commands_about_an_account_fail_clearly_without_a_vault() {
    let cli = Cli::new();
    let out = run(&mut cli.locked(&["token", "alice"]));
    out.code(2);
    assert!(out.stderr.contains("holds no accounts yet"), "{out:?}");
    // Naming an account that cannot be there is still a mistake.
    let out = run(&mut cli.locked(&["verify", "alice"]));
    out.code(2);
    assert!(out.stderr.contains("holds no accounts yet"), "{out:?}");
}

#[test]
fn verify_without_a_vault_has_nothing_to_check_and_exits_0_like_list() {
    let cli = Cli::new();
    let out = run(&mut cli.locked(&["verify"]));
    out.code(0);
    assert_eq!(
        out.stdout,
        "No accounts yet, so nothing to check. Add one with `mastokey add`.\n"
    );
    assert_eq!(out.stderr, "");
    let out = run(&mut cli.locked(&["verify", "--json"]));
    out.code(0);
    assert_eq!(out.json(), serde_json::json!({"results": []}));
    // An empty vault is the same.
    cli.create_vault();
    let out = cli.run(&["verify"]);
    out.code(0);
    assert!(out.stdout.contains("nothing to check"), "{out:?}");
}

#[test]
fn exec_passes_token_and_base_url_to_the_child_and_its_exit_code_back() {
    let w = World::new();
    let script = format!(
        "test \"$MASTODON_ACCESS_TOKEN\" = '{}' && test \"$MASTODON_API_BASE_URL\" = '{}' && exit 7",
        w.alice.token,
        w.social.base_url()
    );
    let out = w.cli.run(&["exec", "alice", "--", "sh", "-c", &script]);
    out.code(7);
    assert_eq!(out.stdout, "");

    // Inherited stdout; the base URL has no trailing slash.
    let out = w.cli.run(&[
        "exec",
        "bob",
        "--",
        "sh",
        "-c",
        "printf '%s' \"$MASTODON_API_BASE_URL\"",
    ]);
    out.code(0);
    assert_eq!(out.stdout, w.other.base_url());
    assert!(!out.stdout.ends_with('/'));
}

#[test]
fn exec_hides_the_vault_passphrase_from_the_child() {
    let w = World::new();
    let file = w.cli.dir.path().join("passphrase");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    // The child sees its token, and none of the three passphrase variables, set or not.
    let script = format!(
        "test \"$MASTODON_ACCESS_TOKEN\" = '{}' \
         && test -z \"${{MASTOKEY_PASSPHRASE+set}}\" \
         && test -z \"${{MASTOKEY_PASSPHRASE_FILE+set}}\" \
         && test -z \"${{MASTOKEY_PASSPHRASE_COMMAND+set}}\" && exit 7",
        w.alice.token
    );
    let args = ["exec", "alice", "--", "sh", "-c", &script];
    run(&mut w.cli.command(&args)).code(7);
    let mut all_three = w.cli.command(&args);
    all_three.env("MASTOKEY_PASSPHRASE_FILE", &file).env(
        "MASTOKEY_PASSPHRASE_COMMAND",
        format!("cat '{}'", file.display()),
    );
    run(&mut all_three).code(7);
}

#[test]
fn exec_reports_a_command_that_cannot_start() {
    let w = World::new();
    let out = w
        .cli
        .run(&["exec", "alice", "--", "/nonexistent/mastokey-test-cmd"]);
    out.code(2);
    assert!(out.stderr.contains("could not run"), "{out:?}");
    w.assert_no_token_in(&out.stderr);
    // No command at all is a usage error from clap.
    w.cli.run(&["exec", "alice"]).code(2);
}

#[test]
fn completions_print_a_script() {
    let cli = Cli::new();
    let out = run(&mut cli.locked(&["completions", "bash"]));
    out.code(0);
    assert!(out.stdout.contains("_mastokey()"), "{}", out.stdout);
    assert!(out.stdout.contains("complete -F"));
    assert!(out.stdout.contains("passwd"));
    run(&mut cli.locked(&["completions", "tcsh"])).code(2);
}

#[test]
fn help_texts_show_addresses_as_typed_without_markup() {
    let cli = Cli::new();
    let out = run(&mut cli.locked(&["add", "--help"]));
    out.code(0);
    assert!(
        out.stdout
            .contains("mastodon.social, https://mastodon.social/, @alice@mastodon.social"),
        "{out:?}"
    );
    for command in [
        "add", "list", "verify", "token", "exec", "remove", "import", "passwd",
    ] {
        let out = run(&mut cli.locked(&[command, "--help"]));
        out.code(0);
        assert!(!out.stdout.contains("<http"), "{command}: {out:?}");
    }
}
