//! The client for agents that speak AgentCore Runtime's contract.
//!
//! The desktop, the CLI and the gateway's runtime targets all call a remote agent through
//! this one client:
//!
//! - [`RemoteAgent::from_settings`]`(name, &AgentSettings, Option<Arc<Identity>>)` checks an
//!   `[agents.NAME]` table and builds the agent (no I/O; AWS configuration is loaded on the
//!   first call). [`RemoteAgent::from_url`] is the gateway's: a URL from an operator's
//!   config, plain `http://` allowed. [`RemoteAgent::with_aws_config`] replaces the AWS
//!   configuration (tests, callers with their own credentials); [`RemoteAgent::with_timeout`]
//!   the timeout.
//! - [`RemoteAgent::invoke`]`(&self, Invocation, on_item)` sends one payload and hands every
//!   item to `on_item` as it arrives (an SSE stream item by item; a JSON answer as one item),
//!   returning [`Invoked`] (the session id, the assembled text) or a [`ClientError`]. Dropping
//!   the future cancels the request, which closes the connection. Each call is an
//!   `invoke_agent {name}` CLIENT span.
//! - [`RemoteAgent::ping`] reads a URL agent's `/ping` ([`Health`]).
//! - [`ClientError::code`] is a stable code for the UI (`unreachable`, `timeout`,
//!   `http_status`, `access_denied`, `runtime_client_error`, `stream_failed`, `bad_settings`,
//!   `no_credentials`, `memory`); its `Display` names the agent and what to do.
//! - [`answer_text`] reads the text out of any item or JSON answer.
//! - [`new_session_id`] makes a runtime session id; [`remote_turn`] invokes and keeps the
//!   turn in memory like a local one.
//!
//! A URL agent is called at `POST {url}/invocations` (`http.rs`). An ARN agent is called
//! through `aws-sdk-bedrockagentcore`'s InvokeAgentRuntime with SigV4, or, when `auth` names
//! a credential provider, with that provider's token as the bearer (`agentcore.rs`).

mod agentcore;
mod conversation;
mod http;
mod stream;

use std::sync::Arc;
use std::time::Duration;

use agentdesk_config::AgentSettings;
use agentdesk_identity::Identity;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::Instrument;

use crate::items::{MAX_SESSION_ID, MIN_SESSION_ID};

pub use conversation::{AGENT_METADATA, TurnMemory, remote_turn};

/// One call to a remote agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The body, sent as JSON (the seed's agents take `{"prompt": "…"}`).
    pub payload: Value,
    /// The runtime session: one conversation per id, 33 to 256 characters
    /// ([`new_session_id`] makes one).
    pub session_id: String,
    /// More request headers: `traceparent`, `baggage`,
    /// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*`, `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`.
    pub headers: Vec<(String, String)>,
}

impl Invocation {
    /// `{"prompt": prompt}` in `session_id`, with no extra headers.
    pub fn prompt(prompt: &str, session_id: &str) -> Invocation {
        Invocation {
            payload: serde_json::json!({ "prompt": prompt }),
            session_id: session_id.to_owned(),
            headers: Vec::new(),
        }
    }
}

/// What a finished call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoked {
    /// The session the agent answered in (its echoed header, else the one sent).
    pub session_id: String,
    /// Whether the answer was a stream of items (`text/event-stream`) rather than one JSON
    /// value.
    pub streamed: bool,
    /// How many items were handed to `on_item`.
    pub items: usize,
    /// The answer's text: the text of every item ([`answer_text`]) joined; for a
    /// JSON answer its `result`/`response`/`output`/`text`, else the JSON itself.
    pub text: String,
    /// The trace of the call (its `invoke_agent` span's), when traces are kept.
    pub trace_id: Option<String>,
}

/// What a URL agent's `GET /ping` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `Healthy`, or `HealthyBusy` while it works (as the agent spells it).
    pub status: String,
    /// When the status last changed (Unix seconds), when the agent says.
    pub time_of_last_update: Option<u64>,
}

impl Health {
    /// Whether the agent says it is working (`HealthyBusy`).
    pub fn is_busy(&self) -> bool {
        self.status == "HealthyBusy"
    }
}

