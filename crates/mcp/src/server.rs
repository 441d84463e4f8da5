//! One configured MCP server and the client's session with it.
//!
//! A session is opened on first use and opened again when it is gone: a local server that
//! exited, a connection that dropped, a gateway that restarted (rmcp itself re-initialises on
//! an expired session), or a credential provider that has handed out a fresh token. A call
//! whose request could not be delivered, or that the server refused as unauthorised, is made
//! once more on the new session; it is never repeated more than once. Every call has a
//! timeout that restarts with each progress notification. The status always reflects the
//! last real attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agentdesk_config::{DEFAULT_MCP_TIMEOUT_SECONDS, McpServerSettings};
use agentdesk_identity::{Identity, IdentityError, Secret, TokenRequest, Vault, VaultError};
use reqwest::header::{HeaderName, HeaderValue};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, ProtocolVersion,
    ServerResult, Tool,
};
use rmcp::service::{
    ClientInitializeError, ClientLifecycleMode, ClientServiceExt, Peer, PeerRequestOptions,
    RoleClient, RunningService, ServiceError,
};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::McpError;
use crate::schema::Validators;
use crate::session::{ListWatcher, Session};
use crate::spec_auth::{self, KeptClient, ProtectedResource};
use crate::status::{ServerState, ServerStatus};
use crate::stderr::StderrTail;
use crate::tap::{Observed, Unaddressed};
use crate::trace;

/// How long a crashed local server's last stderr lines are waited for.
const LAST_WORDS: Duration = Duration::from_secs(1);

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Values under these locks are replaced whole: a poisoned one holds nothing torn.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the status shows besides the state.
#[derive(Default)]
struct Known {
    error: Option<String>,
    server_info: Option<String>,
    protocol_version: Option<String>,
}

