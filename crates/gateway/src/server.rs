//! The MCP endpoint: rmcp's streamable HTTP server under axum at `/mcp`, the JWT check in
//! front of it (a 401 carries `WWW-Authenticate: Bearer resource_metadata=…`), RFC 9728
//! protected-resource metadata, `/healthz`, and the tools of every target.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use rmcp::ErrorData as McpError;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Map, Value, json};

use crate::authorizer::JwtAuthorizer;
use crate::runtime::{Runtime, RuntimeTool};

/// The built-in search tool's name (AgentCore's).
pub const SEARCH_TOOL: &str = "x_amz_bedrock_agentcore_search";
/// Tools listed per page.
const PAGE: usize = 50;

/// A target's tool, as the gateway lists it.
#[derive(Debug, Clone)]
struct Routed {
    tool: Tool,
    runtime: Runtime,
    prompt_argument: String,
}

/// What the gateway serves.
#[derive(Debug)]
pub struct Gateway {
    tools: Vec<Routed>,
    search: bool,
    call_timeout: Duration,
}

impl Gateway {
    /// A gateway with no targets yet.
    pub fn new(call_timeout: Duration, search: bool) -> Gateway {
        Gateway { tools: Vec::new(), search, call_timeout }
    }

    /// Adds an agent runtime target with its tools, listed as `{target}___{tool}`.
    pub fn with_runtime(mut self, target: &str, url: &str, tools: Vec<RuntimeTool>) -> Gateway {
        let runtime = Runtime::new(url);
        for tool in tools {
            let name = format!("{target}___{}", tool.name);
            self.tools.push(Routed {
                tool: Tool::new(name, tool.description, tool.input_schema),
                runtime: runtime.clone(),
                prompt_argument: tool.prompt_argument,
            });
        }
        self
    }

    fn listed(&self) -> Vec<Tool> {
        let mut tools: Vec<Tool> = self.tools.iter().map(|routed| routed.tool.clone()).collect();
        if self.search {
            let schema = json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]});
            tools.push(Tool::new(
                SEARCH_TOOL,
                "Search this gateway's tools by what they do; returns the best matches with their schemas.",
                schema.as_object().cloned().unwrap_or_default(),
            ));
        }
        tools
    }

    fn search(&self, query: &str) -> CallToolResult {
        let words: Vec<String> =
            query.to_lowercase().split_whitespace().map(str::to_owned).collect();
        let mut scored: Vec<(usize, &Tool)> = self
            .tools
            .iter()
            .map(|routed| {
                let text = format!(
                    "{} {}",
                    routed.tool.name,
                    routed.tool.description.as_deref().unwrap_or_default()
                )
                .to_lowercase();
                (words.iter().filter(|word| text.contains(word.as_str())).count(), &routed.tool)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        let tools: Vec<Value> = scored
            .iter()
            .map(|(_, tool)| json!({"name": tool.name, "description": tool.description, "inputSchema": *tool.input_schema}))
            .collect();
        let structured = json!({"tools": tools});
        let mut result = CallToolResult::success(vec![ContentBlock::text(structured.to_string())]);
        result.structured_content = Some(structured);
        result
    }

    async fn call(
        &self,
        name: &str,
        arguments: &Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        if self.search && name == SEARCH_TOOL {
            let Some(query) = arguments.get("query").and_then(Value::as_str) else {
                return Err(McpError::invalid_params("the search needs {\"query\": \"…\"}", None));
            };
            return Ok(self.search(query));
        }
        let Some(routed) = self.tools.iter().find(|routed| routed.tool.name == name) else {
            return Err(McpError::invalid_params(format!("there is no tool named {name:?}"), None));
        };
        let Some(prompt) = arguments.get(&routed.prompt_argument).and_then(Value::as_str) else {
            return Err(McpError::invalid_params(
                format!("{name} needs the string argument {:?}", routed.prompt_argument),
                None,
            ));
        };
        let answered = tokio::time::timeout(self.call_timeout, routed.runtime.invoke(prompt)).await;
        Ok(match answered {
            Ok(Ok(text)) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Ok(Err(problem)) => CallToolResult::error(vec![ContentBlock::text(problem)]),
            Err(_) => CallToolResult::error(vec![ContentBlock::text(format!(
                "{name} did not answer within {} s",
                self.call_timeout.as_secs()
            ))]),
        })
    }
}

/// The rmcp handler: one per session, sharing the gateway.
#[derive(Debug, Clone)]
struct Handler {
    gateway: Arc<Gateway>,
}

impl ServerHandler for Handler {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("agentdesk-gateway", env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let all = self.gateway.listed();
        let start = match request.and_then(|params| params.cursor) {
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|start| *start <= all.len())
                .ok_or_else(|| McpError::invalid_params("unknown cursor", None))?,
            None => 0,
        };
        let end = (start + PAGE).min(all.len());
        let mut page = ListToolsResult::with_all_items(all[start..end].to_vec());
        page.next_cursor = (end < all.len()).then(|| end.to_string());
        Ok(page)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        tokio::select! {
            result = self.gateway.call(&request.name, &arguments) => result.map(CallToolResponse::from),
            () = context.ct.cancelled() => Err(McpError::internal_error("the call was cancelled", None)),
        }
    }
}

/// Who may call, and how they are told to sign in.
#[derive(Debug, Clone)]
struct Front {
    authorizer: Option<Arc<JwtAuthorizer>>,
    metadata_url: String,
}

/// The HTTP service: `/mcp` behind the JWT check (or none, for local development), the
/// protected-resource metadata naming `authorization_server`, and `/healthz`.
pub fn router(
    gateway: Gateway,
    authorizer: Option<JwtAuthorizer>,
    public_url: &str,
    authorization_server: &str,
) -> Router {
    let gateway = Arc::new(gateway);
    let mcp = StreamableHttpService::new(
        move || Ok(Handler { gateway: Arc::clone(&gateway) }),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default().with_max_request_body_bytes(4 << 20),
    );
    let public_url = public_url.trim_end_matches('/').to_owned();
    let front = Front {
        authorizer: authorizer.map(Arc::new),
        metadata_url: format!("{public_url}/.well-known/oauth-protected-resource/mcp"),
    };
    let metadata = json!({
        "resource": format!("{public_url}/mcp"),
        "authorization_servers": [authorization_server],
        "bearer_methods_supported": ["header"],
    });
    Router::new()
        .nest_service("/mcp", mcp)
        .layer(from_fn_with_state(front, check))
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            axum::routing::get(move || {
                let metadata = metadata.clone();
                async move { axum::Json(metadata) }
            }),
        )
        .route("/healthz", axum::routing::get(|| async { "ok" }))
}

/// The JWT check before any MCP message is read.
async fn check(State(front): State<Front>, request: Request, next: Next) -> Response {
    if let Some(authorizer) = &front.authorizer {
        let authorization =
            request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
        if let Err(refusal) = authorizer.authorize(authorization).await {
            tracing::info!(%refusal, "refused a request");
            let challenge = format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", resource_metadata=\"{}\"",
                refusal.to_string().replace('"', "'"),
                front.metadata_url
            );
            let mut response = (StatusCode::UNAUTHORIZED, refusal.to_string()).into_response();
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
            return response;
        }
    }
    next.run(request).await
}
