//! Trace benchmarks (`make bench-traces`): what tracing costs an agent turn with the local
//! store's exporter on, and with OTLP export to a receiver on loopback as well, against the
//! same turn with no trace subscriber; how long a program's exit waits for a receiver that
//! answers, refuses connections or hangs; the Traces page's
//! queries over 100,000 stored spans (the sessions list, a session's traces) and opening a
//! 1,000-span trace (the detail query and its JSON, as the page receives it). Figures go to
//! BENCHMARKS.md.

use std::borrow::Cow;
use std::time::{Duration, Instant, SystemTime};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use agentdesk_telemetry::traces::{
    Destinations, OtlpConfig, Pipeline, Retention, TraceFilter, TraceStore,
};
use opentelemetry::KeyValue;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use tracing_subscriber::layer::SubscriberExt;

const TURNS: usize = 20_000;
const SESSIONS: u64 = 1_000;
const TRACES: u64 = 10_000;
const SPANS_PER_TRACE: u64 = 10;
const BIG_TRACE_SPANS: u64 = 1_000;
const QUERIES: usize = 50;

/// One agent turn as the agent traces it: the turn, a model call with its tokens, a tool.
fn turn() {
    let agent = tracing::info_span!(
        target: "agentdesk_agent",
        "invoke_agent",
        otel.name = "invoke_agent cost-estimator",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.conversation.id = "bench",
    )
    .entered();
    {
        let chat = tracing::info_span!(
            target: "agentdesk_agent",
            "chat",
            otel.name = "chat anthropic.claude-3-haiku-20240307-v1:0",
            gen_ai.request.model = "anthropic.claude-3-haiku-20240307-v1:0",
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
        )
        .entered();
        chat.record("gen_ai.usage.input_tokens", 1200_i64);
        chat.record("gen_ai.usage.output_tokens", 300_i64);
    }
    drop(
        tracing::info_span!(
            target: "agentdesk_agent",
            "execute_tool",
            otel.name = "execute_tool estimate_costs",
            gen_ai.tool.name = "estimate_costs",
        )
        .entered(),
    );
    drop(agent);
}

/// Each turn's time in microseconds, sorted.
fn time_turns() -> Vec<f64> {
    let mut times: Vec<f64> = (0..TURNS)
        .map(|_| {
            let started = Instant::now();
            turn();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn span(trace: u64, span: u64, parent: Option<u64>, session: u64, start: SystemTime) -> SpanData {
    let trace_id = TraceId::from_bytes(((trace + 1) as u128).to_be_bytes());
    let id = |n: u64| SpanId::from_bytes(((trace << 20) | (n + 1)).to_be_bytes());
    let model_call = span % 3 == 1;
    let mut attributes = vec![
        KeyValue::new("gen_ai.conversation.id", format!("conversation-{session}")),
        KeyValue::new("gen_ai.operation.name", if model_call { "chat" } else { "execute_tool" }),
    ];
    if model_call {
        attributes
            .push(KeyValue::new("gen_ai.request.model", "anthropic.claude-3-haiku-20240307-v1:0"));
        attributes.push(KeyValue::new("gen_ai.usage.input_tokens", 1200_i64));
        attributes.push(KeyValue::new("gen_ai.usage.output_tokens", 300_i64));
    }
    let begin = start + Duration::from_millis(span * 3);
    SpanData {
        span_context: SpanContext::new(
            trace_id,
            id(span),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: parent.map_or(SpanId::INVALID, id),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: Cow::Owned(if model_call {
            "chat anthropic.claude-3-haiku".into()
        } else {
            format!("execute_tool step_{span}")
        }),
        start_time: begin,
        end_time: begin + Duration::from_millis(2),
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: Default::default(),
    }
}

/// A trace of `count` spans: a root and its children.
fn trace_spans(trace: u64, count: u64, session: u64) -> Vec<SpanData> {
    let start = SystemTime::now() - Duration::from_secs(86_400) + Duration::from_millis(trace * 50);
    (0..count).map(|n| span(trace, n, (n > 0).then_some(0), session, start)).collect()
}

/// An OTLP/HTTP receiver on loopback that accepts every batch (as Phoenix or a Collector
/// would, without their own costs); returns its port.
fn accepting_receiver() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_requests(stream));
        }
    });
    port
}

