//! Remote code interpreters (issue 18): AgentDesk's client (`agentdesk-interpreter`, over
//! `aws-sdk-bedrockagentcore`) calling `agentdesk serve`'s Code Interpreter data plane as a
//! process on loopback, measured side by side with its anchors in one run:
//!
//! 1. `executeCode` of `x += 1` (after `x = 0`), one session per path, [`MEASURED`] calls
//!    each after [`WARM_UP`], in [`ROUNDS`] rounds: in each round the local sandbox in this
//!    process ([`Interpreter::local`], the same runtime) and AgentDesk's client through serve
//!    alternate call by call, then boto3's `bedrock-agentcore` client
//!    (tests/benches/interpreter_boto3.py, one long-lived Python process and session) makes
//!    as many calls against the same server, so all three see the same machine state.
//!    Targets: the client adds ≤ 2 ms p50 over the local sandbox, and is faster than boto3.
//! 2. [`SESSIONS`] remote sessions started at once through AgentDesk's client, each running
//!    [`CELLS`] concurrently with the others, the output of each checked. Target: all
//!    complete, no errors; the wall time and serve's memory per session are reported.
//!
//! Run with `make bench-interpreter`: it builds `agentdesk` in release first and this harness
//! with the bench profile (release settings). `AGENTDESK_BENCH_PROFILE=debug` measures
//! target/debug/agentdesk instead, for profiling only. Needs the Python runtime's wheel
//! (`make test-assets`) and AWS's SDK (target/agentcore-venv, `make test` installs it).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use agentdesk_config::InterpreterSettings;
use agentdesk_e2e::python_runtime::installed;
use agentdesk_e2e::serve_process::ServeWithSandbox;
use agentdesk_interpreter::{Interpreter, RemoteInterpreter};
use agentdesk_wasm_sandbox::{Limits, RuntimeId, RuntimeStore, Sandbox, SandboxConfig, ToolCall};
use aws_sdk_bedrockagentcore::config::{Credentials, Region, SharedCredentialsProvider};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Unmeasured calls per path first.
const WARM_UP: usize = 20;
/// Rounds of the latency step; each path makes [`MEASURED`] / [`ROUNDS`] calls per round.
const ROUNDS: usize = 5;
/// Measured calls per path.
const MEASURED: usize = 200;
/// Concurrent remote sessions in the load step.
const SESSIONS: usize = 50;
/// What each load session runs, in order, and what each must print.
const CELLS: [(&str, &str); 3] = [
    ("import math; x = sum(i*i for i in range(10000)); print(x)", "333283335000\n"),
    ("print(x+1)", "333283335001\n"),
    ("print(math.isqrt(x))", "577306\n"),
];
/// The identifier AWS's clients use by default, which serve offers.
const IDENTIFIER: &str = "aws.codeinterpreter.v1";

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

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
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

fn code(code: &str) -> ToolCall {
    ToolCall { name: "executeCode".into(), arguments: serde_json::json!({"code": code}) }
}

/// Runs `code` in `session`; an error unless it ran without one and printed `expected`.
async fn run(
    interpreter: &Interpreter,
    session: &str,
    code_text: &str,
    expected: &str,
) -> Result<(), Error> {
    let result = interpreter.invoke(session, &code(code_text), None).await?;
    let stdout = result.structured_content.as_ref().map_or("", |run| run.stdout.as_str());
    if result.is_error || stdout != expected {
        return Err(format!("{code_text:?} on {}: {result:?}", interpreter.name()).into());
    }
    Ok(())
}

/// AgentDesk's client for serve at `url`, signing with fixed credentials (as a user's
/// `[interpreters.desk] endpoint = URL` does with theirs).
fn remote(url: &str) -> Result<Interpreter, Error> {
    let settings = InterpreterSettings { endpoint: url.to_owned(), ..Default::default() };
    let remote = RemoteInterpreter::from_settings("desk", &settings, None)?;
    let credentials = Credentials::new("AKIDEXAMPLE", "x", None, None, "bench");
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build();
    Ok(Interpreter::remote(remote.with_aws_config(&config)))
}

/// The local sandbox in this process, over the runtime serve uses, with sessions in
/// `sessions` (serve keeps no warm spare either).
fn local(sessions: &Path) -> Result<Interpreter, Error> {
    let (data, cache) = installed();
    let sandbox = Sandbox::open(&SandboxConfig {
        runtimes: RuntimeStore::new(data, cache),
        sessions_dir: sessions.to_owned(),
        warm_spares: 0,
    })?;
    Ok(Interpreter::local(sandbox, RuntimeId::Python, Limits::default()))
}

