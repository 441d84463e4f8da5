//! The remote-agent client against AWS's own Runtime server: a `BedrockAgentCoreApp` agent
//! (tests/runtime-peers/agent.py, bedrock-agentcore 1.25.0) run as a child process.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentdesk_agent::MemoryLink;
use agentdesk_config::AgentSettings;
use agentdesk_e2e::agentcore_peer::AgentPeer;
use agentdesk_memory::{ListEvents, MemoryStore, Role};
use agentdesk_runtime::client::{
    AGENT_METADATA, ClientError, Invocation, RemoteAgent, new_session_id, remote_turn,
};
use serde_json::{Value, json};

fn agent_at(url: &str) -> RemoteAgent {
    let settings = AgentSettings { url: url.to_owned(), ..AgentSettings::default() };
    RemoteAgent::from_settings("peer", &settings, None).expect("usable settings")
}

/// Collects items into a shared list (the callback must be `Send`).
fn collector() -> (Arc<Mutex<Vec<Value>>>, impl FnMut(Value) + Send) {
    let items = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&items);
    (items, move |item| sink.lock().expect("items").push(item))
}

#[tokio::test]
async fn a_plain_answer_comes_back_as_one_item_with_its_text_and_session() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    // A messy real prompt: Japanese without spaces, full-width digits.
    let prompt = "plain 東京リージョンでｔ３．ｍｉｃｒｏを２４時間３６５日動かすと月額いくら？";
    let session = new_session_id();
    assert!(session.len() >= 33, "{session}");
    let (items, mut on_item) = collector();
    let invoked = agent.invoke(Invocation::prompt(prompt, &session), &mut on_item).await;
    let invoked = invoked.expect("an answer");
    assert!(!invoked.streamed);
    assert_eq!(invoked.text, format!("echo: {prompt}"));
    assert_eq!(invoked.session_id, session);
    let items = items.lock().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["session_id"], json!(session), "the agent saw the session header");
}

#[tokio::test]
async fn a_stream_arrives_item_by_item_in_order_before_it_ends() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    let folder = tempfile::tempdir().expect("temp");
    let gate = folder.path().join("gate");
    // The agent holds the stream after its first item until the gate file exists: only a
    // client that hands the first item over before the stream ends can open it.
    let mut seen = Vec::new();
    let opener = gate.clone();
    let mut on_item = |item: Value| {
        if seen.is_empty() {
            std::fs::write(&opener, b"open").expect("open the gate");
        }
        seen.push(item);
    };
    let invocation = Invocation {
        payload: json!({"prompt": "stream 見積もり１２３", "gate": gate}),
        session_id: new_session_id(),
        headers: vec![(
            "traceparent".into(),
            format!("00-{}-{}-01", "a".repeat(32), "b".repeat(16)),
        )],
    };
    let invoked = agent.invoke(invocation, &mut on_item).await.expect("a stream");
    assert!(invoked.streamed);
    assert_eq!(invoked.items, 5);
    assert_eq!(invoked.text, "first second third stream 見積もり１２３");
    assert_eq!(seen[0], json!("first "));
    assert_eq!(seen[1], json!({"delta": "second "}));
    assert_eq!(seen[2]["toolUse"]["name"], "get_price", "items with no text are delivered too");
    assert_eq!(seen[4], json!({"text": "stream 見積もり１２３"}));
}

#[tokio::test]
async fn a_handler_that_raises_is_http_500_with_its_message() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    let (_, mut on_item) = collector();
    let failed = agent
        .invoke(Invocation::prompt("raise", &new_session_id()), &mut on_item)
        .await
        .expect_err("a failure");
    assert_eq!(failed.code(), "http_status");
    assert_eq!(failed.status(), Some(500));
    let shown = failed.to_string();
    assert!(shown.contains("計算できません: the handler raised on purpose"), "{shown}");
    assert!(shown.contains("agent peer") && !shown.contains("Traceback"), "{shown}");
}

#[tokio::test]
async fn a_failure_mid_stream_keeps_the_items_before_it_and_names_its_type() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    let (items, mut on_item) = collector();
    let failed = agent
        .invoke(Invocation::prompt("break", &new_session_id()), &mut on_item)
        .await
        .expect_err("a failure");
    assert_eq!(
        failed,
        ClientError::StreamFailed {
            agent: "peer".into(),
            error_type: Some("RuntimeError".into()),
            message: "モデルが応答しません (the model stopped answering)".into(),
        }
    );
    assert_eq!(*items.lock().expect("items"), [json!("partial "), json!({"delta": "answer"})]);
}

