//! How long the app takes to become usable. [`begin`] notes the moment `run` starts; the page
//! reports (`app_started`) once the Chat page's message box has focus and has been drawn, and
//! [`interactive`] writes the time since then to the log and, when
//! [`REPORT_VAR`] is set, one line to standard output, which the start-up benchmark
//! (`make bench-start`) reads.

use std::sync::OnceLock;
use std::time::Instant;

use crate::commands::app::StartupTimings;

/// Set it (to anything) to have the app print its start-up line on standard output.
pub(crate) const REPORT_VAR: &str = "AGENTDESK_STARTUP_REPORT";

/// The first line the start-up benchmark looks for; the same in the minimal app it compares
/// against (src-tauri/examples/minimal_app.rs).
pub(crate) const REPORT_PREFIX: &str = "startup-mark";

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes that the app's own code starts now (the first call counts).
pub(crate) fn begin() {
    STARTED.get_or_init(Instant::now);
}

/// Records that the page became usable; only the first report counts (a reloaded window
/// reports again, and is not a start).
pub(crate) fn interactive(timings: &StartupTimings) {
    static REPORTED: OnceLock<()> = OnceLock::new();
    if REPORTED.set(()).is_err() {
        return;
    }
    let since_start = STARTED.get().map(|started| started.elapsed().as_secs_f64() * 1000.0);
    tracing::info!(
        since_start_ms = since_start.map(|ms| ms.round()),
        page_ms = timings.page_ms.round(),
        first_paint_ms = timings.first_paint_ms.map(f64::round),
        steps = ?timings.steps,
        "the Chat page is ready for typing"
    );
    if std::env::var_os(REPORT_VAR).is_some() {
        println!("{}", report_line(since_start, timings));
    }
}

/// `startup-mark since_main_ms=812.4 page_ms=401.0 first_paint_ms=220.5 script_ms=90.0`; a
/// figure that is not known is left out, and each step is `NAME_ms`.
fn report_line(since_start: Option<f64>, timings: &StartupTimings) -> String {
    let mut line = REPORT_PREFIX.to_owned();
    if let Some(ms) = since_start {
        line.push_str(&format!(" since_main_ms={ms:.1}"));
    }
    line.push_str(&format!(" page_ms={:.1}", timings.page_ms));
    if let Some(ms) = timings.first_paint_ms {
        line.push_str(&format!(" first_paint_ms={ms:.1}"));
    }
    for step in &timings.steps {
        if !step.name.is_empty() && step.name.chars().all(|c| c.is_ascii_alphanumeric()) {
            line.push_str(&format!(" {}_ms={:.1}", step.name, step.ms));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::app::StartupStep;

    #[test]
    fn the_report_line_names_each_known_figure() {
        let step = |name: &str, ms| StartupStep { name: name.into(), ms };
        let timings = StartupTimings {
            page_ms: 401.04,
            first_paint_ms: Some(220.5),
            steps: vec![step("script", 90.0), step("bad name", 1.0)],
        };
        assert_eq!(
            report_line(Some(812.44), &timings),
            "startup-mark since_main_ms=812.4 page_ms=401.0 first_paint_ms=220.5 script_ms=90.0"
        );
        let unknown = StartupTimings { page_ms: 3.0, first_paint_ms: None, steps: Vec::new() };
        assert_eq!(report_line(None, &unknown), "startup-mark page_ms=3.0");
    }
}
