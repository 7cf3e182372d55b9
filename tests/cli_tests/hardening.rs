//! The binary against the vault-file and process cases of the attack run: each exits 3 with a
//! message saying what to do, without a panic, a hang or a write.

use std::fs;
use std::time::{Duration, Instant};

use mastokey::secret::Secret;
use mastokey::vault::Kdf;

use super::{Cli, PASSPHRASE, bin, run};
use crate::support::pty::{CTRL_C, ENTER, Pty};

/// Every file in the config dir, by name.
fn files(cli: &Cli) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<_> = fs::read_dir(cli.config())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_deleted_vault_age_is_exit_3_naming_the_backup_not_an_empty_vault() {
    let cli = Cli::new();
    cli.create_vault();
    fs::copy(
        cli.config().join("vault.age"),
        cli.config().join("vault.age.bak"),
    )
    .unwrap();
    fs::remove_file(cli.config().join("vault.age")).unwrap();
    let before = files(&cli);
    for args in [
        &["list"][..],
        &["verify"],
        &["token", "alice"],
        &["remove", "alice"],
    ] {
        let out = run(&mut cli.command(args));
        out.code(3);
        assert!(!out.stderr.contains("No accounts yet"), "{out:?}");
        let mv = format!(
            "mv {} {}",
            cli.config().join("vault.age.bak").display(),
            cli.config().join("vault.age").display()
        );
        assert!(out.stderr.contains(&mv), "{args:?}: {out:?}");
        assert_eq!(files(&cli), before, "{args:?} wrote");
    }
    // Both files gone, backups left: the same, without even asking for a passphrase.
    fs::remove_file(cli.config().join("identity.age")).unwrap();
    let out = run(&mut cli.locked(&["list"]));
    out.code(3);
    assert!(out.stderr.contains("are missing"), "{out:?}");
    assert!(
        !out.stderr.contains("identity.age.bak"),
        "names a file that is not there: {out:?}"
    );
}

#[cfg(unix)]
#[test]
fn linked_fifo_and_endless_vault_files_exit_3_at_once() {
    let cli = Cli::new();
    cli.create_vault();
    let config = cli.config();
    let vault_age = config.join("vault.age");
    fs::rename(&vault_age, config.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &vault_age).unwrap();
    let start = Instant::now();
    let out = run(&mut cli.command(&["list"]));
    out.code(3);
    assert!(out.stderr.contains("symbolic link"), "{out:?}");
    fs::remove_file(&vault_age).unwrap();
    fs::rename(config.join("elsewhere"), &vault_age).unwrap();

    let identity = config.join("identity.age");
    fs::remove_file(&identity).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&identity)
            .status()
            .unwrap()
            .success()
    );
    let out = run(&mut cli.command(&["list"]));
    out.code(3);
    assert!(out.stderr.contains("not a regular file"), "{out:?}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn endless_passphrase_sources_exit_3_without_a_panic() {
    let cli = Cli::new();
    cli.create_vault();
    for (name, value) in [
        ("MASTOKEY_PASSPHRASE_COMMAND", "cat /dev/zero"),
        ("MASTOKEY_PASSPHRASE_FILE", "/dev/zero"),
    ] {
        let out = run(cli.locked(&["list"]).env(name, value));
        out.code(3);
        assert!(out.stderr.contains("longer than 4096 bytes"), "{out:?}");
        assert!(!out.stderr.contains("panicked"), "{out:?}");
    }
}

#[test]
fn a_tampered_work_factor_exits_3_before_deriving() {
    let cli = Cli::new();
    cli.create_vault();
    let path = cli.config().join("identity.age");
    let mut sealed = fs::read(&path).unwrap();
    let at = sealed.windows(4).position(|w| w == b" 10\n").unwrap();
    sealed[at + 1..at + 3].copy_from_slice(b"22");
    fs::write(&path, &sealed).unwrap();
    let start = Instant::now();
    let out = run(&mut cli.command(&["list"]));
    out.code(3);
    assert!(
        out.stderr
            .contains("identity.age asks for an unusual work factor"),
        "{out:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn leftovers_of_a_killed_passwd_are_gone_after_the_next_command() {
    let cli = Cli::new();
    let mut vault = cli.create_vault();
    vault
        .change_passphrase(&Secret::new(PASSPHRASE), Kdf::insecure_for_tests(10))
        .unwrap();
    let config = cli.config();
    assert!(config.join("identity.age.bak").exists());
    fs::write(
        config.join(".tmpAb12Cd"),
        b"sealed with an unconfirmed passphrase",
    )
    .unwrap();
    fs::write(config.join(".mastokey-Ab12Cd.tmp"), b"same").unwrap();
    run(&mut cli.command(&["list"])).code(0);
    let names: Vec<String> = files(&cli).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["identity.age", "vault.age", "vault.lock"],
        "{names:?}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn core_dumps_are_off_for_mastokey_and_what_it_starts() {
    let cli = Cli::new();
    cli.create_vault();
    let out_file = cli.dir.path().join("core-limit");
    // The passphrase command runs as mastokey's child: it reports the core limit it inherited.
    let command = format!(
        "ulimit -c > '{}'; printf '%s' '{PASSPHRASE}'",
        out_file.display()
    );
    // Raised first, so the assertion does not depend on the test runner's own limit.
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", "ulimit -c unlimited && exec \"$BIN\" list"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", cli.dir.path().join("home"))
        .env("MASTOKEY_CONFIG_DIR", cli.config())
        .env("MASTOKEY_PASSPHRASE_COMMAND", command)
        .env("BIN", bin())
        .stdin(std::process::Stdio::null());
    run(&mut sh).code(0);
    assert_eq!(fs::read_to_string(&out_file).unwrap().trim(), "0");
}

/// Typed the moment the question shows, the passphrase is not echoed: echo is off before the
/// question is printed. (The order itself is checked step by step in the prompt's unit tests.)
#[test]
fn the_prompt_never_echoes_a_passphrase_typed_at_once() {
    let cli = Cli::new();
    cli.create_vault();
    let config = cli.config();
    let home = cli.dir.path().join("home");
    for _ in 0..3 {
        let mut pty = Pty::spawn(
            bin(),
            &["list"],
            &[
                ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
                ("HOME", home.to_str().unwrap()),
                ("PATH", "/usr/bin:/bin"),
            ],
            100,
            30,
        );
        pty.wait_for("Vault passphrase:");
        pty.send(&format!("{PASSPHRASE}{ENTER}"));
        assert_eq!(pty.wait_exit(), 0, "{}", pty.screen());
        // The last output, polled: everything before it has been read from the pty.
        pty.wait_for("No accounts yet");
        let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
        assert!(!raw.contains(PASSPHRASE), "echoed: {raw}");
    }
}

/// Ctrl-C at the prompt stops mastokey (after putting the terminal back) instead of being typed.
#[test]
fn ctrl_c_at_the_prompt_stops_mastokey() {
    let cli = Cli::new();
    cli.create_vault();
    let config = cli.config();
    let home = cli.dir.path().join("home");
    let mut pty = Pty::spawn(
        bin(),
        &["token", "alice"],
        &[
            ("MASTOKEY_CONFIG_DIR", config.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
            ("PATH", "/usr/bin:/bin"),
        ],
        100,
        30,
    );
    pty.wait_for("Vault passphrase:");
    pty.send("half-typed");
    pty.send(CTRL_C);
    assert_ne!(pty.wait_exit(), 0, "{}", pty.screen());
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(!raw.contains("half-typed"), "echoed: {raw}");
}
