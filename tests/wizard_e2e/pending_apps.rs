//! Apps registered by runs that never saved (`apps.json`, ARCHITECTURE.md, The vault): the next
//! run reuses them, so abandoned first runs do not use up the server's registrations.

use mastokey::accounts::PendingApps;
use mastokey::mastodon::{BaseUrl, RegisteredApp};
use mastokey::secret::Secret;

use crate::support::e2e::{E2e, approve_and_paste, choose_first_passphrase};
use crate::support::fake_server::Mode;
use crate::support::pty::{CTRL_C, ENTER};

/// `mastokey add SERVER` up to the Authorize step, then Ctrl-C; returns all it wrote (the
/// lines left in the shell unwrapped).
fn quit_at_authorize(t: &E2e) -> String {
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    pty.wait_for("4/5 Authorize");
    pty.send(CTRL_C);
    assert_eq!(pty.wait_exit(), 130);
    String::from_utf8_lossy(&pty.raw_output()).into_owned()
}

/// The client ids in `apps.json`, as the next run reads them.
fn pending_ids(t: &E2e) -> Vec<String> {
    let pending = PendingApps::open(&t.config_dir());
    assert!(pending.take_warnings().is_empty());
    pending
        .snapshot()
        .into_iter()
        .map(|(_, app)| app.client_id)
        .collect()
}

#[test]
fn runs_quit_before_saving_register_one_app_between_them() {
    let t = E2e::new(Mode::Mastodon47);
    quit_at_authorize(&t);
    assert_eq!(t.server.apps_registered(), 1);
    let first = pending_ids(&t);
    assert_eq!(first.len(), 1);
    // No vault was made: the app waits beside where it will be, readable by the owner only.
    let config = t.config_dir();
    assert!(!config.join("vault.age").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(config.join("apps.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    quit_at_authorize(&t);
    assert_eq!(
        t.server.apps_registered(),
        1,
        "the second run reused the app"
    );
    assert_eq!(pending_ids(&t), first);

    // The run that saves moves the app into the vault, and the file goes.
    let mut pty = t.spawn(&["add", &t.server.base_url()], &[]);
    pty.wait_for("2/5 Scopes");
    pty.send(ENTER);
    approve_and_paste(&t, &mut pty, "alice", 1);
    choose_first_passphrase(&mut pty);
    pty.wait_for("Saved in the vault");
    pty.send(CTRL_C);
    pty.wait_exit();
    assert_eq!(t.server.apps_registered(), 1);
    assert!(!config.join("apps.json").exists());
    let vault = t.unlock();
    assert_eq!(vault.data().accounts[0].client_id, first[0]);
}

#[test]
fn a_kept_app_the_server_no_longer_knows_is_replaced() {
    let t = E2e::new(Mode::Mastodon47);
    let base = BaseUrl::parse(&t.server.base_url()).unwrap();
    PendingApps::open(&t.config_dir()).add(
        &base,
        &RegisteredApp {
            client_id: "deleted-on-the-server".into(),
            client_secret: Secret::new("gone"),
            scopes: vec!["profile".into()],
            redirect_uris: vec![
                "urn:ietf:wg:oauth:2.0:oob".into(),
                "http://127.0.0.1:9/callback".into(),
            ],
        },
    );
    quit_at_authorize(&t);
    assert_eq!(t.server.apps_registered(), 1);
    let ids = pending_ids(&t);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_ne!(ids[0], "deleted-on-the-server");
}

#[test]
fn an_unreadable_apps_file_is_a_warning_not_a_failure() {
    let t = E2e::new(Mode::Mastodon47);
    std::fs::create_dir_all(t.config_dir()).unwrap();
    std::fs::write(
        t.config_dir().join("apps.json"),
        "{\"version\":1,\"apps\":[{",
    )
    .unwrap();
    let shell = quit_at_authorize(&t);
    assert!(
        shell.contains("warning:") && shell.contains("apps.json could not be read"),
        "{shell}"
    );
    assert_eq!(t.server.apps_registered(), 1);
    // Replaced by a good file holding the app just registered.
    assert_eq!(pending_ids(&t).len(), 1);
}

#[test]
fn add_without_a_terminal_registers_nothing() {
    // The command line has no sign-in of its own: `add` is the wizard, refused before any
    // request, so scripts retrying it cannot use up registrations either.
    let t = E2e::new(Mode::Mastodon47);
    let (code, text) = t.cli(&["add", &t.server.base_url()]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("needs an interactive terminal"), "{text}");
    assert_eq!(t.server.apps_registered(), 0);
    assert!(!t.config_dir().join("apps.json").exists());
}
