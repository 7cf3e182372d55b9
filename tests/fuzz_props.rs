//! Property tests over everything that reads untrusted input, through the public API: server
//! input, pasted codes, server answers (the shared classifiers on `Raw`, and each call's own
//! classifier through a loopback server that answers with arbitrary statuses and bodies), and
//! vault files. Case counts stay small so `cargo test` stays fast; `fuzz/` holds the
//! coverage-guided targets for longer runs.
//!
//! Unit-level proptests live beside their code (`src/mastodon/server.rs`, `src/vault/model.rs`);
//! nothing here repeats them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use mastokey::mastodon::classify::{
    Raw, common_error, fallback_error, parse_rate_limit_reset, success_json,
};
use mastokey::mastodon::sanitize::{HINT_MAX, hint_from_body, sanitize_hint};
use mastokey::mastodon::{
    ApiError, AppCredentials, AppRegistration, Client, CodeInputError, parse_pasted_code,
    parse_server_input,
};
use mastokey::secret::Secret;
use mastokey::vault::{Kdf, Vault, VaultError};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

/// A character that must never reach the terminal from the network or a paste.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

// ---------------------------------------------------------------------------------------------
// Server input (never-panics and idempotence are in src/mastodon/server.rs; this adds the shape
// of a successful result).

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn server_input_success_is_a_bare_origin(
        input in prop_oneof![
            any::<String>(),
            "[ \t]{0,2}(HTTPS?://|https?://)?@?([a-zA-Z0-9._-]{1,6}@)?([a-zA-Z0-9ü-]{1,10}\\.){0,3}[a-zA-Z0-9-]{1,8}\\.?(:[0-9]{1,6})?/{0,3}[ \t\n]{0,2}",
            "(https?://)?(127\\.0\\.0\\.[0-9]{1,3}|localhost|\\[::1\\]|10\\.0\\.0\\.1)(:[0-9]{1,5})?/?",
        ]
    ) {
        if let Ok(parsed) = parse_server_input(&input) {
            let base = parsed.base.url();
            prop_assert_eq!(base.path(), "/");
            prop_assert!(base.query().is_none() && base.fragment().is_none());
            prop_assert!(base.username().is_empty() && base.password().is_none());
            prop_assert!(base.host_str().is_some_and(|h| !h.is_empty()));
            match base.scheme() {
                "https" => prop_assert!(!parsed.loopback_http),
                "http" => prop_assert!(parsed.loopback_http),
                other => prop_assert!(false, "scheme {other} from {input:?}"),
            }
            if let Some(user) = &parsed.user {
                prop_assert!(!user.is_empty());
                prop_assert!(!user.chars().any(|c| c.is_whitespace() || unsafe_char(c) || c == '@'));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pasted codes.

/// Characters a code may have (`check_code` in src/mastodon/oauth.rs).
fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// A query parameter of a pasted callback URL.
#[derive(Debug, Clone)]
enum Param {
    Code(String),
    State(String),
    Error(String),
    Other(String, String),
}

fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,50}",
        "[A-Za-z0-9_.~+/=%-]{0,20}",
        any::<String>(),
    ]
}

fn param(expected_state: String) -> impl Strategy<Value = Param> {
    prop_oneof![
        3 => value_text().prop_map(Param::Code),
        2 => Just(expected_state).prop_map(Param::State),
        2 => value_text().prop_map(Param::State),
        1 => value_text().prop_map(Param::Error),
        1 => ("[a-z_]{1,8}", value_text()).prop_map(|(k, v)| Param::Other(k, v)),
    ]
}

fn query(params: &[Param]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for p in params {
        match p {
            Param::Code(v) => query.append_pair("code", v),
            Param::State(v) => query.append_pair("state", v),
            Param::Error(v) => query.append_pair("error", v),
            Param::Other(k, v) => query.append_pair(k, v),
        };
    }
    query.finish()
}

