//! The app policy (`accounts::apps::prepare_app`) and the sign-in paths against servers that
//! are not Mastodon: one redirect URI per app, exact redirect matching, refused scopes, empty
//! scope echoes, apps deleted on revoke, redirect errors, out-of-band pages (issues 12 and 15).

use mastokey::accounts::{AppRequest, Registered, prepare_app};
use mastokey::mastodon::callback::{CallbackListener, loopback_uri};
use mastokey::mastodon::scopes::{Availability, ServerScopes};
use mastokey::mastodon::{ApiError, CodeInputError, RegisteredApp, negotiate, parse_pasted_code};
use mastokey::secret::Secret;

use super::{OOB, Session, strings};
use crate::support::fake_server::{FakeServer, Mode};

fn request(scopes: &[&str], loopback_port: Option<u16>) -> AppRequest {
    AppRequest {
        scopes: strings(scopes),
        loopback_port,
        force_new: false,
    }
}

/// A port nothing listens on right now (the listener is dropped at once).
async fn free_port() -> u16 {
    CallbackListener::bind().await.unwrap().port()
}

async fn prepare(s: &Session, request: &AppRequest, known: &[RegisteredApp]) -> Registered {
    prepare_app(&s.client, &s.caps.base, request, known)
        .await
        .unwrap()
}

/// Signs in through the app's exact loopback URI and returns the token.
async fn loopback_login(s: &Session, registered: &Registered) -> Secret {
    let uri = registered.loopback_uri().unwrap();
    let scopes: Vec<&str> = registered.scopes().iter().map(String::as_str).collect();
    let request = s.authorize(&registered.app, &scopes, uri, false);
    let approval = s.server.approve(request.url.as_str(), "alice").unwrap();
    let code = parse_pasted_code(&approval.redirect, &request.state).unwrap();
    s.exchange(&registered.app, &request, &code)
        .await
        .unwrap()
        .access_token
}

