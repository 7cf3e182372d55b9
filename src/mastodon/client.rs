//! The HTTP client and the rustls provider: two pooled reqwest clients (one that follows safe
//! redirects for discovery, one that never does) and two that never reuse a connection, a bounded
//! body reader, and transport failures mapped to `ApiError` (the classification itself is in
//! `classify`).
//!
//! Some servers close each connection after one response without `Connection: close`
//! (ARCHITECTURE.md, Server behaviour): a request on a pooled connection then meets a closed
//! socket. POSTs therefore always go on a fresh connection (a one-time code must never be spent
//! on a dead one), and a GET that meets a closed connection is sent once more on a fresh one.

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Once, OnceLock};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect;

use super::base_url::redirect_allowed;
use super::classify::{Raw, TransportFacts, classify_transport};
use super::errors::ApiError;
use super::sanitize::{HINT_MAX, sanitize_hint};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Discovery may follow www → apex and http → https, not an endless chain.
const MAX_REDIRECTS: usize = 5;
/// Nothing the protocol needs is bigger; a larger body is cut rather than buffered.
const MAX_BODY: usize = 1024 * 1024;

static PROVIDER: Once = Once::new();

/// Installs rustls's ring provider as the process default, once. reqwest is built with
/// `rustls-no-provider` (ring builds faster and smaller than aws-lc-rs) and panics if no
/// provider is installed when a client is built. Tests building their own clients call this too.
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        // Err only means another provider is already installed, which serves just as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The two HTTP clients. Cheap to clone (reqwest clients are reference-counted).
#[derive(Clone, Debug)]
pub struct Client {
    /// Follows redirects (https→https; http→http(s) on loopback; never https→http):
    /// discovery GETs only.
    pub(super) follow: reqwest::Client,
    /// Never follows redirects: every POST, and every request that carries a token, so a
    /// secret never reaches another origin.
    pub(super) direct: reqwest::Client,
    /// `follow` and `direct` without a connection pool, built on first use (building a client
    /// loads the TLS roots, which would double the start-up cost): every POST goes on `direct`'s,
    /// and a GET that met a closed connection is retried on the one of its kind.
    fresh: Arc<FreshClients>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl Client {
    pub fn new() -> Result<Client, ApiError> {
        Client::with_timeouts(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    pub fn with_timeouts(connect: Duration, request: Duration) -> Result<Client, ApiError> {
        install_crypto_provider();
        Ok(Client {
            follow: build(connect, request, true, true)?,
            direct: build(connect, request, false, true)?,
            fresh: Arc::new(FreshClients::default()),
            connect_timeout: connect,
            request_timeout: request,
        })
    }

    /// The client without a connection pool, following redirects or not.
    fn fresh(&self, follow: bool) -> Result<&reqwest::Client, ApiError> {
        let cell = if follow {
            &self.fresh.follow
        } else {
            &self.fresh.direct
        };
        if cell.get().is_none() {
            let built = build(self.connect_timeout, self.request_timeout, follow, false)?;
            // Another task may have set it meanwhile: the same configuration, either will do.
            let _ = cell.set(built);
        }
        cell.get().ok_or_else(|| ApiError::Setup {
            detail: "the connection-per-request client was not built".into(),
        })
    }

    /// Sends a request and reads its body, mapping transport failures to `ApiError`.
    pub(super) async fn send(
        &self,
        request: reqwest::RequestBuilder,
        host: &str,
    ) -> Result<Raw, ApiError> {
        let (pooled, request) = request.build_split();
        let request = request.map_err(|e| self.transport_error(&e, host))?;
        // Requests that carry credentials (a POST's form, a bearer header) never follow
        // redirects; the fresh client for them is the one without redirects as well.
        let credentials = request.method() != reqwest::Method::GET
            || request.headers().contains_key(header::AUTHORIZATION);
        let response = if request.method() == reqwest::Method::GET {
            let retry = request.try_clone();
            match (pooled.execute(request).await, retry) {
                (Err(e), Some(retry)) if closed_before_answer(&e) => {
                    self.fresh(!credentials)?.execute(retry).await
                }
                (result, _) => result,
            }
        } else {
            self.fresh(false)?.execute(request).await
        };
        let mut response = response.map_err(|e| self.transport_error(&e, host))?;
        let status = response.status().as_u16();
        let url = response.url().clone();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e, host))?
        {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        Ok(Raw {
            status,
            headers,
            body,
            url,
        })
    }

    fn transport_error(&self, error: &reqwest::Error, host: &str) -> ApiError {
        let limit = if error.is_connect() {
            self.connect_timeout
        } else {
            self.request_timeout
        };
        // Rounded up, so a sub-second test timeout never reads "within 0 s".
        let seconds = limit
            .as_millis()
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u64::MAX);
        let mut chain = String::new();
        let mut redirect_to = None;
        let mut too_many = false;
        let mut source: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(err) = source {
            if let Some(InsecureRedirect(to)) = err.downcast_ref::<InsecureRedirect>() {
                redirect_to = Some(to.clone());
            }
            too_many |= err.is::<TooManyRedirects>();
            chain.push_str(&err.to_string());
            chain.push('\n');
            source = err.source();
        }
        // The URL and host are in the messages; a host like `dns.example` must not look like a
        // DNS failure.
        if let Some(url) = error.url() {
            chain = chain.replace(url.as_str(), "");
        }
        let chain = chain.replace(host, "");
        let facts = TransportFacts {
            timeout: error.is_timeout(),
            dns: error.is_dns(),
            redirect_to,
            too_many_redirects: too_many,
            chain: &chain,
        };
        classify_transport(&facts, host, seconds)
    }
}

#[derive(Debug, Default)]
struct FreshClients {
    follow: OnceLock<reqwest::Client>,
    direct: OnceLock<reqwest::Client>,
}

/// A client that follows discovery's redirects or none, with or without a connection pool.
fn build(
    connect: Duration,
    request: Duration,
    follow: bool,
    pooled: bool,
) -> Result<reqwest::Client, ApiError> {
    let policy = if follow {
        discovery_policy()
    } else {
        redirect::Policy::none()
    };
    let mut builder = builder(connect, request).redirect(policy);
    if !pooled {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder.build().map_err(|e| ApiError::Setup {
        detail: sanitize_hint(&e.to_string(), HINT_MAX),
    })
}

/// https→https; http→http(s) on loopback; never https→http; at most `MAX_REDIRECTS`.
fn discovery_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(TooManyRedirects)
        } else if attempt
            .previous()
            .last()
            .is_some_and(|from| redirect_allowed(from, attempt.url()))
        {
            attempt.follow()
        } else {
            let to = attempt.url().host_str().unwrap_or("?").to_owned();
            attempt.error(InsecureRedirect(to))
        }
    })
}

/// The connection was closed before any answer came: what a reused connection that the server
/// had already closed looks like. hyper words it "connection closed before message completed".
fn closed_before_answer(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(err) = source {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("connection closed before message completed")
            || text.contains("incomplete message")
        {
            return true;
        }
        source = err.source();
    }
    false
}

fn builder(connect: Duration, request: Duration) -> reqwest::ClientBuilder {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    // Error texts on /api are localised by Accept-Language; the wording layer expects English.
    headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    reqwest::Client::builder()
        .user_agent(concat!("mastokey/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .connect_timeout(connect)
        .timeout(request)
}

#[derive(Debug)]
struct InsecureRedirect(String);
impl fmt::Display for InsecureRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to an insecure location on {}", self.0)
    }
}
impl StdError for InsecureRedirect {}

#[derive(Debug)]
struct TooManyRedirects;
impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}
impl StdError for TooManyRedirects {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn provider_installs_idempotently() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(Client::new().is_ok());
    }
}
