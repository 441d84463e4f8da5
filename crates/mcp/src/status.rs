//! Where each server stands, as the CLI and the Connections page show it: always the state of
//! the last real attempt, never a guess.

use serde::Serialize;
use ts_rs::TS;

/// A server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "Mcp.ts")]
pub enum ServerState {
    /// Switched off in the config.
    Disabled,
    /// Not connected yet: connects on first use.
    Idle,
    /// Starting or connecting now.
    Connecting,
    /// A live session.
    Connected,
    /// Its credential provider needs the user.
    NeedsSignIn,
    /// Its token expired and could not be renewed.
    Expired,
    /// The last attempt failed; `error` says how.
    Failed,
}

/// One server's status. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct ServerStatus {
    /// The server's name.
    pub name: String,
    /// `stdio` or `http`.
    pub transport: String,
    /// The command line or the URL.
    pub target: String,
    /// Where it stands.
    pub state: ServerState,
    /// The real error of the last attempt.
    pub error: Option<String>,
    /// The last lines a local server wrote to stderr.
    pub stderr: Vec<String>,
    /// How many tools it offers, once listed.
    pub tools: Option<usize>,
    /// The server's own name and version.
    pub server_info: Option<String>,
    /// The protocol version agreed.
    pub protocol_version: Option<String>,
}
