//! The Sandbox page: runtimes, sessions and tool calls in the local Code Interpreter, and
//! the sandbox's memory for the Status page.

use std::time::Duration;

use agentdesk_config::Settings;
use agentdesk_wasm_sandbox::{
    DEFAULT_INDEX, Limits, OutputChunk, Progress, RuntimeId, RuntimeStatus, SandboxUsage,
    SessionInfo, SessionStatus, StartSession, ToolCall, ToolResult, WheelSource,
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

/// The name of the Sandbox page's session (the chat's sessions are named after their
/// conversation), so the page can find it again after a reload.
const PAGE_SESSION_NAME: &str = "sandbox page";

/// How long a session may go unused in the desktop, from `sandbox.idle_minutes`.
pub(crate) fn idle_timeout(settings: &Settings) -> Option<Duration> {
    Some(Duration::from_secs(u64::from(settings.sandbox.idle_minutes) * 60))
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
    let index = match state.loaded().settings.sandbox.index_url.as_str() {
        "" => DEFAULT_INDEX.to_owned(),
        mirror => mirror.to_owned(),
    };
    let report = move |progress: Progress| {
        let _ = app.emit(SANDBOX_INSTALL_PROGRESS, InstallProgress { runtime, progress });
    };
    Ok(sandbox.install(runtime, &WheelSource::Index(index), &report).await?)
}

#[tauri::command]
pub(crate) async fn sandbox_start(
    state: State<'_, AppState>,
    runtime: RuntimeId,
) -> Result<SessionInfo, ApiError> {
    let sandbox = state.sandbox()?;
    // The session lives until it is stopped or goes unused for `sandbox.idle_minutes`; the
    // longest lifetime AgentCore allows only bounds a session in constant use.
    let request = StartSession {
        name: PAGE_SESSION_NAME.into(),
        runtime,
        timeout_seconds: agentdesk_wasm_sandbox::MAX_SESSION_TIMEOUT,
        metered: false,
    };
    Ok(sandbox.start_session(request).await?)
}

/// The sandbox's sessions: the running ones, newest first, then those that ended lately
/// (with why), so a reloaded page can reattach to its session or say that it ended.
#[tauri::command]
pub(crate) fn sandbox_sessions(state: State<'_, AppState>) -> Result<Vec<SessionInfo>, ApiError> {
    Ok(state.sandbox()?.list_sessions())
}

/// Stops what is running in a session now; the session stays. Returns whether a run was
/// going on.
#[tauri::command]
pub(crate) fn sandbox_cancel(
    state: State<'_, AppState>,
    session_id: String,
) -> Result<bool, ApiError> {
    Ok(state.sandbox()?.stop_running(&session_id)?)
}

/// The running sessions with their memory, and the memory of every live interpreter.
#[tauri::command]
pub(crate) fn sandbox_usage(state: State<'_, AppState>) -> Result<SandboxUsage, ApiError> {
    Ok(state.sandbox()?.usage())
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
    // An ended session is a state the page acts on (it starts a new one), not a failed run.
    let ended = match sandbox.get_session(&session_id) {
        Some(info) if info.status == SessionStatus::Ready => None,
        Some(info) => Some(info.ended.map_or("ended", |reason| match reason {
            agentdesk_wasm_sandbox::EndReason::Stopped => "was stopped",
            agentdesk_wasm_sandbox::EndReason::Timeout => "reached its time limit",
            agentdesk_wasm_sandbox::EndReason::Idle => "ended after going unused",
        })),
        None => Some("is not running (the app may have restarted)"),
    };
    if let Some(why) = ended {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("the sandbox session {session_id} {why}; start a new one"),
        ));
    }
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
