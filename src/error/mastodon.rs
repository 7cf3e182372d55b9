//! Wording of the protocol layer's errors.

use std::fmt;

use crate::mastodon::{ApiError, InputError};

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid server name")
    }
}
impl std::error::Error for InputError {}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("network error")
    }
}
impl std::error::Error for ApiError {}
