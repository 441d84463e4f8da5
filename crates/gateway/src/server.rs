//! The MCP endpoint: rmcp's streamable HTTP server under axum at `/mcp`, the JWT check in
//! front of it (a 401 carries `WWW-Authenticate: Bearer resource_metadata=…`), RFC 9728
//! protected-resource metadata, `/healthz`, and the tools of every target.

use std::collections::HashMap;
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
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use agentdesk_mcp::Validators;

use crate::runtime::{Runtime, RuntimeTool};
use crate::upstream::Upstream;
use agentdesk_identity::JwtAuthorizer;

pub use agentdesk_mcp::SEARCH_TOOL;

/// Words too common to say which tool is meant: they would rank every tool that uses them.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "how", "i", "in",
    "is", "it", "me", "my", "of", "on", "or", "please", "the", "this", "to", "what", "with", "you",
];
/// Tools listed per page.
const PAGE: usize = 50;

/// An agent runtime's tool, as the gateway lists it.
#[derive(Debug, Clone)]
struct RuntimeRoute {
    tool: Tool,
    runtime: Runtime,
    prompt_argument: String,
}

/// Where a listed tool's calls go.
enum Route<'a> {
    Runtime(&'a RuntimeRoute),
    Upstream(&'a Upstream, String),
}

/// What the gateway serves.
#[derive(Debug)]
pub struct Gateway {
    runtime_tools: Vec<RuntimeRoute>,
    upstreams: Vec<Arc<Upstream>>,
    search: bool,
    call_timeout: Duration,
    validators: Validators,
}

impl Gateway {
    /// A gateway with no targets yet.
    pub fn new(call_timeout: Duration, search: bool) -> Gateway {
        Gateway {
            runtime_tools: Vec::new(),
            upstreams: Vec::new(),
            search,
            call_timeout,
            validators: Validators::default(),
        }
    }

    /// Adds an agent runtime target with its tools, listed as `{target}___{tool}`.
    pub fn with_runtime(mut self, target: &str, url: &str, tools: Vec<RuntimeTool>) -> Gateway {
        let runtime = Runtime::new(target, url);
        for tool in tools {
            let name = format!("{target}___{}", tool.name);
            self.runtime_tools.push(RuntimeRoute {
                tool: Tool::new(name, tool.description, tool.input_schema),
                runtime: runtime.clone(),
                prompt_argument: tool.prompt_argument,
            });
        }
        self
    }

    /// Adds an upstream MCP server, its tools re-exported as `{target}___{tool}`.
    pub fn with_upstream(mut self, upstream: Upstream) -> Gateway {
        self.upstreams.push(Arc::new(upstream));
        self
    }

    /// Connects to every upstream server and lists its tools, so the first caller does not
    /// wait for processes to start; a server that fails is named in the log and tried again
    /// when its tools are next listed.
    pub async fn warm_up(&self) {
        for upstream in &self.upstreams {
            match upstream.tools(self.call_timeout).await {
                Ok(tools) => {
                    tracing::info!(target = upstream.name(), tools = tools.len(), "upstream ready");
                }
                Err(problem) => {
                    tracing::warn!(target = upstream.name(), %problem, "upstream not ready");
                }
            }
        }
    }

    async fn listed(&self) -> Vec<Tool> {
        let mut tools: Vec<Tool> =
            self.runtime_tools.iter().map(|route| route.tool.clone()).collect();
        // Listed side by side, so one slow server does not hold up the others.
        let mut listings = tokio::task::JoinSet::new();
        for (index, upstream) in self.upstreams.iter().enumerate() {
            let upstream = Arc::clone(upstream);
            let patience = self.call_timeout;
            listings.spawn(async move {
                (index, upstream.name().to_owned(), upstream.tools(patience).await)
            });
        }
        let mut listed = listings.join_all().await;
        listed.sort_by_key(|(index, _, _)| *index);
        for (_, target, listing) in listed {
            match listing {
                Ok(upstream_tools) => tools.extend(upstream_tools.iter().map(|tool| {
                    let mut tool = tool.clone();
                    tool.name = format!("{target}___{}", tool.name).into();
                    tool
                })),
                Err(problem) => {
                    tracing::warn!(target, %problem, "its tools are not listed");
                }
            }
        }
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

    async fn search(&self, query: &str) -> CallToolResult {
        let words: Vec<String> = query
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty() && !STOP_WORDS.contains(word))
            .map(str::to_owned)
            .collect();
        let listed = self.listed().await;
        let mut scored: Vec<(usize, &Tool)> = listed
            .iter()
            .filter(|tool| tool.name != SEARCH_TOOL)
            .map(|tool| {
                let text = format!(
                    "{} {}",
                    tool.name.replace(['_', '-'], " "),
                    tool.description.as_deref().unwrap_or_default()
                )
                .to_lowercase();
                (words.iter().filter(|word| text.contains(word.as_str())).count(), tool)
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

    /// The route and schema of the tool listed as `name`; an error names the tool that does
    /// not exist or the server that cannot say.
    async fn find(&self, name: &str) -> Result<(Route<'_>, Tool), McpError> {
        if let Some(route) = self.runtime_tools.iter().find(|route| route.tool.name == name) {
            return Ok((Route::Runtime(route), route.tool.clone()));
        }
        let unknown = || McpError::invalid_params(format!("there is no tool named {name:?}"), None);
        let (target, tool_name) = name.split_once("___").ok_or_else(unknown)?;
        let upstream =
            self.upstreams.iter().find(|upstream| upstream.name() == target).ok_or_else(unknown)?;
        let tools = upstream
            .tools(self.call_timeout)
            .await
            .map_err(|problem| McpError::internal_error(problem, None))?;
        let tool = tools.iter().find(|tool| tool.name == tool_name).cloned().ok_or_else(unknown)?;
        Ok((Route::Upstream(upstream, tool_name.to_owned()), tool))
    }

    async fn call(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        if self.search && name == SEARCH_TOOL {
            let Some(query) = arguments.get("query").and_then(Value::as_str) else {
                return Err(McpError::invalid_params("the search needs {\"query\": \"…\"}", None));
            };
            return Ok(self.search(query).await);
        }
        let (route, tool) = self.find(name).await?;
        let violations = self.validators.violations(name, &tool, &arguments);
        if !violations.is_empty() {
            return Err(McpError::invalid_params(
                format!(
                    "the arguments of {name} do not match its schema: {}",
                    violations.join("; ")
                ),
                Some(json!({"violations": violations})),
            ));
        }
        match route {
            Route::Runtime(route) => tokio::select! {
                result = self.call_runtime(name, route, &arguments) => Ok(result),
                () = context.ct.cancelled() => Err(McpError::internal_error("the call was cancelled", None)),
            },
            Route::Upstream(upstream, tool_name) => {
                let progress = context.meta.get_progress_token();
                let answered = upstream
                    .call(
                        &tool_name,
                        arguments,
                        &context.peer,
                        progress,
                        self.call_timeout,
                        &context.ct,
                    )
                    .await;
                Ok(answered.unwrap_or_else(|problem| {
                    CallToolResult::error(vec![ContentBlock::text(problem)])
                }))
            }
        }
    }

    async fn call_runtime(
        &self,
        name: &str,
        route: &RuntimeRoute,
        arguments: &Map<String, Value>,
    ) -> CallToolResult {
        let Some(prompt) = arguments.get(&route.prompt_argument).and_then(Value::as_str) else {
            return CallToolResult::error(vec![ContentBlock::text(format!(
                "{name} needs the string argument {:?}",
                route.prompt_argument
            ))]);
        };
        let answered = tokio::time::timeout(self.call_timeout, route.runtime.invoke(prompt)).await;
        match answered {
            Ok(Ok(text)) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Ok(Err(problem)) => CallToolResult::error(vec![ContentBlock::text(problem)]),
            Err(_) => CallToolResult::error(vec![ContentBlock::text(format!(
                "{name} did not answer within {} s",
                self.call_timeout.as_secs()
            ))]),
        }
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
        let all = self.gateway.listed().await;
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
        // The caller's trace continues here, from the W3C context in `_meta`.
        let span = tracing::info_span!(
            "tools/call",
            otel.name = %format!("tools/call {}", request.name),
            otel.kind = "server",
            mcp.method.name = "tools/call",
            gen_ai.operation.name = "execute_tool",
            gen_ai.tool.name = %request.name,
        );
        // rmcp moves the request's `_meta` to the context.
        let caller: HashMap<String, String> = context
            .meta
            .iter()
            .filter_map(|(key, value)| Some((key.to_ascii_lowercase(), value.as_str()?.to_owned())))
            .collect();
        agentdesk_telemetry::traces::continue_trace(&span, &caller);
        // Cancellation is handled inside, so an upstream server hears about it too.
        let started = std::time::Instant::now();
        let arguments = request.arguments.unwrap_or_default();
        let result =
            self.gateway.call(&request.name, arguments, &context).instrument(span.clone()).await;
        let outcome = match &result {
            Ok(answer) if answer.is_error == Some(true) => "tool error",
            Ok(_) => "ok",
            Err(_) => "refused",
        };
        // Names and timings only: arguments and results may hold the caller's data.
        tracing::info!(tool = %request.name, outcome, ms = started.elapsed().as_millis(), "tools/call");
        result.map(CallToolResponse::from)
    }
}

/// Who may call, and how they are told to sign in.
#[derive(Debug, Clone)]
struct Front {
    authorizer: Option<Arc<JwtAuthorizer>>,
    metadata_url: String,
}

/// How the gateway meets the network: the URL callers use, the authorization server it
/// names, how long an idle session lives, and when to stop.
#[derive(Debug, Clone)]
pub struct Endpoint {
    public_url: String,
    authorization_server: String,
    session_idle: Duration,
    shutdown: CancellationToken,
}

impl Endpoint {
    /// Callers reach `/mcp` under `public_url` and sign in with `authorization_server`.
    pub fn new(public_url: &str, authorization_server: &str) -> Endpoint {
        Endpoint {
            public_url: public_url.trim_end_matches('/').to_owned(),
            authorization_server: authorization_server.to_owned(),
            session_idle: Duration::from_secs(600),
            shutdown: CancellationToken::new(),
        }
    }

    /// Closes sessions that sent nothing for `idle` (default 10 minutes).
    #[must_use]
    pub fn with_session_idle(mut self, idle: Duration) -> Endpoint {
        self.session_idle = idle;
        self
    }

    /// Ends every session, including open event streams, when `shutdown` is cancelled.
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: CancellationToken) -> Endpoint {
        self.shutdown = shutdown;
        self
    }

    /// The `Host` values accepted: loopback, and the public URL's host (DNS-rebinding guard).
    fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        if let Ok(url) = url::Url::parse(&self.public_url)
            && let Some(host) = url.host_str()
        {
            hosts.push(host.trim_matches(['[', ']']).to_owned());
        }
        hosts
    }
}

/// The HTTP service: `/mcp` behind the JWT check (or none, for local development), the
/// protected-resource metadata naming the authorization server, and `/healthz`.
pub fn router(gateway: Gateway, authorizer: Option<JwtAuthorizer>, endpoint: &Endpoint) -> Router {
    let gateway = Arc::new(gateway);
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = Some(endpoint.session_idle);
    let mcp = StreamableHttpService::new(
        move || Ok(Handler { gateway: Arc::clone(&gateway) }),
        Arc::new(sessions),
        StreamableHttpServerConfig::default()
            .with_max_request_body_bytes(4 << 20)
            .with_allowed_hosts(endpoint.allowed_hosts())
            .with_cancellation_token(endpoint.shutdown.child_token()),
    );
    let public_url = &endpoint.public_url;
    let mut metadata = json!({
        "resource": format!("{public_url}/mcp"),
        "authorization_servers": [endpoint.authorization_server],
        "bearer_methods_supported": ["header"],
    });
    if let Some(scopes) = authorizer.as_ref().map(JwtAuthorizer::required_scopes)
        && !scopes.is_empty()
    {
        // Clients signing in by the MCP spec ask for these (RFC 9728 `scopes_supported`).
        metadata["scopes_supported"] = json!(scopes);
    }
    let front = Front {
        authorizer: authorizer.map(Arc::new),
        metadata_url: format!("{public_url}/.well-known/oauth-protected-resource/mcp"),
    };
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
