//! mastodon_flow
