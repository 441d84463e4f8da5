//! The MCP client's own cost and its recovery (issue 8):
//!
//! 1. overhead: `tools/call` of server-everything's trivial `echo` over streamable HTTP with
//!    `agentdesk-mcp`, against the same call as raw JSON-RPC over HTTP (reqwest, one session,
//!    no SDK), in alternating rounds (target: ≤ 1 ms p50 added); the official Python MCP SDK's
//!    client on the same server for comparison;
//! 2. recovery: AgentDesk's gateway (`agentdesk gateway serve`) killed and started again, and
//!    the time the client's next call takes to succeed (target: ≤ 2 s).
//!
//! Run with `make bench-mcp` (builds the CLI and a Python venv with the SDK first).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use agentdesk_e2e::gateway::GatewayProcess;
use agentdesk_e2e::mcp_servers::{everything_js, free_port, serve_everything};
use agentdesk_mcp::{McpServer, McpServerSettings};
use serde_json::{Map, Value, json};

type Error = Box<dyn std::error::Error + Send + Sync>;

const ROUNDS: usize = 5;
const CALLS_PER_ROUND: usize = 300;
const RESTARTS: usize = 5;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn percentile(times: &mut [f64], fraction: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let index = ((times.len() as f64 - 1.0) * fraction).round() as usize;
    times.get(index).copied().unwrap_or(f64::NAN)
}

/// A JSON-RPC exchange with no SDK: initialize once, then POST each call with the session.
struct Raw {
    http: reqwest::Client,
    url: String,
    session: String,
}

impl Raw {
    async fn post(&self, body: &Value, session: Option<&str>) -> Result<reqwest::Response, Error> {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        Ok(request.send().await?)
    }

    async fn connect(url: &str) -> Result<Raw, Error> {
        let mut raw =
            Raw { http: reqwest::Client::new(), url: url.to_owned(), session: String::new() };
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
        let answer = raw.post(&initialize, None).await?;
        raw.session = answer
            .headers()
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
            .ok_or("no session id")?
            .to_owned();
        answer.text().await?;
        let session = raw.session.clone();
        raw.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), Some(&session))
            .await?
            .text()
            .await?;
        Ok(raw)
    }

    async fn echo(&self, id: usize) -> Result<(), Error> {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": "hi"}}});
        let body = self.post(&call, Some(&self.session)).await?.text().await?;
        if !body.contains("Echo: hi") {
            return Err(format!("unexpected answer {body}").into());
        }
        Ok(())
    }
}

fn echo_arguments() -> Map<String, Value> {
    match json!({"message": "hi"}) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn overhead(url: &str) -> Result<(), Error> {
    let raw = Raw::connect(url).await?;
    let settings = McpServerSettings { url: url.to_owned(), ..McpServerSettings::default() };
    let client = McpServer::new("bench", settings, None, None);
    let (mut raw_times, mut client_times) = (Vec::new(), Vec::new());
    for warm_up in 0..100 {
        raw.echo(warm_up).await?;
        client.call("echo", echo_arguments()).await?;
    }
    let mut id = 1000;
    for _ in 0..ROUNDS {
        for _ in 0..CALLS_PER_ROUND {
            id += 1;
            let started = Instant::now();
            raw.echo(id).await?;
            raw_times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        for _ in 0..CALLS_PER_ROUND {
            let started = Instant::now();
            client.call("echo", echo_arguments()).await?;
            client_times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let raw_p50 = percentile(&mut raw_times, 0.5);
    let client_p50 = percentile(&mut client_times, 0.5);
    println!(
        "raw JSON-RPC over HTTP: p50 {raw_p50:.3} ms p95 {:.3} ms | agentdesk-mcp: p50 {client_p50:.3} ms p95 {:.3} ms | added p50 {:.3} ms ({} calls each)",
        percentile(&mut raw_times, 0.95),
        percentile(&mut client_times, 0.95),
        client_p50 - raw_p50,
        raw_times.len()
    );
    let python = std::env::var("MCP_BENCH_PYTHON").unwrap_or_else(|_| {
        repository().join("target/bench-venv/bin/python").display().to_string()
    });
    let script = repository().join("tests/benches/mcp_python_client.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(url)
        .arg((ROUNDS * CALLS_PER_ROUND).to_string())
        .stderr(Stdio::inherit())
        .output()?;
    let measured: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("the Python SDK client ({python}) failed: {error}"))?;
    println!(
        "official Python MCP SDK client: p50 {:.3} ms p95 {:.3} ms (added over raw p50 {:.3} ms)",
        measured["p50_ms"].as_f64().unwrap_or(f64::NAN),
        measured["p95_ms"].as_f64().unwrap_or(f64::NAN),
        measured["p50_ms"].as_f64().unwrap_or(f64::NAN) - raw_p50
    );
    Ok(())
}

/// AgentDesk's gateway on `listen` with server-everything behind it over stdio, no JWT check.
fn gateway(config: &Path, listen: &str) -> Result<GatewayProcess, Error> {
    std::fs::write(
        config,
        format!(
            "listen = \"{listen}\"\n[authorizer]\ntype = \"none\"\n\
             [[targets]]\nname = \"everything\"\ntype = \"mcp\"\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n",
            everything_js()
        ),
    )?;
    Ok(GatewayProcess::start(&repository().join("target/debug/agentdesk"), config, None)?)
}

async fn recovery() -> Result<(), Error> {
    let folder = tempfile::tempdir()?;
    let config = folder.path().join("gateway.toml");
    let mut running = gateway(&config, "127.0.0.1:0")?;
    let url = running.url.clone();
    let listen = url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();
    let settings = McpServerSettings { url, timeout_seconds: 20, ..McpServerSettings::default() };
    let client = McpServer::new("gateway", settings, None, None);
    client.call("everything___echo", echo_arguments()).await?;
    let mut times = Vec::new();
    for _ in 0..RESTARTS {
        drop(running);
        running = gateway(&config, &listen)?;
        let started = Instant::now();
        client.call("everything___echo", echo_arguments()).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    drop(running);
    let listed: Vec<String> = times.iter().map(|ms| format!("{ms:.0}")).collect();
    println!(
        "recovery after a gateway restart: first call succeeded after {} ms (max {:.0} ms, {RESTARTS} restarts; the gateway starts its stdio target again too)",
        listed.join(", "),
        times.iter().copied().fold(0.0, f64::max)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let port = free_port();
    let everything = serve_everything("streamableHttp", port).await;
    overhead(&format!("http://127.0.0.1:{port}/mcp")).await?;
    drop(everything);
    recovery().await
}
