//! The local Code Interpreter: untrusted Python in CPython-on-WASI, inside wasmtime.
//!
//! It is the on-desk twin of AgentCore Code Interpreter: the same tool names and result
//! shape ([`ToolCall`] → [`ToolResult`]) and the same session behaviour (start, get, list,
//! stop; Python state kept between `executeCode` calls until `clearContext`; files kept for
//! the session). Start reading at [`Sandbox`].
//!
//! Isolation comes from WebAssembly and WASI: the guest sees no network, no host environment
//! variables, no host files except its session's workspace (preopened at `/workspace`) and a
//! private `/tmp`, and cannot call into the host except through WASI. Limits are enforced by
//! the host — a deadline through epoch interruption, memory through a store limiter, output
//! through capped streams, an optional deterministic fuel budget through a call hook — so
//! guest code cannot lift them, and a guest that breaks one is stopped and replaced without
//! touching the process. What a cell prints streams to the caller as it is printed
//! ([`Sandbox::invoke_streaming`]); a caller can stop a running cell
//! ([`Sandbox::stop_running`]).
//!
//! Sessions end when stopped, at their timeout, or after going unused for the sandbox's idle
//! timeout ([`Sandbox::set_idle_timeout`]); an ended session's store is dropped, and
//! [`Sandbox::usage`] counts the interpreters alive and their memory from the stores
//! themselves, so a leak shows.
//!
//! Design decision: each interpreter runs as a future on tokio, not on a thread of its own.
//! Waiting for the next cell costs nothing, and dropping the future stops the guest wherever
//! it is — inside a loop (it yields at every epoch tick) or inside a host call such as
//! `time.sleep` — which a thread blocked in a host call could not offer.
//!
//! The runtimes come from pinned PyPI wheels ([`RuntimeId`], [`RuntimeStore`]) and are
//! compiled once at install time, never on a user's request.
//!
//! This crate is a leaf: it depends on no other AgentDesk crate and on no GUI toolkit.
#![deny(missing_docs)]

mod engine;
mod files;
mod interpreter;
mod limits;
mod runtime;
mod sandbox;
mod tools;
mod wire;

use std::path::PathBuf;

pub use files::{MAX_READ_BYTES, MAX_WRITE_BYTES};
pub use limits::Limits;
pub use runtime::{DEFAULT_INDEX, Progress, RuntimeId, RuntimeStatus, RuntimeStore, WheelSource};
pub use sandbox::{
    DEFAULT_SESSION_TIMEOUT, MAX_SESSION_TIMEOUT, Sandbox, SandboxConfig, StartSession,
};
pub use tools::{LIMIT_EXIT_CODE, MAX_CODE_BYTES, STOPPED_EXIT_CODE};
pub use wire::{
    Content, EmbeddedResource, EndReason, Execution, Limit, OutputChunk, OutputStream,
    SandboxUsage, SessionInfo, SessionStatus, SessionUsage, ToolCall, ToolResult,
};

/// Where a call's output goes while it runs (see [`Sandbox::invoke_streaming`]).
pub type OutputSink = tokio::sync::mpsc::UnboundedSender<OutputChunk>;

/// What can go wrong in the sandbox itself (as opposed to in the guest's code, which comes
/// back as a [`ToolResult`] with `isError`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// wasmtime refused a configuration, a module or a link.
    #[error("the WebAssembly engine failed: {0}")]
    Engine(String),
    /// The runtime is not installed (or not compiled).
    #[error("the {0} runtime is not installed; install it with `agentdesk sandbox install {0}`")]
    NotInstalled(RuntimeId),
    /// Installing a runtime failed.
    #[error("installing the runtime failed: {0}")]
    Install(String),
    /// A precompiled runtime could not be loaded.
    #[error("{path} is damaged ({reason}); reinstall the runtime with `agentdesk sandbox install`")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The session's workspace folder could not be created or given to the guest.
    #[error("cannot use the workspace {path}: {reason}")]
    Workspace {
        /// The folder.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The interpreter did not come up.
    #[error("the Python interpreter did not start: {0}")]
    Startup(String),
    /// A request the sandbox refuses, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// No running session has this id.
    #[error("no running session {0}; it was stopped, timed out or ended unused")]
    NoSession(String),
}

impl From<wasmtime::Error> for SandboxError {
    fn from(error: wasmtime::Error) -> SandboxError {
        SandboxError::Engine(format!("{error:#}"))
    }
}
