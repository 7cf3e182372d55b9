//! Passphrase sources and the wording of every vault error.

use std::ffi::OsString;
use std::fs;

use mastokey::secret::Secret;
use mastokey::vault::{
    MAX_FILE_BYTES, MAX_PASSPHRASE_BYTES, PassphraseProblem, Restore, Vault, VaultError,
    passphrase_from_env,
};

use super::kdf;

#[test]
fn passphrase_sources_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pass.txt");
    fs::write(&file, "from-file\nignored\n").unwrap();
    let file = file.into_os_string();
    let env = |vars: Vec<(&'static str, OsString)>| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    };
    let read = |vars| passphrase_from_env(&env(vars)).map(|s| s.map(|s| s.expose().to_owned()));

    assert_eq!(read(vec![]).unwrap(), None);
    assert_eq!(
        read(vec![("MASTOKEY_PASSPHRASE", "from-var".into())])
            .unwrap()
            .as_deref(),
        Some("from-var")
    );
    assert_eq!(
        read(vec![
            ("MASTOKEY_PASSPHRASE", "from-var".into()),
            ("MASTOKEY_PASSPHRASE_FILE", file.clone()),
        ])
        .unwrap()
        .as_deref(),
        Some("from-file")
    );
    assert_eq!(
        read(vec![
            ("MASTOKEY_PASSPHRASE", "from-var".into()),
            ("MASTOKEY_PASSPHRASE_FILE", file.clone()),
            ("MASTOKEY_PASSPHRASE_COMMAND", "echo from-command".into()),
        ])
        .unwrap()
        .as_deref(),
        Some("from-command")
    );

    let err = read(vec![(
        "MASTOKEY_PASSPHRASE_COMMAND",
        "echo s3cr3t-out; false".into(),
    )])
    .unwrap_err();
    assert!(matches!(
        err,
        VaultError::PassphraseSource {
            variable: "MASTOKEY_PASSPHRASE_COMMAND",
            problem: PassphraseProblem::CommandFailed { status: Some(1) }
        }
    ));
    let message = err.to_string();
    assert!(message.contains("MASTOKEY_PASSPHRASE_COMMAND") && !message.contains("s3cr3t"));

    let missing = dir.path().join("nope");
    let err = read(vec![(
        "MASTOKEY_PASSPHRASE_FILE",
        missing.clone().into_os_string(),
    )])
    .unwrap_err();
    assert!(
        err.to_string().contains(&*missing.to_string_lossy()),
        "{err}"
    );

    let err = read(vec![("MASTOKEY_PASSPHRASE_COMMAND", "printf ''".into())]).unwrap_err();
    assert!(matches!(
        err,
        VaultError::PassphraseSource {
            problem: PassphraseProblem::Empty,
            ..
        }
    ));
}

#[test]
fn empty_passphrase_cannot_create() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Vault::create(dir.path(), &Secret::new(""), kdf()),
        Err(VaultError::EmptyPassphrase)
    ));
    assert!(!Vault::exists(dir.path()));
}

#[test]
fn messages_are_lower_case_single_lines_without_secrets() {
    let errors = [
        VaultError::WrongPassphrase,
        VaultError::Missing,
        VaultError::FileMissing {
            missing: vec!["/c/identity.age".into(), "/c/vault.age".into()],
            restore: vec![Restore {
                backup: "/c/vault.age.bak".into(),
                file: "/c/vault.age".into(),
            }],
        },
        VaultError::FileMissing {
            missing: vec!["/c/vault.age".into()],
            restore: vec![],
        },
        VaultError::Symlink {
            path: "/c/vault.age".into(),
        },
        VaultError::NotAFile {
            path: "/c/identity.age".into(),
        },
        VaultError::TooLarge {
            path: "/c/vault.age".into(),
            limit: MAX_FILE_BYTES,
        },
        VaultError::Corrupt {
            file: "/c/vault.age".into(),
            detail: "it is truncated".into(),
            backup: None,
        },
        VaultError::UnusualWorkFactor {
            file: "/c/identity.age".into(),
            found: 30,
            backup: Some("/c/identity.age.bak".into()),
        },
        VaultError::ChangedElsewhere,
        VaultError::NewerVersion {
            found: 2,
            supported: 1,
        },
        VaultError::PermissionDenied { path: "/c".into() },
        VaultError::LockTimeout {
            path: "/c/vault.lock".into(),
        },
        VaultError::AlreadyExists,
        VaultError::NoConfigDir,
        VaultError::EmptyPassphrase,
        VaultError::Io {
            path: "/c".into(),
            source: std::io::Error::other("disk full"),
        },
        VaultError::PassphraseSource {
            variable: "MASTOKEY_PASSPHRASE_COMMAND",
            problem: PassphraseProblem::CommandTimedOut { secs: 30 },
        },
        VaultError::PassphraseSource {
            variable: "MASTOKEY_PASSPHRASE_FILE",
            problem: PassphraseProblem::TooLong {
                max: MAX_PASSPHRASE_BYTES,
            },
        },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(text.starts_with(|c: char| c.is_lowercase()), "{text}");
        assert!(!text.contains('\n') && !text.ends_with('\n'), "{text}");
    }
}

/// Endless sources stop at the cap with a clear error instead of reading gigabytes (or
/// panicking on out-of-memory, as `cat /dev/zero` did).
#[cfg(unix)]
#[test]
fn endless_passphrase_sources_are_capped() {
    let read = |name: &'static str, value: &str| {
        let value = OsString::from(value);
        passphrase_from_env(&move |n: &str| (n == name).then(|| value.clone()))
    };
    for (name, value) in [
        ("MASTOKEY_PASSPHRASE_COMMAND", "cat /dev/zero"),
        ("MASTOKEY_PASSPHRASE_COMMAND", "yes"),
        ("MASTOKEY_PASSPHRASE_FILE", "/dev/zero"),
    ] {
        let err = read(name, value).unwrap_err();
        assert!(
            matches!(
                &err,
                VaultError::PassphraseSource {
                    variable,
                    problem: PassphraseProblem::TooLong { max: MAX_PASSPHRASE_BYTES },
                } if *variable == name
            ),
            "{name}={value}: {err:?}"
        );
        assert!(err.to_string().contains("longer than 4096 bytes"), "{err}");
    }
    // A long file is fine as long as its first line is short.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    fs::write(
        &file,
        format!("short\n{}", "x".repeat(3 * MAX_PASSPHRASE_BYTES)),
    )
    .unwrap();
    let got = read("MASTOKEY_PASSPHRASE_FILE", file.to_str().unwrap()).unwrap();
    assert_eq!(got.unwrap().expose(), "short");
    let exact = "y".repeat(MAX_PASSPHRASE_BYTES);
    let got = read("MASTOKEY_PASSPHRASE", &exact).unwrap();
    assert_eq!(got.unwrap().len(), MAX_PASSPHRASE_BYTES);
    let err = read("MASTOKEY_PASSPHRASE", &format!("{exact}y")).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::PassphraseSource {
                problem: PassphraseProblem::TooLong { .. },
                ..
            }
        ),
        "{err:?}"
    );
}