/// Why a call to a remote agent failed. Every message names the agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The `[agents.NAME]` table cannot be used.
    #[error("agent {agent}: {problem}")]
    BadSettings {
        /// The agent's name.
        agent: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// No connection could be made.
    #[error(
        "agent {agent}: cannot reach {url}: {reason}. Is it running, and is the address right?"
    )]
    Unreachable {
        /// The agent's name.
        agent: String,
        /// Where it was called.
        url: String,
        /// What the network said.
        reason: String,
    },
    /// The agent went quiet for longer than its timeout.
    #[error(
        "agent {agent}: no answer for {seconds} s; if it needs longer, raise agents.{agent}.timeout_seconds"
    )]
    Timeout {
        /// The agent's name.
        agent: String,
        /// The timeout that passed.
        seconds: u64,
    },
    /// 403: AgentCore (or the agent) refused the caller.
    #[error(
        "agent {agent}: access denied (HTTP 403): {message}. Check that your credentials may invoke this runtime"
    )]
    AccessDenied {
        /// The agent's name.
        agent: String,
        /// AWS's (or the agent's) message.
        message: String,
    },
    /// 424: the runtime itself failed (AgentCore's `RuntimeClientError`).
    #[error("agent {agent}: the runtime failed (HTTP 424, RuntimeClientError): {message}")]
    RuntimeClientError {
        /// The agent's name.
        agent: String,
        /// AWS's message.
        message: String,
    },
    /// Another non-success status.
    #[error("agent {agent}: HTTP {status}{}: {message}", error_type.as_deref().map(|kind| format!(" ({kind})")).unwrap_or_default())]
    HttpStatus {
        /// The agent's name.
        agent: String,
        /// The status code.
        status: u16,
        /// AWS's `x-amzn-ErrorType` (without its `:` suffix), or the body's `error_type`.
        error_type: Option<String>,
        /// The body's `message` or `error`, else its first characters.
        message: String,
    },
    /// The answer started and then failed: an error item, or the connection broke.
    #[error("agent {agent}: the answer failed part-way{}: {message}", error_type.as_deref().map(|kind| format!(" ({kind})")).unwrap_or_default())]
    StreamFailed {
        /// The agent's name.
        agent: String,
        /// The failure's kind (`error_type`), when the agent gave one.
        error_type: Option<String>,
        /// The agent's message.
        message: String,
    },
    /// No credentials to sign or authorize the call.
    #[error("agent {agent}: no credentials: {problem}")]
    NoCredentials {
        /// The agent's name.
        agent: String,
        /// What is missing and how to provide it.
        problem: String,
    },
    /// The turn was answered but could not be kept in memory ([`remote_turn`]).
    #[error("agent {agent}: the conversation could not be kept in memory: {message}")]
    Memory {
        /// The agent's name.
        agent: String,
        /// The memory store's message.
        message: String,
    },
}

impl ClientError {
    /// A stable code for the UI and `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::BadSettings { .. } => "bad_settings",
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::Timeout { .. } => "timeout",
            ClientError::AccessDenied { .. } => "access_denied",
            ClientError::RuntimeClientError { .. } => "runtime_client_error",
            ClientError::HttpStatus { .. } => "http_status",
            ClientError::StreamFailed { .. } => "stream_failed",
            ClientError::NoCredentials { .. } => "no_credentials",
            ClientError::Memory { .. } => "memory",
        }
    }

    /// The HTTP status the agent or AgentCore answered with, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::AccessDenied { .. } => Some(403),
            ClientError::RuntimeClientError { .. } => Some(424),
            ClientError::HttpStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Where an agent is called.
#[derive(Debug, Clone)]
enum Target {
    /// `POST {url}/invocations`.
    Url(http::UrlAgent),
    /// AgentCore's InvokeAgentRuntime.
    Arn(agentcore::ArnAgent),
}

/// A remote agent, ready to call. Cheap to clone (clones share connections).
#[derive(Debug, Clone)]
pub struct RemoteAgent {
    name: String,
    target: Target,
    timeout: Duration,
}

impl RemoteAgent {
    /// The agent `[agents.NAME]` describes. `tokens` signs in with the provider named by
    /// `auth` (required when `auth` is set). Does no I/O.
    pub fn from_settings(
        name: &str,
        settings: &AgentSettings,
        tokens: Option<Arc<Identity>>,
    ) -> Result<RemoteAgent, ClientError> {
        let bad = |problem: String| ClientError::BadSettings { agent: name.to_owned(), problem };
        if let Some(problem) = settings.problems(name).into_iter().next() {
            return Err(bad(problem));
        }
        let bearer = match (settings.auth.as_str(), tokens) {
            ("", _) => None,
            (provider, Some(identity)) => Some(Bearer { provider: provider.to_owned(), identity }),
            (provider, None) => {
                return Err(bad(format!(
                    "auth = {provider:?} needs the identity service, which this caller did not give"
                )));
            }
        };
        let target = if settings.url.trim().is_empty() {
            Target::Arn(agentcore::ArnAgent::new(settings, bearer)?)
        } else {
            Target::Url(http::UrlAgent::new(settings.url.trim(), bearer))
        };
        Ok(RemoteAgent {
            name: name.to_owned(),
            target,
            timeout: Duration::from_secs(settings.timeout_seconds()),
        })
    }

