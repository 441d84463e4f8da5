//! A remote agent's answer keeps the trace of the call that got it, so the chat opens that
//! trace from the answer as it does for this computer's agent. Against AWS's own Runtime
//! server (a `BedrockAgentCoreApp` agent, tests/runtime-peers/agent.py). Alone in its binary:
//! a thread's own subscriber only sees callsites no other test has registered first.

use agentdesk_agent::{MemoryLink, conversation};
use agentdesk_config::AgentSettings;
use agentdesk_e2e::agentcore_peer::AgentPeer;
use agentdesk_memory::MemoryStore;
use agentdesk_runtime::client::{Invocation, RemoteAgent, new_session_id, remote_turn};
use agentdesk_telemetry::traces::{Pipeline, Retention, TraceStore};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn a_remote_answer_keeps_the_id_of_its_calls_stored_trace() {
    let peer = AgentPeer::start().expect("peer");
    let settings = AgentSettings { url: peer.url.clone(), ..AgentSettings::default() };
    let agent = RemoteAgent::from_settings("peer", &settings, None).expect("usable settings");
    let folder = tempfile::tempdir().expect("temp");
    let traces = folder.path().join("traces.db");
    let store = MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("default memory").memory_id;
    let link =
        MemoryLink { store: store.clone(), memory_id: memory_id.clone(), actor_id: "me".into() };
    let session = new_session_id();
    let pipeline = Pipeline::to_store(traces.clone(), Retention::new(30, 500)).expect("pipeline");
    let invoked = {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        let invocation = Invocation::prompt("plain 東京で t3.micro を1台", &session);
        remote_turn(&agent, &link, invocation, &mut |_| {}).await.expect("a turn")
    };
    drop(pipeline);

    let trace_id = invoked.trace_id.expect("the call's trace");
    let past = conversation(&store, &memory_id, "me", &session).await.expect("read");
    assert_eq!(past.len(), 1);
    assert_eq!(past[0].trace_id.as_deref(), Some(trace_id.as_str()), "{past:?}");
    let kept = TraceStore::open(&traces).await.expect("traces");
    let detail = kept.trace(&trace_id).await.expect("the answer's trace is stored");
    assert!(detail.spans.iter().any(|span| span.name == "invoke_agent peer"), "{detail:?}");
}
