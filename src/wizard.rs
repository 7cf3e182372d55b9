//! The full-screen wizard. `State` + pure `update` (flow.rs) drive one file per screen; screens
//! return an `Outcome` and only flow.rs decides which screen follows. The runner (runner.rs) owns
//! the terminal; the executor (executor.rs) carries out effects. Only this module touches
//! ratatui and crossterm.

mod adopt;
mod authorize;
mod discard;
mod executor;
mod farewell;
mod flow;
mod home;
mod hyperlink;
mod msg;
mod outcome;
mod passphrase;
mod qr;
mod random;
mod redirect;
mod register;
mod reopen;
mod runner;
mod scopes;
mod server;
mod shared_choice;
mod state;
mod text_field;
mod theme;
mod unlock;
mod verify;
mod view;
mod view_model;

pub use executor::Services;
pub use hyperlink::hyperlinks_supported;
pub use random::OsRandom;
pub use runner::{Deps, run};
pub use state::Start;
#[cfg(test)]
mod tests;
