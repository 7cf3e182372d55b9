//! Unlock sources, wrong passphrases, and passwd in a pseudo-terminal.

use std::time::Duration;

use mastokey::secret::Secret;
use mastokey::vault::{Vault, VaultError};

use super::{PASSPHRASE, World, bin, run};
use crate::support::pty::{ENTER, Pty};

#[test]
fn no_passphrase_source_and_no_terminal_exits_3_naming_the_variables() {
    let w = World::new();
    for args in [&["list"][..], &["token", "alice"], &["verify"]] {
        let out = run(&mut w.cli.locked(args));
        out.code(3);
        assert_eq!(out.stdout, "");
        for variable in [
            "MASTOKEY_PASSPHRASE_COMMAND",
            "MASTOKEY_PASSPHRASE_FILE",
            "MASTOKEY_PASSPHRASE",
        ] {
            assert!(out.stderr.contains(variable), "{out:?}");
        }
    }
}

#[test]
fn a_wrong_passphrase_exits_3_and_the_other_sources_work() {
    let w = World::new();
    let out = run(w.cli.locked(&["list"]).env("MASTOKEY_PASSPHRASE", "wrong"));
    out.code(3);
    assert!(out.stderr.contains("wrong passphrase"), "{out:?}");

    let file = w.cli.dir.path().join("passphrase.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    let out = run(w
        .cli
        .locked(&["token", "bob"])
        .env("MASTOKEY_PASSPHRASE_FILE", &file));
    out.code(0);
    assert_eq!(out.stdout.trim_end(), w.bob.token);

    // The command comes first, even with a wrong MASTOKEY_PASSPHRASE beside it.
    let out = run(w
        .cli
        .locked(&["token", "bob"])
        .env(
            "MASTOKEY_PASSPHRASE_COMMAND",
            format!("printf '%s' '{PASSPHRASE}'"),
        )
        .env("MASTOKEY_PASSPHRASE", "wrong"));
    out.code(0);
    assert_eq!(out.stdout.trim_end(), w.bob.token);
}