/// Answers each request on a kept-alive connection with 200 and an empty protobuf body.
fn answer_requests(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    loop {
        let mut length = 0_usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0_u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// A pipeline to the store in `folder` and to an OTLP/HTTP receiver at `port`.
fn pipeline_with_otlp(folder: &std::path::Path, name: &str, port: u16) -> Pipeline {
    let destinations = Destinations {
        store: Some((folder.join(name), Retention::new(30, 500))),
        otlp: OtlpConfig { endpoint: format!("http://127.0.0.1:{port}"), protocol: String::new() },
    };
    let (pipeline, problems) = Pipeline::new(&destinations);
    assert!(problems.store.is_none() && problems.otlp.is_none(), "{problems:?}");
    pipeline.expect("pipeline")
}

/// How long dropping a pipeline that has just traced one turn takes, in milliseconds: what a
/// CLI command's exit waits.
fn exit_wait(pipeline: Pipeline) -> f64 {
    {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        turn();
    }
    let started = Instant::now();
    drop(pipeline);
    started.elapsed().as_secs_f64() * 1e3
}

fn timed<T>(runs: usize, mut call: impl FnMut() -> T) -> (f64, f64) {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(call());
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

fn main() {
    let folder = tempfile::tempdir().expect("temp");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "machine: {cores} cores; {TURNS} turns each way, then {} stored spans",
        TRACES * SPANS_PER_TRACE
    );

    // Tracing's cost per turn: no subscriber, then the store's exporter on.
    let bare = time_turns();
    let pipeline = Pipeline::to_store(folder.path().join("turns.db"), Retention::new(30, 500))
        .expect("pipeline");
    let traced = {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        time_turns()
    };
    drop(pipeline);
    let receiver = accepting_receiver();
    let pipeline = pipeline_with_otlp(folder.path(), "otlp.db", receiver);
    let exported = {
        let _installed =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(pipeline.layer()));
        time_turns()
    };
    drop(pipeline);
    let status = agentdesk_telemetry::traces::otlp_status().expect("status");

    let store_only = Pipeline::to_store(folder.path().join("exit.db"), Retention::new(30, 500))
        .expect("pipeline");
    let exit_store_only = exit_wait(store_only);
    let exit_accepting = exit_wait(pipeline_with_otlp(folder.path(), "exit.db", receiver));
    let dead =
        TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let exit_dead = exit_wait(pipeline_with_otlp(folder.path(), "exit.db", dead));
    let hanging = TcpListener::bind("127.0.0.1:0").expect("bind");
    let hanging_port = hanging.local_addr().expect("address").port();
    let exit_hanging = exit_wait(pipeline_with_otlp(folder.path(), "exit.db", hanging_port));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store =
        runtime.block_on(TraceStore::open(&folder.path().join("traces.db"))).expect("store");
    let filled = Instant::now();
    for first in (0..TRACES).step_by(500) {
        let batch: Vec<SpanData> = (first..first + 500)
            .flat_map(|trace| trace_spans(trace, SPANS_PER_TRACE, trace % SESSIONS))
            .collect();
        runtime.block_on(store.insert(&batch)).expect("insert");
    }
    let big = trace_spans(TRACES, BIG_TRACE_SPANS, 0);
    runtime.block_on(store.insert(&big)).expect("insert");
    let fill_seconds = filled.elapsed().as_secs_f64();
    let big_id = big[0].span_context.trace_id().to_string();

    let all = TraceFilter::default();
    let sessions = timed(QUERIES, || runtime.block_on(store.sessions(&all)).expect("sessions"));
    let one_session =
        TraceFilter { session_id: Some("conversation-7".into()), ..TraceFilter::default() };
    let session_traces =
        timed(QUERIES, || runtime.block_on(store.traces(&one_session)).expect("traces"));
    let open_big = timed(QUERIES, || {
        let detail = runtime.block_on(store.trace(&big_id)).expect("trace");
        serde_json::to_vec(&detail).expect("json")
    });

    println!();
    println!("| measurement | AgentDesk | anchor | target | met? |");
    println!("|---|---|---|---|---|");
    let (bare50, traced50) = (percentile(&bare, 0.5), percentile(&traced, 0.5));
    println!(
        "| a turn's spans (agent, model call, tool), p50 (p95) | {traced50:.1} µs ({:.1}) traced to the store | {bare50:.1} µs ({:.1}) with no subscriber | ≤ 0.5 ms added | {} (+{:.1} µs) |",
        percentile(&traced, 0.95),
        percentile(&bare, 0.95),
        if traced50 - bare50 <= 500.0 { "yes" } else { "no" },
        traced50 - bare50,
    );
    let exported50 = percentile(&exported, 0.5);
    println!(
        "| the same turn, also sent over OTLP/HTTP to a receiver on loopback, p50 (p95) | {exported50:.1} µs ({:.1}); {} of {} spans sent | {bare50:.1} µs with no subscriber | ≤ 0.5 ms added | {} (+{:.1} µs) |",
        percentile(&exported, 0.95),
        status.sent,
        status.queued,
        if exported50 - bare50 <= 500.0 { "yes" } else { "no" },
        exported50 - bare50,
    );
    println!(
        "| a command's exit after a turn: OTLP receiver answering / refusing connections / hanging | {exit_accepting:.0} ms / {exit_dead:.0} ms / {exit_hanging:.0} ms | {exit_store_only:.0} ms with the store only | a hanging receiver adds ≤ 0.5 s | {} |",
        if exit_hanging - exit_store_only <= 550.0 { "yes" } else { "no" },
    );
    let verdict = |p50: f64, target: f64| if p50 <= target { "yes" } else { "no" };
    println!(
        "| sessions list over {} spans ({SESSIONS} conversations), p50 (p95) | {:.1} ms ({:.1}) | — | ≤ 50 ms | {} |",
        TRACES * SPANS_PER_TRACE + BIG_TRACE_SPANS,
        sessions.0,
        sessions.1,
        verdict(sessions.0, 50.0)
    );
    println!(
        "| one conversation's traces, p50 (p95) | {:.1} ms ({:.1}) | — | — | — |",
        session_traces.0, session_traces.1
    );
    println!(
        "| a {BIG_TRACE_SPANS}-span trace read and serialised for the page, p50 (p95) | {:.1} ms ({:.1}) | — | ≤ 200 ms to open | {} |",
        open_big.0,
        open_big.1,
        verdict(open_big.0, 200.0)
    );
    println!(
        "| writing {} spans in batches of 5,000 | {fill_seconds:.1} s | — | — | — |",
        TRACES * SPANS_PER_TRACE
    );
}