fn pasted_url() -> impl Strategy<Value = (String, String, Vec<Param>)> {
    "[A-Za-z0-9_-]{8,32}".prop_flat_map(|expected| {
        (
            Just(expected.clone()),
            prop_oneof![
                Just("http://127.0.0.1:4567/callback?".to_owned()),
                Just("https://social.example/oauth/authorize/native?".to_owned()),
                Just(String::new()),
                Just("?".to_owned()),
                "[ \t\r\n]{0,3}(https?|[a-z]{1,5})://[a-z.]{1,12}(:[0-9]{1,5})?/[a-z/]{0,10}\\?",
            ],
            prop::collection::vec(param(expected), 0..5),
            "[ \t\r\n]{0,3}",
        )
            .prop_map(|(expected, prefix, params, suffix)| {
                (
                    format!("{prefix}{}{suffix}", query(&params)),
                    expected,
                    params,
                )
            })
    })
}

fn check_code_output(code: &Secret) -> Result<(), TestCaseError> {
    let code = code.expose();
    prop_assert!(!code.is_empty());
    prop_assert!(code.len() <= 512);
    prop_assert!(
        code.chars().all(code_char),
        "code {code:?} has whitespace, control or other characters"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pasted_code_any_text(input in any::<String>(), expected in "[A-Za-z0-9_-]{0,32}") {
        if let Ok(code) = parse_pasted_code(&input, &expected) {
            check_code_output(&code)?;
        }
    }

    #[test]
    fn pasted_bare_code_is_returned_trimmed(code in "[A-Za-z0-9_-]{1,64}", pad in "[ \t\r\n]{0,3}") {
        let input = format!("{pad}{code}{pad}");
        let parsed = parse_pasted_code(&input, "state").unwrap();
        prop_assert_eq!(parsed.expose(), code.as_str());
    }

    /// A callback URL (or its query) gives its code only when no `state` in it differs from
    /// the expected one, and never when it carries an `error`.
    #[test]
    fn pasted_url_code_only_with_matching_state((input, expected, params) in pasted_url()) {
        let result = parse_pasted_code(&input, &expected);
        let states: Vec<&String> =
            params.iter().filter_map(|p| if let Param::State(s) = p { Some(s) } else { None }).collect();
        let has_error = params.iter().any(|p| matches!(p, Param::Error(_)));
        let last_code = params.iter().rev().find_map(|p| if let Param::Code(c) = p { Some(c) } else { None });
        if let Ok(code) = &result {
            check_code_output(code)?;
            prop_assert!(!has_error, "a denied callback gave a code: {input:?}");
            prop_assert!(
                states.iter().all(|s| **s == expected),
                "{input:?} gave a code although a state differs from {expected:?}"
            );
            if input.contains('?') || input.trim_start().starts_with("code=") {
                prop_assert_eq!(Some(code.expose()), last_code.map(String::as_str));
            }
        }
        if !has_error && states.iter().any(|s| **s != expected) && input.contains('?') {
            prop_assert_eq!(result.err(), Some(CodeInputError::StateMismatch));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server answers: the shared classifiers, on arbitrary `Raw` responses.

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        let key = prop_oneof![
            "[a-z_]{1,16}",
            prop::sample::select(vec![
                "id",
                "username",
                "acct",
                "display_name",
                "url",
                "error",
                "error_description",
                "client_id",
                "client_secret",
                "access_token",
                "scope",
                "scopes",
                "domain",
                "uri",
                "version",
                "title",
                "links",
                "rel",
                "href",
                "software",
                "name",
            ])
            .prop_map(str::to_owned),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies a broken, hostile or non-Mastodon server might send.
fn arb_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        any::<String>().prop_map(String::into_bytes),
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        "[ \n]{0,2}<(!doctype html|html|HTML)>(<title>[^<]{0,40}</title>)?.{0,40}"
            .prop_map(String::into_bytes),
        Just(Vec::new()),
        Just(b"{not json".to_vec()),
    ]
}

fn arb_content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "application/json",
        "application/json; charset=utf-8",
        "text/html; charset=utf-8",
        "text/plain",
        "application/octet-stream",
    ]))
}

fn arb_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![200u16, 201, 204, 301, 302, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503]),
        1 => 200u16..600,
    ]
}

