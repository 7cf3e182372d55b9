//! The command line: clap definitions turned into one `Command` value.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clap_complete::Shell;

use crate::error::EXIT_USAGE;

#[derive(Debug, Parser)]
#[command(
    name = "mastokey",
    version,
    about = "Create Mastodon access tokens in a guided terminal wizard, keep them in an encrypted vault, re-verify them.",
    long_about = "Create Mastodon access tokens in a guided terminal wizard, keep them in an encrypted \
vault, and re-verify them.\n\nRun without arguments for the full-screen wizard: it opens your accounts, or \
walks you through adding the first one.",
    after_help = "ACCOUNT is user@domain, or any unambiguous prefix of it (\"alice\", \"alice@soc\"). \
The domain is what the server claims, so two entries can share one handle (the same account \
reached under two addresses, or a server claiming another's domain): `mastokey list` then shows \
each with its server, as in \"bob@social.example (127.0.0.1:3308)\", and either that name or \
user@domain@SERVER (SERVER as host[:port] or URL, e.g. bob@social.example@127.0.0.1:3308) picks \
one.\n\n\
Exit codes: 0 success, 1 a token is not valid, 2 usage error, 3 vault error (or locked, for `status`), 4 network or \
server error, 130 the wizard was quit before the account it was adding was saved.\n\n\
Environment: MASTOKEY_CONFIG_DIR (vault location), MASTOKEY_PASSPHRASE_COMMAND, MASTOKEY_PASSPHRASE_FILE, \
MASTOKEY_PASSPHRASE (unlock without a prompt, tried in this order), MASTOKEY_NO_AGENT (do not use \
the agent of `mastokey unlock`), BROWSER, NO_COLOR."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an account in the wizard, optionally starting with SERVER.
    Add {
        // Not a doc comment: clap prints doc text as written, and the markup rustdoc wants around
        // a bare URL (`<https://…>`) would show up in `--help`.
        #[arg(
            help = "A server name, URL or handle: mastodon.social, https://mastodon.social/, @alice@mastodon.social."
        )]
        server: Option<String>,
    },
    /// List the stored accounts.
    List {
        /// Print JSON (see the README for the shape).
        #[arg(long)]
        json: bool,
    },
    /// Check stored tokens against their servers (all accounts when none is named).
    #[command(
        after_help = "Exit code: 0 when every checked token is valid; 1 when any token is not \
valid (revoked, invalid, insufficient scope, account disabled or pending), even if other checks \
failed for network reasons; otherwise 4 when any server could not be reached or answered with an \
error. Results are recorded in the vault either way."
    )]
    Verify {
        /// Accounts to check: user@domain, an unambiguous prefix, or user@domain@SERVER.
        accounts: Vec<String>,
        /// Print JSON (see the README for the shape).
        #[arg(long)]
        json: bool,
    },
    /// Print an account's bare token on stdout, for piping into a secret store.
    Token {
        /// user@domain, an unambiguous prefix, or user@domain@SERVER.
        account: String,
    },
    /// Run a command with `MASTODON_ACCESS_TOKEN` and `MASTODON_API_BASE_URL` set for it alone.
    #[command(
        after_help = "MASTODON_API_BASE_URL is the server's base URL without a trailing slash. \
On Unix mastokey replaces itself with the command, so its exit status (a signal included) is \
the command's own."
    )]
    Exec {
        /// user@domain, an unambiguous prefix, or user@domain@SERVER.
        account: String,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<OsString>,
    },
    /// Remove an account from the vault.
    #[command(
        after_help = "Asks for confirmation only when stdin is a terminal and --yes is not \
given. With --revoke, the token is revoked on the server first, and only a revoke that worked \
removes the account: when the server cannot be reached or refuses, the account stays in the vault \
(its token still works), the error says why, and the exit code is 4 (3 when the vault lacks the \
app that issued the token). A token adopted with `mastokey import` has no app credentials: it is \
removed here only (exit 0), and the message names the server's Authorized-apps page. Run `mastokey remove ACCOUNT` without --revoke to remove it here only."
    )]
    Remove {
        /// user@domain, an unambiguous prefix, or user@domain@SERVER.
        account: String,
        /// Revoke the token on the server first (if that fails, nothing is removed).
        #[arg(long)]
        revoke: bool,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Adopt a token made elsewhere: read it from stdin, check it on SERVER, store it.
    #[command(
        after_help = "The token is read from stdin (typed without echo on a terminal), never \
from an argument, since arguments show in `ps`. It is checked with verify_credentials first: \
exit 1 when it is not valid (nothing is saved), 4 when the server cannot be reached, 3 for a \
vault error. A token adopted this way comes without its app's credentials, so `remove --revoke` \
removes it here only and names the server's Authorized-apps page.\n\n\
With --from-toot, the accounts in toot's config.json are checked and the valid ones stored, with \
toot's app credentials so they can be revoked. toot's file is never changed.\n\n\
An account already stored (same server and account id) is kept unless you answer Replace at \
the terminal or give --replace."
    )]
    Import {
        /// The token's server: a name, URL or handle.
        #[arg(required_unless_present = "from_toot", conflicts_with = "from_toot")]
        server: Option<String>,
        /// Import from toot's config.json (default: `$XDG_CONFIG_HOME/toot/config.json`, else
        /// `~/.config/toot/config.json`).
        #[arg(long, value_name = "PATH", num_args = 0..=1)]
        // clap's way to tell "absent" from "given without a path" from "given with one".
        #[allow(clippy::option_option)]
        from_toot: Option<Option<std::path::PathBuf>>,
        /// Replace a stored entry of the same account without asking.
        #[arg(long)]
        replace: bool,
        /// A token given as an argument: refused without being echoed (arguments show in `ps`
        /// and the shell's history), so clap's "unexpected argument" never prints it.
        #[arg(
            hide = true,
            num_args = 0..,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        stray: Vec<String>,
    },
    /// Unlock once: start an agent that holds the vault key, so commands need no passphrase.
    #[command(
        after_help = "Asks for the passphrase once (or reads a MASTOKEY_PASSPHRASE_* variable) \
and starts a per-user agent holding the decrypted vault key, never the passphrase. Commands use \
it while it runs; MASTOKEY_NO_AGENT=1 turns that off. The agent forgets the key and exits after \
--timeout without use, or at `mastokey lock`."
    )]
    #[cfg(unix)]
    Unlock {
        /// Idle time before the agent forgets the key: seconds, or with s, m or h (15m).
        #[arg(long, default_value = "15m", value_parser = crate::commands::parse_timeout)]
        timeout: std::time::Duration,
    },
    /// Make the unlock agent forget the vault key.
    #[cfg(unix)]
    Lock,
    /// Show whether the unlock agent holds the vault key, and for how long.
    #[cfg(unix)]
    Status,
    /// The unlock agent itself (started by `mastokey unlock`).
    #[cfg(unix)]
    #[command(hide = true, name = "agent-serve")]
    AgentServe {
        #[arg(long)]
        socket: std::path::PathBuf,
        #[arg(long, value_parser = crate::commands::parse_timeout)]
        timeout: std::time::Duration,
    },
    /// Change the vault passphrase.
    Passwd,
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: Shell,
    },
}

impl Cli {
    pub fn try_parse_from(args: impl IntoIterator<Item = OsString>) -> Result<Self, clap::Error> {
        <Self as Parser>::try_parse_from(args)
    }
}

/// Prints clap's message (help and version go to stdout with 0, usage errors to stderr with 2).
pub fn report_usage_error(error: &clap::Error) -> ExitCode {
    if error.use_stderr() {
        // A usage error echoes the arguments, which may hold escape sequences: cleaned (and
        // uncoloured) like all other output.
        crate::commands::output::eprintln(error.render().to_string().trim_end());
        ExitCode::from(EXIT_USAGE)
    } else {
        // Help and version: printing can only fail on a closed stream, and then there is
        // nobody left to tell.
        let _ = error.print();
        ExitCode::SUCCESS
    }
}
