//! One request on the callback port: read its head, decide the page and the outcome, answer.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{CALLBACK_PATH, CallbackError, MAX_HEAD, Outcome};
use crate::mastodon::errors::CodeInputError;
use crate::mastodon::oauth::parse_pasted_code;
use crate::secret::Secret;

pub(super) enum HeadError {
    TooLarge,
    Closed,
}

/// Reads up to the blank line that ends the headers; returns what precedes it.
pub(super) async fn read_head<R: AsyncRead + Unpin>(stream: &mut R) -> Result<Vec<u8>, HeadError> {
    let mut head = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(HeadError::Closed);
        }
        // Search from just before the new bytes, in case the terminator straddles two reads.
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(from + end);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

/// Decides the page and the outcome of one request head (request line and headers).
pub(super) fn route(head: &[u8], expected_state: &str) -> (Page, Outcome) {
    let Some(line) = head.split(|&b| b == b'\n').next() else {
        return (Page::BadRequest, None);
    };
    let Ok(line) = std::str::from_utf8(line) else {
        return (Page::BadRequest, None);
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return (Page::BadRequest, None);
    };
    if !version.starts_with("HTTP/1.") {
        return (Page::BadRequest, None);
    }
    // Origin form (`/callback?…`); a proxy would send the absolute form (`http://host/…`).
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        return (Page::NotFound, None);
    }
    if method != "GET" {
        return (Page::MethodNotAllowed, None);
    }
    let outcome = callback(query, expected_state);
    let page = match &outcome {
        Ok(_) => Page::Received,
        Err(CallbackError::StateMismatch) => Page::WrongState,
        Err(CallbackError::Denied) => Page::Denied,
        Err(CallbackError::ServerError { .. }) => Page::ServerError,
        Err(_) => Page::NoCode,
    };
    (page, Some(outcome))
}

/// Reads a callback query. The state is checked first: nothing else of a foreign answer counts.
fn callback(query: &str, expected_state: &str) -> Result<Secret, CallbackError> {
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value);
    // An empty expected state would accept a blank one: never a match.
    if expected_state.is_empty() || state.as_deref() != Some(expected_state) {
        return Err(CallbackError::StateMismatch);
    }
    // The same reading as a pasted callback address: error first, then the code's characters.
    let address = format!("http://127.0.0.1{CALLBACK_PATH}?{query}");
    parse_pasted_code(&address, expected_state).map_err(|e| match e {
        CodeInputError::Denied => CallbackError::Denied,
        CodeInputError::ServerError { description } => CallbackError::ServerError { description },
        CodeInputError::StateMismatch => CallbackError::StateMismatch,
        CodeInputError::Empty | CodeInputError::MissingCode => CallbackError::MissingCode,
        CodeInputError::InvalidCharacters => CallbackError::InvalidCode,
    })
}

/// The pages the browser can get. Fixed texts: nothing from the request is echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Page {
    Received,
    WrongState,
    Denied,
    ServerError,
    NoCode,
    NotFound,
    MethodNotAllowed,
    BadRequest,
    TooLarge,
}

impl Page {
    pub(super) fn status(self) -> &'static str {
        match self {
            Page::Received | Page::Denied => "200 OK",
            Page::WrongState | Page::ServerError | Page::NoCode | Page::BadRequest => {
                "400 Bad Request"
            }
            Page::NotFound => "404 Not Found",
            Page::MethodNotAllowed => "405 Method Not Allowed",
            Page::TooLarge => "431 Request Header Fields Too Large",
        }
    }

    pub(super) fn text(self) -> &'static str {
        match self {
            Page::Received => {
                "mastokey received the authorization. You can close this tab and return to the terminal."
            }
            Page::WrongState => {
                "This sign-in answer does not belong to the current mastokey request, so it was ignored. Return to the terminal and open the latest authorize link, or paste the code there."
            }
            Page::Denied => {
                "mastokey was not authorized. You can close this tab; to try again, open the authorize link from the terminal once more."
            }
            Page::ServerError => {
                "The server sent an error instead of an authorization code. Return to the terminal: mastokey shows what the server said, and you can sign in by pasting the code instead."
            }
            Page::NoCode => {
                "This answer holds no usable authorization code. Return to the terminal and open the authorize link again, or paste the code there."
            }
            Page::NotFound => "Not found.",
            Page::MethodNotAllowed => "Only GET is served here.",
            Page::BadRequest => "This request could not be read.",
            Page::TooLarge => "This request is too large.",
        }
    }

    pub(super) fn response(self) -> String {
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mastokey</title></head>\n<body><p>{}</p></body></html>\n",
            self.text()
        );
        let allow = if self == Page::MethodNotAllowed {
            "Allow: GET\r\n"
        } else {
            ""
        };
        format!(
            "HTTP/1.1 {}\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\n\
             Cache-Control: no-store\r\n\
             Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n\
             X-Content-Type-Options: nosniff\r\n\
             Referrer-Policy: no-referrer\r\n\
             {allow}\
             Connection: close\r\n\
             \r\n\
             {body}",
            self.status(),
            body.len(),
        )
    }
}

pub(super) async fn respond(stream: &mut TcpStream, page: Page) -> std::io::Result<()> {
    stream.write_all(page.response().as_bytes()).await?;
    stream.shutdown().await
}
