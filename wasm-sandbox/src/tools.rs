//! The tool surface: AgentCore Code Interpreter's tool names and argument shapes, run
//! against one local session.

use std::time::Instant;

use base64::Engine as _;
use serde_json::Value;

use crate::files;
use crate::interpreter::{CellEnd, Ending, Stop};
use crate::sandbox::Session;
use crate::wire::{Content, Execution, Limit, ToolCall, ToolResult};
use crate::{Limits, OutputSink};

/// The most bytes of code one `executeCode` call may carry.
pub const MAX_CODE_BYTES: usize = 16 << 20;

/// Exit code of a run that a limit stopped (the CLI uses it too).
pub const LIMIT_EXIT_CODE: i32 = 3;

/// Exit code of a run its caller stopped: 128 + SIGINT, as a shell reports Ctrl+C.
pub const STOPPED_EXIT_CODE: i32 = 130;

pub(crate) async fn invoke(
    session: &Session,
    call: &ToolCall,
    limits: &Limits,
    live: Option<&OutputSink>,
) -> ToolResult {
    if let Err(reason) = limits.validate() {
        return ToolResult::error(reason);
    }
    let arguments = &call.arguments;
    match call.name.as_str() {
        "executeCode" => execute_code(session, arguments, limits, live).await,
        "writeFiles" => with_files(session, Changes::Yes, |ws| write_files(ws, arguments)).await,
        "readFiles" => {
            with_files(session, Changes::No, |ws| ws.read(&string_list(arguments, "paths")?)).await
        }
        "listFiles" => {
            let folder = arguments
                .get("directoryPath")
                .or_else(|| arguments.get("path"))
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_owned();
            with_files(session, Changes::No, move |ws| ws.list(&folder)).await
        }
        "removeFiles" => {
            with_files(session, Changes::Yes, |ws| ws.remove(&string_list(arguments, "paths")?))
                .await
        }
        "executeCommand" | "startCommandExecution" | "getTask" | "stopTask" => {
            ToolResult::error(format!(
                "{} is not available in the local sandbox: it runs Python only, with no shell or \
             background tasks. Use executeCode, or a remote AgentCore Code Interpreter.",
                call.name
            ))
        }
        other => ToolResult::error(format!(
            "unknown tool {other:?}; the local sandbox has executeCode, writeFiles, readFiles, \
             listFiles and removeFiles"
        )),
    }
}

/// Whether a file tool changes the workspace.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Changes {
    Yes,
    No,
}

async fn with_files(
    session: &Session,
    changes: Changes,
    operation: impl FnOnce(&files::Workspace) -> Result<Vec<Content>, String>,
) -> ToolResult {
    let mut state = session.state.lock().await;
    let result = operation(&state.workspace);
    if changes == Changes::Yes {
        // The workspace changed under the last snapshot; the next run takes a fresh one.
        state.snapshot = None;
    }
    match result {
        Ok(content) => ToolResult { content, structured_content: None, is_error: false },
        Err(reason) => ToolResult::error(reason),
    }
}

