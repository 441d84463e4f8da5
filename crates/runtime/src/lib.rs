//! AgentDesk's Runtime (AgentCore Runtime on one machine): both ends of AgentCore Runtime's
//! service contract (CONTRACTS.md, Runtime).
//!
//! Start at [`items`]: what an answer stream carries on the wire — one JSON value per
//! `data: <json>\n\n` server-sent event, a failure mid-stream as one last
//! `{"error", "error_type", "message"}` item — and how a client reads the text out of any
//! agent's items. [`server`] is `agentdesk serve`: `POST /invocations`, `GET /ping`, `GET /ws`,
//! the InvokeAgentRuntime data-plane alias and `POST /mcp`, answered by the same cost
//! estimator as the desktop. [`client`] calls any agent that speaks the contract: a URL
//! (`agentdesk serve`, a container, AWS's `BedrockAgentCoreApp`) or an AgentCore agent runtime
//! by ARN; the desktop, the CLI and the gateway's runtime targets all call through it.
//! [`code_interpreter`] is the Code Interpreter data plane (sessions and `tools/invoke` as an
//! event stream) that `agentdesk serve` also answers, backed by the local WASM sandbox.
//!
//! This crate composes `agentdesk-agent` and the leaves; it must not depend on Tauri, GTK or
//! WebKit, so `agentdesk serve` runs on a headless server or in a container.
#![deny(missing_docs)]

pub mod client;
pub mod code_interpreter;
pub mod items;
pub mod server;
