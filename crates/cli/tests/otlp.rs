//! Traces sent over OTLP to a real receiver nobody here wrote: Arize Phoenix from PyPI
//! (`make test` installs it in target/phoenix-venv), started on loopback with its data in a
//! temporary folder and read back through its REST API. Over http/protobuf (configured by
//! the standard variables) and gRPC (configured in `[telemetry]`), the spans arrive with
//! their parent links, GenAI attributes and conversation id, under the trace ids the local
//! store keeps; without the opt-in no prompt text is sent (the scripted model got it). A
//! dead or hanging receiver costs the command nothing it needs (the benchmark has the timing).

mod scripted_model;
mod support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;

use agentdesk_e2e::phoenix::Phoenix;
use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// One `agentdesk chat` turn in `folder` with `config` and the `otel` variables; without
/// a model in `config` the offline estimator answers.
fn turn(folder: &Path, config: &str, session: &str, otel: &[(&str, String)]) -> Output {
    std::fs::write(folder.join("config.toml"), config).expect("config");
    let mut command = support::command(folder, &["chat", "--session", session, QUESTION]);
    for name in ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SDK_DISABLED"]
    {
        command.env_remove(name);
    }
    command.envs(otel.iter().map(|(name, value)| (*name, value)));
    let output = command.output().expect("run agentdesk");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

const QUESTION: &str = "Two t3.micro instances in Tokyo for my bakery's site";

/// A turn with a model (the scripted one): an agent span with the model call's span under
/// it. Checks the prompt did reach the model, so its absence from the sent spans means
/// something.
fn model_turn(folder: &Path, telemetry: &str, session: &str, otel: &[(&str, String)]) {
    let (url, server) = scripted_model::one_answer(&["About $15 a month."]);
    let config = format!(
        "[model]\nprovider = \"openai-compatible\"\nbase_url = \"{url}\"\nname = \"test-model\"\n{telemetry}"
    );
    turn(folder, &config, session, otel);
    let received = server.join().expect("model");
    assert!(received.body.contains("bakery"), "the model got the prompt");
    assert_eq!(received.authorization, None, "no key was configured");
}

/// The trace ids the local store keeps for `session`.
fn stored_traces(folder: &Path, session: &str) -> Vec<String> {
    let listed =
        support::agentdesk(folder, &["traces", "list", "--session", session, "--json"], "");
    let traces: Value = serde_json::from_slice(&listed.stdout).expect("traces json");
    traces
        .as_array()
        .expect("traces")
        .iter()
        .map(|trace| trace["traceId"].as_str().expect("id").to_owned())
        .collect()
}

/// The spans of one turn arrived whole: the same trace id as the local store's, the agent
/// span at the root with the model call's span under it, the GenAI attributes and the
/// conversation id, and no prompt text.
fn assert_turn_arrived(phoenix: &Phoenix, folder: &Path, session: &str) {
    phoenix.wait_for("the turn's spans in Phoenix", || {
        let spans = phoenix.spans_of(session);
        spans
            .iter()
            .any(|span| span["name"].as_str().is_some_and(|n| n.starts_with("invoke_agent")))
            && spans
                .iter()
                .any(|span| span["name"].as_str().is_some_and(|n| n.starts_with("chat ")))
    });
    let spans = phoenix.spans_of(session);
    let named = |prefix: &str| {
        spans
            .iter()
            .find(|span| span["name"].as_str().is_some_and(|name| name.starts_with(prefix)))
            .cloned()
            .expect(prefix)
    };
    let agent = named("invoke_agent");
    let call = named("chat");
    assert_eq!(agent["attributes"]["gen_ai.operation.name"], "invoke_agent", "{agent}");
    assert_eq!(agent["attributes"]["session.id"], session, "{agent}");
    assert_eq!(call["attributes"]["gen_ai.operation.name"], "chat", "{call}");
    assert_eq!(call["attributes"]["gen_ai.request.model"], "test-model", "{call}");
    let agent_span_id = agent["context"]["span_id"].as_str().expect("span id");
    let mut ancestor = call;
    // The model call sits under the agent span (perhaps through a step between them).
    while ancestor["context"]["span_id"] != agent_span_id {
        let parent =
            ancestor["parent_id"].as_str().expect("the model call has the agent span above it");
        ancestor = spans
            .iter()
            .find(|span| span["context"]["span_id"] == parent)
            .cloned()
            .expect("every parent arrived");
    }
    let trace_id = agent["context"]["trace_id"].as_str().expect("trace id");
    assert_eq!(stored_traces(folder, session), [trace_id], "the local store has the same trace");
    let sent = serde_json::to_string(&spans).expect("json");
    assert!(!sent.contains("bakery"), "no prompt text without the opt-in: {sent}");
}

#[test]
fn spans_reach_phoenix_over_http_and_grpc_under_the_stored_trace_ids() {
    let phoenix = Phoenix::start();

    let folder = tempfile::tempdir().expect("temp");
    let endpoint = format!("http://127.0.0.1:{}", phoenix.http_port);
    let variables = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".to_owned()),
    ];
    model_turn(folder.path(), "", "otlp-http", &variables);
    assert_turn_arrived(&phoenix, folder.path(), "otlp-http");

    let folder = tempfile::tempdir().expect("temp");
    let telemetry = format!(
        "[telemetry]\notlp_endpoint = \"http://127.0.0.1:{}\"\notlp_protocol = \"grpc\"\n",
        phoenix.grpc_port
    );
    model_turn(folder.path(), &telemetry, "otlp-grpc", &[]);
    assert_turn_arrived(&phoenix, folder.path(), "otlp-grpc");
}

#[test]
fn a_dead_or_hanging_receiver_costs_the_command_nothing_it_needs() {
    // Nothing listens on a port just freed; a listener that accepts and never answers hangs.
    let dead = free_port();
    let hanging = TcpListener::bind("127.0.0.1:0").expect("bind");
    let hanging_port = hanging.local_addr().expect("address").port();
    let holder = std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in hanging.incoming().take(4).flatten() {
            held.push(stream);
        }
        let mut byte = [0_u8; 1];
        for mut stream in held {
            let _read = stream.read(&mut byte);
        }
    });
    for (port, session) in [(dead, "dead"), (hanging_port, "hanging")] {
        let folder = tempfile::tempdir().expect("temp");
        let variables = [("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{port}"))];
        let output = turn(folder.path(), "", session, &variables);
        assert!(String::from_utf8_lossy(&output.stdout).contains("t3.micro"), "the answer came");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("could not be sent to"), "the loss is said: {stderr}");
        assert_eq!(stored_traces(folder.path(), session).len(), 1, "kept locally all the same");
    }
    drop(holder);
}

#[test]
fn a_bad_protocol_is_named_and_the_turn_still_runs() {
    let folder = tempfile::tempdir().expect("temp");
    let variables = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9".to_owned()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml".to_owned()),
    ];
    let output = turn(folder.path(), "", "bad-protocol", &variables);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"http/xml\" is not supported: use http/protobuf or grpc"),
        "{stderr}"
    );
    assert_eq!(stored_traces(folder.path(), "bad-protocol").len(), 1);
}
