//! The vault's JSON decoding, reached through the public API: the input is encrypted to a real
//! vault's key and written as its `vault.age`, then `Vault::unlock` must give a vault or an
//! error, never a panic, and must write nothing. (The decoder itself, `vault::model::decode`,
//! is crate-private; its unit proptests live in src/vault/model.rs.)
#![no_main]

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault, VaultError};

const PASS: &str = "fuzz";

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    recipient: age::x25519::Recipient,
}

/// One vault with a cheap KDF (2^10), created once per fuzzing process.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_owned();
        Vault::create(&path, &Secret::new(PASS), Kdf::insecure_for_tests(10)).expect("create");
        let sealed = std::fs::read(path.join("identity.age")).expect("identity.age");
        let decryptor = age::Decryptor::new_buffered(&sealed[..]).expect("age header");
        let mut key = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASS.to_owned()));
        key.set_max_work_factor(12);
        let mut text = String::new();
        decryptor
            .decrypt(std::iter::once(&key as &dyn age::Identity))
            .expect("decrypt identity")
            .read_to_string(&mut text)
            .expect("identity text");
        let identity: age::x25519::Identity = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .expect("a key line")
            .parse()
            .expect("a key");
        Fixture {
            recipient: identity.to_public(),
            path,
            _dir: dir,
        }
    })
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| {
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            (e.file_name().to_string_lossy().into_owned(), len)
        })
        .collect();
    files.sort();
    files
}

fuzz_target!(|plain: &[u8]| {
    let fixture = fixture();
    let sealed = age::encrypt(&fixture.recipient, plain).expect("encrypt");
    std::fs::write(fixture.path.join("vault.age"), &sealed).expect("write vault.age");
    let before = listing(&fixture.path);
    match Vault::unlock(&fixture.path, &Secret::new(PASS)) {
        Ok(_) | Err(VaultError::Corrupt { .. } | VaultError::NewerVersion { .. }) => {}
        Err(other) => panic!("unexpected error {other:?}"),
    }
    assert_eq!(listing(&fixture.path), before, "unlock wrote to the vault directory");
});
