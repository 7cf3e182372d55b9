//! fake_server_tests