/// A configured MCP server.
pub struct McpServer {
    name: String,
    settings: McpServerSettings,
    identity: Option<Arc<Identity>>,
    vault: Option<Arc<Vault>>,
    handler: ListWatcher,
    live: tokio::sync::Mutex<Option<Session>>,
    tools: Mutex<Option<Arc<Vec<Tool>>>>,
    known: Mutex<Known>,
    stderr: StderrTail,
    validators: Validators,
    unaddressed: Arc<Unaddressed>,
    /// The provider of the spec sign-in, once looked up (`Some(None)`: there is none).
    spec_provider: Mutex<Option<Option<String>>>,
    /// What the server's last 401 said about signing in.
    discovered: Mutex<Option<ProtectedResource>>,
    /// Where it stands (the state of the last real attempt), for the status and for whoever
    /// follows it live.
    state: tokio::sync::watch::Sender<ServerState>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Why a request may be sent once more on a new session.
enum Retry {
    /// It never reached the server: the session was gone.
    Undelivered,
    /// The server refused the token: renew it first.
    Unauthorized,
}

impl McpServer {
    /// The server `name` as `settings` describe it; `identity` provides bearer tokens and
    /// `vault` the secret headers and variables.
    pub fn new(
        name: &str,
        settings: McpServerSettings,
        identity: Option<Arc<Identity>>,
        vault: Option<Arc<Vault>>,
    ) -> McpServer {
        McpServer {
            name: name.to_owned(),
            settings,
            identity,
            vault,
            handler: ListWatcher::new("agentdesk"),
            live: tokio::sync::Mutex::new(None),
            tools: Mutex::new(None),
            known: Mutex::default(),
            stderr: StderrTail::default(),
            validators: Validators::default(),
            unaddressed: Arc::default(),
            spec_provider: Mutex::new(None),
            discovered: Mutex::new(None),
            state: tokio::sync::watch::Sender::new(ServerState::Idle),
        }
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its settings.
    pub fn settings(&self) -> &McpServerSettings {
        &self.settings
    }

    fn timeout(&self) -> Duration {
        let seconds = match self.settings.timeout_seconds {
            0 => DEFAULT_MCP_TIMEOUT_SECONDS,
            seconds => seconds,
        };
        Duration::from_secs(seconds)
    }

    /// Where it stands now.
    pub fn status(&self) -> ServerStatus {
        let known = locked(&self.known);
        let state =
            if self.settings.enabled { *self.state.borrow() } else { ServerState::Disabled };
        let (transport, target) = if self.settings.is_stdio() {
            let mut line = vec![self.settings.command.clone()];
            line.extend(self.settings.args.iter().cloned());
            ("stdio", line.join(" "))
        } else {
            ("http", self.settings.url.clone())
        };
        ServerStatus {
            name: self.name.clone(),
            transport: transport.into(),
            target,
            state,
            error: known.error.clone(),
            stderr: self.stderr.lines(),
            tools: locked(&self.tools).as_ref().map(|tools| tools.len()),
            server_info: known.server_info.clone(),
            protocol_version: known.protocol_version.clone(),
        }
    }

    fn record(&self, state: ServerState, error: Option<String>) {
        // Under the same lock as `status` reads them, so the two always agree.
        let mut known = locked(&self.known);
        known.error = error;
        self.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    /// Its state as it changes (the same a [`McpServer::status`] would show then).
    pub fn watch(&self) -> tokio::sync::watch::Receiver<ServerState> {
        self.state.subscribe()
    }

    /// Keeps a long-lived session alive (the app's, not a single command's): every `every`
    /// the live session is pinged; when that fails the session is dropped and opened again
    /// after 1, 2, 4… times `every`, at most `longest`, without asking the user anything.
    /// Servers never connected are left alone. Ends when the server is dropped or disabled.
    pub async fn keep_alive(
        server: std::sync::Weak<McpServer>,
        every: Duration,
        longest: Duration,
    ) {
        let mut wait = every;
        loop {
            tokio::time::sleep(wait).await;
            let Some(server) = server.upgrade() else { return };
            if !server.settings.enabled {
                return;
            }
            let failing = *server.state.borrow() == ServerState::Failed;
            if server.live.lock().await.is_none() && !failing {
                wait = every;
                continue;
            }
            match server.connect(false).await {
                Ok(()) => wait = every,
                Err(error) => {
                    server.live.lock().await.take();
                    wait = (wait * 2).min(longest);
                    tracing::info!(server = server.name, %error, retry_in = ?wait, "the session is down");
                }
            }
        }
    }

    /// Records a failure in the status and hands it back.
    fn failed(&self, error: McpError) -> McpError {
        let state = match &error {
            McpError::NeedsSignIn { .. } | McpError::NeedsProvider { .. } => {
                ServerState::NeedsSignIn
            }
            McpError::Unauthorized { .. } => ServerState::Expired,
            _ => ServerState::Failed,
        };
        self.record(state, Some(error.to_string()));
        error
    }

    /// Opens a session now (asking the user to sign in when `interactive` and needed), or
    /// checks the current one with a ping.
    pub async fn connect(&self, interactive: bool) -> Result<(), McpError> {
        let peer = self.peer(interactive, false).await?;
        match peer
            .send_request(ClientRequest::PingRequest(rmcp::model::PingRequest::default()))
            .await
        {
            // Any JSON-RPC answer shows the session works: stateless (2026-07-28) servers
            // may not know `ping`.
            Ok(_) | Err(ServiceError::McpError(_)) => Ok(()),
            Err(error) => Err(self.failed(self.service_error("answer a ping", &error))),
        }
    }

    /// Closes the session (a local server is stopped).
    pub async fn disconnect(&self) {
        if let Some(mut live) = self.live.lock().await.take() {
            let _closed = live.running.close().await;
        }
        self.record(ServerState::Idle, None);
    }

    /// The server's tools: cached until it says they changed.
    pub async fn tools(&self) -> Result<Arc<Vec<Tool>>, McpError> {
        let stale = self.handler.take_stale();
        if !stale && let Some(tools) = locked(&self.tools).clone() {
            return Ok(tools);
        }
        let listed = match self.list_tools().await {
            Err(McpError::Unavailable { .. }) => self.list_tools().await,
            other => other,
        };
        match listed {
            Ok(tools) => {
                let tools = Arc::new(tools);
                *locked(&self.tools) = Some(Arc::clone(&tools));
                Ok(tools)
            }
            Err(error) => {
                self.handler.mark_stale();
                Err(self.failed(error))
            }
        }
    }

    async fn list_tools(&self) -> Result<Vec<Tool>, McpError> {
        let peer = self.peer(false, false).await?;
        match tokio::time::timeout(self.timeout(), peer.list_all_tools()).await {
            Ok(Ok(tools)) => Ok(tools),
            Ok(Err(error)) => Err(self.service_error("list its tools", &error)),
            Err(_) => Err(McpError::Timeout {
                server: self.name.clone(),
                tool: "tools/list".into(),
                seconds: self.timeout().as_secs(),
            }),
        }
    }

    /// Calls `tool` with `arguments`, checked against its schema first. A tool that ran and
    /// failed is an `Ok` result with `is_error`; an `Err` means the call did not happen or
    /// did not finish.
    pub async fn call(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let span = trace::client_span(tool, self.transport());
        self.call_traced(span, tool, arguments).await
    }

    /// [`McpServer::call`] for a caller whose current span stands for this one call (the
    /// agent's `execute_tool`, which declares the MCP fields): the call's attributes go on
    /// that span instead of a new one.
    pub async fn call_in_current_span(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let span = tracing::Span::current();
        trace::record_call(&span, self.transport());
        self.call_traced(span, tool, arguments).await
    }

    /// `pipe` for a local server, `tcp` for one over HTTP (`network.transport`).
    fn transport(&self) -> &'static str {
        if self.settings.is_stdio() { "pipe" } else { "tcp" }
    }

    async fn call_traced(
        &self,
        span: tracing::Span,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let called = self.call_in(&span, tool, arguments).instrument(span.clone()).await;
        match &called {
            Ok(result) if result.is_error == Some(true) => trace::record_error(&span, "tool_error"),
            Ok(_) => {}
            Err(error) => trace::record_error(&span, error.kind()),
        }
        called
    }

    async fn call_in(
        &self,
        span: &tracing::Span,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let tools = self.tools().await?;
        let Some(described) = tools.iter().find(|candidate| candidate.name == tool) else {
            return Err(McpError::UnknownTool { server: self.name.clone(), tool: tool.to_owned() });
        };
        let violations = self.validators.violations(tool, described, &arguments);
        if !violations.is_empty() {
            return Err(McpError::InvalidArguments { tool: tool.to_owned(), violations });
        }
        let mut params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        params.meta = trace::trace_meta(span);
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        let outcome = match self.send(tool, request.clone(), false).await {
            Err((Some(retry), error)) => {
                tracing::info!(server = self.name, tool, %error, "calling once more on a new session");
                if matches!(retry, Retry::Undelivered) {
                    self.live.lock().await.take();
                }
                self.send(tool, request, matches!(retry, Retry::Unauthorized)).await
            }
            other => other,
        };
        match outcome {
            Ok(result) => {
                self.record(ServerState::Connected, None);
                Ok(result)
            }
            Err((_, error)) => Err(self.failed(error)),
        }
    }

    async fn send(
        &self,
        tool: &str,
        request: ClientRequest,
        renew_token: bool,
    ) -> Result<CallToolResult, (Option<Retry>, McpError)> {
        let peer = self.peer(false, renew_token).await.map_err(|error| (None, error))?;
        let options = PeerRequestOptions::with_timeout(self.timeout()).reset_timeout_on_progress();
        let unaddressed = self.unaddressed.next();
        tokio::pin!(unaddressed);
        unaddressed.as_mut().enable();
        let handle = match peer.send_cancellable_request(request, options).await {
            Ok(handle) => handle,
            Err(error) => {
                return Err((
                    Some(Retry::Undelivered),
                    self.service_error("take the call", &error),
                ));
            }
        };
        let mut abandoned = CancelOnDrop { peer: peer.clone(), id: Some(handle.id.clone()) };
        let answered = tokio::select! {
            answered = handle.await_response() => answered,
            () = unaddressed => {
                abandoned.cancel("the call could not be taken");
                return Err((
                    Some(Retry::Undelivered),
                    McpError::Unavailable {
                        server: self.name.clone(),
                        message: format!("it could not take the call: {}", self.unaddressed.message()),
                    },
                ));
            }
        };
        // Answered, or timed out (rmcp has told the server then).
        abandoned.id = None;
        match answered {
            Ok(ServerResult::CallToolResult(result)) => Ok(result),
            Ok(_) => Err((
                None,
                McpError::Refused {
                    server: self.name.clone(),
                    action: format!("answer {tool}"),
                    message: "the answer was not a tool result".into(),
                },
            )),
            Err(ServiceError::Timeout { timeout }) => Err((
                None,
                McpError::Timeout {
                    server: self.name.clone(),
                    tool: tool.to_owned(),
                    seconds: timeout.as_secs(),
                },
            )),
            Err(error) if error.is_authorization_required() && !renew_token => Err((
                Some(Retry::Unauthorized),
                self.service_error(&format!("answer {tool}"), &error),
            )),
            // The request did not get through (a dropped connection, a server that went
            // away): nothing ran, so it may go once more on a new session.
            Err(error @ ServiceError::TransportSend(_)) => Err((
                Some(Retry::Undelivered),
                self.service_error(&format!("answer {tool}"), &error),
            )),
            Err(error) => {
                if matches!(error, ServiceError::TransportClosed) && self.settings.is_stdio() {
                    self.stderr.settled(LAST_WORDS).await;
                }
                Err((None, self.service_error(&format!("answer {tool}"), &error)))
            }
        }
    }

    /// A live session: the current one, or a new one when there is none, it closed, the
    /// provider has a fresher token, or `renew_token` says the server refused the last one.
    async fn peer(
        &self,
        interactive: bool,
        renew_token: bool,
    ) -> Result<Peer<RoleClient>, McpError> {
        if !self.settings.enabled {
            return Err(McpError::Disabled(self.name.clone()));
        }
        let mut token =
            self.token(interactive, renew_token).await.map_err(|error| self.failed(error))?;
        let mut live = self.live.lock().await;
        if let Some(current) = live.as_ref()
            && current.is_open()
            && current.token == token
        {
            return Ok(current.running.peer().clone());
        }
        if live.take().is_some() {
            tracing::info!(server = self.name, "opening a new session");
            self.handler.mark_stale();
        }
        self.record(ServerState::Connecting, None);
        let running = match self.open(token.as_ref()).await {
            Ok(running) => running,
            Err(McpError::NeedsSignIn { .. }) if interactive && token.is_none() => {
                let signed_in = self.sign_in_by_spec().await.map_err(|error| self.failed(error))?;
                let running =
                    self.open(Some(&signed_in)).await.map_err(|error| self.failed(error))?;
                token = Some(signed_in);
                running
            }
            Err(error) => return Err(self.failed(error)),
        };
        {
            let mut known = locked(&self.known);
            if let Some(info) = running.peer().peer_info() {
                known.protocol_version = Some(info.protocol_version.to_string());
                known.server_info = info
                    .server_info
                    .as_ref()
                    .map(|server| format!("{} {}", server.name, server.version));
            }
        }
        self.record(ServerState::Connected, None);
        let peer = running.peer().clone();
        *live = Some(Session { running, token });
        Ok(peer)
    }

    /// The provider whose token is the bearer: the configured one, else the one a spec
    /// sign-in registered (looked up in the keyring once).
    fn provider(&self) -> Option<String> {
        if !self.settings.auth.is_empty() {
            return Some(self.settings.auth.clone());
        }
        let (Some(identity), Some(vault)) = (&self.identity, &self.vault) else { return None };
        if self.settings.is_stdio() {
            return None;
        }
        let mut known = locked(&self.spec_provider);
        known
            .get_or_insert_with(|| {
                let kept = KeptClient::load(vault, &self.name)
                    .map_err(|error| match error {
                        // No keyring, so no sign-in was kept: the server's answer says whether
                        // it wants one, and signing in says what is wrong with the keyring.
                        VaultError::Unreachable { .. } | VaultError::Unsupported { .. } => {
                            tracing::debug!(server = self.name, %error, "no kept sign-in");
                        }
                        error => {
                            tracing::warn!(server = self.name, %error, "cannot read its sign-in");
                        }
                    })
                    .ok()??;
                let provider = spec_auth::provider_name(&self.name);
                identity.add_provider(&provider, kept.provider());
                Some(provider)
            })
            .clone()
    }

    async fn token(&self, interactive: bool, rejected: bool) -> Result<Option<Secret>, McpError> {
        let Some(provider) = self.provider() else { return Ok(None) };
        let provider = provider.as_str();
        let Some(identity) = &self.identity else {
            return Err(McpError::NeedsSignIn {
                server: self.name.clone(),
                provider: provider.to_owned(),
            });
        };
        let request = TokenRequest { interactive, rejected, ..TokenRequest::default() };
        match identity.access_token(provider, &request).await {
            Ok(token) => Ok(Some(token)),
            Err(IdentityError::NeedsSignIn { .. }) => Err(McpError::NeedsSignIn {
                server: self.name.clone(),
                provider: provider.to_owned(),
            }),
            Err(error) => Err(McpError::Unauthorized {
                server: self.name.clone(),
                message: error.to_string(),
            }),
        }
    }

    fn secret(&self, entry: &str, what: &str) -> Result<String, McpError> {
        let missing = || McpError::Keyring {
            server: self.name.clone(),
            message: format!(
                "{what} is not in the keyring: add it with `agentdesk mcp add {} …` again",
                self.name
            ),
        };
        let Some(vault) = &self.vault else { return Err(missing()) };
        match vault.secret(entry) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(missing()),
            Err(error) => Err(McpError::Keyring {
                server: self.name.clone(),
                message: format!("{error}. {}", error.fix()),
            }),
        }
    }

