//! The Sandbox page: runtimes, sessions and tool calls in the local Code Interpreter.

use agentdesk_wasm_sandbox::{
    DEFAULT_INDEX, Limits, OutputChunk, Progress, RuntimeId, RuntimeStatus, SessionInfo,
    StartSession, ToolCall, ToolResult, WheelSource,
};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Runtime, State};
use ts_rs::TS;

use crate::{ApiError, AppState, ErrorCode, SANDBOX_INSTALL_PROGRESS};

/// A step of a runtime install, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "Api.ts")]
pub struct InstallProgress {
    /// The runtime being installed.
    pub runtime: RuntimeId,
    /// What the installer is doing.
    pub progress: Progress,
}

#[tauri::command]
pub(crate) fn sandbox_runtimes(state: State<'_, AppState>) -> Result<Vec<RuntimeStatus>, ApiError> {
    Ok(state.sandbox()?.runtimes())
}

/// Downloads, verifies and compiles a runtime, reporting each step as an event.
#[tauri::command]
pub(crate) async fn sandbox_install<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    runtime: RuntimeId,
) -> Result<RuntimeStatus, ApiError> {
    let sandbox = state.sandbox()?;
    let report = move |progress: Progress| {
        let _ = app.emit(SANDBOX_INSTALL_PROGRESS, InstallProgress { runtime, progress });
    };
    Ok(sandbox.install(runtime, &WheelSource::Index(DEFAULT_INDEX.into()), &report).await?)
}

#[tauri::command]
pub(crate) async fn sandbox_start(
    state: State<'_, AppState>,
    runtime: RuntimeId,
) -> Result<SessionInfo, ApiError> {
    let sandbox = state.sandbox()?;
    let request = StartSession {
        name: "desktop".into(),
        runtime,
        timeout_seconds: agentdesk_wasm_sandbox::MAX_SESSION_TIMEOUT,
        metered: false,
    };
    Ok(sandbox.start_session(request).await?)
}

#[tauri::command]
pub(crate) fn sandbox_stop(
    state: State<'_, AppState>,
    session_id: String,
) -> Result<SessionInfo, ApiError> {
    Ok(state.sandbox()?.stop_session(&session_id)?)
}

/// Runs one AgentCore tool call in a session, with the default limits unless given; what
/// the code prints streams to `on_output` while it runs.
#[tauri::command]
pub(crate) async fn sandbox_invoke(
    state: State<'_, AppState>,
    session_id: String,
    call: ToolCall,
    limits: Option<Limits>,
    on_output: Channel<OutputChunk>,
) -> Result<ToolResult, ApiError> {
    let limits = limits.unwrap_or_default();
    limits.validate().map_err(|reason| ApiError::new(ErrorCode::InvalidValue, reason))?;
    let sandbox = state.sandbox()?;
    let (sink, mut live) = tokio::sync::mpsc::unbounded_channel();
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(chunk) = live.recv().await {
            if on_output.send(chunk).is_err() {
                break;
            }
        }
    });
    let result = sandbox.invoke_streaming(&session_id, &call, &limits, Some(&sink)).await;
    drop(sink);
    // Every chunk reaches the page before the result does.
    let _ = forward.await;
    Ok(result)
}
