//! The vault through its public API, on real files in temp directories, with a cheap KDF.
#![allow(clippy::unwrap_used)]

mod files;
mod sources;

use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use mastokey::secret::Secret;
use mastokey::vault::{
    CheckStatus, Kdf, StoredAccount, StoredApp, StoredServer, Vault, VaultError,
};

const PASS: &str = "correct horse battery staple";

fn kdf() -> Kdf {
    Kdf::insecure_for_tests(10)
}

fn pass() -> Secret {
    Secret::new(PASS)
}

fn account(prefix: &str, n: usize) -> StoredAccount {
    StoredAccount {
        id: format!("{prefix}{n}"),
        username: format!("{prefix}user{n}"),
        domain: "social.example".into(),
        server: "https://social.example".into(),
        display_name: format!("User {n} ✨"),
        token: Secret::new(format!("token-{prefix}-{n}-Zq8xV")),
        scopes: vec!["profile".into(), "write:statuses".into()],
        client_id: "client-1".into(),
        created_at: Timestamp::from_second(1_700_000_000 + i64::try_from(n).unwrap()).unwrap(),
        last_checked_at: None,
        last_status: None,
        last_detail: None,
        expires_at: None,
    }
}

fn server(client_secret: &str) -> StoredServer {
    StoredServer {
        base_url: "https://social.example".into(),
        domain: "social.example".into(),
        software: Some("mastodon".into()),
        version: Some("4.5.0".into()),
        verify_needs_read: false,
        apps: vec![StoredApp {
            client_id: "client-1".into(),
            client_secret: Secret::new(client_secret),
            scopes: vec!["profile".into(), "write:statuses".into()],
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            created_at: Timestamp::UNIX_EPOCH,
        }],
    }
}

/// Every file in the directory, by name.
fn snapshot(dir: &Path) -> Vec<(OsString, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name(), fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn round_trip_of_200_accounts() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!Vault::exists(dir.path()));
    assert!(matches!(
        Vault::unlock(dir.path(), &pass()),
        Err(VaultError::Missing)
    ));
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    assert!(Vault::exists(dir.path()));
    vault
        .update(|d| {
            d.upsert_server(server("cs"));
            for n in 0..200 {
                d.upsert_account(account("a", n));
            }
        })
        .unwrap();
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    vault
        .update(|d| {
            let key = d.accounts_with_handle("auser7@social.example")[0].key();
            d.record_check(&key, CheckStatus::Revoked, Some("gone".into()), at)
        })
        .unwrap();

    let again = Vault::unlock(dir.path(), &pass()).unwrap();
    let data = again.data();
    assert_eq!(data.accounts.len(), 200);
    for (n, a) in data.accounts.iter().enumerate() {
        let want = account("a", n);
        assert_eq!(a.handle(), want.handle());
        assert!(a.token.same_as(&want.token));
        assert_eq!(a.display_name, want.display_name);
        assert_eq!(a.created_at, want.created_at);
        assert_eq!(a.scopes, want.scopes);
    }
    let checked = data.accounts_with_handle("auser7@social.example")[0];
    assert_eq!(checked.last_status, Some(CheckStatus::Revoked));
    assert_eq!(checked.last_checked_at, Some(at));
    assert_eq!(checked.last_detail.as_deref(), Some("gone"));
    assert_eq!(data.servers[0].apps[0].client_secret.expose(), "cs");
    assert!(
        data.find_app(
            "https://social.example/",
            &["write:statuses".into(), "profile".into()],
            &["urn:ietf:wg:oauth:2.0:oob".into()]
        )
        .is_some()
    );
    assert!(matches!(
        Vault::create(dir.path(), &pass(), kdf()),
        Err(VaultError::AlreadyExists)
    ));
}

