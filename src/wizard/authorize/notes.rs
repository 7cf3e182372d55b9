//! What the Authorize step says: why the code must be pasted, what to do if the browser gives no
//! answer, and the notice once the browser opened.

use jiff::SignedDuration;

use super::super::state::{NoticeKind, Session};
use super::AuthorizeScreen;

pub(super) const SSH_NOTE: &str = "Over SSH a browser would open on the remote machine: open the link on your own device \
     (r shows a QR code), approve, and paste the code here.";
// The code field has the focus here, so `r` is a letter: the QR code is reached from a button.
pub(super) const DEVICE_NOTE: &str = "Sign in on another device: open the link there (or Tab, then r for a QR code), approve, and type the code here.";
pub(super) const NO_LISTENER_NOTE: &str = "Paste the code the server shows after you approve.";
pub(super) const ONE_REDIRECT_NOTE: &str = "This server takes one redirect address per app, so the sign-in uses \
     the code: paste the code the server shows after you approve.";
pub(super) const PORT_TAKEN_NOTE: &str = "The port mastokey registered with this server is in use, so the \
     sign-in uses the code instead: paste the code the server shows after you approve.";
/// How long the loopback sign-in may take before the screen says what to do if it went wrong in
/// the browser (an error page there never reaches mastokey).
pub(super) const NO_ANSWER_AFTER: SignedDuration = SignedDuration::from_secs(6);
pub(super) const NO_ANSWER_HINT: &str =
    "No answer from the browser yet. If it shows an error, press m to paste a code instead.";
pub(super) const CODE_FLOW_OFFER: &str = "Press m to sign in with a code to paste instead.";

impl AuthorizeScreen {
    /// Says what to do in the browser just opened, and for whom.
    pub(super) fn browser_opened(&self, session: &mut Session) {
        let who = match (&self.server.reauth, &self.server.user) {
            (Some(target), _) => format!("as @{} ", target.handle),
            (None, Some(user)) => format!("as @{user} "),
            (None, None) if self.force_login => "as the new account ".to_owned(),
            (None, None) => String::new(),
        };
        let then = if self.listening() {
            "mastokey continues by itself"
        } else {
            "then paste the code"
        };
        session.notify(
            NoticeKind::Info,
            format!("Opened in the browser: sign in {who}and approve; {then}."),
        );
    }
}