    async fn open(
        &self,
        token: Option<&Secret>,
    ) -> Result<RunningService<RoleClient, ListWatcher>, McpError> {
        let lifecycle = ClientLifecycleMode::Auto {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            legacy_version: None,
        };
        let opened = if self.settings.is_stdio() {
            let mut command = tokio::process::Command::new(&self.settings.command);
            command.args(&self.settings.args).envs(&self.settings.env);
            for variable in &self.settings.secret_env {
                let entry = McpServerSettings::env_entry(&self.name, variable);
                command.env(variable, self.secret(&entry, &format!("the variable {variable}"))?);
            }
            if !self.settings.cwd.is_empty() {
                command.current_dir(&self.settings.cwd);
            }
            let (transport, stderr) = TokioChildProcess::builder(command)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|error| McpError::Unavailable {
                    server: self.name.clone(),
                    message: format!("cannot start {:?}: {error}", self.settings.command),
                })?;
            if let Some(stderr) = stderr {
                self.stderr.follow(stderr, &self.name);
            }
            let transport = Observed::new(transport, self.unaddressed.observer());
            tokio::time::timeout(
                self.timeout(),
                self.handler.clone().serve_with_lifecycle(transport, lifecycle),
            )
            .await
        } else {
            let mut config =
                StreamableHttpClientTransportConfig::with_uri(self.settings.url.clone());
            if let Some(token) = token {
                config = config.auth_header(token.expose().to_owned());
            }
            let mut headers = HashMap::new();
            let secret_headers = self.settings.secret_headers.iter().map(|header| {
                let entry = McpServerSettings::header_entry(&self.name, header);
                self.secret(&entry, &format!("the header {header}"))
                    .map(|value| (header.clone(), value))
            });
            let plain = self.settings.headers.iter().map(|(k, v)| Ok((k.clone(), v.clone())));
            for pair in plain.chain(secret_headers) {
                let (header, value) = pair?;
                let bad = |what: &str| McpError::Unavailable {
                    server: self.name.clone(),
                    message: format!("the header {header:?} has {what}"),
                };
                headers.insert(
                    HeaderName::try_from(header.as_str()).map_err(|_| bad("an invalid name"))?,
                    HeaderValue::try_from(value.as_str()).map_err(|_| bad("an invalid value"))?,
                );
            }
            config = config.custom_headers(headers);
            let transport = Observed::new(
                StreamableHttpClientTransport::from_config(config),
                self.unaddressed.observer(),
            );
            tokio::time::timeout(
                self.timeout(),
                self.handler.clone().serve_with_lifecycle(transport, lifecycle),
            )
            .await
        };
        match opened {
            Ok(Ok(running)) => Ok(running),
            Ok(Err(error)) => {
                if self.settings.is_stdio() {
                    self.stderr.settled(LAST_WORDS).await;
                } else if let Some(challenge) = error.auth_challenge()
                    && token.is_none()
                    && let Some(found) =
                        spec_auth::protected_resource(challenge, &self.settings.url).await
                {
                    return Err(self.sign_in_needed(found));
                } else if error.auth_challenge().is_none() && self.speaks_legacy_sse().await {
                    return Err(McpError::Unavailable {
                        server: self.name.clone(),
                        message: format!(
                            "{} uses the deprecated HTTP+SSE transport (protocol 2024-11-05), which \
                             AgentDesk does not speak: ask for its streamable HTTP endpoint (often \
                             /mcp instead of /sse)",
                            self.settings.url
                        ),
                    });
                }
                Err(self.initialize_error(&error))
            }
            Err(_) => Err(McpError::Unavailable {
                server: self.name.clone(),
                message: format!(
                    "no MCP session within {} s{}",
                    self.timeout().as_secs(),
                    self.stderr.suffix()
                ),
            }),
        }
    }

