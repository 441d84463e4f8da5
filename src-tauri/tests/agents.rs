//! The remote-agent commands through Tauri's real IPC layer (`tauri::test`, no window), on
//! real config files and memory in a temporary folder, against a one-answer agent that
//! streams server-sent events the way agents serving AgentCore Runtime's contract do.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use agentdesk_desktop::SETTINGS_CHANGED;
use common::harness;
use serde_json::{Value, json};
use tauri::Listener;

/// A conversation id as the Chat page makes them: long enough to be a runtime session id.
const SESSION: &str = "desktop-1764690000000-abcdefabcdef";

/// An agent on a loopback port that answers one invocation with `items` as server-sent
/// events; returns its URL and the request it received.
fn one_answer_agent(items: &'static [&'static str]) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let served = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let events: String = items.iter().map(|item| format!("data: {item}\n\n")).collect();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{events}",
            events.len()
        )
        .expect("answer");
        head + &String::from_utf8_lossy(&body)
    });
    (url, served)
}

#[test]
fn agents_are_added_with_refusals_naming_their_field_announced_and_removed() {
    let h = harness(Some("# mine\n"));
    let announced = Arc::new(Mutex::new(0));
    let sink = Arc::clone(&announced);
    h.app.listen_any(SETTINGS_CHANGED, move |_| *sink.lock().expect("lock") += 1);
    let settings = |url: &str| json!({"url": url, "arn": "", "region": "", "endpoint": "", "auth": "", "timeout_seconds": 0});

    let refused = h
        .invoke(
            "agents_add",
            json!({"name": "cost", "settings": settings("http://agents.example")}),
        )
        .expect_err("plain http beyond loopback");
    assert_eq!(refused["code"], json!("invalid_value"));
    assert_eq!(refused["key"], json!("agents.cost.url"));
    assert!(
        refused["message"].as_str().is_some_and(|m| m.contains("must use https://")),
        "{refused}"
    );

    let agents = h
        .invoke(
            "agents_add",
            json!({"name": " cost ", "settings": settings(" http://127.0.0.1:8080 ")}),
        )
        .expect("added");
    assert_eq!(
        agents,
        json!([{"name": "cost", "settings": settings("http://127.0.0.1:8080"), "region": ""}])
    );
    let file = std::fs::read_to_string(&h.config).expect("config");
    assert_eq!(file, "# mine\n\n[agents.cost]\nurl = \"http://127.0.0.1:8080\"\n");
    assert_eq!(h.invoke("agents_list", json!({})).expect("list"), agents);

    assert_eq!(h.invoke("agents_remove", json!({"name": "cost"})).expect("removed"), json!([]));
    let again = h.invoke("agents_remove", json!({"name": "cost"})).expect_err("gone");
    assert_eq!(again["code"], json!("not_found"));
    assert_eq!(*announced.lock().expect("lock"), 2, "the add and the remove were announced");
}

#[test]
fn a_turn_with_a_remote_agent_is_kept_in_the_conversation_with_the_agent_named() {
    let (url, served) = one_answer_agent(&[
        r#"{"kind": "text", "text": "Two t3.medium: "}"#,
        r#""$60.74 a month""#,
        r#"{"usage": {"tokens": 3}}"#,
    ]);
    let h = harness(Some(&format!("[agents.echo]\nurl = \"{url}\"\n")));
    let turn = h
        .invoke(
            "agents_send",
            json!({"agent": "echo", "sessionId": SESSION, "message": "two t3.medium", "onEvent": "__CHANNEL__:7"}),
        )
        .expect("answered");
    assert_eq!(turn["text"], json!("Two t3.medium: $60.74 a month"));
    assert_eq!(turn["stopped"], json!(false));
    let request = served.join().expect("served");
    assert!(request.starts_with("POST /invocations "), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains(&format!("x-amzn-bedrock-agentcore-runtime-session-id: {SESSION}")),
        "the conversation is the runtime session: {request}"
    );
    assert!(request.ends_with(r#"{"prompt":"two t3.medium"}"#), "{request}");

    assert_eq!(
        h.invoke("agents_conversation", json!({"sessionId": SESSION})).expect("agent"),
        json!("echo")
    );
    let history = h.invoke("chat_history", json!({"sessionId": SESSION})).expect("history");
    assert_eq!(history[0]["question"], json!("two t3.medium"));
    assert_eq!(history[0]["steps"][0]["text"], json!("Two t3.medium: $60.74 a month"));
    let unknown =
        h.invoke("agents_conversation", json!({"sessionId": "never-used"})).expect("none");
    assert_eq!(unknown, Value::Null);
}

#[test]
fn an_agent_that_is_not_running_is_named_with_its_own_code() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address");
    let h = harness(Some(&format!("[agents.gone]\nurl = \"http://{closed}\"\n")));
    for (command, body) in [
        ("agents_test", json!({"name": "gone"})),
        (
            "agents_send",
            json!({"agent": "gone", "sessionId": SESSION, "message": "hello", "onEvent": "__CHANNEL__:8"}),
        ),
    ] {
        let error = h.invoke(command, body).expect_err("unreachable");
        assert_eq!(error["code"], json!("agent_unreachable"), "{command}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("cannot reach")), "{error}");
    }
    let missing = h.invoke("agents_test", json!({"name": "nobody"})).expect_err("no such agent");
    assert_eq!(missing["code"], json!("not_found"));
}
