//! The token screen's slow work: checking a token made elsewhere, and storing it (creating the
//! vault on the first save: `create_then`, which the sign-in's first save uses too).

use std::sync::Arc;

use crate::accounts::adopt::{self, Candidate};
use crate::mastodon::Capabilities;
use crate::secret::Secret;
use crate::vault::{Kdf, Vault, VaultError};
use tokio::sync::mpsc::UnboundedSender;

use super::super::msg::{Msg, Stamp};
use super::{Executor, VaultSlot, lock, send, view_of, with_vault};

impl Executor {
    /// `accounts::adopt::check_token`; replies `TokenChecked`.
    pub(super) fn check_token(&self, stamp: Stamp, caps: Capabilities, token: Secret) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let result = adopt::check_token(&client, &caps, token, None).await;
            send(&tx, Msg::TokenChecked { stamp, result });
        });
    }

    /// `accounts::adopt::save` under the vault lock, into a new vault when a passphrase is
    /// given; replies `Adopted`.
    pub(super) fn adopt(
        &self,
        stamp: Stamp,
        candidate: Candidate,
        replace: bool,
        new_vault: Option<Secret>,
    ) {
        let (dir, slot, now, tx) = (
            self.dir.clone(),
            Arc::clone(&self.vault),
            self.clock,
            self.tx.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let store = |vault: &mut Vault| {
                let adoption = adopt::save(vault, &candidate, replace, now())?;
                Ok((adoption, view_of(vault)))
            };
            let result = match new_vault {
                Some(passphrase) => create_then(&dir, &passphrase, &slot, &tx, store),
                None => with_vault(&slot, store),
            };
            send(&tx, Msg::Adopted { stamp, result });
        });
    }
}

/// The first save: creates the vault, says so (from here on it exists, and a failed `work` is
/// retried into it, never by creating it again), runs `work` in it and keeps it open.
pub(super) fn create_then<T>(
    dir: &std::path::Path,
    passphrase: &Secret,
    slot: &VaultSlot,
    tx: &UnboundedSender<Msg>,
    work: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
) -> Result<T, VaultError> {
    let mut vault = Vault::create(dir, passphrase, Kdf::default())?;
    send(
        tx,
        Msg::VaultCreated {
            view: view_of(&vault),
        },
    );
    let result = work(&mut vault);
    *lock(slot) = Some(vault);
    result
}