    /// What to tell the user when the server named where to sign in (RFC 9728) and no token
    /// was sent: sign in (this client can, by the spec), or set up a provider (it cannot:
    /// no identity service here).
    fn sign_in_needed(&self, found: ProtectedResource) -> McpError {
        let error = if self.identity.is_some() && self.vault.is_some() {
            McpError::NeedsSignIn {
                server: self.name.clone(),
                provider: found.authorization_server.clone(),
            }
        } else {
            McpError::NeedsProvider {
                server: self.name.clone(),
                authorization_server: found.authorization_server.clone(),
                resource: found.resource.clone(),
            }
        };
        *locked(&self.discovered) = Some(found);
        error
    }

    /// Signs in by the MCP authorization spec alone (see `spec_auth.rs`) with what the
    /// server's last 401 named; the client is kept so that later sessions and restarts reuse
    /// it.
    async fn sign_in_by_spec(&self) -> Result<Secret, McpError> {
        let found = locked(&self.discovered).clone();
        let (Some(identity), Some(vault), Some(found)) = (&self.identity, &self.vault, found)
        else {
            return Err(McpError::Unauthorized {
                server: self.name.clone(),
                message: "it wants a sign-in and named no authorization server".into(),
            });
        };
        let target = spec_auth::Target { name: &self.name, settings: &self.settings };
        let (provider, token) = spec_auth::sign_in(target, identity, vault, found).await?;
        *locked(&self.spec_provider) = Some(Some(provider));
        Ok(token)
    }

