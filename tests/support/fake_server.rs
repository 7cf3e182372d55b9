//! The fake Mastodon server (see fake_server/).