fn raw(status: u16, content_type: Option<&str>, rate_reset: Option<&str>, body: Vec<u8>) -> Raw {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_str(ct).unwrap(),
        );
    }
    if let Some(reset) = rate_reset.and_then(|r| HeaderValue::from_str(r).ok()) {
        headers.insert(HeaderName::from_static("x-ratelimit-reset"), reset);
    }
    Raw {
        status,
        headers,
        body,
        url: Url::parse("https://social.example/api/v1/x").unwrap(),
    }
}

/// Every hint an error carries is safe to draw and short.
fn check_hints(error: &ApiError) -> Result<(), TestCaseError> {
    let hint = match error {
        ApiError::Rejected { hint, .. }
        | ApiError::Server { hint, .. }
        | ApiError::Unexpected { hint, .. } => hint.as_deref(),
        _ => None,
    };
    if let Some(hint) = hint {
        prop_assert!(!hint.is_empty());
        prop_assert!(hint.chars().count() <= HINT_MAX);
        prop_assert!(!hint.chars().any(unsafe_char), "unsafe hint {hint:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shared_classifiers_never_panic(
        status in 0u16..1000,
        content_type in arb_content_type(),
        reset in prop::option::of(prop_oneof!["[0-9]{1,12}", any::<String>(), "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?Z"]),
        body in arb_body(),
    ) {
        let raw = raw(status, content_type, reset.as_deref(), body);
        let _ = raw.is_html();
        let _ = raw.json_error();
        if let Some(error) = common_error(&raw, &[]) {
            prop_assert!(status == 429 || (500..600).contains(&status));
            check_hints(&error)?;
        }
        check_hints(&fallback_error(&raw, &[]))?;
        match success_json(&raw, "thing") {
            Ok(map) => prop_assert_eq!(Some(map), raw.json_object()),
            Err(e) => prop_assert!(
                matches!(e, ApiError::Malformed { .. } | ApiError::NotMastodon { .. }),
                "success_json gave {e:?}"
            ),
        }
        if let Some(reset) = &reset {
            let _ = parse_rate_limit_reset(reset);
        }
    }

    #[test]
    fn hints_are_safe_and_scrubbed(
        body in arb_body(),
        html in any::<bool>(),
        secret in "[A-Za-z0-9_-]{12,43}",
        place in 0usize..4,
        split in 1usize..12,
        hidden in prop::sample::select(vec!['\u{200b}', '\u{1b}', '\u{7}', '\u{202e}', '\u{feff}', '\u{9b}']),
    ) {
        // The secret embedded in the body, in the places a server could echo it.
        let mut body = body;
        match place {
            0 => body.extend_from_slice(secret.as_bytes()),
            // Split by a character the sanitiser removes afterwards.
            3 => body = format!("bad code {}{hidden}{}", &secret[..split], &secret[split..]).into_bytes(),
            1 => body = serde_json::to_vec(&serde_json::json!({ "error": format!("bad code {secret}") })).unwrap(),
            _ => body = format!("<html><title>code {secret}</title></html>").into_bytes(),
        }
        if let Some(hint) = hint_from_body(&body, html, &[secret.as_str()]) {
            prop_assert!(!hint.contains(secret.as_str()), "hint {hint:?} leaks the secret");
            prop_assert!(hint.chars().count() <= HINT_MAX);
            prop_assert!(!hint.chars().any(unsafe_char));
        }
    }

    #[test]
    fn sanitize_hint_output_is_safe(text in any::<String>(), max in 1usize..200) {
        let out = sanitize_hint(&text, max);
        prop_assert!(out.chars().count() <= max);
        prop_assert!(!out.chars().any(unsafe_char));
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' '));
        prop_assert_eq!(sanitize_hint(&out, usize::MAX), out.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// Server answers: each call's own classifier, through a loopback server that gives one canned
// answer (status, content type, body) to every request.

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

// ---------------------------------------------------------------------------------------------
// Vault files: arbitrary `vault.age` next to a valid identity.

const PASS: &str = "fuzz passphrase";

/// A fresh vault (cheap KDF) and the recipient its data is encrypted to, read back from
/// `identity.age` the way the `age` CLI would.
fn vault_fixture() -> (tempfile::TempDir, age::x25519::Recipient) {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), &Secret::new(PASS), Kdf::insecure_for_tests(10)).unwrap();
    let sealed = std::fs::read(dir.path().join("identity.age")).unwrap();
    let decryptor = age::Decryptor::new_buffered(&sealed[..]).unwrap();
    let mut key = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASS.to_owned()));
    key.set_max_work_factor(12);
    let mut text = String::new();
    decryptor
        .decrypt(std::iter::once(&key as &dyn age::Identity))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let identity: age::x25519::Identity = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    (dir, identity.to_public())
}

