//! Quiet, honest output (issue 16): commands that need no keyring say nothing about it on a
//! machine without a D-Bus session; one that needs it says, in one line, what is wrong and
//! what to do; a server that wants a sign-in is a status, not the MCP SDK's ERROR with a debug
//! dump; `gateway serve --config` does not read the gateway's file as the app's config.
//!
//! The servers are real: AgentDesk's gateway (this binary) in front of server-everything,
//! checking tokens of a real OpenID provider (oidc-provider).

mod support;

use std::path::Path;
use std::process::Output;

use agentdesk_e2e::gateway::{GatewayProcess, Logs, everything_behind_jwt};
use agentdesk_e2e::oidc::Oidc;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Log lines at WARN or ERROR, and anything from the keyring's D-Bus library.
fn noise(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("WARN") || line.starts_with("ERROR") || line.contains("zbus")
        })
        .collect()
}

/// The gateway in front of server-everything, taking only tokens of `oidc`'s m2m client.
fn gateway(folder: &Path, oidc: &Oidc, logs: &Logs) -> GatewayProcess {
    let config = folder.join("gateway.toml");
    let access = "allowed_clients = [\"m2m\"]";
    std::fs::write(&config, everything_behind_jwt("127.0.0.1:0", &oidc.issuer, access))
        .expect("gateway config");
    GatewayProcess::start(Path::new(env!("CARGO_BIN_EXE_agentdesk")), &config, Some(logs))
        .expect("the gateway")
}

/// `agentdesk ARGS` with no D-Bus session to reach: no address, and a runtime folder with no
/// bus socket in it (where D-Bus looks when there is no address).
fn without_dbus(folder: &Path, args: &[&str], input: &str) -> Output {
    let runtime = folder.join("no-dbus-runtime");
    std::fs::create_dir_all(&runtime).expect("runtime folder");
    let mut command = support::command(folder, args);
    command.env_remove("DBUS_SESSION_BUS_ADDRESS").env("XDG_RUNTIME_DIR", &runtime);
    let mut child = command.spawn().expect("run agentdesk");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("stdin");
    child.wait_with_output().expect("output")
}

/// Regression: every command printed two `WARN … zbus error …` lines without a D-Bus session
/// once an MCP server was configured, and a server wanting a sign-in added rmcp's
/// `ERROR worker quit with fatal: … AuthRequired(AuthRequiredError { … })`.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_only_the_commands_that_need_one_say_so() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let logs = Logs::default();
    let gateway = gateway(dir, &oidc, &logs);
    let added = without_dbus(dir, &["mcp", "add", "gw", "--url", &gateway.url], "");
    assert!(added.status.success(), "{}", stderr(&added));

    for args in [
        &["estimate", "2 t3.micro"][..],
        &["estimates", "list"],
        &["mcp", "list"],
        &["model", "show"],
        &["memory", "sessions"],
        &["auth", "providers"],
        &["config", "list"],
    ] {
        let output = without_dbus(dir, args, "");
        assert!(output.status.success(), "agentdesk {args:?}: {}", stderr(&output));
        assert_eq!(noise(&stderr(&output)), Vec::<&str>::new(), "agentdesk {args:?}");
    }
    let chat = without_dbus(dir, &["chat"], "2 t3.micro\n");
    assert!(chat.status.success(), "{}", stderr(&chat));
    assert_eq!(noise(&stderr(&chat)), Vec::<&str>::new(), "agentdesk chat");

    let listed = without_dbus(dir, &["mcp", "list"], "");
    assert!(stdout(&listed).contains("needs sign-in"), "{}", stdout(&listed));
    assert!(stdout(&listed).contains("agentdesk mcp login gw"), "{}", stdout(&listed));

    // Signing in keeps the sign-in in the keyring: this one needs it, and says so once.
    let login = without_dbus(dir, &["mcp", "login", "gw"], "");
    assert_eq!(login.status.code(), Some(1), "{}", stderr(&login));
    let said = stderr(&login);
    let lines: Vec<&str> = said.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {said}");
    assert!(lines[0].starts_with("error:") && lines[0].contains("keyring"), "{said}");
    assert!(lines[0].contains("Start and unlock"), "and what to do: {said}");

    let key = without_dbus(dir, &["model", "set-key", "openai"], "sk-test");
    assert_eq!(key.status.code(), Some(1));
    let said = stderr(&key);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(said.contains("not saved") && said.contains("OPENAI_API_KEY"), "{said}");
}

/// A server that wants a sign-in, with the keyring there (as `make test` runs it, inside
/// scripts/in-test-keyring): its state and the command to run, nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_wants_a_sign_in_is_a_status_not_an_error_dump() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let logs = Logs::default();
    let gateway = gateway(dir, &oidc, &logs);
    let added = support::agentdesk(dir, &["mcp", "add", "gw", "--url", &gateway.url], "");
    assert!(added.status.success(), "{}", stderr(&added));

    let listed = support::agentdesk(dir, &["mcp", "list"], "");
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(noise(&stderr(&listed)), Vec::<&str>::new());
    assert!(!stderr(&listed).contains("AuthRequired"), "{}", stderr(&listed));
    let said = stdout(&listed);
    assert!(said.contains("needs sign-in"), "{said}");
    assert!(said.contains("run `agentdesk mcp login gw`"), "{said}");

    let tools = support::agentdesk(dir, &["mcp", "tools", "gw"], "");
    assert_eq!(tools.status.code(), Some(1));
    let said = stderr(&tools);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(said.contains("agentdesk mcp login gw"), "{said}");

    // The gateway's own `--config` is its file, not the app's: no "unknown key" warnings.
    let logs = logs.lock().map(|logs| logs.clone()).unwrap_or_default();
    assert!(!logs.contains("unknown key"), "{logs}");
    assert_eq!(noise(&logs), Vec::<&str>::new(), "{logs}");
}
