//! AgentDesk's MCP client: sessions with remote gateways (AgentDesk's own, AgentCore Gateway,
//! any MCP server on the web) over streamable HTTP and with local servers over stdio, their
//! sign-in, their tools, and a status that is always true.
//!
//! Start at [`McpServer::call`] (`server.rs`): the tool's arguments are checked against its
//! JSON Schema (`schema.rs`), a session is opened or reopened as needed (a bearer from an
//! `agentdesk-identity` provider, or secret headers and variables from the keyring), and the
//! call gets a timeout that restarts on each progress notification; a request that could not
//! be delivered, or was refused as unauthorised, is sent once more on a new session.
//! [`Connections`] holds every configured server; [`ToolNames`] (`names.rs`) gives their tools
//! names a model API accepts; `import.rs` reads another client's `mcpServers` JSON and
//! `import_plan.rs` previews and applies importing it;
//! `spec_auth.rs` signs in by the MCP authorization spec alone; `session.rs` is the session
//! type the gateway's upstream connections share; `trace.rs` gives a call its span and puts
//! the W3C trace context in its `params._meta` (OpenTelemetry's API only, no SDK).
//!
//! Server settings are `[mcp_servers.NAME]` in the config file ([`McpServerSettings`]). This
//! crate uses `agentdesk-config` and `agentdesk-identity` and no other AgentDesk crate; it
//! must not depend on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod error;
mod import;
mod import_plan;
mod names;
mod schema;
mod secrets;
mod server;
mod session;
mod spec_auth;
mod status;
mod stderr;
mod tap;
mod trace;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use agentdesk_config::McpServerSettings;
use agentdesk_identity::{Identity, Vault};
pub use error::McpError;
pub use import::{Imported, claude_config_path, read_client_config};
pub use import_plan::{ImportAction, ImportItem, ImportPlan, ImportPreview};
pub use names::{MAX_MODEL_NAME, ToolNames};
pub use schema::Validators;
pub use secrets::{SaveError, SecretKind, ServerSecret, is_env_name, is_header_name, save_server};
pub use server::McpServer;
pub use session::{ListWatcher, Session};
pub use status::{ServerState, ServerStatus};
pub use stderr::StderrTail;
pub use tap::{Observed, Observer};
pub use trace::trace_meta;

/// AgentCore Gateway's built-in tool that searches a gateway's tools by what they do
/// (AgentDesk's gateway offers it too); clients narrow large tool sets with it.
pub const SEARCH_TOOL: &str = "x_amz_bedrock_agentcore_search";

/// Every configured MCP server.
#[derive(Debug, Default)]
pub struct Connections {
    servers: BTreeMap<String, Arc<McpServer>>,
}

impl Connections {
    /// The servers in `settings`, signing in through `identity` and reading secrets from
    /// `vault`.
    pub fn new(
        settings: &BTreeMap<String, McpServerSettings>,
        identity: Option<&Arc<Identity>>,
        vault: Option<&Arc<Vault>>,
    ) -> Connections {
        let servers = settings
            .iter()
            .map(|(name, server)| {
                let server =
                    McpServer::new(name, server.clone(), identity.cloned(), vault.cloned());
                (name.clone(), Arc::new(server))
            })
            .collect();
        Connections { servers }
    }

    /// The server called `name`.
    pub fn server(&self, name: &str) -> Result<Arc<McpServer>, McpError> {
        self.servers.get(name).cloned().ok_or_else(|| McpError::UnknownServer(name.to_owned()))
    }

    /// Every server, by name.
    pub fn servers(&self) -> impl Iterator<Item = &Arc<McpServer>> {
        self.servers.values()
    }

    /// Every server's status, by name.
    pub fn statuses(&self) -> Vec<ServerStatus> {
        self.servers.values().map(|server| server.status()).collect()
    }
}
