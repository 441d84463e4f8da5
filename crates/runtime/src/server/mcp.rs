//! `POST /mcp`: the seed's `aws_cost_estimation` tool (CONTRACTS.md, Gateway — its exact name,
//! description and schema) over stateless streamable HTTP, as AgentCore Runtime's MCP mode
//! serves it: no sessions, JSON answers. Each call is a conversation of its own, answered by
//! the same estimator as `/invocations`; the result is the answer's Markdown, with the
//! estimate as structured content when there is one.

use std::sync::Arc;

use rmcp::ErrorData as McpError;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::agent::{self, Shared};
use super::invocations::Invocation;

/// The tool's name, as the seed's gateway target calls it.
pub const TOOL_NAME: &str = "aws_cost_estimation";
const TOOL_DESCRIPTION: &str = "Estimate AWS costs for a given architecture description";
const ARGUMENT: &str = "architecture_description";

/// The seed's tool.
fn tool() -> Tool {
    let schema = json!({
        "type": "object",
        "properties": {ARGUMENT: {"type": "string",
            "description": "Description of the AWS architecture to estimate costs for"}},
        "required": [ARGUMENT],
    });
    Tool::new(TOOL_NAME, TOOL_DESCRIPTION, schema.as_object().cloned().unwrap_or_default())
}

#[derive(Debug, Clone)]
pub(crate) struct CostTool {
    shared: Shared,
}

impl ServerHandler for CostTool {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("agentdesk-runtime", env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(vec![tool()]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if request.name != TOOL_NAME {
            return Err(McpError::invalid_params(
                format!("there is no tool named {:?}; this server has {TOOL_NAME}", request.name),
                None,
            ));
        }
        let description = request
            .arguments
            .as_ref()
            .and_then(|arguments| arguments.get(ARGUMENT))
            .and_then(Value::as_str)
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| {
                McpError::invalid_params(
                    format!("{TOOL_NAME} needs {{\"{ARGUMENT}\": \"…\"}}, a non-empty string"),
                    None,
                )
            })?;
        let invocation = Invocation::from_payload(
            &axum::http::HeaderMap::new(),
            &json!({"prompt": description}),
        )
        .map_err(|bad| McpError::invalid_params(bad.details, None))?;
        let turn = agent::start(&self.shared, &invocation);
        let result = tokio::select! {
            answered = turn.finish() => answered,
            // Dropping the turn (with the select) cancels it.
            () = context.ct.cancelled() => {
                return Err(McpError::internal_error("the call was cancelled", None));
            }
        };
        let result = match result {
            Ok(answer) => {
                let mut result = CallToolResult::success(vec![ContentBlock::text(answer.text)]);
                result.structured_content =
                    answer.estimate.and_then(|saved| serde_json::to_value(saved.estimate).ok());
                result
            }
            Err(failure) => CallToolResult::error(vec![ContentBlock::text(failure.message)]),
        };
        Ok(CallToolResponse::from(result))
    }
}

/// The MCP endpoint. On loopback, `Host` must name this machine (rmcp's guard against DNS
/// rebinding); beyond it, callers reach the server by names this process cannot know (a
/// container behind AgentCore), so any `Host` is accepted and the access rule protects it.
pub(crate) fn service(
    shared: Shared,
    loopback: bool,
    shutdown: &CancellationToken,
) -> StreamableHttpService<CostTool, NeverSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(super::invocations::MAX_PAYLOAD_BYTES)
        .with_cancellation_token(shutdown.child_token());
    if !loopback {
        config = config.disable_allowed_hosts();
    }
    let handler = CostTool { shared };
    StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}