/// Mitra refuses several redirect URIs with 400 `invalid redirect URI`: one registration more,
/// with the exact loopback URI alone, and the loopback sign-in still finishes.
/// Before: `ApiError::Unexpected { status: 400 }`, worded "try again later".
#[tokio::test(flavor = "multi_thread")]
async fn one_redirect_uri_per_app_registers_the_loopback_alone() {
    let s = Session::start(Mode::Mitra).await;
    let port = free_port().await;
    let registered = prepare(&s, &request(&["read:accounts"], Some(port)), &[]).await;
    let loopback = loopback_uri(port);
    assert_eq!(
        registered.single_redirect.as_deref(),
        Some(loopback.as_str())
    );
    assert_eq!(registered.app.redirect_uris, [loopback.as_str()]);
    assert_eq!(registered.loopback_port(), Some(port));
    assert!(!registered.allows_code_flow() && !registered.reused);
    assert_eq!(s.server.apps_registered(), 1);
    let token = loopback_login(&s, &registered).await;
    assert_eq!(s.verify(&token).await.unwrap().username, "alice");

    // Without a loopback, the out-of-band URI alone: the code flow.
    let oob_only = prepare(&s, &request(&["read:accounts"], None), &[]).await;
    assert_eq!(
        oob_only.single_redirect, None,
        "one URI asked, none refused"
    );
    assert!(oob_only.allows_code_flow() && oob_only.loopback_uri().is_none());

    // The refusal itself is a rejection, never a transient failure.
    let refused = s.register(&["read:accounts"]).await.unwrap_err();
    assert!(
        matches!(refused, ApiError::Rejected { status: 400, .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains("later"), "{refused}");
}

/// Mitra echoes `"scopes": []`: the app is reused by what mastokey asked for, so a second
/// sign-in registers nothing (before: one new app per sign-in, 15 in one session).
#[tokio::test(flavor = "multi_thread")]
async fn apps_are_reused_by_what_was_asked_not_the_echo() {
    let s = Session::start(Mode::Mitra).await;
    let asked = request(
        &["read:accounts", "write:statuses"],
        Some(free_port().await),
    );
    let first = prepare(&s, &asked, &[]).await;
    assert_eq!(first.app.scopes, ["read:accounts", "write:statuses"]);
    let known = [first.app];
    // Another port this time: the reused app's own port is what gets bound.
    let again = request(
        &["write:statuses", "read:accounts"],
        Some(free_port().await),
    );
    let second = prepare(&s, &again, &known).await;
    assert!(second.reused);
    assert_eq!(second.app.client_id, known[0].client_id);
    assert_eq!(
        second.loopback_uri(),
        known[0].redirect_uris.first().map(String::as_str)
    );
    assert_eq!(s.server.apps_registered(), 1);
    // A different scope set is a different app.
    let other = prepare(&s, &request(&["read"], Some(free_port().await)), &known).await;
    assert!(!other.reused);
    assert_eq!(s.server.apps_registered(), 2);
}

/// A server that refuses a scope at registration (4.2 has no `collections`): registered again
/// with the covering scopes, and the substitution is reported. Before: the 422 ended the add.
#[tokio::test(flavor = "multi_thread")]
async fn refused_scope_falls_back_to_the_covering_scope() {
    for mode in [Mode::Mastodon42, Mode::Takahe] {
        let s = Session::start(mode).await;
        let asked = request(&["read:collections", "write:statuses"], None);
        let registered = prepare(&s, &asked, &[]).await;
        assert_eq!(registered.scopes(), ["read", "write"], "{mode:?}");
        assert_eq!(
            registered.substituted,
            [
                ("read:collections".to_owned(), "read".to_owned()),
                ("write:statuses".to_owned(), "write".to_owned())
            ],
            "{mode:?}"
        );
        assert_eq!(s.server.apps_registered(), 1, "{mode:?}");
        // The next sign-in reuses the wider app after the same refusal.
        let again = prepare(&s, &asked, &[registered.app]).await;
        assert!(again.reused && !again.substituted.is_empty(), "{mode:?}");
        assert_eq!(s.server.apps_registered(), 1, "{mode:?}");
    }
}

/// snac deletes the app when one of its tokens is revoked: the next sign-in finds it gone and
/// registers a new one by itself. Before: the dead client id was reused and the browser showed
/// "400 Bad Request".
#[tokio::test(flavor = "multi_thread")]
async fn an_app_deleted_on_the_server_is_registered_again() {
    let s = Session::start(Mode::Snac).await;
    let asked = request(&["read:accounts"], None);
    let first = prepare(&s, &asked, &[]).await;
    let grant = s.login(&first.app, &["read:accounts"], "alice").await;
    s.client
        .revoke(
            &s.caps.base,
            &super::credentials(&first.app),
            &grant.access_token,
        )
        .await
        .unwrap();
    let known = [first.app];
    let second = prepare(&s, &asked, &known).await;
    assert!(!second.reused);
    assert_eq!(
        second.replaced_deleted.as_deref(),
        Some(known[0].client_id.as_str())
    );
    assert_ne!(second.app.client_id, known[0].client_id);
    // The deleted app is gone; only the new one is known to the server.
    assert_eq!(s.server.apps_registered(), 1);
    s.login(&second.app, &["read:accounts"], "alice").await;
}

/// The existence check of a live app issues no token and registers nothing.
#[tokio::test(flavor = "multi_thread")]
async fn checking_a_live_app_leaves_nothing_behind() {
    let s = Session::start(Mode::Mastodon47).await;
    let asked = request(&["profile"], Some(free_port().await));
    let first = prepare(&s, &asked, &[]).await;
    let issued = s.server.tokens_issued();
    let second = prepare(&s, &asked, &[first.app]).await;
    assert!(second.reused && second.replaced_deleted.is_none());
    assert_eq!(s.server.tokens_issued(), issued);
    assert_eq!(s.server.active_tokens(), 0);
    assert_eq!(s.server.apps_registered(), 1);
}

/// Takahē and GoToSocial match redirect URIs exactly: the port-less registration fails with a
/// port (before), the exact loopback URI registered with its port works (after).
#[tokio::test(flavor = "multi_thread")]
async fn exact_redirect_matching_works_with_the_registered_port() {
    for mode in [Mode::Takahe, Mode::GoToSocial] {
        let s = Session::start(mode).await;
        let old = s.register(&["read"]).await.unwrap();
        let listener = CallbackListener::bind().await.unwrap();
        let with_port = s.authorize(&old, &["read"], &listener.redirect_uri(), false);
        assert!(
            s.server.approve(with_port.url.as_str(), "alice").is_err() || mode == Mode::GoToSocial,
            "{mode:?}: a port-less registration must not match"
        );
        let port = listener.port();
        drop(listener);
        let registered = prepare(&s, &request(&["read"], Some(port)), &[]).await;
        assert!(registered.allows_code_flow(), "{mode:?}");
        assert_eq!(registered.loopback_port(), Some(port), "{mode:?}");
        // Bound again on the app's own port, as the wizard does for a reused app.
        let listener = CallbackListener::bind_port(port).await.unwrap();
        assert_eq!(listener.redirect_uri(), registered.loopback_uri().unwrap());
        let token = loopback_login(&s, &registered).await;
        assert!(s.verify(&token).await.is_ok(), "{mode:?}");
    }
}

/// GoToSocial shows its Allow page on a redirect mismatch, then sends `error=server_error`:
/// not a denial, and the server's description is kept. Before: `CodeInputError::Denied`.
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_error_is_not_a_denial() {
    let s = Session::start(Mode::GoToSocial).await;
    let app = s.register(&["read"]).await.unwrap();
    let request = s.authorize(&app, &["read"], "http://127.0.0.1:9/callback", false);
    let approval = s.server.approve(request.url.as_str(), "alice").unwrap();
    let error = parse_pasted_code(&approval.redirect, &request.state).unwrap_err();
    let CodeInputError::ServerError { description } = &error else {
        panic!("{error:?}");
    };
    assert!(
        description.contains("unexpected condition"),
        "{description}"
    );
    assert!(!error.to_string().contains("denied"), "{error}");
}

/// snac's out-of-band page is `CODE&state=STATE`; pasted whole, it gives the code, with the
/// state checked. Before: "The pasted address holds no code".
#[tokio::test(flavor = "multi_thread")]
async fn snac_out_of_band_page_is_accepted() {
    let s = Session::start(Mode::Snac).await;
    let app = s.register(&["read:accounts"]).await.unwrap();
    let request = s.authorize(&app, &["read:accounts"], OOB, false);
    let approval = s.server.approve(request.url.as_str(), "alice").unwrap();
    let page = reqwest::get(&approval.redirect)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("&state="), "{page}");
    let code = parse_pasted_code(&page, &request.state).unwrap();
    assert_eq!(code.expose(), approval.code);
    assert_eq!(
        parse_pasted_code(&page, "another-state").unwrap_err(),
        CodeInputError::StateMismatch
    );
    assert!(s.exchange(&app, &request, &code).await.is_ok());
}

/// A server whose metadata lists only coarse scopes: granular ones are "not advertised", stay
/// selectable, and the presets are never empty. Before: every preset came out `[]`.
#[tokio::test(flavor = "multi_thread")]
async fn coarse_scope_metadata_keeps_the_presets() {
    let server = FakeServer::with_quirks(Mode::Mastodon47, |q| q.coarse_scope_metadata = true);
    let s = Session::with_server(server).await;
    let scopes = ServerScopes::new(&s.caps);
    assert_eq!(scopes.availability("read"), Availability::Advertised);
    assert_eq!(
        scopes.availability("write:statuses"),
        Availability::NotAdvertised
    );
    let posting = negotiate(
        &strings(&["profile", "write:statuses", "write:media"]),
        &s.caps,
    );
    assert_eq!(
        posting.scopes,
        ["read:accounts", "write:statuses", "write:media"]
    );
    let registered = prepare(&s, &request(&["write:statuses"], None), &[]).await;
    assert!(registered.substituted.is_empty());
}