/// The boto3 anchor: one Python process holding one session, timing calls on request.
struct Boto3 {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Boto3 {
    async fn start(url: &str) -> Result<Boto3, Error> {
        let python = repository().join("target/agentcore-venv/bin/python");
        if !python.is_file() {
            return Err(format!(
                "{} is missing: `make target/agentcore-venv/.installed` installs boto3",
                python.display()
            )
            .into());
        }
        let mut child = tokio::process::Command::new(python)
            .arg(repository().join("tests/benches/interpreter_boto3.py"))
            .args([url, IDENTIFIER, &WARM_UP.to_string()])
            // Hermetic: no credentials, config or retries from the machine.
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_MAX_ATTEMPTS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or("boto3's standard input was not piped")?;
        let stdout = child.stdout.take().ok_or("boto3's standard output was not piped")?;
        let mut boto3 = Boto3 { child, stdin: Some(stdin), lines: BufReader::new(stdout).lines() };
        let ready = boto3.answer().await?;
        if ready["ready"] != true {
            return Err(format!("boto3 script: {ready}").into());
        }
        Ok(boto3)
    }

    async fn answer(&mut self) -> Result<serde_json::Value, Error> {
        let line = self.lines.next_line().await?.ok_or("the boto3 script stopped early")?;
        Ok(serde_json::from_str(&line)?)
    }

    /// `count` timed calls.
    async fn calls(&mut self, count: usize) -> Result<Vec<f64>, Error> {
        let stdin = self.stdin.as_mut().ok_or("boto3's input is closed")?;
        stdin.write_all(format!("{count}\n").as_bytes()).await?;
        stdin.flush().await?;
        let answer = self.answer().await?;
        let times: Vec<f64> = answer["latencies_ms"]
            .as_array()
            .ok_or_else(|| format!("boto3 script: {answer}"))?
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect();
        if times.len() != count {
            return Err(format!("boto3 script answered {} times for {count}", times.len()).into());
        }
        Ok(times)
    }

