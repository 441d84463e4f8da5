//! A trace that crosses processes (issue 19): `agentdesk mcp call` puts the W3C trace
//! context in the call's `params._meta`, and a server on the official Python MCP SDK reads it
//! with OpenTelemetry's own propagators (tests/mcp-servers/trace_context_server.py); through
//! `agentdesk gateway serve`, the gateway continues the caller's trace and passes it on to
//! the same server; in a chat, the agent's `execute_tool` span is the call's span and the
//! conversation reaches the server in the baggage. The ids the server saw are the ones
//! `agentdesk traces` stored.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::agentdesk;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python that `make test` installs the MCP SDK into, and the server script.
fn python_server() -> (String, String) {
    let python = workspace().join("target/mcp-venv/bin/python");
    let script = workspace().join("tests/mcp-servers/trace_context_server.py");
    (python.display().to_string(), script.display().to_string())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn succeeded(output: &Output) {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// What the server answered: the `_meta` it got and the trace context read from it.
fn seen_by_server(output: &Output) -> Value {
    succeeded(output);
    serde_json::from_str(stdout(output).trim()).expect("the tool answers JSON")
}

/// The stored trace `trace_id` of the `agentdesk` folder `dir`, as `traces show --json`.
fn stored(dir: &Path, trace_id: &str) -> Value {
    let shown = agentdesk(dir, &["traces", "show", trace_id, "--json"], "");
    succeeded(&shown);
    serde_json::from_str(&stdout(&shown)).expect("json")
}

fn span_named<'a>(trace: &'a Value, name: &str) -> &'a Value {
    trace["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|span| span["name"] == name))
        .unwrap_or_else(|| panic!("no span {name}: {trace}"))
}

#[test]
fn a_tool_call_carries_its_trace_to_a_python_sdk_server_in_meta() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let (python, script) = python_server();
    succeeded(&agentdesk(dir, &["mcp", "add", "tracectx", "--", &python, &script], ""));

    let seen = seen_by_server(&agentdesk(dir, &["mcp", "call", "tracectx", "trace_context"], ""));
    let traceparent = seen["meta"]["traceparent"].as_str().expect("a traceparent in _meta");
    assert!(traceparent.starts_with("00-"), "{seen}");
    let trace_id = seen["trace_id"].as_str().expect("the SDK read a valid trace context");

    // The server's parent is the client's `tools/call` span, stored here under that trace.
    let trace = stored(dir, trace_id);
    let call = span_named(&trace, "tools/call trace_context");
    assert_eq!(call["spanId"], seen["parent_span_id"], "{trace}");
    assert_eq!(call["kind"], "client");
    assert_eq!(call["attributes"]["mcp.method.name"], "tools/call");
    assert_eq!(call["attributes"]["network.transport"], "pipe");
}

#[test]
fn the_gateway_continues_the_callers_trace_and_passes_it_on() {
    let folder = tempfile::tempdir().expect("temp");
    let (python, script) = python_server();
    let config = folder.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\n[authorizer]\ntype = \"none\"\n\n[[targets]]\nname = \"py\"\ntype = \"mcp\"\ncommand = {python:?}\nargs = [{script:?}]\n"
        ),
    )
    .expect("config");
    let gateway_folder = folder.path().join("gateway");
    let mut gateway = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .arg("--data-dir")
        .arg(gateway_folder.join("data"))
        .args(["gateway", "serve", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the gateway");
    let mut stderr = BufReader::new(gateway.stderr.take().expect("stderr"));
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("stderr") > 0, "the gateway stopped early");
        if let Some(url) = line.trim().strip_prefix("AgentDesk gateway listening on ") {
            break url.to_owned();
        }
    };
    let client = folder.path().join("client");
    succeeded(&agentdesk(&client, &["mcp", "add", "gateway", "--url", &url], ""));
    let called = agentdesk(&client, &["mcp", "call", "gateway", "py___trace_context"], "");
    Command::new("kill").args(["-TERM", &gateway.id().to_string()]).status().expect("kill");
    assert!(gateway.wait().expect("exit").success(), "a clean stop on SIGTERM");
    let seen = seen_by_server(&called);

    // One trace across three processes: the client's call, the gateway's, the server.
    let trace_id = seen["trace_id"].as_str().expect("the SDK read a valid trace context");
    let client_trace = stored(&client, trace_id);
    let client_call = span_named(&client_trace, "tools/call py___trace_context");
    let gateway_trace = stored(&gateway_folder, trace_id);
    let gateway_call = span_named(&gateway_trace, "tools/call py___trace_context");
    assert_eq!(gateway_call["kind"], "server");
    assert_eq!(gateway_call["parentSpanId"], client_call["spanId"], "{gateway_trace}");
    assert_ne!(seen["parent_span_id"], client_call["spanId"], "the gateway is in between");
    let in_gateway = gateway_trace["spans"].as_array().expect("spans");
    assert!(
        in_gateway.iter().any(|span| span["spanId"] == seen["parent_span_id"]),
        "the server's parent is a gateway span: {gateway_trace}"
    );
}

#[test]
fn in_a_chat_the_agents_tool_span_is_the_servers_parent_with_the_conversation_in_baggage() {
    use agentdesk_e2e::{Reply, ScriptedModel};
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let (python, script) = python_server();
    let model = ScriptedModel::serve(vec![
        Reply::ToolCall {
            text: String::new(),
            id: "call_context".into(),
            name: "tracectx__trace_context".into(),
            arguments: serde_json::json!({}),
        },
        Reply::Text(vec!["Done.".into()]),
    ])
    .expect("model");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{}\"\n\n[mcp_servers.tracectx]\ncommand = {python:?}\nargs = [{script:?}]\n",
            model.base_url
        ),
    )
    .expect("config");
    succeeded(&agentdesk(
        dir,
        &["chat", "--yes", "--session", "conv-7", "what trace is this?"],
        "",
    ));
    // What the server answered went back to the model as the tool's result.
    let requests = model.requests.lock().expect("requests").clone();
    let result = requests[1]["messages"]
        .as_array()
        .and_then(|messages| messages.iter().find(|message| message["role"] == "tool"))
        .and_then(|message| message["content"].as_str())
        .expect("the tool's result")
        .to_owned();
    let seen: Value = serde_json::from_str(&result).expect("the tool answers JSON");
    assert_eq!(seen["baggage"]["session.id"], "conv-7", "{seen}");

    let trace_id = seen["trace_id"].as_str().expect("the SDK read a valid trace context");
    let trace = stored(dir, trace_id);
    let tool = span_named(&trace, "execute_tool tracectx__trace_context");
    assert_eq!(tool["spanId"], seen["parent_span_id"], "one span for the call, not two: {trace}");
    assert_eq!(tool["attributes"]["mcp.method.name"], "tools/call");
    assert_eq!(tool["attributes"]["network.transport"], "pipe");
    assert_eq!(tool["attributes"]["session.id"], "conv-7");
}
