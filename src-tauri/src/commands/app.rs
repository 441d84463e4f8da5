//! Facts about the app the UI needs before anything else.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The app's version and the operating system's locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Api.ts")]
pub struct AppInfo {
    /// AgentDesk's version.
    pub version: String,
    /// The OS locale as a BCP 47 tag (`ja-JP`), used when the language follows the system.
    pub locale: Option<String>,
}

#[tauri::command]
pub(crate) fn app_info() -> AppInfo {
    AppInfo { version: env!("CARGO_PKG_VERSION").to_owned(), locale: sys_locale::get_locale() }
}

/// When the window became usable, as the page measured it (from its navigation start).
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Api.ts")]
pub struct StartupTimings {
    /// Milliseconds until the Chat page's message box had focus and had been drawn.
    pub page_ms: f64,
    /// Milliseconds until the first paint, when the web view reports it.
    pub first_paint_ms: Option<f64>,
    /// Steps on the way, in the order they happened (`script`: the bundle has run; `ready`:
    /// the settings have arrived and the pages are drawn), for finding where the time goes.
    #[serde(default)]
    pub steps: Vec<StartupStep>,
}

/// One step of the page's start.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export_to = "Api.ts")]
pub struct StartupStep {
    /// A short name (letters and digits).
    pub name: String,
    /// Milliseconds from the page's navigation start.
    pub ms: f64,
}

/// The page is ready for typing: logged once, and printed for the start-up benchmark.
#[tauri::command]
pub(crate) fn app_started(timings: StartupTimings) {
    crate::startup::interactive(&timings);
}
