//! Facts about the app the UI needs before anything else.

use serde::Serialize;
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
