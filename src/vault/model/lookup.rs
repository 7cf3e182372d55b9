//! Finding stored accounts. An entry is identified by its [`AccountKey`] (the server it was
//! signed in on plus the account id that server gave), never by its handle: the `user@domain`
//! handle is what the server *claims*, and two entries can share one (a hostile server claiming
//! another's domain, or one honest server reached under two addresses).
//!
//! Handles stay what people type. When a handle is shared, each entry's label names its server
//! too, and [`VaultData::resolve`] accepts that label or `user@domain@server`.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::base_url;

use super::{CheckStatus, Resolve, StoredAccount, VaultData, normalise_handle, same_base};

/// The identity of a stored account: the base URL it was signed in on (without a trailing slash,
/// lower-case) and the account id that server gave. Unique within a vault, and stable: a
/// re-sign-in of the same account on the same server replaces the entry with the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    pub server: String,
    pub id: String,
}

impl AccountKey {
    pub fn new(server: &str, id: &str) -> AccountKey {
        AccountKey {
            server: base_url::canonical(server),
            id: id.to_owned(),
        }
    }
}

impl StoredAccount {
    pub fn key(&self) -> AccountKey {
        AccountKey::new(&self.server, &self.id)
    }

    fn is(&self, key: &AccountKey) -> bool {
        self.id == key.id && same_base(&self.server, &key.server)
    }
}

/// The base URL as people read it: `social.example`, `127.0.0.1:3308` (no scheme, no slash).
pub fn server_name(base: &str) -> String {
    base_url::short_name(base)
}

/// Whether `typed` (a URL or a `host[:port]`) names the server at `base`.
fn names_server(base: &str, typed: &str) -> bool {
    if typed.contains("://") {
        same_base(base, typed)
    } else {
        server_name(base).eq_ignore_ascii_case(&base_url::short_name(typed))
    }
}

/// `user@domain@server` or `user@domain (server)` split into handle and server, lower-case.
fn split_server(query: &str) -> Option<(String, String)> {
    let query = normalise_handle(query);
    if let Some(rest) = query.strip_suffix(')')
        && let Some((handle, server)) = rest.split_once(" (")
    {
        return Some((handle.trim().to_owned(), server.trim().to_owned()));
    }
    let (user, rest) = query.split_once('@')?;
    let (domain, server) = rest.split_once('@')?;
    Some((format!("{user}@{domain}"), server.to_owned()))
}

impl VaultData {
    /// The account with this key.
    pub fn find_account(&self, key: &AccountKey) -> Option<&StoredAccount> {
        self.accounts.iter().find(|a| a.is(key))
    }

    /// Every account whose handle is `handle` (case-insensitive, leading `@` allowed), in vault
    /// order: more than one when servers claim the same domain.
    pub fn accounts_with_handle(&self, handle: &str) -> Vec<&StoredAccount> {
        let wanted = normalise_handle(handle);
        self.accounts
            .iter()
            .filter(|a| a.handle().to_lowercase() == wanted)
            .collect()
    }

