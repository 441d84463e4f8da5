//! Start and idle memory of the release desktop app against a minimal Tauri 2 app (one window,
//! one static page, the same Tauri version and features, the same release build:
//! src-tauri/examples/minimal_app.rs), measured the same way, alternately, in one run.
//!
//! - **Start**: wall time from just before exec until the app prints its `startup-mark` line,
//!   which its page asks for once the message box has focus and two frames have been drawn
//!   since (AgentDesk: the Chat page's message box; the minimal app: its one text box). Nothing
//!   drives the app: no WebDriver, no polling of the screen. The figure includes the process's
//!   own start, GTK, WebKit's processes, the page's load and first render, and one IPC call.
//! - **Idle memory**: 10 s after that line, the RSS and PSS of the app and every process below
//!   it (WebKit's web and network processes), summed, from /proc/PID/smaps_rollup.
//!
//! AgentDesk runs on a scratch config and data folder (no model, no MCP server), started once
//! first so that its database exists, as on any start after the first. Each app also has one
//! unmeasured warm-up start (files in the page cache).
//!
//! Run with `make bench-start` (release builds, Xvfb, a throwaway keyring session).
//! `AGENTDESK_BENCH_RUNS` sets the number of measured starts per app (default 7);
//! `AGENTDESK_BENCH_PROFILE=debug` measures the debug builds, for profiling only;
//! `AGENTDESK_BENCH_COMPARE=PATH` adds another build of the desktop app to the same rounds (an
//! A/B comparison of a change).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use agentdesk_e2e::started::{Footprint, Started, start};

/// How long each app idles before its memory is read.
const IDLE: Duration = Duration::from_secs(10);
/// How long a start may take before the run is abandoned.
const PATIENCE: Duration = Duration::from_secs(60);

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One app under measurement.
struct Subject {
    name: String,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

/// One measured start.
struct Run {
    to_interactive_ms: f64,
    since_main_ms: Option<f64>,
    page_ms: f64,
    first_paint_ms: Option<f64>,
    steps: std::collections::BTreeMap<String, f64>,
    cpu: Vec<agentdesk_e2e::started::ProcessCpu>,
    footprint: Footprint,
}

fn main() -> Result<(), Error> {
    let rounds: usize =
        std::env::var("AGENTDESK_BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(7);
    // `AGENTDESK_BENCH_PROFILE=debug` measures the debug builds instead (for profiling only).
    let profile = std::env::var("AGENTDESK_BENCH_PROFILE").unwrap_or_else(|_| "release".into());
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target").join(&profile);
    let scratch = tempfile::tempdir()?;
    let folder = |name: &str| scratch.path().join(name).display().to_string();
    let desktop_env: Vec<(String, String)> = vec![
        ("AGENTDESK_CONFIG".into(), folder("config.toml")),
        ("AGENTDESK_DATA_DIR".into(), folder("data")),
        ("AGENTDESK_CACHE_DIR".into(), folder("cache")),
        ("AGENTDESK_STARTUP_REPORT".into(), "1".into()),
        ("LANG".into(), "C.UTF-8".into()),
    ];
    let mut subjects = vec![
        Subject {
            name: "AgentDesk".into(),
            binary: release.join("agentdesk-desktop"),
            env: desktop_env.clone(),
        },
        Subject {
            name: "minimal Tauri app".into(),
            binary: release.join("examples/minimal_app"),
            env: vec![("LANG".into(), "C.UTF-8".into())],
        },
    ];
    if let Some(other) = std::env::var_os("AGENTDESK_BENCH_COMPARE") {
        let binary = PathBuf::from(other);
        let name = format!("AgentDesk ({})", binary.display());
        subjects.push(Subject { name, binary, env: desktop_env });
    }
    print_machine();
    for subject in &subjects {
        drop(launch(subject)?);
    }
    let mut measured: Vec<Vec<Run>> = subjects.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        for (subject, runs) in subjects.iter().zip(&mut measured) {
            let run = measure(subject)?;
            eprintln!(
                "round {round}/{rounds}: {:<18} {:>6.0} ms to interactive, idle PSS {:>4} MiB",
                subject.name,
                run.to_interactive_ms,
                run.footprint.pss_kib() / 1024,
            );
            runs.push(run);
        }
    }
    println!(
        "\nMedian of {rounds} starts each (min–max), {profile} builds, measured alternately in one run:\n"
    );
    println!(
        "| App | Exec → interactive (ms) | main → interactive (ms) | Page load → interactive (ms) | First paint (ms after page load) | Idle RSS (MiB) | Idle PSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (subject, runs) in subjects.iter().zip(&measured) {
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            subject.name,
            spread(runs.iter().map(|run| run.to_interactive_ms).collect()),
            spread(runs.iter().filter_map(|run| run.since_main_ms).collect()),
            spread(runs.iter().map(|run| run.page_ms).collect()),
            spread(runs.iter().filter_map(|run| run.first_paint_ms).collect()),
            spread(runs.iter().map(|run| mib(run.footprint.rss_kib())).collect()),
            spread(runs.iter().map(|run| mib(run.footprint.pss_kib())).collect()),
        );
    }
    for (subject, runs) in subjects.iter().zip(&measured) {
        let names: std::collections::BTreeSet<&String> =
            runs.iter().flat_map(|run| run.steps.keys()).collect();
        if !names.is_empty() {
            println!("\n{} page steps (ms after page load, median (min–max)):", subject.name);
            for name in names {
                let values = runs.iter().filter_map(|run| run.steps.get(name).copied()).collect();
                println!("  {name:<10} {}", spread(values));
            }
        }
    }
    for (subject, runs) in subjects.iter().zip(&measured) {
        println!(
            "\n{} CPU time used by each process until interactive (ms, median):",
            subject.name
        );
        let names: std::collections::BTreeSet<&String> =
            runs.iter().flat_map(|run| run.cpu.iter().map(|process| &process.name)).collect();
        for name in names {
            let values = runs
                .iter()
                .map(|run| {
                    run.cpu.iter().filter(|p| &p.name == name).map(|p| p.ms as f64).sum::<f64>()
                })
                .collect();
            println!("  {name:<16} {}", spread(values));
        }
    }
    for (subject, runs) in subjects.iter().zip(&measured) {
        if let Some(last) = runs.last() {
            println!("\n{} processes in the last run (RSS / PSS, MiB):", subject.name);
            for process in &last.footprint.processes {
                println!(
                    "  {:>7} {:<16} {:>6.1} / {:>6.1}",
                    process.pid,
                    process.name,
                    process.rss_kib as f64 / 1024.0,
                    process.pss_kib as f64 / 1024.0
                );
            }
        }
    }
    Ok(())
}