#[test]
fn wrong_passphrase_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();
    let before = snapshot(dir.path());
    let err = Vault::unlock(dir.path(), &Secret::new("wrong")).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err:?}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn truncated_vault_is_corrupt_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();
    let path = dir.path().join("vault.age");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
    let before = snapshot(dir.path());

    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(&err, VaultError::Corrupt { file, .. } if file == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("vault.age"));
    // An unlocked process saving over a file that got damaged meanwhile: refused too.
    let err = vault
        .update(|d| d.upsert_account(account("a", 2)))
        .unwrap_err();
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err:?}");
    assert_eq!(snapshot(dir.path()), before);

    for garbage in [
        &b""[..],
        b"not age at all",
        b"age-encryption.org/v1\n-> X25519 !!\n",
    ] {
        fs::write(&path, garbage).unwrap();
        let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
        assert!(matches!(err, VaultError::Corrupt { .. }), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), garbage);
    }
}

/// Decrypts `identity.age` with nothing but the age crate, the way `age -d identity.age` does,
/// returning the identity file's text.
pub(crate) fn recover_key_text(dir: &Path) -> String {
    let mut scrypt = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASS.to_owned()));
    scrypt.set_max_work_factor(22);
    let plain = age::decrypt(&scrypt, &fs::read(dir.join("identity.age")).unwrap()).unwrap();
    String::from_utf8(plain).unwrap()
}

#[test]
fn standard_age_tools_can_recover_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();

    // `age -d identity.age > key.txt`: plain binary age, passphrase (scrypt) recipient.
    let identity_file = fs::read(dir.path().join("identity.age")).unwrap();
    assert!(identity_file.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    let key_txt = recover_key_text(dir.path());
    assert!(
        key_txt.contains("\nAGE-SECRET-KEY-1"),
        "age-keygen's format"
    );

    // `age -d -i key.txt vault.age`: parsed as an identity file, as the CLI does.
    let identities = age::IdentityFile::from_buffer(key_txt.as_bytes())
        .unwrap()
        .into_identities()
        .unwrap();
    let sealed = fs::read(dir.path().join("vault.age")).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    let mut json = String::new();
    age::Decryptor::new(&sealed[..])
        .unwrap()
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], 2);
    assert_eq!(value["accounts"][0]["token"], "token-a-1-Zq8xV");
}

#[test]
fn newer_format_version_is_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    // A future mastokey's file, encrypted to the same key.
    let key_txt = recover_key_text(dir.path());
    let key_line = key_txt
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    let identity: age::x25519::Identity = key_line.parse().unwrap();
    let future = br#"{"version":3,"servers":{"new":"shape"},"accounts":[]}"#;
    let sealed = age::encrypt(&identity.to_public(), future).unwrap();
    fs::write(dir.path().join("vault.age"), &sealed).unwrap();
    let before = snapshot(dir.path());

    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::NewerVersion {
                found: 3,
                supported: 2
            }
        ),
        "{err:?}"
    );
    let err = vault
        .update(|d| d.upsert_account(account("a", 1)))
        .unwrap_err();
    assert!(matches!(err, VaultError::NewerVersion { .. }), "{err:?}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn identity_missing_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), &pass(), kdf()).unwrap();
    fs::rename(dir.path().join("identity.age"), dir.path().join("moved")).unwrap();
    let before = snapshot(dir.path());
    let err = Vault::unlock(dir.path(), &pass()).unwrap_err();
    assert!(
        matches!(&err, VaultError::FileMissing { missing, restore }
            if missing == &[dir.path().join("identity.age")] && restore.is_empty()),
        "{err:?}"
    );
    // There is no identity.age.bak, so the message does not send the user looking for one.
    assert!(!err.to_string().contains(".bak"), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn secrets_appear_in_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    let token = "tok_Vh3XqZ9pLm2RwS7yTb4N";
    let client_secret = "cs_Qw8ErT5yUi2OpAs6DfGh";
    vault
        .update(|d| {
            d.upsert_server(server(client_secret));
            let mut a = account("a", 1);
            a.token = Secret::new(token);
            d.upsert_account(a);
        })
        .unwrap();
    // A second save, so the backup exists too.
    vault.update(|d| d.upsert_account(account("a", 2))).unwrap();
    vault
        .change_passphrase(&Secret::new("another passphrase"), kdf())
        .unwrap();
    let files = snapshot(dir.path());
    assert!(files.len() >= 5, "{files:?}");
    for (name, bytes) in &files {
        for needle in [
            token,
            client_secret,
            PASS,
            "another passphrase",
            "AGE-SECRET-KEY",
        ] {
            assert!(
                !contains(bytes, needle.as_bytes()),
                "{needle} found in {name:?}"
            );
        }
    }
}

#[test]
fn change_passphrase_rewrites_only_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(dir.path(), &pass(), kdf()).unwrap();
    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();
    let vault_before = fs::read(dir.path().join("vault.age")).unwrap();
    let identity_before = fs::read(dir.path().join("identity.age")).unwrap();

    let new = Secret::new("new passphrase");
    assert!(matches!(
        vault.change_passphrase(&Secret::new(""), kdf()),
        Err(VaultError::EmptyPassphrase)
    ));
    vault.change_passphrase(&new, kdf()).unwrap();

    assert_eq!(
        fs::read(dir.path().join("vault.age")).unwrap(),
        vault_before
    );
    assert_eq!(
        fs::read(dir.path().join("identity.age.bak")).unwrap(),
        identity_before
    );
    assert!(matches!(
        Vault::unlock(dir.path(), &pass()),
        Err(VaultError::WrongPassphrase)
    ));
    let reopened = Vault::unlock(dir.path(), &new).unwrap();
    assert_eq!(reopened.data().accounts.len(), 1);
    // The already unlocked vault keeps saving: the key itself did not change.
    vault.update(|d| d.upsert_account(account("a", 2))).unwrap();
    assert_eq!(
        Vault::unlock(dir.path(), &new)
            .unwrap()
            .data()
            .accounts
            .len(),
        2
    );
}

