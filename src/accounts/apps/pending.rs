//! Apps registered but not stored in the vault yet: before the vault exists, or before an
//! account is saved with them. They live in memory and, when opened on a config directory, in
//! its `apps.json` (`vault::pending`), so a run that quits before saving leaves the vault as it
//! was while the next run still reuses the app: at most one registration per server, scope set
//! and redirect shape (ARCHITECTURE.md, The vault). [`crate::accounts::save`] stores them in
//! the vault and forgets them here.
//!
//! The file is a convenience: when it cannot be read or written the apps stay in memory for this
//! run, and a one-line warning is kept for the caller to show once the terminal is free.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;

use crate::mastodon::{BaseUrl, RegisteredApp};
use crate::vault::model::{same_base, same_set};
use crate::vault::pending::{self, PendingApp, PendingError};

use super::prepare::same_shape;
use super::{duplicate_app, stored_app};

/// Shared between tasks (`Arc<PendingApps>`): the locks are held only for quick copies, never
/// across file I/O.
#[derive(Debug, Default)]
pub struct PendingApps {
    apps: Mutex<Vec<(String, RegisteredApp)>>,
    /// The config directory whose `apps.json` mirrors `apps`; `None`: memory only.
    dir: Option<PathBuf>,
    warnings: Mutex<Vec<String>>,
}

fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every change is one push, one retain or one swap: a panic elsewhere cannot leave it
    // half-done.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether `new` makes `old` useless: same server, same scope set, same redirect URIs (or the
/// same shape of them: a loopback port does not make another app). A server refusing an app
/// is the reason a new one was registered, so the old one must not be picked again.
fn replaces(old: &(String, RegisteredApp), base: &str, new: &RegisteredApp) -> bool {
    same_base(&old.0, base)
        && same_set(&old.1.scopes, &new.scopes)
        && (same_set(&old.1.redirect_uris, &new.redirect_uris)
            || same_shape(&old.1.redirect_uris, &new.redirect_uris))
}

fn from_file(entry: &PendingApp) -> (String, RegisteredApp) {
    (entry.server.clone(), RegisteredApp::from(&entry.app))
}

impl PendingApps {
    /// In memory only (tests, and callers with nowhere to keep them).
    pub fn new() -> PendingApps {
        PendingApps::default()
    }

    /// The apps kept in `dir/apps.json`, mirrored there from now on. An unreadable file is
    /// ignored (see [`PendingApps::take_warnings`]).
    pub fn open(dir: &Path) -> PendingApps {
        let apps = PendingApps {
            dir: Some(dir.to_owned()),
            ..PendingApps::default()
        };
        apps.reload();
        apps
    }

    /// Takes in what another mastokey process added to the file since. Apps of this run that
    /// the file lacks (it could not be written) stay, as the newest.
    pub fn reload(&self) {
        let Some(dir) = &self.dir else { return };
        let on_disk = match pending::load(dir) {
            Ok(entries) => entries,
            Err(error) => return self.warn(&error),
        };
        let mut apps = guard(&self.apps);
        let mut merged: Vec<(String, RegisteredApp)> = on_disk.iter().map(from_file).collect();
        for (base, app) in apps.drain(..) {
            let known = merged
                .iter()
                .any(|(b, a)| same_base(b, &base) && a.client_id == app.client_id);
            if !known {
                merged.push((base, app));
            }
        }
        *apps = merged;
    }

    fn warn(&self, error: &PendingError) {
        let line = format!("mastokey: warning: {error}");
        let mut warnings = guard(&self.warnings);
        if !warnings.contains(&line) {
            warnings.push(line);
        }
    }

