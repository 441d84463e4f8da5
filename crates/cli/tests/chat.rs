//! `agentdesk chat` as a process, against a local server that answers in OpenAI's streamed
//! format (a model cannot run here), and without any model configured.

mod scripted_model;
mod support;

use scripted_model::one_answer;

use std::path::Path;
use std::process::Output;

fn agentdesk(folder: &Path, config: &str, args: &[&str]) -> Output {
    agentdesk_with_input(folder, config, args, "")
}

fn agentdesk_with_input(folder: &Path, config: &str, args: &[&str], input: &str) -> Output {
    std::fs::write(folder.join("config.toml"), config).expect("config");
    support::agentdesk(folder, args, input)
}

#[test]
fn a_chat_turn_streams_the_answer_and_is_kept_in_memory() {
    let folder = tempfile::tempdir().expect("temp");
    let (url, server) = one_answer(&["A t3.medium ", "is about ", "$30.37 a month."]);
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{url}\"\nname = \"test-model\"\n"
    );
    let output =
        agentdesk(folder.path(), &config, &["chat", "--session", "s1", "How much is a t3.medium?"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "A t3.medium is about $30.37 a month.\n");
    let request: serde_json::Value =
        serde_json::from_str(&server.join().expect("server").body).expect("json");
    assert_eq!(request["model"], "test-model");
    assert!(
        request["messages"][0]["content"]
            .as_str()
            .is_some_and(|prompt| prompt.contains("730 hours"))
    );
    assert_eq!(request["messages"][1]["content"], "How much is a t3.medium?");

    let events = agentdesk(folder.path(), &config, &["memory", "events", "s1", "--json"]);
    let events: serde_json::Value = serde_json::from_slice(&events.stdout).expect("events");
    assert_eq!(events[0]["payload"][0]["conversational"]["role"], "USER");
    assert_eq!(
        events[1]["payload"][0]["conversational"]["content"]["text"],
        "A t3.medium is about $30.37 a month."
    );
}

