//! Tools the agent can call, and the policy that says whether each may run.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::provider::{BoxFuture, ToolSpec};

/// What a tool returned: text for the model, and optionally the same result as data for
/// the user's screen (like MCP's `structuredContent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub struct ToolOutput {
    /// The result (or the error) as the model reads it.
    pub content: String,
    /// Whether the tool failed.
    pub is_error: bool,
    /// The result as data (a saved estimate), for the screen; the model reads `content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub structured_content: Option<Value>,
}

impl ToolOutput {
    /// A successful result.
    pub fn ok(content: impl Into<String>) -> Self {
        Self { content: content.into(), is_error: false, structured_content: None }
    }

    /// A failure the model should read and react to.
    pub fn error(content: impl Into<String>) -> Self {
        Self { content: content.into(), is_error: true, structured_content: None }
    }

    /// Adds the result as data for the screen.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.structured_content = Some(data);
        self
    }
}

/// Where a tool call comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolContext {
    /// The conversation (tools with state, like the Python session, keep one per
    /// conversation).
    pub conversation_id: String,
}

#[cfg(test)]
impl ToolContext {
    /// A context for calling tools directly in tests.
    pub(crate) fn for_tests() -> Self {
        Self { conversation_id: "test".into() }
    }
}

/// Something the agent can do: run Python, look up a price, recall a memory.
pub trait Tool: Send + Sync + std::fmt::Debug {
    /// Its name, description and argument schema, as the model sees them.
    fn spec(&self) -> ToolSpec;

    /// Runs it. Failures are results (`is_error`), so the model can correct itself.
    fn call<'a>(
        &'a self,
        arguments: &'a Value,
        context: &'a ToolContext,
    ) -> BoxFuture<'a, ToolOutput>;
}

/// Whether a tool may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub enum Approval {
    /// Runs without asking.
    Allow,
    /// Runs once the user says yes, having seen the arguments.
    Ask,
    /// Never runs; the model is told so.
    Deny,
}

/// The tools on offer, each with its approval policy.
#[derive(Debug, Default, Clone)]
pub struct ToolRegistry {
    tools: BTreeMap<String, (Arc<dyn Tool>, Approval)>,
}

impl ToolRegistry {
    /// Adds a tool (replacing one of the same name).
    pub fn register(&mut self, tool: Arc<dyn Tool>, approval: Approval) {
        self.tools.insert(tool.spec().name, (tool, approval));
    }

    /// The specs of the tools the model may see (denied tools are still offered, so the
    /// model learns they exist and why they refuse).
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.values().map(|(tool, _)| tool.spec()).collect()
    }

    /// A tool and its policy.
    pub fn get(&self, name: &str) -> Option<(&Arc<dyn Tool>, Approval)> {
        self.tools.get(name).map(|(tool, approval)| (tool, *approval))
    }
}
