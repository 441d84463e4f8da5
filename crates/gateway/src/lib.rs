//! AgentDesk's Gateway (AgentCore Gateway on one machine): an MCP endpoint over streamable
//! HTTP with a JWT check in front and agents and MCP servers behind it.
//!
//! This version holds the inbound check: start at [`JwtAuthorizer::authorize`]
//! (`authorizer.rs`), which accepts a bearer JWT only when a key the trusted issuer publishes
//! signed it and its issuer, lifetime, audience, client and scopes are allowed. The MCP
//! endpoint, the targets and `agentdesk gateway serve` come next (issue 7).
//!
//! This crate uses `agentdesk-identity` (for what counts as a secure URL) and no other
//! AgentDesk crate; it must not depend on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod authorizer;

pub use authorizer::{Caller, JwtAuthorizer, JwtSettings, Refusal};