    /// Forgets the credentials this server signs in with and closes its session: the client
    /// and tokens of a spec sign-in, or the named provider's tokens (shared with any other
    /// server using that provider).
    pub async fn sign_out(&self) -> Result<(), McpError> {
        self.live.lock().await.take();
        let keyring = |error: &dyn std::fmt::Display| McpError::Keyring {
            server: self.name.clone(),
            message: error.to_string(),
        };
        if let Some(identity) = &self.identity {
            if self.settings.auth.is_empty() {
                let provider = spec_auth::provider_name(&self.name);
                identity.forget_everything(&provider).await.map_err(|error| keyring(&error))?;
            } else {
                identity.sign_out(&self.settings.auth).await.map_err(|error| keyring(&error))?;
            }
        }
        if let Some(vault) = &self.vault {
            vault
                .delete_secret(&McpServerSettings::oauth_client_entry(&self.name))
                .map_err(|error| keyring(&error))?;
        }
        *locked(&self.spec_provider) = Some(None);
        self.record(ServerState::Idle, None);
        Ok(())
    }

    /// Deletes what this server keeps in the keyring, before it is removed: its secret
    /// headers and variables and, for a spec sign-in, its client and tokens. A named
    /// provider stays: it is the user's, and other servers may use it.
    pub async fn forget_secrets(&self) -> Result<(), McpError> {
        let entries = self.settings.secret_entries(&self.name);
        if !entries.is_empty() {
            let Some(vault) = &self.vault else {
                return Err(McpError::Keyring {
                    server: self.name.clone(),
                    message: "the keyring cannot be opened to delete its secrets".into(),
                });
            };
            for entry in &entries {
                vault.delete_secret(entry).map_err(|error| McpError::Keyring {
                    server: self.name.clone(),
                    message: format!("cannot delete {entry} from the keyring: {error}"),
                })?;
            }
        }
        if self.settings.auth.is_empty() && !self.settings.is_stdio() {
            self.sign_out().await?;
        }
        Ok(())
    }

