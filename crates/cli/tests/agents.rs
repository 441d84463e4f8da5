//! `agentdesk agents` as a process: add, list and remove keeping the rest of the config file,
//! mistakes named before anything is saved, and `invoke` against AWS's own Runtime server (a
//! `BedrockAgentCoreApp` agent, tests/runtime-peers/agent.py): text printed as it streams in,
//! items without text on stderr, the agent's own errors with exit 1, the turn kept in memory.

mod support;

use std::io::Read;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use agentdesk_e2e::agentcore_peer::AgentPeer;
use serde_json::{Value, json};
use support::{agentdesk, command};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/cost_agent-AbCdEf1234";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn agents_are_added_listed_and_removed_keeping_the_rest_of_the_file() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let config = dir.join("config.toml");
    std::fs::write(&config, "# mine\n[ui]\ntheme = \"dark\" # kept\n").expect("write");

    let empty = agentdesk(dir, &["agents", "list"], "");
    assert!(stdout(&empty).contains("no agents yet"), "{}", stdout(&empty));
    let local = agentdesk(dir, &["agents", "add", "local", "--url", "http://127.0.0.1:8080"], "");
    assert!(local.status.success(), "{}", stderr(&local));
    let deployed = agentdesk(
        dir,
        &[
            "agents",
            "add",
            "deployed",
            "--arn",
            ARN,
            "--endpoint",
            "https://vpce.example",
            "--timeout",
            "900",
        ],
        "",
    );
    assert!(deployed.status.success(), "{}", stderr(&deployed));
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.starts_with("# mine\n") && text.contains("theme = \"dark\" # kept"), "{text}");
    assert!(text.contains("[agents.local]") && text.contains("timeout_seconds = 900"), "{text}");

    let listed = agentdesk(dir, &["agents", "list", "--json"], "");
    let listed: Value = serde_json::from_str(&stdout(&listed)).expect("json");
    assert_eq!(listed[0]["name"], "deployed");
    assert_eq!(listed[0]["region"], "us-west-2", "the region comes from the ARN");
    assert_eq!(
        listed[1],
        json!({
            "name": "local", "url": "http://127.0.0.1:8080", "arn": "", "region": "", "endpoint": "",
            "auth": "", "timeout_seconds": 300
        })
    );

    let removed = agentdesk(dir, &["agents", "remove", "deployed"], "");
    assert!(removed.status.success(), "{}", stderr(&removed));
    let again = agentdesk(dir, &["agents", "remove", "deployed"], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("no agent named \"deployed\""), "{}", stderr(&again));
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(!text.contains("deployed") && text.contains("theme = \"dark\" # kept"), "{text}");
}

#[test]
fn mistakes_are_named_and_nothing_is_saved() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let cases: [(&[&str], &str); 6] = [
        (
            &["agents", "add", "x", "--url", "http://127.0.0.1:1", "--arn", ARN],
            "cannot be used with",
        ),
        (&["agents", "add", "x"], "--url"),
        (
            &["agents", "add", "x", "--arn", "arn:aws:lambda:us-east-1:123456789012:function/f"],
            "not an agent runtime ARN",
        ),
        (&["agents", "add", "x", "--url", "http://agents.example.com"], "must use https://"),
        (
            &["agents", "add", "x", "--url", "http://127.0.0.1:1", "--auth", "nobody"],
            "no credential provider named \"nobody\"",
        ),
        (&["agents", "invoke", "unknown", "hi"], "no agent named \"unknown\""),
    ];
    for (args, expected) in cases {
        let output = agentdesk(dir, args, "");
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr(&output).contains(expected), "{args:?}: {}", stderr(&output));
    }
    assert!(!dir.join("config.toml").exists(), "nothing was saved");
}