    /// What went wrong with `apps.json` so far, each once: one line each, for stderr.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *guard(&self.warnings))
    }

    /// Remembers an app just registered on `base`, replacing any pending app it makes useless
    /// (same server, scope set and redirect shape), in memory and in the file.
    pub fn add(&self, base: &BaseUrl, app: &RegisteredApp) {
        let base = base.as_str().to_owned();
        {
            let mut apps = guard(&self.apps);
            apps.retain(|old| !replaces(old, &base, app));
            apps.push((base.clone(), duplicate_app(app)));
        }
        let Some(dir) = &self.dir else { return };
        let entry = PendingApp {
            server: base.clone(),
            app: stored_app(app, Timestamp::now()),
        };
        let written = pending::update(dir, |entries| {
            entries.retain(|old| {
                let old = from_file(old);
                !replaces(&old, &base, app) && old.1.client_id != app.client_id
            });
            entries.push(entry);
        });
        if let Err(error) = written {
            self.warn(&error);
        }
    }

    /// The newest pending app for this server, scope set and redirect set.
    pub fn find(
        &self,
        base: &BaseUrl,
        scopes: &[String],
        redirect_uris: &[String],
    ) -> Option<RegisteredApp> {
        guard(&self.apps)
            .iter()
            .rev()
            .find(|(b, app)| {
                same_base(b, base.as_str())
                    && same_set(&app.scopes, scopes)
                    && same_set(&app.redirect_uris, redirect_uris)
            })
            .map(|(_, app)| duplicate_app(app))
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        guard(&self.apps).is_empty()
    }

    /// Copies of the pending apps with their base URLs, oldest first.
    pub fn snapshot(&self) -> Vec<(String, RegisteredApp)> {
        guard(&self.apps)
            .iter()
            .map(|(base, app)| (base.clone(), duplicate_app(app)))
            .collect()
    }

    /// Forgets these apps (by client id on their server), in memory and in the file: they are
    /// stored in the vault now. Apps added since the snapshot stay.
    pub fn forget(&self, stored: &[(String, RegisteredApp)]) {
        let gone = |base: &str, client_id: &str| {
            stored
                .iter()
                .any(|(b, s)| same_base(b, base) && s.client_id == client_id)
        };
        guard(&self.apps).retain(|(base, app)| !gone(base, &app.client_id));
        let Some(dir) = &self.dir else { return };
        let written = pending::update(dir, |entries| {
            entries.retain(|e| !gone(&e.server, &e.app.client_id));
        });
        if let Err(error) = written {
            self.warn(&error);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mastodon::callback::OOB_REDIRECT;
    use crate::secret::Secret;

    fn app(id: &str, scopes: &[&str], port: u16) -> RegisteredApp {
        RegisteredApp {
            client_id: id.into(),
            client_secret: Secret::new(format!("secret-{id}")),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            redirect_uris: vec![
                OOB_REDIRECT.into(),
                format!("http://127.0.0.1:{port}/callback"),
            ],
        }
    }

    fn ids(apps: &PendingApps) -> Vec<String> {
        apps.snapshot()
            .into_iter()
            .map(|(_, a)| a.client_id)
            .collect()
    }

    #[test]
    fn apps_outlive_the_run_that_registered_them() {
        let dir = tempfile::tempdir().unwrap();
        let base = BaseUrl::parse("https://social.example").unwrap();
        let first = PendingApps::open(dir.path());
        first.add(&base, &app("a1", &["profile"], 4001));
        drop(first);
        let second = PendingApps::open(dir.path());
        assert_eq!(ids(&second), ["a1"]);
        assert!(second.take_warnings().is_empty());
        let (server, found) = &second.snapshot()[0];
        assert_eq!(server, base.as_str());
        assert_eq!(found.client_secret.expose(), "secret-a1");
    }

    #[test]
    fn a_new_app_replaces_the_one_it_makes_useless() {
        let dir = tempfile::tempdir().unwrap();
        let base = BaseUrl::parse("https://social.example").unwrap();
        let apps = PendingApps::open(dir.path());
        apps.add(&base, &app("old", &["profile"], 4001));
        apps.add(&base, &app("read", &["read"], 4001));
        // Registered again (the server refused "old"), on another port: "old" goes.
        apps.add(&base, &app("new", &["profile"], 4002));
        assert_eq!(ids(&apps), ["read", "new"]);
        assert_eq!(ids(&PendingApps::open(dir.path())), ["read", "new"]);
        // Stored in the vault: forgotten here and in the file, which goes with the last one.
        apps.forget(&apps.snapshot());
        assert!(apps.is_empty());
        assert!(PendingApps::open(dir.path()).is_empty());
        assert!(!dir.path().join("apps.json").exists());
    }

    #[test]
    fn another_process_s_app_is_seen_on_reload() {
        let dir = tempfile::tempdir().unwrap();
        let base = BaseUrl::parse("https://social.example").unwrap();
        let ours = PendingApps::open(dir.path());
        let theirs = PendingApps::open(dir.path());
        theirs.add(&base, &app("t1", &["read"], 4001));
        assert!(ours.is_empty());
        ours.reload();
        assert_eq!(ids(&ours), ["t1"]);
    }

    #[test]
    fn an_unreadable_file_warns_once_and_the_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("apps.json"), "not json").unwrap();
        let apps = PendingApps::open(dir.path());
        apps.reload();
        let warnings = apps.take_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("mastokey: warning: "),
            "{warnings:?}"
        );
        assert!(
            warnings[0].contains("apps.json could not be read"),
            "{warnings:?}"
        );
        // Adding replaces the damaged file with a good one.
        let base = BaseUrl::parse("https://social.example").unwrap();
        apps.add(&base, &app("a1", &["profile"], 4001));
        assert!(apps.take_warnings().is_empty());
        assert_eq!(ids(&PendingApps::open(dir.path())), ["a1"]);
    }
}
