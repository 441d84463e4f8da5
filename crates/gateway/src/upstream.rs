//! An upstream MCP server behind the gateway: a child process speaking stdio, or a streamable
//! HTTP URL (optionally with a bearer from an `agentdesk-identity` provider).
//!
//! The connection is made when first needed and made again after the server exits or the
//! connection drops, so a crashed target costs one failed call, not a restart of the gateway.
//! Its tool list is cached until the server says it changed. A call forwards the caller's
//! progress notifications and cancellation, and is bounded by the gateway's timeout.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agentdesk_identity::{Identity, Secret, TokenRequest};
use agentdesk_mcp::{ListWatcher, Observed, Observer, Session, StderrTail};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, CancelledNotification,
    CancelledNotificationParam, ClientNotification, ClientRequest, JsonRpcMessage,
    ProgressNotificationParam, ProgressToken, ProtocolVersion, ServerNotification, ServerResult,
    Tool,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::service::{Peer, PeerRequestOptions, RoleClient, RoleServer, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

/// Passes an upstream progress step to the gateway's caller under the caller's own token.
async fn forward(
    caller: &Peer<RoleServer>,
    token: Option<&ProgressToken>,
    step: ProgressNotificationParam,
) {
    let Some(token) = token else { return };
    let mut forwarded = ProgressNotificationParam::new(token.clone(), step.progress);
    forwarded.total = step.total;
    forwarded.message = step.message;
    if let Err(error) = caller.notify_progress(forwarded).await {
        tracing::debug!(%error, "the caller left before a progress notification");
    }
}

/// The stateless 2026-07-28 protocol where the server offers it, else the `initialize`
/// handshake of 2025-11-25 and before.
fn lifecycle() -> ClientLifecycleMode {
    ClientLifecycleMode::Auto {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        legacy_version: None,
    }
}

/// How long a crashed server's last stderr lines are waited for.
const LAST_WORDS: Duration = Duration::from_secs(1);

/// How to reach an upstream server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamSource {
    /// A child process speaking MCP on stdin/stdout.
    Stdio {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Extra environment variables.
        env: Vec<(String, String)>,
        /// The folder it runs in.
        cwd: Option<PathBuf>,
    },
    /// A streamable HTTP endpoint.
    Http {
        /// The MCP endpoint's URL.
        url: String,
        /// The identity provider whose token is sent as the bearer, if the server wants one.
        auth: Option<String>,
    },
}

/// Progress notifications waiting for a call that is still being registered.
const EARLY_PROGRESS: usize = 256;

/// Routes each upstream progress notification to its call, in the order they arrived.
///
/// rmcp hands notifications to handlers on spawned tasks, which may run after the call's
/// result; reading them in the transport instead keeps every step ahead of the result.
#[derive(Default)]
struct ProgressRoutes {
    inner: Mutex<Routes>,
}

#[derive(Default)]
struct Routes {
    calls: HashMap<ProgressToken, mpsc::UnboundedSender<ProgressNotificationParam>>,
    /// Steps that arrived before their call was registered (bounded, oldest dropped).
    early: VecDeque<ProgressNotificationParam>,
}

impl ProgressRoutes {
    fn deliver(&self, step: ProgressNotificationParam) {
        let mut routes = locked(&self.inner);
        if let Some(call) = routes.calls.get(&step.progress_token) {
            // A closed receiver means the call ended: nothing is waiting for the step.
            let _ = call.send(step);
            return;
        }
        if routes.early.len() == EARLY_PROGRESS {
            routes.early.pop_front();
        }
        routes.early.push_back(step);
    }

    fn register(
        &self,
        token: &ProgressToken,
    ) -> mpsc::UnboundedReceiver<ProgressNotificationParam> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut routes = locked(&self.inner);
        let (arrived, others): (VecDeque<_>, VecDeque<_>) =
            routes.early.drain(..).partition(|step| step.progress_token == *token);
        routes.early = others;
        for step in arrived {
            let _ = sender.send(step);
        }
        routes.calls.insert(token.clone(), sender);
        receiver
    }

    fn unregister(&self, token: &ProgressToken) {
        locked(&self.inner).calls.remove(token);
    }
}

impl ProgressRoutes {
    /// An observer that delivers each progress notification as it is read from upstream.
    fn observer(self: &Arc<Self>) -> Observer {
        let routes = Arc::clone(self);
        Arc::new(move |message| {
            if let JsonRpcMessage::Notification(notification) = message
                && let ServerNotification::ProgressNotification(progress) =
                    &notification.notification
            {
                routes.deliver(progress.params.clone());
            }
        })
    }
}

