//! The two age files, through the `age` crate only: plain binary age (no armor), so the standard
//! `age`/`rage` tools read them (see the recovery commands at the top of `vault.rs`).
//!
//! - `identity.age`: an X25519 identity in age's identity-file text form (comments plus one
//!   `AGE-SECRET-KEY-1…` line, exactly what `age-keygen` writes), encrypted with the passphrase
//!   (scrypt recipient, work factor set explicitly).
//! - `vault.age`: the JSON model encrypted to that identity's recipient, so a save needs no key
//!   derivation.

use std::io::Read;
use std::iter;
use std::path::Path;

use age::secrecy::SecretString;
use age::x25519;
use age::{DecryptError, Decryptor};
use zeroize::Zeroizing;

use super::VaultError;
use super::model::{self, DecodeError, FORMAT_VERSION, VaultData};
use crate::secret::Secret;

/// scrypt work factor (log2 N) used to encrypt `identity.age`: 2^17, OWASP's floor for scrypt,
/// about 0.5 s and 128 MiB here.
pub const DEFAULT_LOG_N: u8 = 17;

/// The largest scrypt work factor accepted when decrypting `identity.age`: what mastokey writes
/// plus a margin (2^20: 1 GiB, about 4 s here). Fixed rather than calibrated, so a file opens
/// the same in debug and release builds and on slower machines; a file asking for more is
/// refused before any derivation, so a damaged or planted file cannot demand minutes of work
/// and gigabytes of memory.
pub const MAX_LOG_N: u8 = 20;

/// Encrypts the identity with the passphrase. Costs one scrypt derivation at `log_n`.
pub(crate) fn seal_identity(
    identity: &x25519::Identity,
    passphrase: &Secret,
    log_n: u8,
    file: &Path,
) -> Result<Vec<u8>, VaultError> {
    let mut recipient =
        age::scrypt::Recipient::new(SecretString::from(passphrase.expose().to_owned()));
    recipient.set_work_factor(log_n);
    let secret_key = identity.to_string();
    let text = Zeroizing::new(format!(
        "# mastokey vault key: decrypts vault.age (age -d -i key.txt vault.age)\n\
         # public key: {}\n{}\n",
        identity.to_public(),
        age::secrecy::ExposeSecret::expose_secret(&secret_key),
    ));
    age::encrypt(&recipient, text.as_bytes()).map_err(|e| sealing_failed(file, &e))
}

/// Decrypts `identity.age` with the passphrase. Costs one scrypt derivation.
pub(crate) fn open_identity(
    bytes: &[u8],
    passphrase: &Secret,
    file: &Path,
) -> Result<x25519::Identity, VaultError> {
    let decryptor = Decryptor::new_buffered(bytes).map_err(|e| corrupt_from(file, &e))?;
    if !decryptor.is_scrypt() {
        return Err(corrupt(file, "it is not encrypted with a passphrase"));
    }
    let mut key = age::scrypt::Identity::new(SecretString::from(passphrase.expose().to_owned()));
    key.set_max_work_factor(MAX_LOG_N);
    let text = match decryptor.decrypt(iter::once(&key as &dyn age::Identity)) {
        Ok(reader) => read_all(reader, bytes.len(), file)?,
        Err(DecryptError::DecryptionFailed) => return Err(VaultError::WrongPassphrase),
        Err(DecryptError::ExcessiveWork { required, .. }) => {
            return Err(VaultError::UnusualWorkFactor {
                file: file.to_owned(),
                found: required,
                backup: None,
            });
        }
        Err(e) => return Err(corrupt_from(file, &e)),
    };
    parse_identity(&text).ok_or_else(|| corrupt(file, "it does not hold exactly one age key"))
}

/// The single `AGE-SECRET-KEY-1…` line of an identity file; comments and blank lines ignored.
fn parse_identity(text: &[u8]) -> Option<x25519::Identity> {
    let text = std::str::from_utf8(text).ok()?;
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let identity = keys.next()?.parse().ok()?;
    keys.next().is_none().then_some(identity)
}

/// Encrypts the model's JSON to the identity's recipient: no key derivation.
pub(crate) fn seal_data(
    json: &[u8],
    recipient: &x25519::Recipient,
    file: &Path,
) -> Result<Vec<u8>, VaultError> {
    age::encrypt(recipient, json).map_err(|e| sealing_failed(file, &e))
}

