//! Terminal safety of every command: a hostile server puts escape sequences, C1 controls and
//! bidi overrides into every text field (scope included), and an older vault may already hold
//! such values. Nothing that reaches stdout or stderr may carry a byte a terminal acts on.

use std::process::Stdio;

use mastokey::vault::model::AccountKey;

use super::{Cli, Run, add, run};
use crate::support::fake_server::{ESCAPES, FakeServer, Mode};

/// The first character in `text` a terminal would act on, other than a line break.
fn unsafe_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        let code = u32::from(c);
        (code < 0x20 && c != '\n')
            || (0x7f..=0x9f).contains(&code)
            || matches!(
                c,
                '\u{061c}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{206f}'
                    | '\u{feff}'
            )
    })
}

fn assert_clean(what: &str, out: &Run) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(c) = unsafe_char(text) {
            panic!("{what}: {stream} holds U+{:04X}: {out:?}", u32::from(c));
        }
    }
}

struct Hostile {
    cli: Cli,
    _server: FakeServer,
    /// The names the CLI accepts for eve (whose stored fields were tainted) and evan.
    eve: String,
    evan: String,
    evan_token: String,
}

/// Two accounts from a server that taints everything; eve's stored fields are then tainted
/// again, as a vault written before values were checked at the protocol boundary would hold.
fn hostile() -> Hostile {
    let cli = Cli::new();
    let server = FakeServer::start(Mode::Mastodon47).with_escapes();
    let mut vault = cli.create_vault();
    add(&mut vault, &server, "eve");
    let evan = add(&mut vault, &server, "evan");
    vault
        .update(|data| {
            let eve = &mut data.accounts[0];
            eve.username = format!("eve{ESCAPES}");
            eve.display_name = format!("Eve{ESCAPES}");
            eve.scopes.push(ESCAPES.to_owned());
            eve.last_detail = Some(ESCAPES.to_owned());
        })
        .unwrap();
    let data = vault.data();
    let name = |i: usize| {
        let a = &data.accounts[i];
        data.argument_name(&AccountKey::new(&a.server, &a.id))
            .unwrap()
    };
    Hostile {
        eve: name(0),
        evan: name(1),
        evan_token: evan.token,
        cli,
        _server: server,
    }
}

#[test]
fn every_command_output_is_free_of_terminal_controls() {
    let h = hostile();
    let list = h.cli.run(&["list"]);
    list.code(0);
    assert_clean("list", &list);
    assert!(list.stdout.contains("eve]0;TITLE"), "{list:?}");

    let json = h.cli.run(&["list", "--json"]);
    json.code(0);
    assert_clean("list --json", &json);
    // The values themselves are kept, escaped as JSON.
    let value = json.json();
    let accounts = value["accounts"].as_array().unwrap();
    assert!(
        accounts
            .iter()
            .flat_map(|a| a["scopes"].as_array().unwrap())
            .any(|s| s.as_str() == Some(ESCAPES)),
        "{json:?}"
    );

    let verify = h.cli.run(&["verify"]);
    assert_clean("verify", &verify);
    let verify_json = h.cli.run(&["verify", "--json"]);
    assert_clean("verify --json", &verify_json);
    verify_json.json();

    let token = h.cli.run(&["token", &h.evan]);
    token.code(0);
    assert_eq!(token.stdout, format!("{}\n", h.evan_token));
    assert_clean("token", &token);

    // The user's own argument, echoed back in the error, and the stored names it lists.
    let unknown = h
        .cli
        .run(&["token", "zed\u{1b}]0;TITLE\u{7}\u{9b}2J\u{202e}"]);
    unknown.code(2);
    assert_clean("unknown account", &unknown);
    assert!(unknown.stderr.contains("zed]0;TITLE2J"), "{unknown:?}");

    let ambiguous = h.cli.run(&["token", "ev"]);
    assert_ne!(ambiguous.code, 0);
    assert_clean("ambiguous account", &ambiguous);
    assert!(
        ambiguous.stderr.contains("several accounts"),
        "{ambiguous:?}"
    );

    // A usage error echoes the argument too.
    let usage = h.cli.run(&["list", "--\u{1b}[2J\u{202e}"]);
    usage.code(2);
    assert_clean("usage error", &usage);

    let mut remove = h.cli.command(&["remove", &h.eve, "--revoke", "--yes"]);
    let remove = run(remove.stdin(Stdio::null()));
    remove.code(0);
    assert_clean("remove --revoke", &remove);
    assert!(
        remove.stdout.starts_with("Removed eve]0;TITLE"),
        "{remove:?}"
    );
}
