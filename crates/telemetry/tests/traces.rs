//! Spans recorded through `tracing` as the agent records them, kept in a real SQLite store
//! by the OpenTelemetry pipeline, and read back as conversations → traces → span trees.

use std::time::{Duration, SystemTime};

use agentdesk_telemetry::traces::{Pipeline, Retention, TraceFilter, TraceStore};
use tracing::{Instrument, Level};
use tracing_subscriber::layer::SubscriberExt;

/// One agent turn as `crates/agent` traces it: a model call with its token usage, then a
/// tool, inside `invoke_agent`; the tool fails when `failing`.
async fn turn(conversation: &str, failing: bool) {
    let agent = tracing::info_span!(
        target: "agentdesk_agent",
        "invoke_agent",
        otel.name = "invoke_agent cost-estimator",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.conversation.id = %conversation,
    );
    async {
        let chat = tracing::info_span!(
            target: "agentdesk_agent",
            "chat",
            otel.name = "chat claude-sonnet-4",
            gen_ai.request.model = "claude-sonnet-4",
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
        );
        chat.record("gen_ai.usage.input_tokens", 1200_i64);
        chat.record("gen_ai.usage.output_tokens", 300_i64);
        drop(chat);
        let tool = tracing::info_span!(
            target: "agentdesk_agent",
            "execute_tool",
            otel.name = "execute_tool estimate_costs",
            gen_ai.tool.name = "estimate_costs",
            otel.status_code = tracing::field::Empty,
        );
        if failing {
            tool.record("otel.status_code", "ERROR");
        }
        drop(tool);
        // A library's span is not an agent span: it is not traced.
        drop(tracing::info_span!(target: "sqlx::query", "query"));
        drop(tracing::span!(target: "agentdesk_agent", Level::DEBUG, "detail"));
    }
    .instrument(agent)
    .await;
}

#[tokio::test]
async fn agent_turns_are_kept_and_read_back_as_conversations_traces_and_span_trees() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("traces.db");
    let pipeline = Pipeline::to_store(path.clone(), Retention::new(30, 500)).expect("pipeline");
    let subscriber = tracing_subscriber::registry().with(pipeline.layer());
    {
        let _installed = tracing::subscriber::set_default(subscriber);
        turn("bakery", false).await;
        turn("bakery", true).await;
        turn("パン屋", false).await;
    }
    drop(pipeline); // writes the last batch

    let store = TraceStore::open(&path).await.expect("store");
    let all = TraceFilter::default();
    let sessions = store.sessions(&all).await.expect("sessions");
    let bakery =
        sessions.iter().find(|s| s.session_id.as_deref() == Some("bakery")).expect("bakery");
    assert_eq!((bakery.trace_count, bakery.input_tokens, bakery.output_tokens), (2, 2400, 600));
    assert_eq!(bakery.error_count, 1);
    // Tokens by model over the conversation's two turns: what a cost is computed from.
    let by_model: Vec<_> = bakery
        .models
        .iter()
        .map(|m| (m.model.as_str(), m.input_tokens, m.output_tokens, m.unreported_calls))
        .collect();
    assert_eq!(by_model, [("claude-sonnet-4", 2400, 600, 0)]);
    assert!(sessions.iter().any(|s| s.session_id.as_deref() == Some("パン屋")), "{sessions:?}");

    let traces = store.traces(&all).await.expect("traces");
    assert_eq!(traces.len(), 3);
    assert!(traces.iter().all(|t| t.root_name.as_deref() == Some("invoke_agent cost-estimator")));
    assert!(traces.iter().all(|t| t.span_count == 3), "only the agent's INFO spans: {traces:?}");

    let failed = TraceFilter { status: "error".into(), ..TraceFilter::default() };
    let failed = store.traces(&failed).await.expect("filtered");
    assert_eq!(failed.len(), 1);
    let by_model = TraceFilter {
        attribute: "gen_ai.request.model=claude-sonnet-4".into(),
        ..TraceFilter::default()
    };
    assert_eq!(store.traces(&by_model).await.expect("filtered").len(), 3);
    let by_tool = TraceFilter {
        span_name: "estimate_costs".into(),
        session_id: Some("パン屋".into()),
        ..TraceFilter::default()
    };
    assert_eq!(store.traces(&by_tool).await.expect("filtered").len(), 1);
    let slow = TraceFilter { min_duration_ms: Some(60_000), ..TraceFilter::default() };
    assert!(store.traces(&slow).await.expect("filtered").is_empty());

    let detail = store.trace(&failed[0].trace_id).await.expect("detail");
    let root = &detail.spans[0];
    assert_eq!(root.name, "invoke_agent cost-estimator");
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.attributes["gen_ai.conversation.id"], "bakery");
    for child in &detail.spans[1..] {
        assert_eq!(child.parent_span_id.as_deref(), Some(root.span_id.as_str()), "{child:?}");
    }
    let chat = detail.spans.iter().find(|span| span.name == "chat claude-sonnet-4").expect("chat");
    assert_eq!((chat.input_tokens, chat.output_tokens), (Some(1200), Some(300)));
    let tool =
        detail.spans.iter().find(|span| span.name == "execute_tool estimate_costs").expect("tool");
    assert_eq!(tool.status, "error");

    let otlp = store.otlp_json(&failed[0].trace_id).await.expect("otlp");
    let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 3);
    assert!(spans.iter().any(|span| span["status"]["code"] == 2));
    assert!(spans.iter().all(|span| span["traceId"] == failed[0].trace_id.as_str()));
    let unknown = store.trace("0123456789abcdef0123456789abcdef").await.expect_err("no such trace");
    assert!(unknown.to_string().contains("agentdesk traces list"), "{unknown}");

    // Retention: traces that ended before the cut-off go, whole.
    let kept = store
        .delete_older_than(SystemTime::now() - Duration::from_secs(3600))
        .await
        .expect("retention");
    assert_eq!(kept, 0, "nothing is an hour old");
    let gone = store
        .delete_older_than(SystemTime::now() + Duration::from_secs(1))
        .await
        .expect("retention");
    assert_eq!(gone, 9);
    assert!(store.traces(&all).await.expect("traces").is_empty());
}