#[tokio::test]
async fn ping_says_busy_while_background_work_runs_and_healthy_after() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    let idle = agent.ping().await.expect("ping").expect("a URL agent has a ping");
    assert_eq!(idle.status, "Healthy");
    assert!(idle.time_of_last_update.is_some());
    let folder = tempfile::tempdir().expect("temp");
    let gate = folder.path().join("gate");
    let invocation = Invocation {
        payload: json!({"prompt": "busy", "gate": gate}),
        session_id: new_session_id(),
        headers: Vec::new(),
    };
    let (_, mut on_item) = collector();
    let started = agent.invoke(invocation, &mut on_item).await.expect("started");
    assert_eq!(started.text, "background work started");
    let busy = agent.ping().await.expect("ping").expect("health");
    assert!(busy.is_busy(), "{busy:?}");
    std::fs::write(&gate, b"done").expect("finish the work");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = agent.ping().await.expect("ping").expect("health");
        if !health.is_busy() {
            assert_eq!(health.status, "Healthy");
            break;
        }
        assert!(Instant::now() < deadline, "still busy after the work finished");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_stopped_server_is_unreachable_and_a_silent_one_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let agent = agent_at(&format!("http://{address}"));
    let (_, mut on_item) = collector();
    let failed = agent
        .invoke(Invocation::prompt("plain", &new_session_id()), &mut on_item)
        .await
        .expect_err("nothing listens");
    assert_eq!(failed.code(), "unreachable", "{failed}");
    assert!(failed.to_string().contains(&format!("cannot reach http://{address}/invocations")));

    let peer = AgentPeer::start().expect("peer");
    let folder = tempfile::tempdir().expect("temp");
    // The gate is never opened: the agent goes quiet after its first item.
    let invocation = Invocation {
        payload: json!({"prompt": "stream", "gate": folder.path().join("never")}),
        session_id: new_session_id(),
        headers: Vec::new(),
    };
    let quiet = agent_at(&peer.url).with_timeout(Duration::from_secs(1));
    let (items, mut on_item) = collector();
    let failed = quiet.invoke(invocation, &mut on_item).await.expect_err("a timeout");
    assert_eq!(failed, ClientError::Timeout { agent: "peer".into(), seconds: 1 });
    assert!(failed.to_string().contains("agents.peer.timeout_seconds"), "{failed}");
    assert_eq!(*items.lock().expect("items"), [json!("first ")]);
}

#[tokio::test]
async fn remote_turns_are_kept_in_memory_as_one_conversation() {
    let peer = AgentPeer::start().expect("peer");
    let agent = agent_at(&peer.url);
    let folder = tempfile::tempdir().expect("temp");
    let store = MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("default memory").memory_id;
    let link =
        MemoryLink { store: store.clone(), memory_id: memory_id.clone(), actor_id: "me".into() };
    let session = new_session_id();
    let (_, mut on_item) = collector();
    for prompt in ["plain 一つ目", "plain ２つ目"] {
        remote_turn(&agent, &link, Invocation::prompt(prompt, &session), &mut on_item)
            .await
            .expect("a turn");
    }
    let failed =
        remote_turn(&agent, &link, Invocation::prompt("raise", &session), &mut on_item).await;
    assert_eq!(failed.expect_err("a failure").code(), "http_status");
    let request = ListEvents { oldest_first: true, ..ListEvents::default() };
    let events = store.list_events(&memory_id, "me", &session, &request).await.expect("events");
    let said: Vec<(Role, String)> = events
        .items
        .iter()
        .flat_map(|event| {
            event.messages().map(|message| (message.role, message.content.text.clone()))
        })
        .collect();
    assert_eq!(
        said,
        [
            (Role::User, "plain 一つ目".to_owned()),
            (Role::Assistant, "echo: plain 一つ目".to_owned()),
            (Role::User, "plain ２つ目".to_owned()),
            (Role::Assistant, "echo: plain ２つ目".to_owned()),
            (Role::User, "raise".to_owned()),
        ]
    );
    assert!(events.items.iter().all(|event| event.metadata[AGENT_METADATA] == json!("peer")));
}

#[tokio::test]
async fn agents_and_their_calls_can_move_between_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    fn spawnable<F: Future + Send>(_: &F) {}
    let agent = agent_at("http://127.0.0.1:1");
    shared(&agent);
    let (_, mut on_item) = collector();
    spawnable(&agent.invoke(Invocation::prompt("x", &new_session_id()), &mut on_item));
    let folder = tempfile::tempdir().expect("temp");
    let store = MemoryStore::open_in(folder.path()).await.expect("memory");
    let link = MemoryLink { store, memory_id: "m".into(), actor_id: "me".into() };
    spawnable(&remote_turn(
        &agent,
        &link,
        Invocation::prompt("x", &new_session_id()),
        &mut on_item,
    ));
    let short = agent.invoke(Invocation::prompt("x", "too-short"), &mut on_item).await;
    assert_eq!(short.expect_err("refused").code(), "bad_settings");
}
