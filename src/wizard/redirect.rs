//! The redirect URIs of the apps mastokey registers: where the server sends the browser after
//! the user approves.

/// The out-of-band redirect: the server shows the code on a page for the user to paste.
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Registered alongside, so a loopback capture can later be used without a new app.
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1/callback";

/// Every app mastokey registers carries both redirect URIs, in this order.
pub fn redirect_uris() -> Vec<String> {
    vec![OOB_REDIRECT.to_owned(), LOOPBACK_REDIRECT.to_owned()]
}
