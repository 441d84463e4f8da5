//! AgentDesk's agent: the model providers behind one interface, and (as it grows) the
//! conversation loop, the tool registry and the cost estimator.
//!
//! Start with [`Provider`] (`provider.rs`): a request with messages and tools in, text deltas
//! out as they arrive, the whole assistant message at the end. `openai.rs` implements it for
//! OpenAI-compatible servers, `anthropic.rs` for the Anthropic Messages API; `http.rs` holds
//! what they share (retries, error bodies) and `sse.rs` reads the event streams they send.
//!
//! Design decisions:
//! - Deltas are delivered once, in order, through a callback, and the completion is built
//!   from the same deltas, so the text shown and the text stored cannot differ.
//! - Only requests that have streamed nothing are retried (rate limits, overloads), with
//!   backoff or the server's `Retry-After`: a half-delivered answer is never sent twice.
//! - Keys are [`Secret`]s: they print as `***` and leave the process only in the
//!   `Authorization` header.
//!
//! This crate composes the leaves (memory, sandbox, identity) and `mcp`; it must not depend
//! on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod anthropic;
mod http;
mod openai;
mod provider;
mod secret;
mod sse;

pub use anthropic::Anthropic;
pub use openai::OpenAiCompatible;
pub use provider::{
    BoxFuture, ChatRequest, Completion, Message, Provider, ProviderError, RetryPolicy, StopReason,
    ToolCall, ToolSpec, Usage,
};
pub use secret::Secret;