/// The model as JSON, in a buffer wiped on drop.
pub(crate) fn encode(data: &VaultData, file: &Path) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    // Sized up front so growing the buffer rarely leaves unwiped copies behind.
    let mut json = Zeroizing::new(Vec::with_capacity(
        4096 + 1024 * (data.accounts.len() + data.servers.len()),
    ));
    model::encode(data, &mut json).map_err(|e| VaultError::Io {
        path: file.to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(json)
}

/// Decrypts and decodes `vault.age`. Returns the JSON too (see [`seal_data`]).
pub(crate) fn open_data(
    bytes: &[u8],
    identity: &dyn age::Identity,
    file: &Path,
) -> Result<(VaultData, Zeroizing<Vec<u8>>), VaultError> {
    let decryptor = Decryptor::new_buffered(bytes).map_err(|e| corrupt_from(file, &e))?;
    let json = match decryptor.decrypt(iter::once(identity)) {
        Ok(reader) => read_all(reader, bytes.len(), file)?,
        Err(DecryptError::NoMatchingKeys) => {
            return Err(corrupt(
                file,
                "it is not encrypted to the key in identity.age",
            ));
        }
        Err(e) => return Err(corrupt_from(file, &e)),
    };
    match model::decode(&json) {
        Ok(data) => Ok((data, json)),
        Err(DecodeError::Newer { found }) => Err(VaultError::NewerVersion {
            found,
            supported: u64::from(FORMAT_VERSION),
        }),
        Err(DecodeError::Invalid(detail)) => Err(corrupt(file, &detail)),
    }
}

/// Reads the plaintext into a wiped buffer. The plaintext is shorter than the ciphertext, so
/// reserving `capacity` (its length) avoids reallocations that would leave copies behind.
fn read_all(
    mut reader: impl Read,
    capacity: usize,
    file: &Path,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    reader
        .read_to_end(&mut out)
        .map_err(|e| corrupt(file, &format!("it is truncated or damaged ({e})")))?;
    Ok(out)
}

fn corrupt(file: &Path, detail: &str) -> VaultError {
    VaultError::Corrupt {
        file: file.to_owned(),
        detail: detail.to_owned(),
        backup: None,
    }
}

fn corrupt_from(file: &Path, e: &DecryptError) -> VaultError {
    let detail = match e {
        DecryptError::InvalidHeader => "it is not an age file, or its header is damaged".into(),
        DecryptError::UnknownFormat => "it uses an age format this build does not know".into(),
        DecryptError::InvalidMac => "its header failed authentication".into(),
        DecryptError::ExcessiveWork { required, .. } => format!(
            "it asks for scrypt work factor 2^{required}, above the 2^{MAX_LOG_N} mastokey accepts"
        ),
        DecryptError::Io(io) => format!("it is truncated or unreadable ({io})"),
        DecryptError::NoMatchingKeys | DecryptError::KeyDecryptionFailed => {
            "no key can open it".into()
        }
        DecryptError::DecryptionFailed => "its contents failed authentication".into(),
        #[allow(unreachable_patterns)] // plugin variants exist only with age's plugin feature
        _ => "it could not be decrypted".into(),
    };
    corrupt(file, &detail)
}

/// Encrypting into memory cannot fail with one valid recipient; reported as an I/O problem of
/// the file being written should the crate ever say otherwise.
fn sealing_failed(file: &Path, e: &age::EncryptError) -> VaultError {
    VaultError::Io {
        path: file.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LOW: u8 = 10;

    #[test]
    fn identity_round_trip_and_wrong_passphrase() {
        let file = Path::new("identity.age");
        let id = x25519::Identity::generate();
        let sealed = seal_identity(&id, &Secret::new("pw"), LOW, file).unwrap();
        assert!(
            sealed.starts_with(b"age-encryption.org/v1\n-> scrypt "),
            "binary, not armored"
        );
        let back = open_identity(&sealed, &Secret::new("pw"), file).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        assert!(matches!(
            open_identity(&sealed, &Secret::new("nope"), file).err(),
            Some(VaultError::WrongPassphrase)
        ));
    }

    #[test]
    fn work_factor_is_explicit_on_both_sides() {
        let file = Path::new("identity.age");
        let id = x25519::Identity::generate();
        let sealed = seal_identity(&id, &Secret::new("pw"), LOW, file).unwrap();
        let header = String::from_utf8_lossy(&sealed[..80]);
        assert!(header.contains(" 10\n"), "{header}");
        // A file demanding more than the fixed maximum is refused before any derivation.
        // Sealing at 2^23 would cost 8 GiB; edit the header's work factor instead.
        let mut forged = sealed.clone();
        let at = forged.windows(4).position(|w| w == b" 10\n").unwrap();
        forged[at + 1..at + 3].copy_from_slice(b"23");
        let err = open_identity(&forged, &Secret::new("pw"), file).err();
        assert!(
            matches!(&err, Some(VaultError::UnusualWorkFactor { found: 23, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn garbage_and_truncation_are_corrupt() {
        let file = Path::new("vault.age");
        let id = x25519::Identity::generate();
        let json = encode(&VaultData::default(), file).unwrap();
        let sealed = seal_data(&json, &id.to_public(), file).unwrap();
        assert!(open_data(&sealed, &id, file).is_ok());
        for bad in [
            &b""[..],
            b"hello",
            &sealed[..sealed.len() - 1],
            &sealed[..sealed.len() / 2],
        ] {
            let err = open_data(bad, &id, file).err();
            assert!(matches!(err, Some(VaultError::Corrupt { .. })), "{err:?}");
        }
        let other = x25519::Identity::generate();
        assert!(matches!(
            open_data(&sealed, &other, file).err(),
            Some(VaultError::Corrupt { .. })
        ));
    }

    #[test]
    fn identity_text_must_hold_one_key() {
        let id = x25519::Identity::generate();
        let key = age::secrecy::ExposeSecret::expose_secret(&id.to_string()).to_owned();
        assert!(parse_identity(format!("# c\n\n{key}\n").as_bytes()).is_some());
        assert!(parse_identity(format!("{key}\n{key}\n").as_bytes()).is_none());
        assert!(parse_identity(b"# nothing\n").is_none());
        assert!(parse_identity(b"\xff\xfe").is_none());
    }
}
