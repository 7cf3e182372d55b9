//! Vault files: arbitrary `vault.age` next to a valid identity.

use super::classify::arb_json;
use super::*;
use mastokey::vault::model::{FORMAT_VERSION, OLDEST_FORMAT_VERSION};

const PASS: &str = "fuzz passphrase";

/// A fresh vault (cheap KDF) and the recipient its data is encrypted to, read back from
/// `identity.age` the way the `age` CLI would.
fn vault_fixture() -> (tempfile::TempDir, age::x25519::Recipient) {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), &Secret::new(PASS), Kdf::insecure_for_tests(10)).unwrap();
    let sealed = std::fs::read(dir.path().join("identity.age")).unwrap();
    let decryptor = age::Decryptor::new_buffered(&sealed[..]).unwrap();
    let mut key = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASS.to_owned()));
    key.set_max_work_factor(12);
    let mut text = String::new();
    decryptor
        .decrypt(std::iter::once(&key as &dyn age::Identity))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let identity: age::x25519::Identity = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    (dir, identity.to_public())
}

/// Every file in `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Unlocks `dir` after writing `vault.age`; checks nothing was written by the attempt.
fn unlock_with(dir: &Path, vault_age: &[u8]) -> Result<Vault, VaultError> {
    std::fs::write(dir.join("vault.age"), vault_age).unwrap();
    let before = snapshot(dir);
    let result = Vault::unlock(dir, &Secret::new(PASS));
    assert_eq!(
        snapshot(dir),
        before,
        "unlocking wrote to the vault directory"
    );
    result
}

/// JSON close to a real vault, with random damage: other versions, wrong types, missing fields.
fn vault_like_json() -> impl Strategy<Value = Vec<u8>> {
    let account = arb_json().prop_map(|extra| {
        let mut account = serde_json::json!({
            "id": "1", "username": "alice", "domain": "social.example",
            "server": "https://social.example", "display_name": "", "token": "t",
            "scopes": ["profile"], "client_id": "c", "created_at": "2026-01-01T00:00:00Z",
        });
        if let (Value::Object(a), Value::Object(e)) = (&mut account, extra) {
            a.extend(e);
        }
        account
    });
    (
        prop_oneof![Just(1u64), any::<u64>(), 0u64..4],
        prop::collection::vec(account, 0..3),
        arb_json(),
    )
        .prop_map(|(version, accounts, servers)| {
            serde_json::to_vec(&serde_json::json!({
                "version": version, "servers": servers, "accounts": accounts,
            }))
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes are not an age file: a `Corrupt` error, never a panic or a vault.
    #[test]
    fn vault_age_arbitrary_bytes(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
            let mut b = b"age-encryption.org/v1\n-> X25519 ".to_vec();
            b.extend(tail);
            b
        }),
    ]) {
        let (dir, _) = vault_fixture();
        let result = unlock_with(dir.path(), &bytes);
        prop_assert!(matches!(result, Err(VaultError::Corrupt { .. })), "{result:?}");
    }

    /// Anything encrypted to the right key reaches the JSON decoder: a vault or a clear error.
    #[test]
    fn vault_age_arbitrary_plaintext(plain in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        vault_like_json(),
    ]) {
        let (dir, recipient) = vault_fixture();
        let sealed = age::encrypt(&recipient, &plain).unwrap();
        match unlock_with(dir.path(), &sealed) {
            Ok(vault) => {
                let value: Value = serde_json::from_slice(&plain).unwrap();
                // Every format this build reads (1 and 2 today) opens; others are refused.
                let version = value.get("version").and_then(Value::as_u64);
                prop_assert!(
                    version.is_some_and(|v| (u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION)).contains(&v)),
                    "opened a vault with version {version:?}"
                );
                let _ = vault.data();
            }
            Err(VaultError::Corrupt { detail, .. }) => {
                // Never quotes the plaintext back (it may hold tokens).
                prop_assert!(!detail.contains("alice"), "detail quotes the file: {detail}");
            }
            Err(VaultError::NewerVersion { found, supported }) => prop_assert!(found > supported),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// A real vault file, truncated or with one byte flipped.
    #[test]
    fn vault_age_damaged(cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), bit in 0u8..8, truncate in any::<bool>()) {
        let (dir, _) = vault_fixture();
        let good = std::fs::read(dir.path().join("vault.age")).unwrap();
        let mut bad = good.clone();
        if truncate {
            bad.truncate(cut.index(good.len()));
        } else {
            bad[flip.index(good.len())] ^= 1 << bit;
        }
        let result = unlock_with(dir.path(), &bad);
        prop_assert!(matches!(result, Err(VaultError::Corrupt { .. })), "{result:?}");
    }
}
