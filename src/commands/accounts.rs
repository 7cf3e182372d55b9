//! Account operations on the vault shared by the wizard and the commands: storing a verified
//! account with its app, finding apps to reuse, recording checks, removing.
