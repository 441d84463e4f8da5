//! One client session with an MCP server, as both AgentDesk's client ([`crate::McpServer`])
//! and the gateway's upstream connections hold it: the running rmcp service, the bearer it
//! was opened with, and a handler that notes when the server's tool list changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agentdesk_identity::Secret;
use rmcp::ClientHandler;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{NotificationContext, RoleClient, RunningService};

/// The client side of a session: names the client, and notes tool-list changes.
#[derive(Debug, Clone)]
pub struct ListWatcher {
    client: &'static str,
    tools_stale: Arc<AtomicBool>,
}

impl ListWatcher {
    /// A handler that introduces itself as `client` (with AgentDesk's version).
    pub fn new(client: &'static str) -> ListWatcher {
        ListWatcher { client, tools_stale: Arc::default() }
    }

    /// Whether the tool list changed since this was last asked (and marks it fresh).
    pub fn take_stale(&self) -> bool {
        self.tools_stale.swap(false, Ordering::AcqRel)
    }

    /// Makes the next [`ListWatcher::take_stale`] say the list changed (a new session, a
    /// failed listing).
    pub fn mark_stale(&self) {
        self.tools_stale.store(true, Ordering::Release);
    }
}

impl ClientHandler for ListWatcher {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new(self.client, env!("CARGO_PKG_VERSION")),
        )
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.mark_stale();
    }
}

/// A live session and the bearer it was opened with.
pub struct Session {
    /// The running service.
    pub running: RunningService<RoleClient, ListWatcher>,
    /// The bearer sent with its requests; a different one means a new session.
    pub token: Option<Secret>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("open", &self.is_open()).finish_non_exhaustive()
    }
}

impl Session {
    /// Whether it can still carry requests.
    pub fn is_open(&self) -> bool {
        !self.running.is_closed() && !self.running.peer().is_transport_closed()
    }
}
