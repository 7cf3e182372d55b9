//! The vault's files as the attack run found them: missing with a backup left, linked, not
//! regular, huge, tampered, left over by a killed process, or changed by another `passwd`.

use std::fs;
use std::path::Path;

use mastokey::secret::Secret;
use mastokey::vault::{MAX_FILE_BYTES, Restore, Vault, VaultError};

use super::{account, kdf, pass, snapshot};

/// A vault with one account and a `vault.age.bak` (every save keeps one).
fn saved_twice(dir: &Path) -> Vault {
    let mut vault = Vault::create(dir, &pass(), kdf()).unwrap();
    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();
    vault.update(|d| d.upsert_account(account("a", 2))).unwrap();
    assert!(dir.join("vault.age.bak").exists());
    vault
}

#[test]
fn a_missing_vault_with_its_backup_is_an_error_and_the_backup_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = saved_twice(dir.path());
    fs::remove_file(dir.path().join("vault.age")).unwrap();
    let before = snapshot(dir.path());

    let expected = VaultError::FileMissing {
        missing: vec![dir.path().join("vault.age")],
        restore: vec![Restore {
            backup: dir.path().join("vault.age.bak"),
            file: dir.path().join("vault.age"),
        }],
    };
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert_eq!(format!("{err:?}"), format!("{expected:?}"));
    let text = err.to_string();
    let mv = format!(
        "mv {} {}",
        dir.path().join("vault.age.bak").display(),
        dir.path().join("vault.age").display()
    );
    assert!(text.contains(&mv), "{text}");
    assert!(matches!(
        Vault::inspect(dir.path()),
        Err(VaultError::FileMissing { .. })
    ));
    // A vault unlocked before the file went missing does not save an empty vault over it.
    let err = vault
        .update(|d| d.upsert_account(account("b", 1)))
        .unwrap_err();
    assert!(matches!(err, VaultError::FileMissing { .. }), "{err:?}");
    assert!(matches!(
        Vault::create(dir.path(), &pass(), kdf()),
        Err(VaultError::AlreadyExists)
    ));
    assert_eq!(snapshot(dir.path()), before);

    // The advised command restores everything.
    fs::rename(
        dir.path().join("vault.age.bak"),
        dir.path().join("vault.age"),
    )
    .unwrap();
    assert_eq!(
        Vault::unlock(dir.path(), &pass())
            .unwrap()
            .data()
            .accounts
            .len(),
        1
    );
}

#[test]
fn only_backups_left_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = saved_twice(dir.path());
    vault
        .change_passphrase(&Secret::new("new one!"), kdf())
        .unwrap();
    fs::remove_file(dir.path().join("vault.age")).unwrap();
    fs::remove_file(dir.path().join("identity.age")).unwrap();
    let before = snapshot(dir.path());
    assert!(Vault::exists(dir.path()));
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    let VaultError::FileMissing { missing, restore } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(missing.len(), 2);
    assert_eq!(restore.len(), 2);
    assert!(err.to_string().contains("identity.age.bak"), "{err}");
    assert!(matches!(
        Vault::create(dir.path(), &pass(), kdf()),
        Err(VaultError::AlreadyExists)
    ));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn corrupt_names_the_backup_only_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), &pass(), kdf()).unwrap();
    fs::write(dir.path().join("vault.age"), b"garbage").unwrap();
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(&err, VaultError::Corrupt { backup: None, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains(".bak"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    saved_twice(dir.path());
    fs::write(dir.path().join("vault.age"), b"garbage").unwrap();
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(err.to_string().contains("vault.age.bak"), "{err}");
}

#[cfg(unix)]
#[test]
fn linked_fifo_and_huge_files_are_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    saved_twice(dir.path());
    let vault_age = dir.path().join("vault.age");
    let outside = dir.path().join("outside.age");
    fs::rename(&vault_age, &outside).unwrap();

    std::os::unix::fs::symlink(&outside, &vault_age).unwrap();
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(&err, VaultError::Symlink { path } if path == &vault_age),
        "{err:?}"
    );
    assert!(err.to_string().contains("symbolic link"), "{err}");
    fs::remove_file(&vault_age).unwrap();

    std::os::unix::fs::symlink("/dev/zero", &vault_age).unwrap();
    assert!(matches!(
        Vault::unlock(dir.path(), &pass()),
        Err(VaultError::Symlink { .. })
    ));
    fs::remove_file(&vault_age).unwrap();

    // Sparse: takes no disk space.
    let huge = fs::File::create(&vault_age).unwrap();
    huge.set_len(MAX_FILE_BYTES + 1).unwrap();
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(matches!(err, VaultError::TooLarge { .. }), "{err:?}");
    fs::remove_file(&vault_age).unwrap();
    fs::rename(&outside, &vault_age).unwrap();

    // A FIFO would block the open for ever: refused before opening.
    let identity = dir.path().join("identity.age");
    fs::rename(&identity, &outside).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&identity)
        .status()
        .unwrap();
    assert!(made.success());
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(matches!(err, VaultError::NotAFile { .. }), "{err:?}");
}