fn launch(subject: &Subject) -> Result<Started, Error> {
    Ok(start(&subject.binary, &subject.env, Stdio::null(), PATIENCE)?)
}

fn measure(subject: &Subject) -> Result<Run, Error> {
    let started = launch(subject)?;
    // Idle means idle: nothing touches the app while this waits.
    std::thread::sleep(IDLE);
    let footprint = started.footprint();
    Ok(Run {
        to_interactive_ms: started.to_interactive.as_secs_f64() * 1000.0,
        since_main_ms: started.mark.since_main_ms,
        page_ms: started.mark.page_ms,
        first_paint_ms: started.mark.first_paint_ms,
        steps: started.mark.steps.clone(),
        cpu: started.cpu_at_interactive.clone(),
        footprint,
    })
}

/// `812 (790–860)`, or `–` when nothing was measured.
fn spread(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return "–".into();
    }
    values.sort_by(f64::total_cmp);
    let median = if values.len() % 2 == 1 {
        values[values.len() / 2]
    } else {
        (values[values.len() / 2 - 1] + values[values.len() / 2]) / 2.0
    };
    let (low, high) = (values[0], values[values.len() - 1]);
    format!("{median:.0} ({low:.0}–{high:.0})")
}

/// The machine the figures come from.
fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines().next().map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .flatten()
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let webkit = std::process::Command::new("pkg-config")
        .args(["--modversion", "webkit2gtk-4.1"])
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "Machine: {cpu}, {cores} cores, {memory}; Linux {}; WebKitGTK {webkit}; display {}",
        kernel.trim(),
        std::env::var("DISPLAY").unwrap_or_else(|_| "none".into())
    );
}
