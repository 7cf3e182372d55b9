//! The full-screen wizard. `State` + pure `update` (state.rs) drive one file per screen; the
//! runner (runner.rs) owns the terminal and carries out effects. Only this module touches
//! ratatui and crossterm.

mod authorize;
mod home;
mod msg;
mod qr;
mod register;
mod runner;
mod scopes;
mod server;
mod state;
mod text_field;
mod theme;
mod unlock;
mod verify;
mod view;
mod view_model;

pub use runner::{Deps, run};
pub use state::Start;
#[cfg(test)]
mod tests;
