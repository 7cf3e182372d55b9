//! An https server that redirects discovery to plain http on loopback: a downgrade that must not
//! be followed. The https side uses a test certificate (`tests/support/tls/`), trusted only by a
//! child run of this test through `SSL_CERT_FILE`, so no other test's trust store changes.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use mastokey::mastodon::{ApiError, Client, parse_server_input};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::support::fake_server::{FakeServer, Mode};

/// Set in the child run: the https address to discover.
const CHILD_URL: &str = "MASTOKEY_TEST_DOWNGRADE_URL";
const TEST_NAME: &str = "mastodon_flow::downgrade::discovery_never_follows_https_down_to_http";

fn tls_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls")
}

/// Answers every request on `127.0.0.1:<port>` over TLS with a redirect to `to` + the path.
async fn https_redirector(to: String) -> u16 {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let dir = tls_dir();
    let certs = CertificateDer::pem_file_iter(dir.join("cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).unwrap();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let to = to.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = vec![0u8; 8192];
                let n = tls.read(&mut head).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&head[..n]);
                let path = head.split(' ').nth(1).unwrap_or("/");
                let answer = format!(
                    "HTTP/1.1 301 Moved Permanently\r\nLocation: {to}{path}\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_never_follows_https_down_to_http() {
    if let Ok(url) = std::env::var(CHILD_URL) {
        // The child: its trust store holds the test certificate.
        let input = parse_server_input(&url).unwrap();
        let result = Client::new().unwrap().discover(&input).await;
        // Not a TLS error (the https side worked), and not a success: the redirect was refused.
        assert!(
            matches!(result, Err(ApiError::InsecureRedirect { .. })),
            "{result:?}"
        );
        return;
    }
    let server = FakeServer::start(Mode::Mastodon47);
    let port = https_redirector(server.base_url()).await;
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, format!("https://127.0.0.1:{port}"))
        .env("SSL_CERT_FILE", tls_dir().join("cert.pem"))
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success(), "{out}");
    assert!(out.contains("1 passed"), "the child ran no test: {out}");
    // Nothing reached the plain-http server.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
