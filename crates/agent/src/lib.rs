//! AgentDesk's agent: the model providers behind one interface, the conversation loop, its
//! tools, and the cost estimator.
//!
//! Start with [`Provider`] (`provider.rs`): a request with messages and tools in, text deltas
//! out as they arrive, the whole assistant message at the end. `openai.rs` implements it for
//! OpenAI-compatible servers, `anthropic.rs` for the Anthropic Messages API, `bedrock.rs` for
//! Amazon Bedrock's Converse API through the AWS SDK; `http.rs` holds
//! what they share (retries, error bodies) and `sse.rs` reads the event streams they send.
//! [`Agent::run_turn`] (`agent.rs`) is the loop: model calls and tool calls until the model
//! answers, each step streamed as an [`AgentEvent`], stored in memory and traced with the
//! OpenTelemetry GenAI span names; `tools.rs` holds the [`Tool`] trait and approval policy,
//! and `sandbox_tool.rs`, `catalog_tools.rs` and `estimate_tools.rs` the tools themselves;
//! `mcp_tools.rs` offers the configured MCP servers' tools (asked about before they run).
//! [`estimator`] is the offline cost estimator (parser, pricing from `agentdesk-pricing`,
//! report, saved estimates); `setup.rs` turns the `[model]` settings into a provider and
//! finds its key, and `assemble.rs` builds the cost-estimator agent from its parts;
//! `serving.rs` runs it as a service does ([`ServedEstimator`]: model or offline, no one to ask).
//! [`transcript`] (`transcript.rs`) reads a stored conversation back as the chat showed it.
//!
//! Design decisions:
//! - Deltas are delivered once, in order, through a callback, and the completion is built
//!   from the same deltas, so the text shown and the text stored cannot differ.
//! - Only requests that have streamed nothing are retried (rate limits, overloads), with
//!   backoff or the server's `Retry-After`: a half-delivered answer is never sent twice.
//! - Keys are [`Secret`]s: they print as `***` and leave the process only in the request's
//!   authentication header.
//!
//! This crate composes the leaves (config, identity, memory, pricing, wasm-sandbox) and
//! `mcp`; it must not depend on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod agent;
mod anthropic;
mod assemble;
mod bedrock;
mod catalog_tools;
mod estimate_tools;
pub mod estimator;
mod http;
mod mcp_tools;
mod openai;
pub mod prompts;
mod provider;
mod sandbox_tool;
mod serving;
mod setup;
mod span_content;
mod sse;
mod tools;
mod trace_costs;
mod transcript;

pub use agent::{Agent, AgentError, AgentEvent, Approver, MemoryLink, QUICK, TurnOutcome};
pub use agentdesk_identity::Secret;
pub use anthropic::Anthropic;
pub use assemble::{EstimatorParts, cost_estimator};
pub use bedrock::{Bedrock, BedrockOptions};
pub use catalog_tools::{GetPrice, ListServices, Recall};
pub use estimate_tools::{CompareEstimates, EstimateCosts, ProposeArchitecture};
pub use mcp_tools::{McpServerTool, NARROW_ABOVE, Narrowing, mcp_tools};
pub use openai::OpenAiCompatible;
pub use provider::{
    BoxFuture, ChatRequest, Completion, ConnectFailure, Message, Provider, ProviderError,
    RetryPolicy, StopReason, ToolCall, ToolSpec, Usage,
};
pub use sandbox_tool::ExecutePython;
pub use serving::{ServedAnswer, ServedEstimator, ServingError, Unattended};
pub use setup::{
    ApiKey, Connected, SetupError, connect, connect_configured, mcp_connections, open_vault,
};
pub use tools::{Approval, Tool, ToolContext, ToolOutput, ToolRegistry};
pub use trace_costs::{
    PricedSession, PricedSpan, PricedTrace, PricedTraceDetail, TracePricer, pricing_region,
};
pub use transcript::{
    FAILED_NOTICE, PastExchange, PastStep, PastToolState, TRACE_ID_METADATA, conversation,
    forget_failed_turn, keep_failed_turn, transcript,
};