    /// Ends the script; returns its `x`.
    async fn finish(mut self) -> Result<i64, Error> {
        drop(self.stdin.take());
        let answer = self.answer().await?;
        let status = self.child.wait().await?;
        if !status.success() {
            return Err(format!("the boto3 script exited with {status}").into());
        }
        answer["x"].as_i64().ok_or_else(|| format!("boto3 script: {answer}").into())
    }
}

/// p50 and p95 of a path's latencies.
struct Latency {
    p50: f64,
    p95: f64,
}

impl Latency {
    fn of(mut times: Vec<f64>) -> Latency {
        Latency { p50: percentile(&mut times, 0.5), p95: percentile(&mut times, 0.95) }
    }
}

struct Latencies {
    local: Latency,
    client: Latency,
    boto3: Latency,
}

async fn latencies(
    url: &str,
    local: &Interpreter,
    client: &Interpreter,
) -> Result<Latencies, Error> {
    let local_session = local.start_session("bench-local", Some(3600)).await?;
    let client_session = client.start_session("bench-client", Some(3600)).await?;
    run(local, &local_session, "x = 0", "").await?;
    run(client, &client_session, "x = 0", "").await?;
    for _ in 0..WARM_UP {
        run(client, &client_session, "x += 1", "").await?;
        run(local, &local_session, "x += 1", "").await?;
    }
    let mut boto3 = Boto3::start(url).await?;
    let (mut local_times, mut client_times, mut boto3_times) = (Vec::new(), Vec::new(), Vec::new());
    let per_round = MEASURED / ROUNDS;
    for round in 0..ROUNDS {
        for _ in 0..per_round {
            let started = Instant::now();
            run(client, &client_session, "x += 1", "").await?;
            client_times.push(ms(started));
            let started = Instant::now();
            run(local, &local_session, "x += 1", "").await?;
            local_times.push(ms(started));
        }
        boto3_times.extend(boto3.calls(per_round).await?);
        println!("latency round {}/{ROUNDS} done", round + 1);
    }
    // Every call ran exactly once.
    let total = (WARM_UP + MEASURED).to_string() + "\n";
    run(client, &client_session, "print(x)", &total).await?;
    run(local, &local_session, "print(x)", &total).await?;
    let boto3_x = boto3.finish().await?;
    if boto3_x != (WARM_UP + MEASURED) as i64 {
        return Err(format!("boto3's session counted {boto3_x} calls").into());
    }
    client.stop_session(&client_session).await?;
    local.stop_session(&local_session).await?;
    Ok(Latencies {
        local: Latency::of(local_times),
        client: Latency::of(client_times),
        boto3: Latency::of(boto3_times),
    })
}

struct Load {
    wall_ms: f64,
    completed: usize,
    errors: Vec<String>,
    cell: Latency,
    rss_before: u64,
    rss_with_sessions: u64,
    rss_after_stop: u64,
    peak: u64,
}

/// One load session: started, its cells run in order, left running; its id and cell times.
async fn load_session(client: Interpreter, index: usize) -> Result<(String, Vec<f64>), Error> {
    let session = client.start_session(&format!("bench-load-{index}"), Some(3600)).await?;
    let mut times = Vec::new();
    for (cell, expected) in CELLS {
        let started = Instant::now();
        run(&client, &session, cell, expected).await?;
        times.push(ms(started));
    }
    Ok((session, times))
}

async fn load(client: &Interpreter, pid: u32) -> Result<Load, Error> {
    let rss_before = memory_kib(pid, "VmRSS:");
    let started = Instant::now();
    let mut sessions = tokio::task::JoinSet::new();
    for index in 0..SESSIONS {
        sessions.spawn(load_session(client.clone(), index));
    }
    let (mut ids, mut times, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for finished in sessions.join_all().await {
        match finished {
            Ok((id, cell_times)) => {
                ids.push(id);
                times.extend(cell_times);
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    let wall_ms = ms(started);
    let rss_with_sessions = memory_kib(pid, "VmRSS:");
    let completed = ids.len();
    for id in ids {
        if let Err(error) = client.stop_session(&id).await {
            errors.push(format!("stopping {id}: {error}"));
        }
    }
    Ok(Load {
        wall_ms,
        completed,
        errors,
        cell: Latency::of(times),
        rss_before,
        rss_with_sessions,
        rss_after_stop: memory_kib(pid, "VmRSS:"),
        peak: memory_kib(pid, "VmHWM:"),
    })
}

fn report(latencies: &Latencies, load: &Load) {
    let overhead = latencies.client.p50 - latencies.local.p50;
    let per_session = (mib(load.rss_with_sessions) - mib(load.rss_before)) / SESSIONS as f64;
    let yes = |met: bool| if met { "yes" } else { "NO" };
    println!();
    println!("| measurement | AgentDesk | anchor | target | met? |");
    println!("|---|---|---|---|---|");
    println!(
        "| executeCode `x += 1` through serve, AgentDesk's client, p50 (p95) | {:.2} ms ({:.2}) | local sandbox in process {:.2} ms ({:.2}) | — | — |",
        latencies.client.p50, latencies.client.p95, latencies.local.p50, latencies.local.p95
    );
    println!(
        "| the client's overhead, p50 difference | {overhead:+.2} ms | — | ≤ 2 ms | {} |",
        yes(overhead <= 2.0)
    );
    println!(
        "| the same call, AgentDesk's client vs boto3, p50 (p95) | {:.2} ms ({:.2}) | boto3 {:.2} ms ({:.2}) | faster than boto3 | {}: {:.2}× |",
        latencies.client.p50,
        latencies.client.p95,
        latencies.boto3.p50,
        latencies.boto3.p95,
        yes(latencies.client.p50 < latencies.boto3.p50),
        latencies.boto3.p50 / latencies.client.p50,
    );
    println!(
        "| {SESSIONS} sessions started at once, {} cells each: completed, errors, wall time | {}/{SESSIONS}, {} errors, {:.0} ms | — | all complete, 0 errors | {} |",
        CELLS.len(),
        load.completed,
        load.errors.len(),
        load.wall_ms,
        yes(load.completed == SESSIONS && load.errors.is_empty()),
    );
    println!(
        "| a cell under that load, p50 (p95) | {:.0} ms ({:.0}) | — | — | — |",
        load.cell.p50, load.cell.p95
    );
    println!(
        "| serve's memory: before → with {SESSIONS} sessions → after stopping them, peak (VmHWM) | {:.0} → {:.0} → {:.0} MiB, peak {:.0} MiB | — | reported | — |",
        mib(load.rss_before),
        mib(load.rss_with_sessions),
        mib(load.rss_after_stop),
        mib(load.peak),
    );
    println!(
        "| memory per session, (with − before) / {SESSIONS} | {per_session:.1} MiB | — | reported | — |"
    );
    for error in load.errors.iter().take(5) {
        println!("error: {error}");
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let profile = std::env::var("AGENTDESK_BENCH_PROFILE").unwrap_or_else(|_| "release".into());
    let binary = repository().join("target").join(&profile).join("agentdesk");
    if !binary.is_file() {
        return Err(format!(
            "{} is missing: `cargo build --profile {profile} -p agentdesk-cli` (make bench-interpreter does)",
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
    let serve = ServeWithSandbox::start(&binary)?;
    println!("agentdesk serve at {} (pid {})", serve.url, serve.pid());
    let scratch = tempfile::tempdir()?;
    let local = local(&scratch.path().join("sessions"))?;
    let client = remote(&serve.url)?;

    let latencies = latencies(&serve.url, &local, &client).await?;
    drop(local);
    let load = load(&client, serve.pid()).await?;
    report(&latencies, &load);
    if let Some(first) = load.errors.first() {
        return Err(format!("{} errors under load; the first: {first}", load.errors.len()).into());
    }
    Ok(())
}
