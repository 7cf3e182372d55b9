//! Whole flows in every mode: discover → register → authorize → approve → exchange → verify →
//! revoke → verify again; discovery facts; scope negotiation; PKCE; `force_login` and two users.

use mastokey::mastodon::oauth::pkce_challenge;
use mastokey::mastodon::{ApiError, negotiate};

use super::{CALLBACK, MODES, OOB, Session, strings};
use crate::support::fake_server::{FakeServer, Mode};

async fn full_flow(mode: Mode, redirect: &str) {
    let s = Session::start(mode).await;
    // The wizard's default preset, fitted to the server.
    let scopes = negotiate(&strings(&["profile"]), &s.caps).scopes;
    let expected = if mode == Mode::Mastodon47 {
        "profile"
    } else {
        "read:accounts"
    };
    assert_eq!(scopes, [expected], "{mode:?}");
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();

    let app = s.register(&scopes).await.unwrap();
    assert!(!app.client_id.is_empty() && !app.client_secret.is_empty());
    assert_eq!(app.scopes, scopes, "{mode:?}");
    assert_eq!(app.redirect_uris, [OOB, CALLBACK], "{mode:?}");
    assert_eq!(s.server.apps_registered(), 1);

    let request = s.authorize(&app, &scopes, redirect, false);
    assert_eq!(request.redirect_uri, redirect);
    let code = s.approve(&request, "alice");
    let grant = s.exchange(&app, &request, &code).await.unwrap();
    assert!(!grant.access_token.is_empty());
    assert_eq!(grant.scopes, scopes, "{mode:?}");
    assert!(grant.created_at.is_some());

    let account = s.verify(&grant.access_token).await.unwrap();
    assert!(!account.id.is_empty() && account.id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        (account.username.as_str(), account.acct.as_str()),
        ("alice", "alice"),
        "{mode:?}"
    );
    assert_eq!(account.display_name, "Alice");
    assert_eq!(
        account.url.as_deref(),
        Some(format!("{}/@alice", s.server.base_url()).as_str())
    );
    // Checking again is harmless.
    assert_eq!(s.verify(&grant.access_token).await.unwrap(), account);

    s.client
        .revoke(&s.caps.base, &super::credentials(&app), &grant.access_token)
        .await
        .unwrap();
    assert_eq!(s.server.active_tokens(), 0);
    let after = s.verify(&grant.access_token).await.unwrap_err();
    let expected = if mode == Mode::Snac {
        ApiError::TokenInvalid
    } else {
        ApiError::TokenRevoked
    };
    assert_eq!(after, expected, "{mode:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_mastodon_47_oob() {
    full_flow(Mode::Mastodon47, OOB).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_mastodon_47_callback() {
    full_flow(Mode::Mastodon47, CALLBACK).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_mastodon_42_oob() {
    full_flow(Mode::Mastodon42, OOB).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_mastodon_42_callback() {
    full_flow(Mode::Mastodon42, CALLBACK).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_snac_oob() {
    full_flow(Mode::Snac, OOB).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_snac_callback() {
    full_flow(Mode::Snac, CALLBACK).await;
}

/// The loopback callback may carry any port (RFC 8252 §7.3): the wizard's local listener's.
#[tokio::test(flavor = "multi_thread")]
async fn loopback_callback_with_a_port() {
    for mode in [Mode::Mastodon47, Mode::Mastodon42] {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();
        let request = s.authorize(&app, &["read"], "http://127.0.0.1:45678/callback", false);
        let code = s.approve(&request, "bob");
        let grant = s.exchange(&app, &request, &code).await.unwrap();
        assert_eq!(s.verify(&grant.access_token).await.unwrap().username, "bob");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_facts_per_mode() {
    for mode in MODES {
        let server = FakeServer::start(mode).with_domain("example.org");
        let base_url = server.base_url();
        let s = Session::with_server(server).await;
        let caps = &s.caps;
        assert_eq!(
            caps.base,
            mastokey::mastodon::BaseUrl::parse(&base_url).unwrap()
        );
        assert_eq!(caps.domain, "example.org", "{mode:?}");
        assert!(caps.loopback_http);
        let modern = mode == Mode::Mastodon47;
        assert_eq!(caps.metadata, modern, "{mode:?}");
        assert_eq!(caps.profile_scope, modern, "{mode:?}");
        assert_eq!(caps.pkce_s256, modern, "{mode:?}");
        assert_eq!(
            caps.scopes_supported.as_ref().map(Vec::len),
            modern.then_some(47),
            "{mode:?}"
        );
        let (software, name, version, title) = match mode {
            Mode::Mastodon47 => ("Mastodon 4.7.0", "Mastodon", "4.7.0", "Fake Social"),
            Mode::Mastodon42 => ("Mastodon 4.2.10", "Mastodon", "4.2.10", "Fake Social"),
            Mode::Snac => ("snac 2.94", "snac", "2.94", "snac"),
            other => panic!("{other:?} is not one of MODES"),
        };
        assert_eq!(caps.software.to_string(), software);
        assert_eq!(caps.software.name, name);
        assert_eq!(caps.software.version.as_deref(), Some(version));
        assert_eq!(caps.title.as_deref(), Some(title));

        // What discovery asked, and that a missing metadata document (≤ 4.2, snac) was no error.
        let requests = s.server.requests();
        let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
        assert!(
            paths.contains(&"/.well-known/oauth-authorization-server"),
            "{paths:?}"
        );
        assert!(paths.contains(&"/api/v2/instance"), "{paths:?}");
        // v1 only as the fallback (snac has no v2).
        assert_eq!(
            paths.contains(&"/api/v1/instance"),
            mode == Mode::Snac,
            "{paths:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_domain_is_local_domain_not_the_host() {
    let s = Session::start(Mode::Mastodon47).await;
    assert_eq!(s.caps.domain, "social.example");
    assert_eq!(s.caps.base.host_str(), "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_on_42_is_rejected_at_registration_and_negotiated_away() {
    let s = Session::start(Mode::Mastodon42).await;
    let error = s.register(&["profile"]).await.unwrap_err();
    let ApiError::Rejected { status, hint } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 422);
    let hint = hint.as_deref().unwrap_or_default();
    assert!(hint.contains("Scopes doesn't match"), "{hint}");
    assert_eq!(s.server.apps_registered(), 0);

    let negotiated = negotiate(&strings(&["profile", "write:statuses"]), &s.caps);
    assert_eq!(negotiated.scopes, ["read:accounts", "write:statuses"]);
    assert_eq!(
        negotiated.replaced,
        [("profile".to_string(), "read:accounts".to_string())]
    );
    assert!(negotiated.unavailable.is_empty());

    let scopes: Vec<&str> = negotiated.scopes.iter().map(String::as_str).collect();
    let app = s.register(&scopes).await.unwrap();
    let grant = s.login(&app, &scopes, "alice").await;
    assert_eq!(grant.scopes, scopes);
    assert_eq!(
        s.verify(&grant.access_token).await.unwrap().username,
        "alice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn negotiation_on_47_keeps_profile_and_notes_unlisted_scopes() {
    let s = Session::start(Mode::Mastodon47).await;
    // A list need not be complete (RFC 8414): an unlisted scope is noted, not dropped; the
    // registration says whether the server has it.
    let negotiated = negotiate(&strings(&["profile", "crypto", "read"]), &s.caps);
    assert_eq!(negotiated.scopes, ["profile", "crypto", "read"]);
    assert!(negotiated.replaced.is_empty() && negotiated.unavailable.is_empty());
    assert_eq!(negotiated.not_advertised, ["crypto"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn pkce_s256_on_47() {
    let s = Session::start(Mode::Mastodon47).await;
    let app = s.register(&["profile"]).await.unwrap();
    let request = s.authorize(&app, &["profile"], OOB, false);
    let verifier = request.pkce_verifier.as_ref().expect("S256 advertised");
    let query = |name: &str| {
        request
            .url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(
        query("code_challenge").as_deref(),
        Some(pkce_challenge(verifier).as_str())
    );
    assert_eq!(query("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query("state").as_deref(), Some(request.state.as_str()));

    let code = s.approve(&request, "alice");
    s.exchange(&app, &request, &code).await.unwrap();
    let requests = s.server.requests();
    let token_request = requests.iter().find(|r| r.path == "/oauth/token").unwrap();
    assert_eq!(
        token_request.field("code_verifier"),
        Some(verifier.expose())
    );
    // Client authentication in the body only (4.7 rejects Basic plus body).
    assert_eq!(token_request.header("authorization"), None);
    assert_eq!(
        token_request.field("client_id"),
        Some(app.client_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pkce_wrong_or_missing_verifier_on_47() {
    let s = Session::start(Mode::Mastodon47).await;
    let app = s.register(&["read"]).await.unwrap();
    let request = s.authorize(&app, &["read"], OOB, false);
    let code = s.approve(&request, "alice");
    let creds = super::credentials(&app);
    let wrong = mastokey::secret::Secret::new("x".repeat(43));
    let error = s
        .client
        .exchange_code(&s.caps.base, &creds, &code, OOB, Some(&wrong))
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::InvalidGrant);

    let request = s.authorize(&app, &["read"], OOB, false);
    let code = s.approve(&request, "alice");
    let error = s
        .client
        .exchange_code(&s.caps.base, &creds, &code, OOB, None)
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::InvalidRequest);
    // The right verifier still works for that code.
    s.exchange(&app, &request, &code).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_pkce_on_42() {
    let s = Session::start(Mode::Mastodon42).await;
    assert!(!s.caps.pkce_s256);
    let app = s.register(&["read"]).await.unwrap();
    let request = s.authorize(&app, &["read"], CALLBACK, false);
    assert!(request.pkce_verifier.is_none());
    assert!(
        !request
            .url
            .query_pairs()
            .any(|(k, _)| k.starts_with("code_challenge")),
        "{}",
        request.url
    );
    let code = s.approve(&request, "alice");
    s.exchange(&app, &request, &code).await.unwrap();
    let requests = s.server.requests();
    let token_request = requests.iter().find(|r| r.path == "/oauth/token").unwrap();
    assert_eq!(token_request.field("code_verifier"), None);
    assert_eq!(token_request.field("code"), Some(code.expose()));
}

#[tokio::test(flavor = "multi_thread")]
async fn force_login_and_two_users_get_two_tokens() {
    for mode in MODES {
        let s = Session::start(mode).await;
        let app = s.register(&["read"]).await.unwrap();

        let plain = s.authorize(&app, &["read"], OOB, false);
        assert!(!plain.url.query_pairs().any(|(k, _)| k == "force_login"));

        let mut tokens = Vec::new();
        for user in ["alice", "bob"] {
            let request = s.authorize(&app, &["read"], OOB, true);
            assert!(
                request
                    .url
                    .query_pairs()
                    .any(|(k, v)| k == "force_login" && v == "true"),
                "{}",
                request.url
            );
            let code = s.approve(&request, user);
            let grant = s.exchange(&app, &request, &code).await.unwrap();
            let account = s.verify(&grant.access_token).await.unwrap();
            assert_eq!(account.username, user, "{mode:?}");
            tokens.push((grant.access_token, account.id));
        }
        assert!(!tokens[0].0.same_as(&tokens[1].0), "{mode:?}");
        assert_ne!(tokens[0].1, tokens[1].1);
        assert_eq!(s.server.apps_registered(), 1);

        // Revoking bob's token leaves alice's alone.
        s.client
            .revoke(&s.caps.base, &super::credentials(&app), &tokens[1].0)
            .await
            .unwrap();
        if mode != Mode::Snac {
            // (snac deletes the app on revoke, and with it every token of the app.)
            assert_eq!(s.verify(&tokens[0].0).await.unwrap().username, "alice");
        }
        let error = s.verify(&tokens[1].0).await.unwrap_err();
        assert!(
            matches!(error, ApiError::TokenRevoked | ApiError::TokenInvalid),
            "{error:?}"
        );
    }
}

/// Mastodon reuses a token for the same app, user and scopes; the client just gets it again.
#[tokio::test(flavor = "multi_thread")]
async fn logging_in_twice_reuses_the_token() {
    let s = Session::start(Mode::Mastodon47).await;
    let app = s.register(&["profile"]).await.unwrap();
    let first = s.login(&app, &["profile"], "alice").await;
    let second = s.login(&app, &["profile"], "alice").await;
    assert!(first.access_token.same_as(&second.access_token));
    assert_eq!(s.server.tokens_issued(), 1);
}
