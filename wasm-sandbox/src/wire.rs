//! The AgentCore Code Interpreter wire types: tool calls in, results out (CONTRACTS.md).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One tool call: `{name, arguments}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
pub struct ToolCall {
    /// `executeCode`, `writeFiles`, `readFiles`, `listFiles`, `removeFiles`, …
    pub name: String,
    /// The tool's arguments, one flat object.
    #[serde(default)]
    pub arguments: serde_json::Value,
}

/// A tool's result: `{content[], structuredContent?, isError}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    /// What to show: text, images, files.
    pub content: Vec<Content>,
    /// The run's details, for `executeCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub structured_content: Option<Execution>,
    /// Whether the call failed.
    pub is_error: bool,
}

/// One item of a result's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, base64-encoded.
    Image {
        /// Base64 data.
        data: String,
        /// E.g. `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A file's content.
    Resource {
        /// The file.
        resource: EmbeddedResource,
    },
    /// A reference to a file in the session.
    ResourceLink {
        /// `file:///workspace/<path>`.
        uri: String,
        /// The file's path in the workspace.
        name: String,
        /// The guessed media type.
        #[serde(rename = "mimeType", skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        mime_type: Option<String>,
        /// Size in bytes.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        size: Option<u64>,
        /// What it is (a folder, a new file…).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        description: Option<String>,
    },
}

/// A file's content inside a result: text when it is UTF-8, else base64 `blob`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedResource {
    /// `file:///workspace/<path>`.
    pub uri: String,
    /// The guessed media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mime_type: Option<String>,
    /// The content, when it is text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub text: Option<String>,
    /// The content, base64, when it is not text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub blob: Option<String>,
}

/// `structuredContent` of an `executeCode` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// What the code printed.
    pub stdout: String,
    /// Errors and tracebacks.
    pub stderr: String,
    /// 0 on success, 1 on an exception, the code given to `sys.exit`, or 3 when a limit
    /// stopped the run.
    pub exit_code: i32,
    /// Wall-clock seconds the run took.
    pub execution_time: f64,
    /// The limit that stopped or cut the run, if one did: `deadline`, `memory`, `output`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limit: Option<Limit>,
    /// The interpreter's memory at its peak so far, in bytes (AgentDesk's addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub memory_bytes: Option<u64>,
    /// True when the interpreter had to be restarted, so variables and imports are gone.
    #[serde(default)]
    pub state_lost: bool,
    /// True when the caller stopped the run (AgentDesk's addition; exit code 130, as for
    /// Ctrl+C). Left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub stopped: bool,
}

/// A limit that stopped or cut a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// The wall-clock deadline.
    Deadline,
    /// The memory cap.
    Memory,
    /// The output cap (the output was truncated, the run completed).
    Output,
    /// The call's fuel budget.
    Fuel,
    /// The interpreter's own stack (deep recursion) or another crash of the interpreter.
    Crash,
}

impl Limit {
    /// The name used in results and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Deadline => "deadline",
            Limit::Memory => "memory",
            Limit::Output => "output",
            Limit::Fuel => "fuel",
            Limit::Crash => "crash",
        }
    }
}

impl ToolResult {
    /// A failed call with one line of text saying why.
    pub fn error(message: impl Into<String>) -> ToolResult {
        ToolResult {
            content: vec![Content::Text { text: message.into() }],
            structured_content: None,
            is_error: true,
        }
    }
}

/// A session as AgentCore describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// `agentdesk.local.<runtime>`: the local counterpart of `aws.codeinterpreter.v1`.
    pub code_interpreter_identifier: String,
    /// The session's id.
    pub session_id: String,
    /// The name given at start.
    pub name: String,
    /// `READY` or `TERMINATED`.
    pub status: SessionStatus,
    /// RFC 3339 time the session started.
    pub created_at: String,
    /// Seconds from start after which the session ends.
    pub session_timeout_seconds: u32,
    /// The runtime it runs.
    pub runtime: String,
    /// Why a terminated session ended (AgentDesk's addition; absent while it runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended: Option<EndReason>,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// Someone stopped it.
    Stopped,
    /// It reached its `sessionTimeoutSeconds`.
    Timeout,
    /// It went unused for longer than the sandbox's idle timeout.
    Idle,
}

/// What the sandbox holds now: its running sessions and the memory of every live
/// interpreter (sessions and warm spares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SandboxUsage {
    /// The running sessions, newest first.
    pub sessions: Vec<SessionUsage>,
    /// Interpreters alive: one per session that has one, plus warm spares.
    pub interpreters: u64,
    /// Their linear memory in all, in bytes.
    pub memory_bytes: u64,
    /// How long a session may go unused before it ends, if there is a limit.
    pub idle_timeout_seconds: Option<u64>,
}

/// One running session's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SessionUsage {
    /// The session's id.
    pub session_id: String,
    /// The name given at start.
    pub name: String,
    /// The runtime it runs.
    pub runtime: String,
    /// RFC 3339 time the session started.
    pub created_at: String,
    /// Its interpreter's linear memory in bytes (0 between a restart and the next call).
    pub memory_bytes: u64,
    /// Whether a call is running in it now.
    pub running: bool,
    /// Seconds since its last call ended (0 while one runs).
    pub idle_seconds: u64,
}

/// Whether a session can still run code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
#[serde(rename_all = "UPPERCASE")]
pub enum SessionStatus {
    /// Running.
    Ready,
    /// Stopped or timed out; its files are gone.
    Terminated,
}

/// Which stream a piece of live output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "Sandbox.ts")]
pub enum OutputStream {
    /// Standard output.
    Stdout,
    /// Standard error (tracebacks).
    Stderr,
}

/// Output of a running `executeCode`, as it is printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Sandbox.ts")]
pub struct OutputChunk {
    /// The stream.
    pub stream: OutputStream,
    /// The text, whole characters only.
    pub text: String,
}