    /// Whether the URL answers a GET with the old transport's event stream, whose first event
    /// names the endpoint to post to.
    async fn speaks_legacy_sse(&self) -> bool {
        let probe = async {
            let response = reqwest::Client::new()
                .get(&self.settings.url)
                .header("accept", "text/event-stream")
                .send()
                .await
                .ok()?;
            let is_stream = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("text/event-stream"));
            if !is_stream {
                return Some(false);
            }
            let mut response = response;
            let mut seen = Vec::new();
            while seen.len() < 4096 {
                let chunk = response.chunk().await.ok()??;
                seen.extend_from_slice(&chunk);
                if String::from_utf8_lossy(&seen).contains("event: endpoint") {
                    return Some(true);
                }
            }
            Some(false)
        };
        tokio::time::timeout(Duration::from_secs(3), probe).await.ok().flatten().unwrap_or(false)
    }

    fn initialize_error(&self, error: &ClientInitializeError) -> McpError {
        if let Some(challenge) = error.auth_challenge() {
            return if self.settings.auth.is_empty() {
                McpError::Unauthorized {
                    server: self.name.clone(),
                    message: format!(
                        "it wants a sign-in ({challenge}): add a provider with `agentdesk auth add` \
                         and set it as the server's auth"
                    ),
                }
            } else {
                McpError::Unauthorized { server: self.name.clone(), message: challenge.to_owned() }
            };
        }
        McpError::Unavailable {
            server: self.name.clone(),
            message: format!("no MCP session: {error}{}", self.stderr.suffix()),
        }
    }

    fn service_error(&self, action: &str, error: &ServiceError) -> McpError {
        match error {
            ServiceError::McpError(error) => McpError::Refused {
                server: self.name.clone(),
                action: action.to_owned(),
                message: error.message.to_string(),
            },
            error if error.is_authorization_required() => McpError::Unauthorized {
                server: self.name.clone(),
                message: error.auth_challenge().unwrap_or("401 Unauthorized").to_owned(),
            },
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                McpError::Unavailable {
                    server: self.name.clone(),
                    message: format!(
                        "the connection closed before it could {action}: {}{}",
                        transport_detail(error),
                        self.stderr.suffix()
                    ),
                }
            }
            other => McpError::Refused {
                server: self.name.clone(),
                action: action.to_owned(),
                message: other.to_string(),
            },
        }
    }
}

