//! The HTML pages: authorize error, consent, the oob code page, 404.

use std::fmt::Write as _;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{} - Fake Social</title></head>\n\
         <body>\n{body}\n</body>\n</html>\n",
        escape(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response()
}

/// `oauth/authorizations/error.html.haml`: the description in a page, never a redirect.
pub fn authorize_error(status: StatusCode, description: &str) -> Response {
    let body = format!(
        "<div class=\"form-container\">\n<div class=\"flash-message alert\">\n<strong>An error has occurred</strong>\n\
         <pre class=\"error-description\">{}</pre>\n</div>\n</div>",
        escape(description)
    );
    page(status, "An error has occurred", &body)
}

/// The text of an error page produced by [`authorize_error`].
pub fn error_description(html: &str) -> Option<String> {
    let start =
        html.find("<pre class=\"error-description\">")? + "<pre class=\"error-description\">".len();
    let end = start + html[start..].find("</pre>")?;
    Some(unescape(&html[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The consent page: Authorize and Deny forms carrying the request as hidden fields, plus a
/// `user` field standing in for the sign-in (the fake has no sessions).
pub fn consent(app_name: &str, scopes: &[String], user: &str, hidden: &[(&str, &str)]) -> Response {
    let mut fields = String::new();
    for (k, v) in hidden {
        let _ = writeln!(
            fields,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(k),
            escape(v)
        );
    }
    let mut scope_list = String::new();
    for scope in scopes {
        let _ = writeln!(scope_list, "<li>{}</li>", escape(scope));
    }
    let body = format!(
        "<div class=\"form-container\">\n<h2>Authorization required</h2>\n\
         <p><strong class=\"app-name\">{app}</strong> would like permission to access your account.</p>\n\
         <ul class=\"scopes\">\n{scope_list}</ul>\n\
         <form class=\"simple_form\" method=\"post\" action=\"/oauth/authorize\">\n{fields}\
         <label>Signed in as @<input type=\"text\" name=\"user\" value=\"{user}\"></label>\n\
         <button type=\"submit\">Authorize</button>\n</form>\n\
         <form method=\"post\" action=\"/oauth/authorize\">\n<input type=\"hidden\" name=\"_method\" value=\"delete\">\n\
         {fields}<button type=\"submit\" class=\"negative\">Deny</button>\n</form>\n</div>",
        app = escape(app_name),
        user = escape(user),
    );
    page(StatusCode::OK, "Authorization required", &body)
}

/// `oauth/authorizations/show.html.haml`: the oob code in a copy box.
pub fn native_code(code: &str) -> Response {
    let body = format!(
        "<div class=\"form-container\">\n<p>Copy this authorization code and paste it to the application.</p>\n\
         <input type=\"text\" class=\"oauth-code\" readonly spellcheck=\"false\" value=\"{}\">\n\
         <button type=\"button\" class=\"copy\">Copy</button>\n</div>",
        escape(code)
    );
    page(StatusCode::OK, "Authorization code", &body)
}

/// GoToSocial's out-of-band page: the code in a sentence.
pub fn gotosocial_oob(code: &str) -> Response {
    let body = format!(
        "<main><h2>Here's your out-of-band token with scope \"read\", use it wisely:</h2>\n<code>{}</code></main>",
        escape(code)
    );
    page(StatusCode::OK, "Out-of-band token", &body)
}

/// An unhandled exception behind the server (Takahē answers a wrong code this way).
pub fn server_error() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server Error (500)",
        "<h1>Server Error (500)</h1>",
    )
}

pub fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "The page you are looking for isn't here.",
        "<div class=\"error\"><h1>The page you are looking for isn't here.</h1></div>",
    )
}
