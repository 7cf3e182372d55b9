//! A hostile server that puts escape sequences into every field: nothing of them gets past the
//! protocol layer, so nothing can be stored or printed.

use mastokey::mastodon::sanitize::is_unsafe_char;

use super::{MODES, Session};
use crate::support::fake_server::FakeServer;

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.chars().any(is_unsafe_char),
        "{what} carries a control character: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_in_every_field_never_leave_the_protocol_layer() {
    for mode in MODES {
        let s = Session::with_server(FakeServer::start(mode).with_escapes()).await;
        let caps = &s.caps;
        assert_clean("domain", &caps.domain);
        assert_clean("title", caps.title.as_deref().unwrap_or_default());
        assert_clean("software", &caps.software.to_string());
        for scope in caps.scopes_supported.iter().flatten() {
            assert_clean("scopes_supported", scope);
        }
        // The claimed domain was not host-shaped: the API host stands in for it.
        assert_eq!(caps.domain, "127.0.0.1", "{mode:?}");

        let scopes: &[&str] = if caps.profile_scope {
            &["profile"]
        } else {
            &["read:accounts"]
        };
        let app = s.register(scopes).await.unwrap();
        assert_clean("client_id", &app.client_id);
        for text in app.scopes.iter().chain(&app.redirect_uris) {
            assert_clean("registered app", text);
        }

        let grant = s.login(&app, scopes, "alice").await;
        assert_eq!(grant.scopes, scopes, "{mode:?}");
        assert_eq!(grant.dropped.len(), 1, "{mode:?}: {:?}", grant.dropped);
        for dropped in &grant.dropped {
            assert_clean("dropped scope", dropped);
        }

        let account = s.verify(&grant.access_token).await.unwrap();
        for (what, text) in [
            ("id", account.id.as_str()),
            ("username", &account.username),
            ("acct", &account.acct),
            ("display_name", &account.display_name),
            ("url", account.url.as_deref().unwrap_or_default()),
        ] {
            assert_clean(what, text);
        }
        assert!(account.username.starts_with("alice"), "{account:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_in_error_answers_never_reach_the_message() {
    let s = Session::with_server(FakeServer::start(super::Mode::Mastodon47).with_escapes()).await;
    let error = s
        .verify(&mastokey::secret::Secret::new("not-a-token"))
        .await
        .unwrap_err();
    assert_clean("error", &error.to_string());
}
