//! The smallest Tauri 2 app: one window, one static page, this crate's Tauri version and
//! features, in the same release build. It is the floor WebKitGTK sets on a machine, which the
//! start-up benchmark (`make bench-start`, tests/benches/startup.rs) measures beside AgentDesk
//! in the same run. Its page reports the moment its text box has focus and has been drawn, the
//! same way and with the same line as AgentDesk's Chat page, so both figures mean the same.
//!
//! Built only by the benchmark (`test = false`); clippy's `--all-targets` still checks it.

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartupTimings {
    page_ms: f64,
    first_paint_ms: Option<f64>,
}

/// The same line as AgentDesk prints with AGENTDESK_STARTUP_REPORT (src-tauri/src/startup.rs).
#[tauri::command]
#[allow(clippy::needless_pass_by_value, reason = "Tauri hands command arguments over by value")]
fn app_started(timings: StartupTimings) {
    let since_main = STARTED.get().map(|started| started.elapsed().as_secs_f64() * 1000.0);
    let mut line = String::from("startup-mark");
    if let Some(ms) = since_main {
        line.push_str(&format!(" since_main_ms={ms:.1}"));
    }
    line.push_str(&format!(" page_ms={:.1}", timings.page_ms));
    if let Some(ms) = timings.first_paint_ms {
        line.push_str(&format!(" first_paint_ms={ms:.1}"));
    }
    println!("{line}");
}

fn main() -> std::process::ExitCode {
    STARTED.get_or_init(Instant::now);
    let context = tauri::generate_context!("examples/minimal_app/tauri.conf.json");
    match tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_started])
        .run(context)
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the minimal app stopped: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