#[test]
fn invoke_prints_the_stream_as_it_arrives_and_keeps_the_turn_in_memory() {
    let peer = AgentPeer::start().expect("peer");
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let added = agentdesk(dir, &["agents", "add", "peer", "--url", &peer.url], "");
    assert!(added.status.success(), "{}", stderr(&added));

    // The agent holds its stream after the first item until the gate exists: the test opens
    // it only once the first text is on the terminal.
    let gate = dir.join("gate");
    let payload =
        json!({"prompt": "stream 東京でｔ３．ｍｉｃｒｏを２台", "gate": gate}).to_string();
    let session = "my-conversation-about-tokyo-costs-0001";
    let mut child =
        command(dir, &["agents", "invoke", "peer", "--session", session, "--payload", &payload])
            .stdin(Stdio::null())
            .spawn()
            .expect("run agentdesk");
    let mut out = child.stdout.take().expect("stdout");
    let mut printed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&printed).contains("first ") {
        let mut buffer = [0u8; 256];
        let read = out.read(&mut buffer).expect("read");
        assert!(
            read > 0 && Instant::now() < deadline,
            "no first item: {}",
            String::from_utf8_lossy(&printed)
        );
        printed.extend_from_slice(&buffer[..read]);
    }
    std::fs::write(&gate, b"open").expect("open the gate");
    out.read_to_end(&mut printed).expect("read the rest");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&printed),
        "first second third stream 東京でｔ３．ｍｉｃｒｏを２台\n"
    );
    assert!(stderr(&output).contains("[toolUse] {\"toolUse\""), "{}", stderr(&output));

    let events = agentdesk(dir, &["memory", "events", session, "--json"], "");
    assert!(events.status.success(), "{}", stderr(&events));
    let events: Value = serde_json::from_str(&stdout(&events)).expect("json");
    let texts: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|event| event["payload"][0]["conversational"]["content"]["text"].as_str())
        .collect();
    assert_eq!(texts.len(), 2, "{events}");
    assert!(texts[0].contains("stream 東京でｔ３．ｍｉｃｒｏを２台"), "{texts:?}");
    assert_eq!(texts[1], "first second third stream 東京でｔ３．ｍｉｃｒｏを２台");
    assert_eq!(events[1]["metadata"]["agent"], "peer");

    let raw = agentdesk(dir, &["agents", "invoke", "peer", "--json", "plain ２４時間"], "");
    assert!(raw.status.success(), "{}", stderr(&raw));
    let answer: Value = serde_json::from_str(stdout(&raw).trim()).expect("one JSON item");
    assert_eq!(answer["result"], "echo: plain ２４時間");
    assert!(stderr(&raw).contains("continue with --session"), "{}", stderr(&raw));
}

#[test]
fn invoke_exits_1_with_the_agents_own_error() {
    let peer = AgentPeer::start().expect("peer");
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let added = agentdesk(dir, &["agents", "add", "peer", "--url", &peer.url], "");
    assert!(added.status.success(), "{}", stderr(&added));

    let raised = agentdesk(dir, &["agents", "invoke", "peer", "raise"], "");
    assert_eq!(raised.status.code(), Some(1));
    assert!(
        stderr(&raised)
            .contains("agent peer: HTTP 500: 計算できません: the handler raised on purpose"),
        "{}",
        stderr(&raised)
    );
    let broken = agentdesk(dir, &["agents", "invoke", "peer", "break"], "");
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(stdout(&broken), "partial answer\n", "the text before the failure is shown");
    assert!(
        stderr(&broken).contains("(RuntimeError): モデルが応答しません"),
        "{}",
        stderr(&broken)
    );

    drop(peer);
    let stopped = agentdesk(dir, &["agents", "invoke", "peer", "plain"], "");
    assert_eq!(stopped.status.code(), Some(1));
    assert!(stderr(&stopped).contains("cannot reach http://127.0.0.1:"), "{}", stderr(&stopped));
}

#[test]
fn an_arn_agent_without_aws_credentials_says_how_to_get_them() {
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let added = agentdesk(
        dir,
        &["agents", "add", "deployed", "--arn", ARN, "--endpoint", "http://127.0.0.1:9"],
        "",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let mut invoke = command(dir, &["agents", "invoke", "deployed", "hi"]);
    for variable in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        invoke.env_remove(variable);
    }
    let missing = dir.join("no-such-aws-file");
    invoke
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    let output = invoke.output().expect("run agentdesk");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("agent deployed: no credentials"), "{}", stderr(&output));
    assert!(stderr(&output).contains("aws sso login"), "{}", stderr(&output));
}