fn string_list(arguments: &Value, field: &str) -> Result<Vec<String>, String> {
    let list = arguments
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{field}` must be a list of paths"))?;
    list.iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("every item of `{field}` must be a string"))
        })
        .collect()
}

fn write_files(workspace: &files::Workspace, arguments: &Value) -> Result<Vec<Content>, String> {
    let items = arguments
        .get("content")
        .and_then(Value::as_array)
        .ok_or("`content` must be a list of {path, text} or {path, blob}")?;
    let mut files = Vec::with_capacity(items.len());
    let mut total = 0usize;
    for item in items {
        let path = item.get("path").and_then(Value::as_str).ok_or("every file needs a `path`")?;
        let bytes = match (
            item.get("text").and_then(Value::as_str),
            item.get("blob").and_then(Value::as_str),
        ) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(blob)) => base64::engine::general_purpose::STANDARD
                .decode(blob)
                .map_err(|error| format!("{path}: `blob` is not valid base64: {error}"))?,
            _ => return Err(format!("{path}: give exactly one of `text` or `blob`")),
        };
        total += bytes.len();
        if total > files::MAX_WRITE_BYTES {
            return Err(format!(
                "this writeFiles call carries more than {} MB; nothing was written. Send the files in smaller calls.",
                files::MAX_WRITE_BYTES >> 20
            ));
        }
        files.push((path.to_owned(), bytes));
    }
    // Check every path before writing any, so a bad path in the middle writes nothing.
    for (path, _) in &files {
        files::checked(path)?;
    }
    workspace.write(&files)
}

async fn execute_code(
    session: &Session,
    arguments: &Value,
    limits: &Limits,
    live: Option<&OutputSink>,
) -> ToolResult {
    let Some(code) = arguments.get("code").and_then(Value::as_str) else {
        return ToolResult::error("executeCode needs `code`, the Python source to run");
    };
    let language = arguments.get("language").and_then(Value::as_str).unwrap_or("python");
    if language != "python" {
        return ToolResult::error(format!(
            "the local sandbox runs Python only, not {language}; use a remote AgentCore Code Interpreter for it"
        ));
    }
    if code.len() > MAX_CODE_BYTES {
        return ToolResult::error(format!("the code is larger than {} MB", MAX_CODE_BYTES >> 20));
    }
    let clear = arguments.get("clearContext").and_then(Value::as_bool).unwrap_or(false);
    if limits.fuel.is_some() && !session.metered {
        return ToolResult::error(
            "this session does not count fuel, so a fuel budget cannot apply: start the session \
             with fuel metering (`agentdesk sandbox run --fuel` does)",
        );
    }

    // A stop reaches this call whether it is waiting for the session or running.
    let stop = session.stop_token();
    let mut state = tokio::select! {
        state = session.state.lock() => state,
        () = stop.cancelled() => {
            return ToolResult::error("stopped before it started: nothing ran");
        }
    };
    let mut interpreter = match state.interpreter.take() {
        Some(interpreter) => interpreter,
        None => match session.runtime.boot(&session.folder).await {
            Ok(interpreter) => {
                session.now_runs(&interpreter);
                interpreter
            }
            Err(error) => {
                return ToolResult::error(format!("cannot restart the interpreter: {error}"));
            }
        },
    };
    let before = match state.snapshot.take() {
        Some(snapshot) => Some(snapshot),
        None => state.workspace.snapshot(),
    };
    // The run's own time: a restart and the workspace scan are not part of it.
    let started = Instant::now();
    let end = interpreter.run_cell(code, clear, limits, live, &stop).await;
    let elapsed = started.elapsed().as_secs_f64();

    let mut content = Vec::new();
    let execution = match end {
        CellEnd::Replied { reply, stdout: raw_stdout, stderr: raw_stderr, memory_hit } => {
            let memory_bytes = Some(interpreter.memory_bytes() as u64);
            state.interpreter = Some(interpreter);
            let mut stdout = String::from_utf8_lossy(&raw_stdout).into_owned();
            let mut stderr = String::from_utf8_lossy(&raw_stderr).into_owned();
            let mut limit = None;
            if reply.truncated
                || raw_stdout.len() >= limits.output_bytes
                || raw_stderr.len() >= limits.output_bytes
            {
                let marker =
                    format!("\n[output truncated: more than {} bytes]", limits.output_bytes);
                stdout.push_str(&marker);
                limit = Some(Limit::Output);
            }
            if memory_hit && !reply.ok {
                limit = Some(Limit::Memory);
                stderr.push_str(&format!(
                    "\n[stopped by the memory limit: the interpreter may use at most {} MB]",
                    limits.memory_bytes >> 20
                ));
            }
            for figure in reply.figures {
                content.push(Content::Image { data: figure, mime_type: "image/png".into() });
            }
            let exit_code =
                if reply.ok { reply.exit.unwrap_or(0) } else { reply.exit.unwrap_or(1) };
            Execution {
                stdout,
                stderr,
                exit_code,
                execution_time: elapsed,
                limit,
                memory_bytes,
                state_lost: false,
                stopped: false,
            }
        }
        CellEnd::Stopped(stop) => {
            // The interpreter is gone: say why, keep what it printed, and note the restart.
            let (stdout, printed_errors) = interpreter.take_output();
            // Dropped now, so its memory is freed before the result goes back.
            drop(interpreter);
            let stopped = matches!(stop, Stop::Cancelled);
            let (exit_code, limit, why) = match stop {
                Stop::Deadline => (
                    LIMIT_EXIT_CODE,
                    Some(Limit::Deadline),
                    format!(
                        "stopped by the deadline: the run took longer than {:.1} s",
                        limits.deadline.as_secs_f64()
                    ),
                ),
                Stop::Ended { ending: Ending::Exited(status), .. } => {
                    (status, None, format!("the interpreter exited with status {status}"))
                }
                Stop::Ended { ending: Ending::OutOfFuel, .. } => (
                    LIMIT_EXIT_CODE,
                    Some(Limit::Fuel),
                    format!(
                        "stopped by the fuel limit: the run used up its budget of {} units",
                        limits.fuel.unwrap_or_default()
                    ),
                ),
                Stop::Ended { ending: Ending::Failed(reason), memory_hit } => {
                    let limit = if memory_hit { Limit::Memory } else { Limit::Crash };
                    (LIMIT_EXIT_CODE, Some(limit), format!("{reason} (limit: {})", limit.as_str()))
                }
                Stop::Cancelled => {
                    (STOPPED_EXIT_CODE, None, format!("stopped on request after {elapsed:.1} s"))
                }
                Stop::Garbled(reason) => (1, None, reason),
            };
            Execution {
                stdout,
                stderr: format!(
                    "{printed_errors}{why}. The interpreter restarts on the next call: variables \
                     and imports are gone, files are kept."
                ),
                exit_code,
                execution_time: elapsed,
                limit,
                memory_bytes: None,
                state_lost: true,
                stopped,
            }
        }
    };
    let after = state.workspace.snapshot();
    if let (Some(before), Some(after)) = (&before, &after) {
        content.extend(files::changes(before, after));
    }
    state.snapshot = after;

    let is_error = execution.exit_code != 0 || execution.limit.is_some_and(|l| l != Limit::Output);
    let mut text = execution.stdout.clone();
    if !execution.stderr.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&execution.stderr);
    }
    content.insert(0, Content::Text { text });
    ToolResult { content, structured_content: Some(execution), is_error }
}