/// A call in flight: if whoever waits for it stops waiting (a chat's Stop, a closed page),
/// the server is told to stop too (`notifications/cancelled`).
struct CancelOnDrop {
    peer: Peer<RoleClient>,
    id: Option<rmcp::model::RequestId>,
}

impl CancelOnDrop {
    /// Tells the server to stop the call, once. The notice is queued before this returns and
    /// delivered by the session without anyone waiting for it.
    fn cancel(&mut self, reason: &str) {
        let Some(id) = self.id.take() else { return };
        let notice = rmcp::model::CancelledNotification::new(
            rmcp::model::CancelledNotificationParam::new(Some(id), Some(reason.to_owned())),
        );
        let sending = self.peer.send_notification(notice.into());
        let mut sending = std::pin::pin!(sending);
        // One poll puts the notice on the session's queue; its delivery needs no one to wait.
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        let _queued = sending.as_mut().poll(&mut context);
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.cancel("the caller stopped waiting");
    }
}

/// What went wrong on the wire, without the transport's Rust type names that rmcp puts in
/// its messages (`Transport send error: Transport [<type>] error: …`).
fn transport_detail(error: &ServiceError) -> String {
    match error {
        ServiceError::TransportClosed => "the server closed the connection".to_owned(),
        other => {
            let text = other.to_string();
            match text.find("] error: ") {
                Some(at) => text[at + "] error: ".len()..].to_owned(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rmcp::service::ServiceError;

    use super::transport_detail;

    #[test]
    fn wire_errors_read_without_type_names() {
        assert_eq!(
            transport_detail(&ServiceError::TransportClosed),
            "the server closed the connection"
        );
    }
}