/// An upstream MCP server and the gateway's connection to it.
pub struct Upstream {
    name: String,
    source: UpstreamSource,
    identity: Option<Arc<Identity>>,
    client: ListWatcher,
    progress: Arc<ProgressRoutes>,
    connection: tokio::sync::Mutex<Option<Session>>,
    tools: Mutex<Option<Arc<Vec<Tool>>>>,
    stderr: StderrTail,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").field("name", &self.name).finish_non_exhaustive()
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Values under these locks are replaced whole: a poisoned one holds nothing torn.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Upstream {
    /// The target `name` at `source`; `identity` signs in to HTTP servers that want a token.
    pub fn new(name: &str, source: UpstreamSource, identity: Option<Arc<Identity>>) -> Upstream {
        Upstream {
            name: name.to_owned(),
            source,
            identity,
            client: ListWatcher::new("agentdesk-gateway"),
            progress: Arc::default(),
            connection: tokio::sync::Mutex::new(None),
            tools: Mutex::new(None),
            stderr: StderrTail::default(),
        }
    }

    /// The target's name (the prefix of its tools).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's tools under their own names: cached until the server says they changed.
    pub async fn tools(&self, patience: Duration) -> Result<Arc<Vec<Tool>>, String> {
        let stale = self.client.take_stale();
        if !stale && let Some(tools) = locked(&self.tools).clone() {
            return Ok(tools);
        }
        let listed = tokio::time::timeout(patience, async {
            let peer = self.peer().await?;
            peer.list_all_tools().await.map_err(|error| self.problem("list its tools", &error))
        })
        .await
        .unwrap_or_else(|_| {
            Err(format!("{} did not list its tools within {} s", self.name, patience.as_secs()))
        });
        match listed {
            Ok(tools) => {
                let tools = Arc::new(tools);
                *locked(&self.tools) = Some(Arc::clone(&tools));
                Ok(tools)
            }
            Err(problem) => {
                // A server that cannot be reached keeps its last known tools listed: calling one
                // says what is wrong, which is clearer than a tool that silently vanished.
                self.client.mark_stale();
                locked(&self.tools).clone().ok_or(problem)
            }
        }
    }

    /// Calls the server's `tool`, forwarding progress to `caller` under `progress` and giving
    /// up (and telling the server) after `timeout` or when `cancelled` fires.
    pub async fn call(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
        caller: &Peer<RoleServer>,
        progress: Option<ProgressToken>,
        timeout: Duration,
        cancelled: &tokio_util::sync::CancellationToken,
    ) -> Result<CallToolResult, String> {
        let started = tokio::time::Instant::now();
        let peer = tokio::time::timeout(timeout, self.peer()).await.unwrap_or_else(|_| {
            Err(format!("{} did not start within {} s", self.name, timeout.as_secs()))
        })?;
        let mut params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        // The caller's trace goes on to the server (MCP's OpenTelemetry conventions).
        params.meta = agentdesk_mcp::trace_meta(&tracing::Span::current());
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        let remaining = timeout.saturating_sub(started.elapsed());
        let handle = match peer
            .send_cancellable_request(request.clone(), PeerRequestOptions::with_timeout(remaining))
            .await
        {
            Ok(handle) => handle,
            // The request never left: the server went away since the last call, and the closed
            // connection is replaced here. Send once more.
            Err(ServiceError::TransportClosed | ServiceError::TransportSend(_)) => {
                let peer = self.peer().await?;
                peer.send_cancellable_request(request, PeerRequestOptions::with_timeout(remaining))
                    .await
                    .map_err(|error| self.problem("take the call", &error))?
            }
            Err(error) => return Err(self.problem("take the call", &error)),
        };
        let upstream_token = handle.progress_token.clone();
        let mut steps = self.progress.register(&upstream_token);
        let request_id = handle.id.clone();
        let upstream_peer = handle.peer.clone();
        let response = handle.await_response();
        tokio::pin!(response);
        let outcome = loop {
            tokio::select! {
                response = &mut response => break Some(response),
                Some(step) = steps.recv() => forward(caller, progress.as_ref(), step).await,
                () = cancelled.cancelled() => break None,
            }
        };
        self.progress.unregister(&upstream_token);
        while let Ok(step) = steps.try_recv() {
            forward(caller, progress.as_ref(), step).await;
        }
        match outcome {
            Some(Ok(ServerResult::CallToolResult(result))) => Ok(result),
            Some(Ok(_)) => Err(format!(
                "{} answered {tool} with something other than a tool result (tasks and \
                 follow-up input are not passed through the gateway)",
                self.name
            )),
            Some(Err(ServiceError::Timeout { .. })) => {
                Err(format!("{}___{tool} did not answer within {} s", self.name, timeout.as_secs()))
            }
            Some(Err(error)) => {
                if matches!(error, ServiceError::TransportClosed) {
                    self.stderr.settled(LAST_WORDS).await;
                }
                Err(self.problem(&format!("answer {tool}"), &error))
            }
            None => {
                let notice = CancelledNotification::new(CancelledNotificationParam::new(
                    Some(request_id),
                    Some("the gateway's caller cancelled the call".into()),
                ));
                if let Err(error) = upstream_peer
                    .send_notification(ClientNotification::CancelledNotification(notice))
                    .await
                {
                    tracing::debug!(%error, target = self.name, "could not pass on a cancellation");
                }
                Err("the call was cancelled".into())
            }
        }
    }

    /// A live connection: the current one, or a new one when there is none, it closed, or
    /// the identity provider has since handed out a fresh token (refreshed about a minute
    /// before the old one expires, so a long session never runs into a 401).
    async fn peer(&self) -> Result<Peer<RoleClient>, String> {
        let token = self.current_token().await?;
        let mut connection = self.connection.lock().await;
        if let Some(live) = connection.as_ref()
            && live.is_open()
            && live.token == token
        {
            return Ok(live.running.peer().clone());
        }
        if connection.take().is_some_and(|old| !old.is_open()) {
            tracing::warn!(target = self.name, stderr = %self.stderr.suffix(), "the upstream server went away; reconnecting");
            self.client.mark_stale();
        }
        let live = self.connect(token).await?;
        let peer = live.running.peer().clone();
        *connection = Some(live);
        Ok(peer)
    }

    /// The bearer the server wants now, if it wants one.
    async fn current_token(&self) -> Result<Option<Secret>, String> {
        let UpstreamSource::Http { auth: Some(provider), .. } = &self.source else {
            return Ok(None);
        };
        let Some(identity) = &self.identity else {
            return Err(format!("{}: no identity provider named {provider:?}", self.name));
        };
        let request = TokenRequest { interactive: false, ..TokenRequest::default() };
        identity
            .access_token(provider, &request)
            .await
            .map(Some)
            .map_err(|error| format!("{}: no token from {provider}: {error}", self.name))
    }

    async fn connect(&self, token: Option<Secret>) -> Result<Session, String> {
        let running = match &self.source {
            UpstreamSource::Stdio { command, args, env, cwd } => {
                let mut process = tokio::process::Command::new(command);
                process.args(args).envs(env.iter().map(|(key, value)| (key, value)));
                if let Some(cwd) = cwd {
                    process.current_dir(cwd);
                }
                let (transport, stderr) = TokioChildProcess::builder(process)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|error| format!("{}: cannot start {command:?}: {error}", self.name))?;
                if let Some(stderr) = stderr {
                    self.stderr.follow(stderr, &self.name);
                }
                let transport = Observed::new(transport, self.progress.observer());
                self.client.clone().serve_with_lifecycle(transport, lifecycle()).await.map_err(
                    |error| {
                        format!(
                            "{}: {command} did not start an MCP session: {error}{}",
                            self.name,
                            self.stderr.suffix()
                        )
                    },
                )
            }
            UpstreamSource::Http { url, .. } => {
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.clone());
                if let Some(token) = &token {
                    config = config.auth_header(token.expose().to_owned());
                }
                let transport = Observed::new(
                    StreamableHttpClientTransport::from_config(config),
                    self.progress.observer(),
                );
                self.client.clone().serve_with_lifecycle(transport, lifecycle()).await.map_err(
                    |error| format!("{}: {url} did not start an MCP session: {error}", self.name),
                )
            }
        }?;
        Ok(Session { running, token })
    }

    fn problem(&self, doing: &str, error: &ServiceError) -> String {
        match error {
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                format!("{} stopped before it could {doing}{}", self.name, self.stderr.suffix())
            }
            ServiceError::McpError(error) => {
                format!("{} could not {doing}: {}", self.name, error.message)
            }
            other => format!("{} could not {doing}: {other}", self.name),
        }
    }
}