#[tokio::test]
async fn the_writer_deletes_traces_past_their_retention() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("traces.db");
    // Kept a week: today's turn stays.
    let week = Pipeline::to_store(path.clone(), Retention::new(7, 500)).expect("pipeline");
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(week.layer()));
        turn("kept", false).await;
    }
    drop(week);
    let store = TraceStore::open(&path).await.expect("store");
    assert_eq!(store.traces(&TraceFilter::default()).await.expect("traces").len(), 1);
    store.close().await;

    // Kept no time at all: the writer deletes what has ended, its own batch included.
    let none = Pipeline::to_store(path.clone(), Retention::new(0, 500)).expect("pipeline");
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(none.layer()));
        turn("gone", false).await;
    }
    drop(none);
    let store = TraceStore::open(&path).await.expect("store");
    assert!(store.traces(&TraceFilter::default()).await.expect("traces").is_empty());
}

#[tokio::test]
async fn past_its_size_limit_the_writer_deletes_the_oldest_traces_first() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("traces.db");
    // A hundred turns of 20 KB each (about 2 MB) against a 1 MiB limit.
    let pipeline = Pipeline::to_store(path.clone(), Retention::new(30, 1)).expect("pipeline");
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        let answer = "x".repeat(20_000);
        for turn in 0..100 {
            drop(tracing::info_span!(
                target: "agentdesk_agent",
                "invoke_agent",
                gen_ai.conversation.id = %format!("turn-{turn:03}"),
                answer = %answer,
            ));
        }
    }
    drop(pipeline);
    // The freed pages went back to the file system: the file is the limit, not 2 MB.
    let file = std::fs::metadata(&path).expect("traces.db").len();
    assert!(file <= 1024 * 1024, "traces.db is {file} bytes");
    let store = TraceStore::open(&path).await.expect("store");
    assert!(store.used_bytes().await.expect("size") <= 1024 * 1024, "under the limit");
    let kept: Vec<String> = store
        .sessions(&TraceFilter::default())
        .await
        .expect("sessions")
        .into_iter()
        .filter_map(|session| session.session_id)
        .collect();
    assert!((10..100).contains(&kept.len()), "some, not all, are kept: {}", kept.len());
    assert!(kept.contains(&"turn-099".to_owned()), "the newest is kept");
    assert!(!kept.contains(&"turn-000".to_owned()), "the oldest went first");
    let oldest_kept = kept.iter().min().expect("kept");
    let expected: Vec<String> =
        (100 - kept.len()..100).map(|turn| format!("turn-{turn:03}")).collect();
    assert_eq!(oldest_kept, &expected[0], "the kept ones are the newest ones");
}

#[tokio::test]
async fn a_store_without_its_per_trace_sums_gets_them_on_opening() {
    let folder = tempfile::tempdir().expect("temp");
    let path = folder.path().join("traces.db");
    let pipeline = Pipeline::to_store(path.clone(), Retention::new(30, 500)).expect("pipeline");
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        turn("older", false).await;
    }
    drop(pipeline);
    // As a store written before spans had a model column and traces had sums.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("db");
    for statement in
        ["DROP TABLE trace_sums", "DROP TABLE trace_models", "ALTER TABLE spans DROP COLUMN model"]
    {
        sqlx::query(statement).execute(&raw).await.expect(statement);
    }
    raw.close().await;

    let store = TraceStore::open(&path).await.expect("store");
    let traces = store.traces(&TraceFilter::default()).await.expect("traces");
    assert_eq!(traces.len(), 1);
    assert_eq!((traces[0].input_tokens, traces[0].span_count), (1200, 3));
    let models: Vec<_> =
        traces[0].models.iter().map(|usage| (usage.model.as_str(), usage.input_tokens)).collect();
    assert_eq!(models, [("claude-sonnet-4", 1200)]);
}