#[cfg(unix)]
#[test]
fn a_linked_vault_file_is_never_replaced_by_a_save() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = saved_twice(dir.path());
    let vault_age = dir.path().join("vault.age");
    let outside = dir.path().join("outside.age");
    fs::rename(&vault_age, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &vault_age).unwrap();
    let outside_before = fs::read(&outside).unwrap();
    let err = vault
        .update(|d| d.upsert_account(account("b", 1)))
        .unwrap_err();
    assert!(matches!(err, VaultError::Symlink { .. }), "{err:?}");
    assert!(
        fs::symlink_metadata(&vault_age)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&outside).unwrap(), outside_before);
}

#[cfg(unix)]
#[test]
fn a_linked_lock_file_is_refused_before_it_is_created_or_chmodded() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    let cfg = dir.path().join("cfg");
    fs::create_dir(&cfg).unwrap();
    std::os::unix::fs::symlink(&outside, cfg.join("vault.lock")).unwrap();
    let err = Vault::create(&cfg, &pass(), kdf()).unwrap_err();
    assert!(matches!(err, VaultError::Symlink { .. }), "{err:?}");
    assert!(!outside.exists(), "the link was followed");
}

#[test]
fn the_second_of_two_concurrent_passphrase_changes_fails() {
    let dir = tempfile::tempdir().unwrap();
    saved_twice(dir.path());
    let mut first = Vault::unlock(dir.path(), &pass()).unwrap();
    let mut second = Vault::unlock(dir.path(), &pass()).unwrap();
    first
        .change_passphrase(&Secret::new("first new"), kdf())
        .unwrap();
    let identity = fs::read(dir.path().join("identity.age")).unwrap();
    let err = second
        .change_passphrase(&Secret::new("second new"), kdf())
        .unwrap_err();
    assert!(matches!(err, VaultError::ChangedElsewhere), "{err:?}");
    // The losing `passwd` exits 3, like every vault error.
    assert_eq!(mastokey::Error::from(err).code(), 3);
    assert_eq!(fs::read(dir.path().join("identity.age")).unwrap(), identity);
    Vault::unlock(dir.path(), &Secret::new("first new")).unwrap();
    // The winner can change it again: it knows the file it wrote.
    first
        .change_passphrase(&Secret::new("third new"), kdf())
        .unwrap();
    Vault::unlock(dir.path(), &Secret::new("third new")).unwrap();
}

#[test]
fn leftovers_of_a_killed_passwd_are_removed_by_the_next_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = saved_twice(dir.path());
    // What a SIGKILL between the steps of `passwd` leaves: the key under the old passphrase
    // as identity.age.bak, and a temp file sealed with an unconfirmed one.
    vault
        .change_passphrase(&Secret::new("the new one"), kdf())
        .unwrap();
    let leftovers = [
        "identity.age.bak",
        ".mastokey-Ab12Cd.tmp",
        ".tmpXy34Zw",
        "vault.age.bak.tmp",
    ];
    for name in &leftovers[1..] {
        fs::write(
            dir.path().join(name),
            b"sealed with an unconfirmed passphrase",
        )
        .unwrap();
    }
    fs::write(dir.path().join("notes.txt"), b"not ours").unwrap();
    // The old passphrase no longer opens identity.age: nothing is removed.
    assert!(matches!(
        Vault::unlock(dir.path(), &pass()),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(dir.path().join("identity.age.bak").exists());

    Vault::unlock(dir.path(), &Secret::new("the new one")).unwrap();
    for name in leftovers {
        assert!(!dir.path().join(name).exists(), "{name} left");
    }
    for name in ["identity.age", "vault.age", "vault.age.bak", "notes.txt"] {
        assert!(dir.path().join(name).exists(), "{name} removed");
    }
}

#[test]
fn a_tampered_work_factor_is_refused_before_deriving() {
    let dir = tempfile::tempdir().unwrap();
    saved_twice(dir.path());
    let path = dir.path().join("identity.age");
    let mut sealed = fs::read(&path).unwrap();
    // The test KDF writes " 10\n" at the end of the scrypt stanza's first line.
    let at = sealed.windows(4).position(|w| w == b" 10\n").unwrap();
    sealed[at + 1..at + 3].copy_from_slice(b"21");
    fs::write(&path, &sealed).unwrap();
    let start = std::time::Instant::now();
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(
            &err,
            VaultError::UnusualWorkFactor {
                found: 21,
                backup: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("identity.age asks for an unusual work factor"),
        "{err}"
    );
    // 2^21 would take seconds and 2 GiB; refused at once.
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}
