//! Server answers: each call's own classifier, through a loopback server that gives one canned
//! answer (status, content type, body) to every request.

use super::classify::{arb_body, arb_content_type, arb_status, check_hints};
use super::*;

#[derive(Clone, Debug)]
struct Canned {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

struct Loopback {
    base: mastokey::mastodon::BaseUrl,
    canned: Arc<Mutex<Canned>>,
    /// One runtime and client for every case: building a client costs tens of milliseconds.
    /// Every answer closes its connection, so nothing pooled outlives a case.
    runtime: tokio::runtime::Runtime,
    client: Client,
}

/// One server for the whole test binary; cases that use it hold `LOOPBACK_CASE` so they never
/// see another test's answer.
fn loopback() -> &'static Loopback {
    static SERVER: OnceLock<Loopback> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = mastokey::mastodon::BaseUrl::parse(&format!(
            "http://{}",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let canned = Arc::new(Mutex::new(Canned {
            status: 200,
            content_type: None,
            body: Vec::new(),
        }));
        let answer = Arc::clone(&canned);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let canned = answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                std::thread::spawn(move || serve_one(stream, &canned));
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = Client::with_timeouts(Duration::from_secs(2), Duration::from_secs(5)).unwrap();
        Loopback {
            base,
            canned,
            runtime,
            client,
        }
    })
}

static LOOPBACK_CASE: Mutex<()> = Mutex::new(());

fn serve_one(mut stream: TcpStream, canned: &Canned) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // Read the request head and its body, so closing does not reset the connection.
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let mut response = format!("HTTP/1.1 {} Canned\r\nconnection: close\r\n", canned.status);
    if let Some(ct) = canned.content_type {
        response.push_str("content-type: ");
        response.push_str(ct);
        response.push_str("\r\n");
    }
    response.push_str("content-length: ");
    response.push_str(&canned.body.len().to_string());
    response.push_str("\r\n\r\n");
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(&canned.body);
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

/// Runs `call` against the loopback server answering with `canned`.
fn with_answer<T>(
    canned: Canned,
    call: impl AsyncFnOnce(&Client, &mastokey::mastodon::BaseUrl) -> T,
) -> T {
    let _case = LOOPBACK_CASE.lock().unwrap_or_else(PoisonError::into_inner);
    let server = loopback();
    *server.canned.lock().unwrap_or_else(PoisonError::into_inner) = canned;
    server.runtime.block_on(call(&server.client, &server.base))
}

fn canned() -> impl Strategy<Value = Canned> {
    (arb_status(), arb_content_type(), arb_body()).prop_map(|(status, content_type, body)| Canned {
        status,
        content_type,
        body,
    })
}

