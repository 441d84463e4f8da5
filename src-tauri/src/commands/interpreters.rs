//! Remote code interpreters for the Sandbox page: the configured ones, their status, and a
//! session the page runs cells in — the same calls and results as the local sandbox's.

use std::collections::HashMap;

use agentdesk_config::InterpreterSettings;
use agentdesk_interpreter::{
    Interpreter, InterpreterError, InterpreterStatus, InterpreterView, RemoteInterpreter,
};
use agentdesk_wasm_sandbox::{OutputChunk, SessionStatus, ToolCall, ToolResult};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The remote interpreters the page has used, each kept with the settings it was made from,
/// and the sessions the page started on them (stopped when the app quits).
#[derive(Debug, Default)]
pub struct PageInterpreters {
    made: tokio::sync::Mutex<HashMap<String, (InterpreterSettings, Interpreter)>>,
    sessions: std::sync::Mutex<Vec<(String, String)>>,
}

impl PageInterpreters {
    /// Stops every session the page started that is still running.
    pub async fn close_all(&self) {
        let sessions = std::mem::take(
            &mut *self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let made = self.made.lock().await;
        for (name, session) in sessions {
            if let Some((_, interpreter)) = made.get(&name)
                && let Err(error) = interpreter.stop_session(&session).await
            {
                tracing::warn!(interpreter = name, %error, "a Sandbox page session was not stopped");
            }
        }
    }

    fn remember(&self, name: &str, session: &str, started: bool) {
        let mut sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.retain(|(kept, id)| !(kept == name && id == session));
        if started {
            sessions.push((name.to_owned(), session.to_owned()));
        }
    }
}

/// Interpreter `name` as the config file describes it now: the one made before while its
/// table is unchanged.
async fn interpreter(state: &AppState, name: &str) -> Result<Interpreter, ApiError> {
    let settings = state.loaded().settings.clone();
    let Some(table) = settings.interpreters.get(name).cloned() else {
        return Err(ApiError {
            code: ErrorCode::NotFound,
            message: format!(
                "there is no [interpreters.{name}] in the config file; add it with `agentdesk interpreters add {name} --region REGION` or `--endpoint URL`"
            ),
            key: Some("interpreters".into()),
        });
    };
    let mut made = state.interpreters.made.lock().await;
    if let Some((from, interpreter)) = made.get(name)
        && *from == table
    {
        return Ok(interpreter.clone());
    }
    let identity = if table.auth.is_empty() { None } else { Some(state.identity().await) };
    let remote = RemoteInterpreter::from_settings(name, &table, identity)
        .map_err(|error| api_error(&error))?;
    let interpreter = Interpreter::remote(remote);
    made.insert(name.to_owned(), (table, interpreter.clone()));
    Ok(interpreter)
}

/// An interpreter's failure for the page: an ended session is `not_found` (the page starts
/// a new one and says so), one that cannot be reached is `sandbox` naming it.
fn api_error(error: &InterpreterError) -> ApiError {
    let code = match error {
        InterpreterError::SessionEnded { .. } => ErrorCode::NotFound,
        InterpreterError::BadSettings { .. } => ErrorCode::InvalidValue,
        _ => ErrorCode::Sandbox,
    };
    let key = match error {
        InterpreterError::BadSettings { interpreter, .. } => {
            Some(format!("interpreters.{interpreter}"))
        }
        _ => None,
    };
    ApiError { code, message: error.to_string(), key }
}

/// The remote interpreters in the config file; nothing is reached.
#[tauri::command]
pub(crate) fn interpreters_list(state: State<'_, AppState>) -> Vec<InterpreterView> {
    agentdesk_interpreter::list(&state.loaded().settings)
}

/// Whether interpreter `name` answers and how fast; a failure is a status, not an error.
#[tauri::command]
pub(crate) async fn interpreters_probe(
    state: State<'_, AppState>,
    name: String,
) -> Result<InterpreterStatus, ApiError> {
    Ok(interpreter(&state, &name).await?.probe().await)
}

/// Starts the page's session on interpreter `name`; answers its id.
#[tauri::command]
pub(crate) async fn interpreter_start(
    state: State<'_, AppState>,
    name: String,
) -> Result<String, ApiError> {
    let session = interpreter(&state, &name)
        .await?
        .start_session("sandbox page", None)
        .await
        .map_err(|error| api_error(&error))?;
    state.interpreters.remember(&name, &session, true);
    Ok(session)
}

/// Whether the page's session still runs on the interpreter.
#[tauri::command]
pub(crate) async fn interpreter_session(
    state: State<'_, AppState>,
    name: String,
    session_id: String,
) -> Result<SessionStatus, ApiError> {
    interpreter(&state, &name)
        .await?
        .session_status(&session_id)
        .await
        .map_err(|error| api_error(&error))
}

/// One tool call in the page's session; what the interpreter streams reaches `on_output`
/// before the result. A call refused because the session ended is `not_found`.
#[tauri::command]
pub(crate) async fn interpreter_invoke(
    state: State<'_, AppState>,
    name: String,
    session_id: String,
    call: ToolCall,
    on_output: Channel<OutputChunk>,
) -> Result<ToolResult, ApiError> {
    let interpreter = interpreter(&state, &name).await?;
    let (sink, mut live) = tokio::sync::mpsc::unbounded_channel();
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(chunk) = live.recv().await {
            if on_output.send(chunk).is_err() {
                break;
            }
        }
    });
    let answered = interpreter.invoke(&session_id, &call, Some(sink)).await;
    // Every chunk reaches the page before the result does.
    let _ = forward.await;
    match answered {
        Ok(result) => Ok(result),
        Err(error @ InterpreterError::Refused { .. })
            if matches!(
                interpreter.session_status(&session_id).await,
                Ok(SessionStatus::Terminated)
            ) =>
        {
            state.interpreters.remember(&name, &session_id, false);
            Err(ApiError::new(
                ErrorCode::NotFound,
                format!("the session {session_id} on {name} has ended ({error}); start a new one"),
            ))
        }
        Err(error) => Err(api_error(&error)),
    }
}

/// Stops a session the page started; one already ended is no matter.
#[tauri::command]
pub(crate) async fn interpreter_stop(
    state: State<'_, AppState>,
    name: String,
    session_id: String,
) -> Result<(), ApiError> {
    state.interpreters.remember(&name, &session_id, false);
    interpreter(&state, &name)
        .await?
        .stop_session(&session_id)
        .await
        .map_err(|error| api_error(&error))
}
