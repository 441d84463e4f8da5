//! The Status page: the doctor's report.

use agentdesk_doctor::{Report, Version};
use tauri::State;

use crate::{ApiError, AppState, ErrorCode};

#[tauri::command]
pub(crate) async fn doctor_run(state: State<'_, AppState>) -> Result<Report, ApiError> {
    let loaded = state.loaded().clone();
    // The checks touch the disk and the keyring over D-Bus: keep them off the event loop.
    let mut report = tauri::async_runtime::spawn_blocking(move || agentdesk_doctor::run(&loaded))
        .await
        .map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("the checks stopped: {error}"))
        })?;
    if let Ok(webview) = tauri::webview_version() {
        report.versions.push(Version { name: "webview".into(), value: webview });
    }
    Ok(report)
}
