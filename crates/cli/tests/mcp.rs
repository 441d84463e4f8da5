//! `agentdesk mcp` as a process with the reference server-everything (npm) over stdio and the
//! real keyring (make test runs it under scripts/in-test-keyring): add, list with live status,
//! tools, calls (text, a schema break, the tool's own error), remove with its secrets, and an
//! import of Claude Desktop's config whose secrets go to the keyring, never the config file.

mod support;

use std::process::Output;

use agentdesk_identity::{KeyringBackend, Vault};
use serde_json::Value;
use support::agentdesk;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn servers_are_added_listed_called_and_removed() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let js = agentdesk_e2e::mcp_servers::everything_js();
    let added = agentdesk(
        dir,
        &[
            "mcp",
            "add",
            "everything",
            "--secret-env",
            "EVERYTHING_TOKEN",
            "--",
            "node",
            &js,
            "stdio",
        ],
        "s3cr3t-value",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config");
    assert!(config.contains("[mcp_servers.everything]"), "{config}");
    assert!(!config.contains("s3cr3t-value"), "a secret never lands in the config file");

    let listed = agentdesk(dir, &["mcp", "list", "--json"], "");
    assert!(listed.status.success(), "{}", stderr(&listed));
    let statuses: Value = serde_json::from_str(&stdout(&listed)).expect("json");
    assert_eq!(statuses[0]["name"], "everything");
    assert_eq!(statuses[0]["state"], "connected", "{statuses}");
    assert!(statuses[0]["tools"].as_u64().is_some_and(|count| count >= 10), "{statuses}");

    let tools = agentdesk(dir, &["mcp", "tools", "everything"], "");
    assert!(stdout(&tools).contains("get-sum"), "{}", stdout(&tools));
    assert!(stdout(&tools).contains("    a: number"), "{}", stdout(&tools));

    // The secret variable reaches the started server: get-env shows its environment.
    let environment = agentdesk(dir, &["mcp", "call", "everything", "get-env"], "");
    assert!(stdout(&environment).contains("s3cr3t-value"), "{}", stdout(&environment));

    let echoed = agentdesk(
        dir,
        &["mcp", "call", "everything", "echo", "--args", r#"{"message": "日本語も"}"#],
        "",
    );
    assert!(echoed.status.success(), "{}", stderr(&echoed));
    assert_eq!(stdout(&echoed).trim(), "Echo: 日本語も");

    let broken = agentdesk(
        dir,
        &["mcp", "call", "everything", "get-sum", "--args", r#"{"a": "one", "b": 2}"#],
        "",
    );
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("do not match its schema") && stderr(&broken).contains("/a"),
        "{}",
        stderr(&broken)
    );

    let failing = agentdesk(
        dir,
        &["mcp", "call", "everything", "get-resource-reference", "--args", r#"{"resourceId": -1}"#],
        "",
    );
    assert_eq!(failing.status.code(), Some(1), "the tool's own error is a failure");
    assert!(stderr(&failing).contains("Invalid resourceId"), "{}", stderr(&failing));

    let bad_json = agentdesk(dir, &["mcp", "call", "everything", "echo", "--args", "{nope"], "");
    assert_eq!(bad_json.status.code(), Some(1));
    assert!(stderr(&bad_json).contains("--args is not JSON"), "{}", stderr(&bad_json));

    let vault = Vault::open(KeyringBackend::Os).expect("keyring");
    let entry = "mcp.everything.env.EVERYTHING_TOKEN";
    assert_eq!(vault.secret(entry).expect("read").as_deref(), Some("s3cr3t-value"));
    let removed = agentdesk(dir, &["mcp", "remove", "everything"], "");
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert_eq!(vault.secret(entry).expect("read"), None, "removing a server deletes its secrets");
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config");
    assert!(!config.contains("mcp_servers.everything"), "{config}");
}

#[test]
fn claude_desktops_servers_are_imported_with_their_secrets_in_the_keyring() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let claude = dir.join("claude_desktop_config.json");
    std::fs::write(
        &claude,
        format!(
            r#"{{"mcpServers": {{
                "everything": {{"command": "node", "args": [{js:?}, "stdio"],
                                 "env": {{"API_KEY": "imported-key-123", "MODE": "demo"}}}},
                "legacy": {{"type": "sse", "url": "https://old.example/sse"}}
            }}}}"#,
            js = agentdesk_e2e::mcp_servers::everything_js()
        ),
    )
    .expect("claude config");
    let imported =
        agentdesk(dir, &["mcp", "import-claude-config", &claude.display().to_string()], "");
    assert!(imported.status.success(), "{}", stderr(&imported));
    let report = stdout(&imported);
    assert!(report.contains("everything: imported (1 secrets moved to the keyring)"), "{report}");
    assert!(report.contains("deprecated HTTP+SSE"), "{report}");
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config");
    assert!(config.contains("MODE = \"demo\""), "{config}");
    assert!(!config.contains("imported-key-123"), "{config}");
    let environment = agentdesk(dir, &["mcp", "call", "everything", "get-env"], "");
    assert!(stdout(&environment).contains("imported-key-123"), "{}", stdout(&environment));
    let again = agentdesk(dir, &["mcp", "import-claude-config", &claude.display().to_string()], "");
    assert!(stdout(&again).contains("already configured here"), "{}", stdout(&again));
    let removed = agentdesk(dir, &["mcp", "remove", "everything"], "");
    assert!(removed.status.success(), "{}", stderr(&removed));
}

#[test]
fn in_a_chat_the_model_calls_an_mcp_servers_tool_after_you_say_yes() {
    use agentdesk_e2e::{Reply, ScriptedModel};
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: String::new(),
            id: "call_echo".into(),
            name: "everything__echo".into(),
            arguments: serde_json::json!({"message": "from the chat"}),
        },
        Reply::Text(vec!["The server said it back.".into()]),
    ])
    .expect("model");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\n\n[mcp_servers.everything]\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n",
            model.base_url,
            agentdesk_e2e::mcp_servers::everything_js()
        ),
    )
    .expect("config");
    let chat = agentdesk(dir, &["chat", "--yes", "echo something through the server"], "");
    assert!(chat.status.success(), "{}", stderr(&chat));
    assert!(stdout(&chat).contains("The server said it back."), "{}", stdout(&chat));
    let requests = model.requests.lock().expect("requests").clone();
    assert!(
        requests[0]["tools"].as_array().is_some_and(|tools| tools
            .iter()
            .any(|tool| tool["function"]["name"] == "everything__echo")),
        "the server's tools are offered to the model"
    );
    let second = requests[1].to_string();
    assert!(second.contains("Echo: from the chat"), "the tool's result went back: {second}");
}