fn body_object(body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn nonempty_str(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    map.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// A 2xx whose body is not what the call needs is an error naming the unreadable answer, or
/// "not Mastodon", never a success.
fn check_2xx_garbage(status: u16, error: &ApiError) -> Result<(), TestCaseError> {
    if status == 200 {
        prop_assert!(
            matches!(
                error,
                ApiError::Malformed { .. } | ApiError::NotMastodon { .. }
            ),
            "200 with an unusable body gave {error:?}"
        );
    }
    Ok(())
}

const SECRET: &str = "SeCrEtClientSecret0123456789";
const CODE: &str = "AuThCoDe0123456789abcdefghijk";
const TOKEN: &str = "ToKeN0123456789abcdefghijklmnop";

/// The secrets a request carried never come back in an error (they are scrubbed from hints).
fn check_no_secrets(error: &ApiError, sent: &[&str]) -> Result<(), TestCaseError> {
    let shown = format!("{error:?}");
    for secret in sent {
        prop_assert!(!shown.contains(secret), "{shown} leaks {secret}");
    }
    Ok(())
}

/// A body that echoes the request's secrets, as a careless server would, in an error field
/// or in a page title.
fn echoing(canned: Canned, echo: u8, sent: &[&str]) -> Canned {
    let mut canned = canned;
    let text = format!("rejected: {}", sent.join(" and "));
    match echo {
        1 => {
            canned.body = serde_json::to_vec(&serde_json::json!({ "error": text })).unwrap();
        }
        2 => canned.body = format!("<html><title>{text}</title></html>").into_bytes(),
        3 => canned.body = text.into_bytes(),
        _ => {}
    }
    canned
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn register_app_answers(canned in canned()) {
        let (status, body) = (canned.status, canned.body.clone());
        let app = AppRegistration {
            client_name: "mastokey".into(),
            website: None,
            redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
            scopes: vec!["profile".into()],
        };
        let result = with_answer(canned, async |client, base| client.register_app(base, &app).await);
        let usable = body_object(&body)
            .is_some_and(|m| nonempty_str(&m, "client_id") && nonempty_str(&m, "client_secret"));
        match result {
            Ok(registered) => {
                prop_assert!(matches!(status, 200 | 201) && usable, "{status} {body:?} registered");
                prop_assert!(!registered.client_id.is_empty() && !registered.client_secret.is_empty());
            }
            Err(error) => {
                check_hints(&error)?;
                if !usable {
                    check_2xx_garbage(status, &error)?;
                }
            }
        }
    }

    #[test]
    fn exchange_code_answers(canned in canned(), echo in 0u8..4) {
        let canned = echoing(canned, echo, &[CODE, SECRET]);
        let (status, body) = (canned.status, canned.body.clone());
        let app = AppCredentials { client_id: "cid".into(), client_secret: Secret::new(SECRET) };
        let result = with_answer(canned, async |client, base| {
            client.exchange_code(base, &app, &Secret::new(CODE), "urn:ietf:wg:oauth:2.0:oob", None).await
        });
        let usable = body_object(&body).is_some_and(|m| nonempty_str(&m, "access_token"));
        match result {
            Ok(grant) => {
                prop_assert!(status == 200 && usable, "{status} {body:?} gave a token");
                prop_assert!(!grant.access_token.is_empty());
            }
            Err(error) => {
                check_hints(&error)?;
                check_no_secrets(&error, &[CODE, SECRET])?;
                if !usable {
                    check_2xx_garbage(status, &error)?;
                }
            }
        }
    }

    #[test]
    fn verify_credentials_answers(canned in canned(), echo in 0u8..4) {
        let canned = echoing(canned, echo, &[TOKEN]);
        let (status, body) = (canned.status, canned.body.clone());
        let result = with_answer(canned, async |client, base| {
            client.verify_credentials(base, &Secret::new(TOKEN)).await
        });
        let usable = body_object(&body).is_some_and(|m| {
            let id = match m.get("id") {
                Some(Value::String(s)) => !sanitize_hint(s, 100).is_empty(),
                Some(Value::Number(_)) => true,
                _ => false,
            };
            id && m.get("username").and_then(Value::as_str).is_some_and(|u| !sanitize_hint(u, 100).is_empty())
        });
        match result {
            Ok(account) => {
                prop_assert!(status == 200 && usable, "{status} {body:?} verified");
                for field in [&account.id, &account.username, &account.acct, &account.display_name] {
                    prop_assert!(!field.chars().any(unsafe_char), "unsafe account field {field:?}");
                }
                prop_assert!(!account.id.is_empty() && !account.username.is_empty());
            }
            Err(error) => {
                check_hints(&error)?;
                check_no_secrets(&error, &[TOKEN])?;
                if !usable {
                    check_2xx_garbage(status, &error)?;
                }
            }
        }
    }

    #[test]
    fn revoke_answers(canned in canned(), echo in 0u8..4) {
        let canned = echoing(canned, echo, &[TOKEN, SECRET]);
        let status = canned.status;
        let app = AppCredentials { client_id: "cid".into(), client_secret: Secret::new(SECRET) };
        let result = with_answer(canned, async |client, base| {
            client.revoke(base, &app, &Secret::new(TOKEN)).await
        });
        match result {
            Ok(()) => prop_assert!(matches!(status, 200 | 204), "{status} counted as revoked"),
            Err(error) => {
                check_hints(&error)?;
                check_no_secrets(&error, &[TOKEN, SECRET])?;
            }
        }
    }

    /// Every discovery endpoint gives the same answer: success needs a 200 JSON object naming
    /// a domain or version, and what is kept from it is safe to draw.
    #[test]
    fn discovery_answers(canned in canned()) {
        let (status, body) = (canned.status, canned.body.clone());
        let result = with_answer(canned, async |client, base| {
            let input = parse_server_input(base.as_str()).unwrap();
            client.discover(&input).await
        });
        let usable = body_object(&body).is_some_and(|m| {
            ["domain", "uri", "version"].iter().any(|k| {
                m.get(*k).and_then(Value::as_str).is_some_and(|s| !sanitize_hint(s, 100).is_empty())
            })
        });
        match result {
            Ok(caps) => {
                prop_assert!(status == 200 && usable, "{status} {body:?} discovered");
                prop_assert!(!caps.domain.chars().any(unsafe_char), "unsafe domain {:?}", caps.domain);
                if let Some(title) = &caps.title {
                    prop_assert!(!title.chars().any(unsafe_char), "unsafe title {title:?}");
                }
                prop_assert!(!caps.software.to_string().chars().any(unsafe_char));
            }
            Err(error) => {
                check_hints(&error)?;
                if !usable {
                    check_2xx_garbage(status, &error)?;
                }
            }
        }
    }
}
