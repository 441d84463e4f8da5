//! `agentdesk serve`: AgentDesk's cost agent under AgentCore Runtime's contract
//! (CONTRACTS.md, Runtime), on a laptop, a server or AgentCore itself.
//!
//! Routes: `POST /invocations` (`invocations.rs`), `GET|HEAD /ping` (`ping.rs`), `GET /ws`
//! (`ws.rs`), `POST /runtimes/{ARN}/invocations` — the InvokeAgentRuntime alias
//! (`data_plane.rs`) — `POST /mcp`, the seed's tool (`mcp.rs`), and, when the sandbox is
//! installed, AgentCore's Code Interpreter data plane under `/code-interpreters/`
//! ([`crate::code_interpreter`]). `auth.rs` decides who
//! may call; `agent.rs` runs each turn on its own task, counted as busy, bounded by the
//! request timeout and cancelled when its caller goes away.
//!
//! Start with [`open_estimator`] (the agent, from the config) and [`serve`] (the server on
//! a bound listener until a shutdown signal, then the turns in flight are finished).

mod agent;
mod auth;
mod data_plane;
mod invocations;
mod mcp;
mod ping;
mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_agent::ServedEstimator;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use tokio_util::sync::CancellationToken;

use crate::code_interpreter::{self, CodeInterpreterOptions};

pub use agent::open_estimator;
pub use auth::{Access, AccessDecision, DEFAULT_PORT, decide_access, default_listen, in_container};
pub use invocations::MAX_PAYLOAD_BYTES;
pub use mcp::TOOL_NAME;
pub use ping::{Busy, BusyGuard, Health, PingStatus};

/// The line printed on standard error once the server accepts connections; tests and
/// benchmarks wait for it.
pub const LISTENING: &str = "AgentDesk runtime listening on";

/// How the server treats its callers.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Who may call ([`decide_access`]).
    pub access: Access,
    /// How long one invocation may run before it is cancelled.
    pub request_timeout: Duration,
    /// Whether the listener is on loopback (`/mcp` then checks `Host`).
    pub loopback: bool,
}

/// The routes, answering with `estimator`; `busy` counts the turns running (it is what
/// `/ping` reports), and `shutdown` closes idle WebSockets and MCP streams.
pub fn router(
    estimator: ServedEstimator,
    options: &ServeOptions,
    busy: Arc<Busy>,
    shutdown: &CancellationToken,
) -> Router {
    let interpreter = estimator.sandbox().map(|sandbox| {
        code_interpreter::router(sandbox.clone(), CodeInterpreterOptions::default())
    });
    let shared = agent::Shared {
        estimator: Arc::new(estimator),
        busy: Arc::clone(&busy),
        request_timeout: options.request_timeout,
    };
    let sockets = ws::Sockets { shared: shared.clone(), shutdown: shutdown.clone() };
    let mcp = mcp::service(shared.clone(), options.loopback, shutdown);
    let mut checked = Router::new()
        .route("/invocations", post(invocations::invoke))
        .route("/runtimes/{*rest}", post(data_plane::invoke))
        .with_state(shared)
        .route("/ws", get(ws::upgrade).with_state(sockets))
        .route_service("/mcp", mcp);
    if let Some(interpreter) = interpreter {
        checked = checked.merge(interpreter);
    }
    let checked = checked.layer(from_fn_with_state(options.access.clone(), auth::check));
    Router::new()
        .route("/ping", get(ping::ping).with_state(busy))
        .merge(checked)
        .layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES))
        .layer(axum::middleware::from_fn(invocations::refuse_oversized))
}

/// Whether a request is on one of AgentCore's data-plane routes (the InvokeAgentRuntime alias,
/// the Code Interpreter), whose errors AWS's SDKs read from `x-amzn-ErrorType` and
/// `{"message"}`.
pub(crate) fn is_aws_data_plane(path: &str) -> bool {
    path.starts_with("/runtimes/") || path.starts_with("/code-interpreters/")
}

/// Serves on `listener` until `shutdown` completes; then stops accepting, lets every turn in
/// flight finish (streams, WebSockets and MCP calls included), and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    estimator: ServedEstimator,
    options: &ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let busy = Busy::new();
    let stopping = CancellationToken::new();
    let app = router(estimator, options, Arc::clone(&busy), &stopping);
    let signalled = stopping.clone();
    // An answer goes out as its headers, then its body in a second small write (the event
    // stream of InvokeCodeInterpreter, a JSON result): without TCP_NODELAY the body waits for
    // the client's delayed ACK, 40 ms on Linux.
    let listener = listener.tap_io(|connection| {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set on a connection");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("stopping: finishing the turns in flight");
            signalled.cancel();
        })
        .await?;
    // WebSocket turns run outside the connections axum waits for.
    busy.idle().await;
    Ok(())
}