#[test]
fn without_a_model_the_offline_estimator_answers_and_a_missing_key_is_named() {
    let folder = tempfile::tempdir().expect("temp");
    let output = agentdesk(
        folder.path(),
        "",
        &["chat", "--session", "bakery", "パン屋のWebサイトをHTMLでなるべく安く作りたい"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("## AWS 料金の見積もり"));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("agentdesk config set model.provider")
    );
    let events = agentdesk(folder.path(), "", &["memory", "events", "bakery", "--json"]);
    let events: serde_json::Value = serde_json::from_slice(&events.stdout).expect("events");
    assert_eq!(events.as_array().map(Vec::len), Some(2), "the question and the estimate are kept");

    let output = agentdesk(folder.path(), "[model]\nprovider = \"openai\"\n", &["chat", "hello"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("set OPENAI_API_KEY"));
}

/// Runs under scripts/in-test-keyring (make test): a throwaway Secret Service.
#[test]
fn a_key_stored_in_the_keyring_is_sent_and_never_shown() {
    let folder = tempfile::tempdir().expect("temp");
    let key = "sk-test-6f1d2c9a8b7e4d3c";
    let (url, server) = one_answer(&["ok"]);
    let config = format!("[model]\nprovider = \"openai-compatible\"\nbase_url = \"{url}\"\n");

    let stored = agentdesk_with_input(
        folder.path(),
        &config,
        &["model", "set-key", "openai-compatible"],
        key,
    );
    assert!(stored.status.success(), "{}", String::from_utf8_lossy(&stored.stderr));
    let shown = agentdesk(folder.path(), &config, &["model", "show", "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(view["key"], "keyring");

    let chat = agentdesk(folder.path(), &config, &["chat", "hello"]);
    assert!(chat.status.success(), "{}", String::from_utf8_lossy(&chat.stderr));
    assert_eq!(
        server.join().expect("server").authorization.as_deref(),
        Some(&*format!("Bearer {key}"))
    );

    let forgotten =
        agentdesk(folder.path(), &config, &["model", "forget-key", "openai-compatible"]);
    assert!(forgotten.status.success());
    let shown_after = agentdesk(folder.path(), &config, &["model", "show", "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&shown_after.stdout).expect("json");
    assert_eq!(view["key"], "missing");

    let refused =
        agentdesk_with_input(folder.path(), &config, &["model", "set-key", "ollama"], key);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("takes no API key"));

    for output in [&stored, &shown, &chat, &forgotten, &shown_after, &refused] {
        let everything = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!everything.contains(key), "the key leaked: {everything}");
    }
    for log in std::fs::read_dir(folder.path().join("data/logs")).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        assert!(!text.contains(key), "the key is in {}", log.path().display());
    }
}

#[test]
fn a_chat_turn_is_traced_and_read_back_with_traces_list_show_and_export() {
    let folder = tempfile::tempdir().expect("temp");
    let none_yet = agentdesk(folder.path(), "", &["traces", "list"]);
    assert!(!none_yet.status.success());
    assert!(String::from_utf8_lossy(&none_yet.stderr).contains("no traces yet"));

    let (url, server) = one_answer(&["About $30 a month."]);
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{url}\"\nname = \"test-model\"\n"
    );
    let question = "How much is a t3.medium for my bakery?";
    let output = agentdesk(folder.path(), &config, &["chat", "--session", "s1", question]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    server.join().expect("server");

    let listed =
        agentdesk(folder.path(), &config, &["traces", "list", "--session", "s1", "--json"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let traces: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(traces.as_array().map(Vec::len), Some(1), "{traces}");
    assert_eq!(traces[0]["rootName"], "invoke_agent cost-estimator");
    assert_eq!(traces[0]["sessionId"], "s1");
    // The scripted model reports no usage: its cost is unknown, never $0.00.
    assert_eq!(traces[0]["costUsd"], serde_json::Value::Null, "{traces}");
    let note = traces[0]["costNote"].as_str().unwrap_or_default();
    assert_eq!(note, "1 call of test-model reported no token usage");
    let trace_id = traces[0]["traceId"].as_str().expect("id").to_owned();

    let shown = agentdesk(folder.path(), &config, &["traces", "show", &trace_id[..8]]);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let tree = String::from_utf8_lossy(&shown.stdout);
    assert!(
        tree.contains("\n  invoke_agent cost-estimator") && tree.contains("\n    chat test-model"),
        "{tree}"
    );
    assert!(tree.contains("cost unknown (1 call of test-model reported no token usage)"), "{tree}");

    let file = folder.path().join("trace.json");
    let exported = agentdesk(
        folder.path(),
        &config,
        &["traces", "export", &trace_id, "-o", &file.display().to_string()],
    );
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let otlp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("json");
    let spans = &otlp["resourceSpans"][0]["scopeSpans"][0]["spans"];
    assert!(spans.as_array().is_some_and(|spans| spans.len() >= 2), "{otlp}");

    // Content capture is off by default: the question is in no stored span.
    let stored = std::fs::read(folder.path().join("data/traces.db")).expect("the store");
    let wal = std::fs::read(folder.path().join("data/traces.db-wal")).unwrap_or_default();
    for bytes in [stored, wal] {
        assert!(!String::from_utf8_lossy(&bytes).contains("bakery?"), "the prompt was stored");
    }
    let unknown = agentdesk(folder.path(), &config, &["traces", "show", "ffff"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no stored trace starts with ffff"));
}

#[test]
fn message_content_is_traced_only_when_the_user_opts_in() {
    let folder = tempfile::tempdir().expect("temp");
    let (url, server) = one_answer(&["About $30 a month."]);
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{url}\"\nname = \"test-model\"\n\n\
         [telemetry]\ncapture_content = true\n"
    );
    let question = "How much is a t3.medium for my bakery?";
    let output = agentdesk(folder.path(), &config, &["chat", "--session", "s1", question]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    server.join().expect("server");

    let listed = agentdesk(folder.path(), &config, &["traces", "list", "--json"]);
    let traces: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    let trace_id = traces[0]["traceId"].as_str().expect("id").to_owned();
    let shown = agentdesk(folder.path(), &config, &["traces", "show", &trace_id, "--json"]);
    let detail: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    let span = |prefix: &str| {
        detail["spans"]
            .as_array()
            .and_then(|spans| {
                spans
                    .iter()
                    .find(|span| span["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            })
            .cloned()
            .unwrap_or_default()
    };
    // The conventions' shape: [{role, parts: [{type: "text", content}]}], as JSON text.
    let read = |span: &serde_json::Value, key: &str| -> serde_json::Value {
        serde_json::from_str(span["attributes"][key].as_str().unwrap_or("null")).expect("json")
    };
    let agent = span("invoke_agent");
    assert_eq!(read(&agent, "gen_ai.input.messages")[0]["parts"][0]["content"], question);
    assert_eq!(
        read(&agent, "gen_ai.output.messages")[0]["parts"][0]["content"],
        "About $30 a month."
    );
    let chat = span("chat test-model");
    let asked = read(&chat, "gen_ai.input.messages");
    assert_eq!(asked[0]["role"], "user", "{asked}");
    assert_eq!(asked[0]["parts"][0]["content"], question);
    assert_eq!(read(&chat, "gen_ai.output.messages")[0]["finish_reason"], "stop");
}
