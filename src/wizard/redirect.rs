//! The redirect URIs of the apps mastokey registers: where the server sends the browser after
//! the user approves.

/// The out-of-band redirect: the server shows the code on a page for the user to paste.
pub use crate::mastodon::callback::OOB_REDIRECT;
/// The port-less loopback URI of apps registered by older versions: servers that ignore the
/// loopback port accept any port with it.
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1/callback";
