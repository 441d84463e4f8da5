//! AgentDesk's Gateway (AgentCore Gateway on one machine): an MCP endpoint over streamable
//! HTTP with a JWT check in front and agents and MCP servers behind it.
//!
//! Start at [`router`] (`server.rs`): rmcp's streamable HTTP server at `/mcp`, with
//! [`JwtAuthorizer::authorize`] (from `agentdesk-identity`, shared with `agentdesk serve`) in front — a bearer JWT is accepted only
//! when a key the trusted issuer publishes signed it and its issuer, lifetime, audience,
//! client and scopes are allowed; a refusal is a 401 pointing at the RFC 9728 metadata.
//! Tools come from targets, listed as `{target}___{tool}`: agent runtimes (`runtime.rs`,
//! AgentCore Runtime's `/invocations`) and upstream MCP servers (`upstream.rs`: stdio or
//! streamable HTTP, reconnected after a crash, progress and cancellation passed through), plus
//! the built-in search. Arguments are checked against each tool's JSON Schema first (with
//! `agentdesk-mcp`'s validators). `config.rs` reads `gateway.toml`.
//!
//! This crate uses `agentdesk-identity` (secure URLs, tokens for upstream servers) and
//! `agentdesk-mcp` (schema validation); it must not depend on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod config;
mod runtime;
mod server;
mod upstream;

pub use agentdesk_identity::{Caller, JwtAuthorizer, JwtSettings, Refusal};
pub use config::{AuthorizerConfig, GatewayConfig, TargetConfig};
pub use runtime::{Runtime, RuntimeTool};
pub use server::{Endpoint, Gateway, SEARCH_TOOL, router};
pub use upstream::{Upstream, UpstreamSource};
