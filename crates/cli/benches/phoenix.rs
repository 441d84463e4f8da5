//! AgentDesk's local trace store against Arize Phoenix as the place a turn's spans are read,
//! for the same turns (issue 19): the time from a command's end until its trace can be read
//! (AgentDesk: `traces.db`; Phoenix: its REST API, after receiving the spans over OTLP/HTTP),
//! and what each keeps resident and on disk. Each turn is one `agentdesk chat` process
//! answered by the offline estimator, sending its spans to Phoenix as well.
//!
//! Run with `make bench-phoenix` (Phoenix from `make test`'s target/phoenix-venv).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use agentdesk_e2e::phoenix::Phoenix;
use agentdesk_telemetry::traces::{TraceFilter, TraceStore};

const TURNS: usize = 20;
const QUESTION: &str = "Two t3.micro instances in Tokyo for my bakery's site";

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

/// Resident memory of `pid` and its children, in MiB, from /proc.
fn tree_rss_mib(pid: u32) -> f64 {
    let mut total_kib = 0_u64;
    let mut pending = vec![pid];
    while let Some(pid) = pending.pop() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        total_kib += status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        pending.extend(children.split_whitespace().filter_map(|child| child.parse::<u32>().ok()));
    }
    total_kib as f64 / 1024.0
}

fn folder_mib(folder: &Path) -> f64 {
    let bytes: u64 = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| match entry.metadata() {
                    Ok(meta) if meta.is_dir() => (folder_mib(&entry.path()) * 1048576.0) as u64,
                    Ok(meta) => meta.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0);
    bytes as f64 / 1048576.0
}

fn main() {
    let phoenix = Phoenix::start();
    let idle_rss = tree_rss_mib(phoenix.pid());
    let folder = tempfile::tempdir().expect("temp");
    let data = folder.path().join("data");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut local, mut received) = (Vec::new(), Vec::new());
    for turn in 0..TURNS {
        let session = format!("bench-{turn:02}");
        let output = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .arg("--config")
            .arg(folder.path().join("config.toml"))
            .arg("--data-dir")
            .arg(&data)
            .args(["chat", "--session", &session, QUESTION])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{}", phoenix.http_port))
            .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
            .env_remove("AGENTDESK_MODEL_PROVIDER")
            .output()
            .expect("run agentdesk");
        let ended = Instant::now();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let filter = TraceFilter { session_id: Some(session.clone()), ..TraceFilter::default() };
        runtime.block_on(async {
            let store = TraceStore::open(&data.join("traces.db")).await.expect("store");
            while store.traces(&filter).await.expect("list").is_empty() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            local.push(ended.elapsed());
            store.close().await;
        });
        while phoenix.spans_of(&session).is_empty() {
            assert!(ended.elapsed() < Duration::from_secs(60), "Phoenix never showed {session}");
            std::thread::sleep(Duration::from_millis(5));
        }
        received.push(ended.elapsed());
    }
    local.sort();
    received.sort();
    let busy_rss = tree_rss_mib(phoenix.pid());
    println!(
        "{TURNS} turns (one `agentdesk chat` process each, offline estimator, OTLP/HTTP to Phoenix)"
    );
    println!(
        "readable after the command ended, p50 (p95): AgentDesk traces.db {} ({}); Phoenix REST API {} ({})",
        ms(percentile(&local, 0.5)),
        ms(percentile(&local, 0.95)),
        ms(percentile(&received, 0.5)),
        ms(percentile(&received, 0.95)),
    );
    println!(
        "resident: Phoenix server {idle_rss:.0} MiB idle, {busy_rss:.0} MiB after the turns; AgentDesk none between commands (the writer lives in the app or command)"
    );
    println!(
        "on disk: AgentDesk traces.db {:.2} MiB; Phoenix data folder {:.2} MiB",
        ["traces.db", "traces.db-wal"]
            .iter()
            .filter_map(|name| std::fs::metadata(data.join(name)).ok())
            .map(|meta| meta.len() as f64 / 1048576.0)
            .sum::<f64>(),
        folder_mib(phoenix.data_dir()),
    );
}
