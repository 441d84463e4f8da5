//! How long the app takes to become usable, and what makes it quicker. [`begin`] notes the
//! moment `run` starts; the page reports (`app_started`) once the Chat page's message box has
//! focus and has been drawn, and [`interactive`] writes the time since then to the log and,
//! when [`REPORT_VAR`] is set, one line to standard output, which the start-up benchmark
//! (`make bench-start`) reads. [`boot_script`] hands the page what it would otherwise ask for
//! before drawing anything.

use std::sync::OnceLock;
use std::time::Instant;

use crate::commands::app::{AppInfo, StartupTimings};
use crate::state::SettingsView;

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

/// A script run before the page's own (a Tauri init script): it puts the app's facts and the
/// settings in `window.__AGENTDESK_BOOT__`, so the first frame is the Chat page rather than a
/// "Loading…" splash waiting for `app_info` and `settings_load`. The page uses it on its first
/// load only (ui/src/startup.ts): a reload asks again, and so never sees settings older than
/// ones saved since.
pub(crate) fn boot_script(info: &AppInfo, view: &SettingsView) -> String {
    let boot = serde_json::json!({ "info": info, "view": view });
    // JSON is a JavaScript expression; `<` is escaped anyway, so no text in the settings
    // could end a script element if the page ever inlined it.
    let boot = boot.to_string().replace('<', "\\u003c");
    format!("window.__AGENTDESK_BOOT__ = {boot};")
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
    fn the_boot_script_is_the_facts_and_settings_as_one_assignment() {
        let info = AppInfo { version: "1.2.3".into(), locale: Some("ja-JP".into()) };
        let loaded = agentdesk_config::load(
            &agentdesk_config::Overrides {
                config_file: Some("/nonexistent/agentdesk/<script>.toml".into()),
                data_dir: Some("/nonexistent/data".into()),
                cache_dir: Some("/nonexistent/cache".into()),
            },
            &agentdesk_config::Environment::default(),
        )
        .expect("defaults");
        let script = boot_script(&info, &SettingsView::from(&loaded));
        let json = script
            .strip_prefix("window.__AGENTDESK_BOOT__ = ")
            .and_then(|rest| rest.strip_suffix(';'))
            .expect("one assignment");
        assert!(!json.contains('<'), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(parsed["info"]["locale"], "ja-JP");
        assert_eq!(parsed["view"]["configFile"], "/nonexistent/agentdesk/<script>.toml");
        assert!(parsed["view"]["effective"]["ui"].is_object(), "{parsed}");
    }

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
