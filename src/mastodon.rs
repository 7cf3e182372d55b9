//! The Mastodon protocol layer (placeholder until the Foundation work lands).

#[derive(Debug)]
pub enum InputError {
    Empty,
}

#[derive(Debug)]
pub enum ApiError {
    Timeout,
}
