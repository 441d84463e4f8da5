//! An answer names the trace of the turn that gave it, so the chat opens it from the answer,
//! also in a reopened conversation. Alone in its binary: a thread's own subscriber only sees
//! callsites no other test has registered first without one.

use agentdesk_agent::conversation;
use agentdesk_agent::estimator::{EstimateStore, OfflineTurn, answer_offline};
use agentdesk_pricing::Catalog;
use agentdesk_telemetry::traces::{Pipeline, Retention, TraceFilter, TraceStore};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn each_answer_keeps_the_id_of_its_turns_stored_trace() {
    let folder = tempfile::tempdir().expect("temp");
    let traces = folder.path().join("traces.db");
    let store = agentdesk_memory::MemoryStore::open_in(folder.path()).await.expect("memory");
    let memory_id = store.default_memory().await.expect("memory").memory_id;
    let catalog = Catalog::bundled().expect("catalog");
    let estimates = EstimateStore::new(&folder.path().join("estimates"));
    let turn = OfflineTurn {
        memory: (&store, &memory_id, "local-user"),
        session_id: "s1",
        estimates: &estimates,
        calculator: None,
        default_region: "us-east-1",
        catalog: &catalog,
        live_prices: None,
    };
    let pipeline = Pipeline::to_store(traces.clone(), Retention::new(30, 500)).expect("pipeline");
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        answer_offline(turn, "one t3.medium in us-east-1").await.expect("answer");
        answer_offline(turn, "two t3.small in us-east-1").await.expect("answer");
    }
    // At once: a span ending just after its turn (a database worker thread lets go of it a
    // moment later) is still kept.
    drop(pipeline);

    let past = conversation(&store, &memory_id, "local-user", "s1").await.expect("read");
    let ids: Vec<&str> = past.iter().filter_map(|exchange| exchange.trace_id.as_deref()).collect();
    assert_eq!(ids.len(), 2, "{past:?}");
    assert_ne!(ids[0], ids[1], "one trace per turn");
    let kept = TraceStore::open(&traces).await.expect("traces");
    let stored: Vec<String> = kept
        .traces(&TraceFilter::default())
        .await
        .expect("list")
        .into_iter()
        .map(|trace| trace.trace_id)
        .collect();
    for id in ids {
        assert!(stored.iter().any(|trace| trace == id), "{id} not in {stored:?}");
        let detail = kept.trace(id).await.expect("the answer's trace");
        assert!(detail.spans.iter().any(|span| span.name == "invoke_agent cost-estimator"));
    }
}
