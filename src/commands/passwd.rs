//! `mastokey passwd`: changes the vault passphrase. The current one comes from a
//! `MASTOKEY_PASSPHRASE_*` variable or the prompt; the new one is typed twice at the terminal.
//!
//! What it guarantees, even when killed at any moment: `vault.age` is never touched, and
//! `identity.age` is replaced atomically, so it always opens with either the old or the new
//! passphrase (until "changed" is printed, try both). The copy under the old passphrase
//! (`identity.age.bak`) and temp files are deleted before it reports success, or by the next
//! command that unlocks the vault. Two `passwd` at once: the second to finish fails (exit 3)
//! and changes nothing.

use std::io::{self, IsTerminal};

use super::{Env, output, unlock};
use crate::error::{Error, Warning};
use crate::vault::{Kdf, VaultError};

pub fn run(env: &Env) -> Result<(), Error> {
    // No vault: say so before anything else (there is nothing to change, terminal or not).
    let (dir, exists) = unlock::locate(env)?;
    if !exists {
        return Err(VaultError::Missing.into());
    }
    // Checked before unlocking, so no key derivation is spent on a change that cannot be typed.
    if !io::stdin().is_terminal() {
        return Err(Error::NewPassphraseNeedsTerminal);
    }
    // The agent holds the key but cannot re-seal it: the current passphrase is needed anyway.
    let mut vault = unlock::open_with_passphrase(&dir, env)?;
    let new = unlock::new_passphrase("New passphrase: ", "New passphrase again: ")?;
    vault.change_passphrase(&new, Kdf::default())?;
    // change_passphrase keeps the previous identity.age as identity.age.bak, and that copy still
    // opens with the OLD passphrase: left there, it would defeat changing a passphrase that
    // leaked. The new file is in place and synced by now, so the backup has done its job.
    if let Err(error) = vault.remove_identity_backup() {
        output::warn(&Warning::BackupNotRemoved { error });
    }
    output::println("The vault passphrase was changed.")
}
