//! The Code Interpreter data plane (CONTRACTS.md, Code Interpreter) answered by the local
//! WASM sandbox, so AWS's own clients — boto3's `bedrock-agentcore`, the `bedrock-agentcore`
//! SDK's `CodeInterpreter`, `aws-sdk-bedrockagentcore` — and AgentDesk's client can use a
//! self-hosted interpreter exactly as they use AgentCore's.
//!
//! Routes, as botocore's `bedrock-agentcore` 2024-02-28 model sends them:
//! `PUT /code-interpreters/{id}/sessions/start`, `POST …/tools/invoke` (header
//! `x-amzn-code-interpreter-session-id`; the answer is an event stream, `eventstream.rs`),
//! `PUT …/sessions/stop?sessionId=`, `GET …/sessions/get?sessionId=` and
//! `POST …/sessions/list` (`sessions.rs`, `invoke.rs`). Any identifier is accepted —
//! `aws.codeinterpreter.v1` as the SDK's default — and each names its own set of sessions,
//! all running the runtime of [`CodeInterpreterOptions`]. Refusals carry `x-amzn-ErrorType`
//! and `{"message"}` (`errors.rs`).
//!
//! The tools themselves (`executeCode` with state kept between calls, the file tools, and
//! a "not available" result for `executeCommand`) are the sandbox's: this module only maps
//! them to the wire. The router carries no authentication: `agentdesk serve` puts its own
//! check in front of it, as for its other routes.

mod errors;
mod eventstream;
mod invoke;
mod sessions;

use std::sync::Arc;

use agentdesk_wasm_sandbox::{Limits, MAX_WRITE_BYTES, RuntimeId, Sandbox};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

/// The largest request body: a `writeFiles` call of the most bytes the sandbox accepts,
/// base64-encoded in JSON, with room for the JSON around it.
pub const MAX_REQUEST_BYTES: usize = MAX_WRITE_BYTES / 3 * 4 + (1 << 20);

/// How the interpreter runs its sessions.
#[derive(Debug, Clone, Copy)]
pub struct CodeInterpreterOptions {
    /// The Python every session runs.
    pub runtime: RuntimeId,
    /// The limits of each tool call (deadline, memory, output).
    pub limits: Limits,
}

impl Default for CodeInterpreterOptions {
    fn default() -> Self {
        CodeInterpreterOptions { runtime: RuntimeId::Python, limits: Limits::default() }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
struct Shared {
    sandbox: Sandbox,
    options: CodeInterpreterOptions,
    sessions: Arc<sessions::Registry>,
}

/// The data plane's routes over `sandbox`, ready to merge into `agentdesk serve`'s router.
/// Requests may carry up to [`MAX_REQUEST_BYTES`].
pub fn router(sandbox: Sandbox, options: CodeInterpreterOptions) -> Router {
    let shared = Shared { sandbox, options, sessions: Arc::default() };
    Router::new()
        .route("/code-interpreters/{identifier}/sessions/start", put(sessions::start))
        .route("/code-interpreters/{identifier}/sessions/stop", put(sessions::stop))
        .route("/code-interpreters/{identifier}/sessions/get", get(sessions::get))
        .route("/code-interpreters/{identifier}/sessions/list", post(sessions::list))
        .route("/code-interpreters/{identifier}/tools/invoke", post(invoke::invoke))
        .with_state(shared)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
}