#[cfg(unix)]
#[test]
fn modes_are_enforced_on_every_write() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let set = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();

    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("cfg");
    fs::create_dir(&dir).unwrap();
    set(&dir, 0o755);
    let mut vault = Vault::create(&dir, &pass(), kdf()).unwrap();
    assert_eq!(mode(&dir), 0o700);

    let check_all = |dir: &Path| {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        assert_eq!(mode(dir), 0o700);
    };
    check_all(&dir);

    vault.update(|d| d.upsert_account(account("a", 1))).unwrap();
    for name in ["identity.age", "vault.age", "vault.age.bak", "vault.lock"] {
        set(&dir.join(name), 0o644);
    }
    set(&dir, 0o755);
    vault.update(|d| d.upsert_account(account("a", 2))).unwrap();
    check_all(&dir);

    set(&dir.join("identity.age"), 0o644);
    set(&dir, 0o755);
    vault.change_passphrase(&Secret::new("p2"), kdf()).unwrap();
    check_all(&dir);
}

const CHILD_DIR: &str = "MASTOKEY_TEST_CHILD_DIR";
const CHILD_PREFIX: &str = "MASTOKEY_TEST_CHILD_PREFIX";

/// Runs only as a child of `two_processes_adding_accounts_lose_nothing`.
#[test]
#[ignore = "child process of two_processes_adding_accounts_lose_nothing"]
fn child_adds_accounts() {
    let (Some(dir), Some(prefix)) = (
        std::env::var_os(CHILD_DIR),
        std::env::var(CHILD_PREFIX).ok(),
    ) else {
        return;
    };
    let mut vault = Vault::unlock(Path::new(&dir), &pass()).unwrap();
    for n in 0..50 {
        vault
            .update(|d| d.upsert_account(account(&prefix, n)))
            .unwrap();
    }
}

#[test]
fn two_processes_adding_accounts_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), &pass(), kdf()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["x", "y"]
        .iter()
        .map(|prefix| {
            Command::new(&exe)
                .args(["--exact", "vault_tests::child_adds_accounts", "--ignored"])
                .args(["--nocapture", "--test-threads=1"])
                .stdout(std::process::Stdio::null())
                .env(CHILD_DIR, dir.path())
                .env(CHILD_PREFIX, prefix)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let vault = Vault::unlock(dir.path(), &pass()).unwrap();
    let accounts = &vault.data().accounts;
    assert_eq!(accounts.len(), 100);
    for prefix in ["x", "y"] {
        assert_eq!(
            accounts.iter().filter(|a| a.id.starts_with(prefix)).count(),
            50
        );
    }
}
