//! The protocol layer (`mastokey::mastodon`) against the fake server: whole OAuth flows in every
//! mode, the error rows the wizard and `check` rely on, injected faults, and where secrets go.
// Panicking on a broken expectation is how these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod app_policy;
mod downgrade;
mod faults;
mod flow;
mod grants;
mod hostile;
mod real_servers;
mod secrets;
mod silent_close;

use std::time::Duration;

use mastokey::mastodon::{
    ApiError, AppCredentials, AppRegistration, AuthorizeParams, AuthorizeRequest, Capabilities,
    Client, RegisteredApp, TokenGrant, authorize_url, parse_server_input,
};
use mastokey::secret::Secret;

use crate::support::fake_server::{FakeServer, Mode};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const CALLBACK: &str = "http://127.0.0.1/callback";
const MODES: [Mode; 3] = [Mode::Mastodon47, Mode::Mastodon42, Mode::Snac];

/// A fake server, a client and what discovery found there.
struct Session {
    server: FakeServer,
    client: Client,
    caps: Capabilities,
}

impl Session {
    async fn start(mode: Mode) -> Session {
        Session::with_server(FakeServer::start(mode)).await
    }

    async fn with_server(server: FakeServer) -> Session {
        let client = Client::new().unwrap();
        let input = parse_server_input(&server.base_url()).unwrap();
        let caps = client.discover(&input).await.unwrap();
        Session {
            server,
            client,
            caps,
        }
    }

    /// Registers an app for both redirects (oob first), as the wizard does.
    async fn register(&self, scopes: &[&str]) -> Result<RegisteredApp, ApiError> {
        let registration = AppRegistration {
            client_name: "mastokey".into(),
            website: Some("https://example.org/mastokey".into()),
            redirect_uris: strings(&[OOB, CALLBACK]),
            scopes: strings(scopes),
        };
        self.client
            .register_app(&self.caps.base, &registration)
            .await
    }

    /// The authorize URL, with PKCE exactly where discovery found S256.
    fn authorize(
        &self,
        app: &RegisteredApp,
        scopes: &[&str],
        redirect_uri: &str,
        force_login: bool,
    ) -> AuthorizeRequest {
        authorize_url(
            &self.caps.base,
            &AuthorizeParams {
                client_id: app.client_id.clone(),
                redirect_uri: redirect_uri.into(),
                scopes: strings(scopes),
                pkce: self.caps.pkce_s256,
                force_login,
            },
        )
    }

    /// The user clicks "Authorize"; the code comes back as the user would paste it.
    fn approve(&self, request: &AuthorizeRequest, user: &str) -> Secret {
        let approval = self.server.approve(request.url.as_str(), user).unwrap();
        if request.redirect_uri == OOB {
            Secret::new(approval.code)
        } else {
            mastokey::mastodon::parse_pasted_code(&approval.redirect, &request.state).unwrap()
        }
    }

    async fn exchange(
        &self,
        app: &RegisteredApp,
        request: &AuthorizeRequest,
        code: &Secret,
    ) -> Result<TokenGrant, ApiError> {
        self.client
            .exchange_code(
                &self.caps.base,
                &credentials(app),
                code,
                &request.redirect_uri,
                request.pkce_verifier.as_ref(),
            )
            .await
    }

    /// Authorize as `user` over the oob redirect and exchange the code.
    async fn login(&self, app: &RegisteredApp, scopes: &[&str], user: &str) -> TokenGrant {
        let request = self.authorize(app, scopes, OOB, false);
        let code = self.approve(&request, user);
        self.exchange(app, &request, &code).await.unwrap()
    }

    async fn verify(
        &self,
        token: &Secret,
    ) -> Result<mastokey::mastodon::VerifiedAccount, ApiError> {
        self.client.verify_credentials(&self.caps.base, token).await
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn credentials(app: &RegisteredApp) -> AppCredentials {
    AppCredentials {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.duplicate(),
    }
}

/// A client whose connect and request timeouts are both `millis`.
fn impatient_client(millis: u64) -> Client {
    Client::with_timeouts(Duration::from_millis(millis), Duration::from_millis(millis)).unwrap()
}