    /// The agent at `url` with no auth and the default timeout, for an operator's own
    /// configuration (the gateway's runtime targets), where plain `http://` to a host on a
    /// private network is intended: only the scheme is checked, not the https-unless-loopback
    /// rule that `[agents.NAME]` follows.
    pub fn from_url(name: &str, url: &str) -> Result<RemoteAgent, ClientError> {
        let url = url.trim();
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(ClientError::BadSettings {
                agent: name.to_owned(),
                problem: format!("{url:?} must start with http:// or https://"),
            });
        }
        Ok(RemoteAgent {
            name: name.to_owned(),
            target: Target::Url(http::UrlAgent::new(url, None)),
            timeout: Duration::from_secs(agentdesk_config::DEFAULT_AGENT_TIMEOUT_SECONDS),
        })
    }

    /// Calls an ARN agent with `config`'s credentials, region and HTTP client instead of the
    /// default AWS credential chain (the `region` and `endpoint` settings still apply). No
    /// effect on a URL agent or on one that uses a bearer token.
    #[must_use]
    pub fn with_aws_config(mut self, config: &aws_config::SdkConfig) -> RemoteAgent {
        if let Target::Arn(agent) = &mut self.target {
            agent.use_config(config);
        }
        self
    }

    /// Overrides how long the agent may go quiet (the gateway bounds calls by its own limit).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> RemoteAgent {
        self.timeout = timeout;
        self
    }

    /// The agent's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is called: its URL, or its ARN.
    pub fn address(&self) -> &str {
        match &self.target {
            Target::Url(agent) => agent.url(),
            Target::Arn(agent) => agent.arn(),
        }
    }

    /// Sends `invocation` and hands each item to `on_item` as it arrives; returns when the
    /// answer is complete. A session id outside AgentCore's 33–256 characters is refused
    /// before anything is sent. An error item in a stream ends the call with
    /// [`ClientError::StreamFailed`] (the items before it have been delivered). Dropping the
    /// future cancels the call.
    pub async fn invoke(
        &self,
        mut invocation: Invocation,
        on_item: &mut (dyn FnMut(Value) + Send),
    ) -> Result<Invoked, ClientError> {
        let length = invocation.session_id.chars().count();
        if !(MIN_SESSION_ID..=MAX_SESSION_ID).contains(&length) {
            return Err(ClientError::BadSettings {
                agent: self.name.clone(),
                problem: format!(
                    "a runtime session id has {MIN_SESSION_ID} to {MAX_SESSION_ID} characters (AgentCore's limits); this one has {length}"
                ),
            });
        }
        let provider = match self.target {
            Target::Url(_) => "agentcore_runtime",
            Target::Arn(_) => "aws.bedrock",
        };
        // A CLIENT span: the call leaves this process (OTel GenAI conventions).
        let span = tracing::info_span!(
            "invoke_agent",
            otel.name = %format!("invoke_agent {}", self.name),
            otel.kind = "client",
            gen_ai.operation.name = "invoke_agent",
            gen_ai.agent.name = %self.name,
            gen_ai.conversation.id = %invocation.session_id,
            gen_ai.provider.name = provider,
            error.type = tracing::field::Empty,
        );
        agentdesk_telemetry::traces::start_session(&span, &invocation.session_id);
        // The agent continues this trace, unless the caller gave a trace context of its own.
        let given: Vec<String> =
            invocation.headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
        if !given.iter().any(|name| name == "traceparent") {
            let context = agentdesk_telemetry::traces::w3c_context(&span);
            invocation
                .headers
                .extend(context.into_iter().filter(|(name, _)| !given.contains(name)));
        }
        let context = stream::Call { agent: &self.name, timeout: self.timeout };
        let answered = async {
            match &self.target {
                Target::Url(agent) => agent.invoke(&context, &invocation, on_item).await,
                Target::Arn(agent) => agent.invoke(&context, &invocation, on_item).await,
            }
        }
        .instrument(span.clone())
        .await;
        match answered {
            Ok(invoked) => {
                Ok(Invoked { trace_id: agentdesk_telemetry::traces::trace_id_of(&span), ..invoked })
            }
            Err(error) => {
                span.record("error.type", error.code());
                Err(error)
            }
        }
    }

    /// What the agent's `GET /ping` says; `None` for an ARN agent (AgentCore offers callers
    /// no ping: its sessions are started by invoking).
    pub async fn ping(&self) -> Result<Option<Health>, ClientError> {
        let context = stream::Call { agent: &self.name, timeout: self.timeout };
        match &self.target {
            Target::Url(agent) => agent.ping(&context).await.map(Some),
            Target::Arn(_) => Ok(None),
        }
    }
}

/// A bearer token source: `auth = PROVIDER`.
#[derive(Clone)]
struct Bearer {
    provider: String,
    identity: Arc<Identity>,
}

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bearer").field("provider", &self.provider).finish_non_exhaustive()
    }
}

/// The text a reader sees in one item or answer: [`crate::items::text_of`] (a string, or
/// an object's `text`/`delta`/`content`), else a JSON answer's `result`, `response` or
/// `output` (the seed's agents and `agentdesk serve` answer `{"result": …}`); `None` for
/// items that carry no text (tool calls, estimates).
pub fn answer_text(item: &Value) -> Option<String> {
    crate::items::text_of(item).or_else(|| {
        ["result", "response", "output"]
            .iter()
            .find_map(|key| item.get(key).and_then(Value::as_str).map(str::to_owned))
    })
}

/// A fresh runtime session id: a UUID (36 characters, over AgentCore's 33-character
/// minimum), time-ordered so a list of sessions sorts by when they began.
pub fn new_session_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
