//! The gateway's cost, as a process (`agentdesk gateway serve`) with the JWT check on and a
//! real token from oidc-provider, in front of the reference server-everything (npm):
//!
//! 1. overhead: `tools/call` of the trivial `echo` through the gateway against the same call
//!    made directly, side by side in alternating rounds, for an upstream over streamable HTTP
//!    and one over stdio (target, issue 7: ≤ 2 ms p50 added);
//! 2. load: 200 concurrent callers, each with its own session, for 30 s (target: no errors);
//!    p50/p99 latency and the gateway's resident memory.
//!
//! Run with `make bench-gateway` (builds the CLI first; needs tests/oidc and
//! tests/mcp-servers installed, as `make test` does).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_e2e::gateway::GatewayProcess;
use agentdesk_e2e::mcp_servers::{free_port, serve_everything};
use agentdesk_e2e::oidc::Oidc;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use tokio::process::Command;

type Client = RunningService<RoleClient, ()>;
type Error = Box<dyn std::error::Error + Send + Sync>;

const ROUNDS: usize = 10;
const CALLS_PER_ROUND: usize = 200;
const CALLERS: usize = 200;
const LOAD: Duration = Duration::from_secs(30);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn http_client(url: &str, token: Option<&str>) -> Result<Client, Error> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token.to_owned());
    }
    Ok(().serve(StreamableHttpClientTransport::from_config(config)).await?)
}

fn echo(name: &str) -> CallToolRequestParams {
    let arguments = serde_json::json!({"message": "hi"});
    CallToolRequestParams::new(name.to_owned())
        .with_arguments(arguments.as_object().cloned().unwrap_or_default())
}

async fn timed_calls(client: &Client, tool: &str, count: usize) -> Result<Vec<f64>, Error> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let result = client.call_tool(echo(tool)).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if result.is_error == Some(true) {
            return Err(format!("{tool} failed: {result:?}").into());
        }
    }
    Ok(times)
}

fn percentile(times: &mut [f64], fraction: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let index = ((times.len() as f64 - 1.0) * fraction).round() as usize;
    times.get(index).copied().unwrap_or(f64::NAN)
}

fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field)
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

async fn side_by_side(
    label: &str,
    direct: &Client,
    through: &Client,
    tool: &str,
) -> Result<(), Error> {
    timed_calls(direct, "echo", 100).await?;
    timed_calls(through, tool, 100).await?;
    let (mut direct_times, mut through_times) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        direct_times.extend(timed_calls(direct, "echo", CALLS_PER_ROUND).await?);
        through_times.extend(timed_calls(through, tool, CALLS_PER_ROUND).await?);
    }
    let direct_p50 = percentile(&mut direct_times, 0.5);
    let through_p50 = percentile(&mut through_times, 0.5);
    println!(
        "{label}: direct p50 {direct_p50:.3} ms p95 {:.3} ms | through the gateway p50 {through_p50:.3} ms p95 {:.3} ms | added p50 {:.3} ms ({} calls each)",
        percentile(&mut direct_times, 0.95),
        percentile(&mut through_times, 0.95),
        through_p50 - direct_p50,
        direct_times.len(),
    );
    Ok(())
}

async fn load(url: &str, token: &str, gateway_pid: u32) -> Result<(), Error> {
    let mut clients = Vec::with_capacity(CALLERS);
    for _ in 0..CALLERS {
        clients.push(Arc::new(http_client(url, Some(token)).await?));
    }
    let rss_before = memory_kib(gateway_pid, "VmRSS:");
    let deadline = Instant::now() + LOAD;
    let mut callers = tokio::task::JoinSet::new();
    for client in clients {
        callers.spawn(async move {
            let (mut times, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let started = Instant::now();
                match client.call_tool(echo("web___echo")).await {
                    Ok(result) if result.is_error != Some(true) => {
                        times.push(started.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => errors += 1,
                }
            }
            (times, errors)
        });
    }
    let (mut times, mut errors) = (Vec::new(), 0);
    for (caller_times, caller_errors) in callers.join_all().await {
        times.extend(caller_times);
        errors += caller_errors;
    }
    println!(
        "load: {CALLERS} callers for {} s: {} calls ({:.0}/s), {errors} errors, p50 {:.2} ms, p99 {:.2} ms; gateway memory {} MiB before, {} MiB after, peak {} MiB",
        LOAD.as_secs(),
        times.len(),
        times.len() as f64 / LOAD.as_secs_f64(),
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99),
        rss_before / 1024,
        memory_kib(gateway_pid, "VmRSS:") / 1024,
        memory_kib(gateway_pid, "VmHWM:") / 1024,
    );
    if errors > 0 {
        return Err(format!("{errors} calls failed under load").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let oidc = Oidc::start(3600).await;
    let token = oidc.m2m_token().await;
    let port = free_port();
    let _everything = serve_everything("streamableHttp", port).await;
    let everything_url = format!("http://127.0.0.1:{port}/mcp");

    let folder = tempfile::tempdir()?;
    let config = folder.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\n[authorizer]\ntype = \"jwt\"\n\
             discovery_url = \"{}/.well-known/openid-configuration\"\nallowed_clients = [\"m2m\"]\n\
             [[targets]]\nname = \"web\"\ntype = \"mcp\"\nurl = \"{everything_url}\"\n\
             [[targets]]\nname = \"local\"\ntype = \"mcp\"\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n",
            oidc.issuer,
            agentdesk_e2e::mcp_servers::everything_js()
        ),
    )?;
    let gateway =
        GatewayProcess::start(&repository().join("target/debug/agentdesk"), &config, None)?;
    let gateway_url = gateway.url.clone();
    let gateway_pid = gateway.id();

    let through = http_client(&gateway_url, Some(&token)).await?;
    let direct_http = http_client(&everything_url, None).await?;
    side_by_side("streamable HTTP upstream", &direct_http, &through, "web___echo").await?;
    let mut stdio = std::process::Command::new("node");
    stdio.args([agentdesk_e2e::mcp_servers::everything_js(), "stdio".into()]).stderr(Stdio::null());
    let direct_stdio = ().serve(TokioChildProcess::new(Command::from(stdio))?).await?;
    side_by_side("stdio upstream", &direct_stdio, &through, "local___echo").await?;
    load(&gateway_url, &token, gateway_pid).await?;
    Ok(())
}