/// Every file in `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Unlocks `dir` after writing `vault.age`; checks nothing was written by the attempt.
fn unlock_with(dir: &Path, vault_age: &[u8]) -> Result<Vault, VaultError> {
    std::fs::write(dir.join("vault.age"), vault_age).unwrap();
    let before = snapshot(dir);
    let result = Vault::unlock(dir, &Secret::new(PASS));
    assert_eq!(
        snapshot(dir),
        before,
        "unlocking wrote to the vault directory"
    );
    result
}

/// JSON close to a real vault, with random damage: other versions, wrong types, missing fields.
fn vault_like_json() -> impl Strategy<Value = Vec<u8>> {
    let account = arb_json().prop_map(|extra| {
        let mut account = serde_json::json!({
            "id": "1", "username": "alice", "domain": "social.example",
            "server": "https://social.example", "display_name": "", "token": "t",
            "scopes": ["profile"], "client_id": "c", "created_at": "2026-01-01T00:00:00Z",
        });
        if let (Value::Object(a), Value::Object(e)) = (&mut account, extra) {
            a.extend(e);
        }
        account
    });
    (
        prop_oneof![Just(1u64), any::<u64>(), 0u64..4],
        prop::collection::vec(account, 0..3),
        arb_json(),
    )
        .prop_map(|(version, accounts, servers)| {
            serde_json::to_vec(&serde_json::json!({
                "version": version, "servers": servers, "accounts": accounts,
            }))
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes are not an age file: a `Corrupt` error, never a panic or a vault.
    #[test]
    fn vault_age_arbitrary_bytes(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
            let mut b = b"age-encryption.org/v1\n-> X25519 ".to_vec();
            b.extend(tail);
            b
        }),
    ]) {
        let (dir, _) = vault_fixture();
        let result = unlock_with(dir.path(), &bytes);
        prop_assert!(matches!(result, Err(VaultError::Corrupt { .. })), "{result:?}");
    }

    /// Anything encrypted to the right key reaches the JSON decoder: a vault or a clear error.
    #[test]
    fn vault_age_arbitrary_plaintext(plain in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        vault_like_json(),
    ]) {
        let (dir, recipient) = vault_fixture();
        let sealed = age::encrypt(&recipient, &plain).unwrap();
        match unlock_with(dir.path(), &sealed) {
            Ok(vault) => {
                let value: Value = serde_json::from_slice(&plain).unwrap();
                prop_assert_eq!(value.get("version").and_then(Value::as_u64), Some(1));
                let _ = vault.data();
            }
            Err(VaultError::Corrupt { detail, .. }) => {
                // Never quotes the plaintext back (it may hold tokens).
                prop_assert!(!detail.contains("alice"), "detail quotes the file: {detail}");
            }
            Err(VaultError::NewerVersion { found, supported }) => prop_assert!(found > supported),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// A real vault file, truncated or with one byte flipped.
    #[test]
    fn vault_age_damaged(cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), bit in 0u8..8, truncate in any::<bool>()) {
        let (dir, _) = vault_fixture();
        let good = std::fs::read(dir.path().join("vault.age")).unwrap();
        let mut bad = good.clone();
        if truncate {
            bad.truncate(cut.index(good.len()));
        } else {
            bad[flip.index(good.len())] ^= 1 << bit;
        }
        let result = unlock_with(dir.path(), &bad);
        prop_assert!(matches!(result, Err(VaultError::Corrupt { .. })), "{result:?}");
    }
}