    /// Each account's name for people, in vault order: its handle when no other entry shares
    /// it; otherwise the handle with its server, `bob@localhost:3300 (127.0.0.1:3308)`. The one
    /// entry whose server really is the claimed domain keeps the bare handle.
    pub fn labels(&self) -> Vec<String> {
        let handles: Vec<String> = self.accounts.iter().map(StoredAccount::handle).collect();
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, handle) in handles.iter().enumerate() {
            groups.entry(handle.to_lowercase()).or_default().push(i);
        }
        self.accounts
            .iter()
            .zip(&handles)
            .map(|(account, handle)| {
                let group = &groups[&handle.to_lowercase()];
                let at_home =
                    |a: &StoredAccount| server_name(&a.server).eq_ignore_ascii_case(&a.domain);
                let others = || {
                    group
                        .iter()
                        .map(|&i| &self.accounts[i])
                        .filter(|a| !a.is(&account.key()))
                };
                if group.len() == 1 || (at_home(account) && !others().any(at_home)) {
                    return handle.clone();
                }
                let name = server_name(&account.server);
                if !others().any(|a| server_name(&a.server).eq_ignore_ascii_case(&name)) {
                    format!("{handle} ({name})")
                } else if !others().any(|a| same_base(&a.server, &account.server)) {
                    format!("{handle} ({})", base_url::canonical(&account.server))
                } else {
                    // The same server gave two ids one username (an account deleted and made
                    // again): only the id tells them apart.
                    format!("{handle} ({name}, id {})", account.id)
                }
            })
            .collect()
    }

    /// The accounts with their labels in the order people see them everywhere (`list`,
    /// `verify`, the wizard's Home): by label, so a name is found where the alphabet puts it.
    /// The sort is stable, so equal labels keep vault order.
    pub fn in_label_order(&self) -> Vec<(&StoredAccount, String)> {
        let mut rows: Vec<(&StoredAccount, String)> =
            self.accounts.iter().zip(self.labels()).collect();
        rows.sort_by(|a, b| label_order(&a.1, &b.1));
        rows
    }

    /// The label of the account with this key (see [`VaultData::labels`]).
    pub fn label(&self, key: &AccountKey) -> Option<String> {
        let index = self.accounts.iter().position(|a| a.is(key))?;
        self.labels().into_iter().nth(index)
    }

    /// A name for the account that the command line accepts: its label when that is the bare
    /// handle, else `user@domain@host[:port]`, else `user@domain@URL`, else (two ids of one
    /// username on one server) the label in single quotes.
    pub fn argument_name(&self, key: &AccountKey) -> Option<String> {
        let account = self.find_account(key)?;
        let label = self.label(key)?;
        let handle = account.handle();
        if label == handle {
            return Some(handle);
        }
        let picks = |name: &String| self.resolve(name).is_ok_and(|a| a.is(key));
        let short = format!("{handle}@{}", server_name(&account.server));
        let long = format!("{handle}@{}", base_url::canonical(&account.server));
        Some(
            [short, long]
                .into_iter()
                .find(picks)
                .unwrap_or_else(|| format!("'{label}'")),
        )
    }

    /// What a user typed as ACCOUNT, in this order: an exact label (`bob@s.example`,
    /// `bob@s.example (127.0.0.1:3308)`); `user@domain@server` with the server as `host[:port]`
    /// or URL; an exact handle held by one entry; a unique case-insensitive prefix of a handle.
    /// Several matches are [`Resolve::Ambiguous`], with the labels that tell them apart.
    pub fn resolve(&self, query: &str) -> Result<&StoredAccount, Resolve> {
        let labels = self.labels();
        let wanted = normalise_handle(query);
        if wanted.is_empty() {
            return Err(Resolve::Unknown { known: labels });
        }
        let pick = |matches: Vec<usize>| -> Option<Result<&StoredAccount, Resolve>> {
            match matches.as_slice() {
                [] => None,
                [one] => Some(Ok(&self.accounts[*one])),
                many => Some(Err(Resolve::Ambiguous {
                    candidates: many.iter().map(|&i| labels[i].clone()).collect(),
                })),
            }
        };
        let all = || 0..self.accounts.len();
        let handle_of = |i: usize| self.accounts[i].handle().to_lowercase();
        let by_label = all()
            .filter(|&i| labels[i].to_lowercase() == wanted)
            .collect();
        if let Some(found) = pick(by_label) {
            return found;
        }
        if let Some((handle, server)) = split_server(query) {
            let by_server = all()
                .filter(|&i| {
                    handle_of(i) == handle && names_server(&self.accounts[i].server, &server)
                })
                .collect();
            if let Some(found) = pick(by_server) {
                return found;
            }
        }
        let exact = all().filter(|&i| handle_of(i) == wanted).collect();
        if let Some(found) = pick(exact) {
            return found;
        }
        let prefix = all()
            .filter(|&i| handle_of(i).starts_with(&wanted))
            .collect();
        pick(prefix).unwrap_or(Err(Resolve::Unknown { known: labels }))
    }

    /// Removes and returns the account with this key.
    pub fn remove_account(&mut self, key: &AccountKey) -> Option<StoredAccount> {
        let index = self.accounts.iter().position(|a| a.is(key))?;
        Some(self.accounts.remove(index))
    }

    /// Records the result of a token check on the account with this key. Returns `false` when
    /// there is none (removed meanwhile).
    pub fn record_check(
        &mut self,
        key: &AccountKey,
        status: CheckStatus,
        detail: Option<String>,
        at: Timestamp,
    ) -> bool {
        match self.accounts.iter_mut().find(|a| a.is(key)) {
            Some(account) => {
                account.last_checked_at = Some(at);
                account.last_status = Some(status);
                account.last_detail = detail;
                true
            }
            None => false,
        }
    }
}

/// How two account labels sort for people (see [`VaultData::in_label_order`]).
pub fn label_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.cmp(b)
}
