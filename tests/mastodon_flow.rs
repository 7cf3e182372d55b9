//! The protocol layer against the fake server.
