//! Tools of the configured MCP servers, offered to the agent under names a model API accepts
//! (`{server}__{tool}`, at most 64 characters) and asked about before they run: they act
//! outside AgentDesk. A gateway with hundreds of tools would drown the model (and overflow
//! some APIs' limits): when it offers AgentCore's search tool, only the tools the search finds
//! for the user's message are offered, with the search itself.

use std::sync::Arc;

use agentdesk_mcp::{Connections, McpServer, SEARCH_TOOL, ToolNames};
use rmcp::model::{CallToolResult, ContentBlock, Tool as McpTool};
use serde_json::Value;

use crate::provider::{BoxFuture, ToolSpec};
use crate::tools::{Tool, ToolContext, ToolOutput};

/// One MCP server's tool as an agent tool.
#[derive(Debug)]
pub struct McpServerTool {
    server: Arc<McpServer>,
    tool: McpTool,
    model_name: String,
}

impl Tool for McpServerTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.model_name.clone(),
            description: self.tool.description.as_deref().unwrap_or_default().to_owned(),
            input_schema: Value::Object((*self.tool.input_schema).clone()),
        }
    }

    fn call<'a>(
        &'a self,
        arguments: &'a Value,
        _context: &'a ToolContext,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let arguments = match arguments {
                Value::Object(arguments) => arguments.clone(),
                Value::Null => serde_json::Map::new(),
                other => {
                    return ToolOutput::error(format!(
                        "the arguments must be a JSON object, not {other}"
                    ));
                }
            };
            // The agent's `execute_tool` span stands for this call: the MCP attributes go on it.
            match self.server.call_in_current_span(&self.tool.name, arguments).await {
                Ok(result) => output(&result),
                Err(error) => ToolOutput::error(error.to_string()),
            }
        })
    }
}

/// The model's reading of a tool result: its text, other content described, and structured
/// content as JSON when there is no text.
fn output(result: &CallToolResult) -> ToolOutput {
    let mut parts: Vec<String> = result
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) => text.text.clone(),
            ContentBlock::Image(image) => format!("[an image, {}]", image.mime_type),
            ContentBlock::Audio(audio) => format!("[audio, {}]", audio.mime_type),
            other => serde_json::to_string(other).unwrap_or_default(),
        })
        .collect();
    if parts.is_empty()
        && let Some(structured) = &result.structured_content
    {
        parts.push(structured.to_string());
    }
    let text = parts.join("\n");
    let mut output =
        if result.is_error == Some(true) { ToolOutput::error(text) } else { ToolOutput::ok(text) };
    output.structured_content = result.structured_content.clone();
    output
}

/// Servers with more tools than this are narrowed by their search tool, when they have one.
pub const NARROW_ABOVE: usize = 30;

/// How many of the tools a search finds are offered.
const FOUND_AT_MOST: usize = 12;

/// What the user asked, for narrowing large tool sets with a server's search tool.
#[derive(Debug, Clone, Copy)]
pub struct Narrowing<'a> {
    /// The user's message.
    pub query: &'a str,
    /// Narrow servers with more tools than this ([`NARROW_ABOVE`]).
    pub above: usize,
}

impl<'a> Narrowing<'a> {
    /// Narrowing for `query` above [`NARROW_ABOVE`] tools.
    pub fn for_message(query: &'a str) -> Narrowing<'a> {
        Narrowing { query, above: NARROW_ABOVE }
    }
}

/// The names a server's search tool finds for `query`, best first; `None` when the search
/// failed or found nothing (all tools are offered then).
async fn search(server: &McpServer, query: &str) -> Option<Vec<String>> {
    let mut arguments = serde_json::Map::new();
    arguments.insert("query".into(), Value::String(query.to_owned()));
    let result = match server.call(SEARCH_TOOL, arguments).await {
        Ok(result) if result.is_error != Some(true) => result,
        Ok(_) | Err(_) => {
            tracing::warn!(server = server.name(), "its search failed; offering every tool");
            return None;
        }
    };
    let found = result.structured_content.or_else(|| {
        result.content.iter().find_map(|block| match block {
            ContentBlock::Text(text) => serde_json::from_str(&text.text).ok(),
            _ => None,
        })
    })?;
    let names = found["tools"].as_array()?.iter().filter_map(|tool| tool["name"].as_str());
    let names: Vec<String> = names.take(FOUND_AT_MOST).map(str::to_owned).collect();
    // Nothing found (a search that does not understand the message's language, say) must
    // not leave the model without tools.
    (!names.is_empty()).then_some(names)
}

/// The tools of every enabled server, listed now (side by side); with `narrowing`, a server
/// with more tools than it allows and a search tool offers what the search finds for the
/// query, and the search. A server that cannot be reached offers nothing this time; its
/// status says why.
pub async fn mcp_tools(
    connections: &Connections,
    narrowing: Option<Narrowing<'_>>,
) -> Vec<Arc<dyn Tool>> {
    let mut listings = tokio::task::JoinSet::new();
    for server in connections.servers().filter(|server| server.settings().enabled) {
        let server = Arc::clone(server);
        listings.spawn(async move {
            let listed = server.tools().await;
            (server, listed)
        });
    }
    let mut listed = listings.join_all().await;
    listed.sort_by(|a, b| a.0.name().cmp(b.0.name()));
    let mut names = ToolNames::default();
    let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
    for (server, listing) in listed {
        match listing {
            Ok(server_tools) => {
                let searchable = server_tools.iter().any(|tool| tool.name == SEARCH_TOOL);
                let found = match narrowing {
                    Some(narrowing) if searchable && server_tools.len() > narrowing.above => {
                        search(&server, narrowing.query).await
                    }
                    _ => None,
                };
                let offered = server_tools.iter().filter(|tool| {
                    found.as_ref().is_none_or(|found| {
                        tool.name == SEARCH_TOOL || found.iter().any(|name| *name == tool.name)
                    })
                });
                for tool in offered {
                    let model_name = names.model_name(server.name(), &tool.name);
                    tools.push(Arc::new(McpServerTool {
                        server: Arc::clone(&server),
                        tool: tool.clone(),
                        model_name,
                    }));
                }
            }
            Err(error) => {
                tracing::warn!(server = server.name(), %error, "its tools are not offered");
            }
        }
    }
    tools
}