#[test]
fn a_wrong_passphrase_from_a_variable_names_that_source() {
    let w = World::new();
    let file = w.cli.dir.path().join("stale.txt");
    std::fs::write(&file, "stale\n").unwrap();
    let file = file.to_str().unwrap().to_owned();
    for (variable, value, says) in [
        (
            "MASTOKEY_PASSPHRASE_COMMAND",
            "printf stale",
            "printed by the command in MASTOKEY_PASSPHRASE_COMMAND",
        ),
        (
            "MASTOKEY_PASSPHRASE_FILE",
            file.as_str(),
            "read from the file named by MASTOKEY_PASSPHRASE_FILE",
        ),
        ("MASTOKEY_PASSPHRASE", "stale", "in MASTOKEY_PASSPHRASE"),
    ] {
        let out = run(w.cli.locked(&["token", "bob"]).env(variable, value));
        out.code(3);
        assert!(out.stderr.contains("wrong passphrase"), "{out:?}");
        assert!(out.stderr.contains(says), "{variable}: {out:?}");
        assert!(
            out.stderr
                .contains(&format!("correct what {variable} gives, or unset it")),
            "{out:?}"
        );
        assert!(!out.stderr.contains("stale\n"), "{out:?}");
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn passwd_without_a_terminal_is_refused() {
    let w = World::new();
    let out = w.cli.run(&["passwd"]);
    out.code(2);
    assert!(out.stderr.contains("terminal"), "{out:?}");
    w.cli.unlock();
}

fn spawn(w: &World, args: &[&str]) -> Pty {
    let config = w.cli.config();
    let home = w.cli.dir.path().join("home");
    Pty::spawn(
        bin(),
        args,
        &[
            ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
            ("PATH", "/usr/bin:/bin"),
        ],
        100,
        30,
    )
}

#[test]
fn passwd_in_a_terminal_changes_the_passphrase_and_drops_the_old_backup() {
    let w = World::new();
    let new = "a much better passphrase";
    let mut pty = spawn(&w, &["passwd"]);
    pty.wait_for("Vault passphrase:");
    pty.send(&format!("{PASSPHRASE}{ENTER}"));
    pty.wait_for_within("New passphrase:", Duration::from_secs(20));
    pty.send(&format!("{new}{ENTER}"));
    pty.wait_for("New passphrase again:");
    pty.send(&format!("{new}{ENTER}"));
    assert_eq!(pty.wait_exit(), 0, "{}", pty.screen());
    // Polled: the exit can be seen before the last output is read from the pty.
    pty.wait_for("passphrase was changed");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        !raw.contains(PASSPHRASE) && !raw.contains(new),
        "echoed: {raw}"
    );

    let config = w.cli.config();
    assert!(!config.join("identity.age.bak").exists());
    Vault::unlock(&config, &Secret::new(new)).unwrap();
    assert!(matches!(
        Vault::unlock(&config, &Secret::new(PASSPHRASE)),
        Err(VaultError::WrongPassphrase)
    ));
    let out = run(w
        .cli
        .locked(&["token", "alice"])
        .env("MASTOKEY_PASSPHRASE", new));
    out.code(0);
    assert_eq!(out.stdout.trim_end(), w.alice.token);
    w.cli.run(&["list"]).code(3);
}

fn spawn_with_passphrase_set(w: &World, args: &[&str]) -> Pty {
    // The current passphrase from the environment, the new one typed.
    let config = w.cli.config();
    let home = w.cli.dir.path().join("home");
    Pty::spawn(
        bin(),
        args,
        &[
            ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
            ("PATH", "/usr/bin:/bin"),
            ("MASTOKEY_PASSPHRASE", PASSPHRASE),
        ],
        100,
        30,
    )
}

/// Waits until the screen shows `text` `times` times (prompts repeat, so one sighting says
/// nothing about the latest).
fn wait_for_nth(pty: &Pty, text: &str, times: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let screen = pty.screen();
        if screen.matches(text).count() >= times {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {text:?} x{times}; the screen shows:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn passwd_gives_up_after_three_short_or_mismatched_passphrases() {
    let w = World::new();
    let before = std::fs::read(w.cli.config().join("identity.age")).unwrap();
    for (first, second, message) in [
        ("a long new passphrase", "another one entirely", "differ"),
        ("short", "short", "shorter than 8"),
    ] {
        let mut pty = spawn_with_passphrase_set(&w, &["passwd"]);
        for n in 1..=3 {
            wait_for_nth(&pty, "New passphrase:", n);
            pty.send(&format!("{first}{ENTER}"));
            if first.len() >= 8 {
                wait_for_nth(&pty, "New passphrase again:", n);
                pty.send(&format!("{second}{ENTER}"));
            }
        }
        assert_eq!(pty.wait_exit(), 3);
        pty.wait_for(message);
    }
    assert_eq!(
        std::fs::read(w.cli.config().join("identity.age")).unwrap(),
        before
    );
}

#[test]
fn passwd_asks_again_after_a_short_or_mismatched_passphrase_with_the_wizards_hint() {
    let w = World::new();
    let new = "a much better passphrase";
    let mut pty = spawn_with_passphrase_set(&w, &["passwd"]);
    pty.wait_for("New passphrase:");
    pty.send(&format!("tiny7{ENTER}"));
    pty.wait_for("Strength: too short (at least 8 characters). Try again.");
    wait_for_nth(&pty, "New passphrase:", 2);
    pty.send(&format!("{new}{ENTER}"));
    pty.wait_for("Strength: strong");
    pty.wait_for("New passphrase again:");
    pty.send(&format!("{new} typo{ENTER}"));
    pty.wait_for("The two passphrases differ. Try again.");
    wait_for_nth(&pty, "New passphrase:", 3);
    pty.send(&format!("{new}{ENTER}"));
    wait_for_nth(&pty, "New passphrase again:", 2);
    pty.send(&format!("{new}{ENTER}"));
    assert_eq!(pty.wait_exit(), 0, "{}", pty.screen());
    pty.wait_for("passphrase was changed");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        !raw.contains(new) && !raw.contains("tiny7"),
        "echoed: {raw}"
    );
    Vault::unlock(&w.cli.config(), &Secret::new(new)).unwrap();
}

#[test]
fn passwd_without_a_vault_says_there_is_no_vault_yet() {
    let cli = crate::cli_tests::Cli::new();
    let out = run(&mut cli.locked(&["passwd"]));
    out.code(3);
    assert!(out.stderr.contains("no vault yet"), "{out:?}");
    assert!(!out.stderr.contains("terminal"), "{out:?}");
}

#[test]
fn the_prompt_unlocks_in_a_terminal_and_retries_a_wrong_passphrase() {
    let w = World::new();
    let mut pty = spawn(&w, &["token", "bob"]);
    pty.wait_for("Vault passphrase:");
    pty.send(&format!("not it{ENTER}"));
    pty.wait_for("wrong passphrase. Try again.");
    pty.send(&format!("{PASSPHRASE}{ENTER}"));
    assert_eq!(pty.wait_exit(), 0);
    pty.wait_for(&w.bob.token);
}
