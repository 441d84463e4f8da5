//! The one interface every model provider implements: a request with messages and tools in,
//! text deltas streamed out as they arrive, and the whole assistant message at the end.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A boxed future, so providers stay object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A conversation message as providers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "camelCase")]
pub enum Message {
    /// The person.
    User {
        /// What they wrote.
        text: String,
    },
    /// The model: text, tool calls, or both.
    Assistant {
        /// What it wrote.
        text: String,
        /// The tools it asked for.
        tool_calls: Vec<ToolCall>,
    },
    /// A tool's answer to one call.
    Tool {
        /// The call it answers.
        call_id: String,
        /// The result, as text.
        content: String,
        /// Whether the tool failed.
        is_error: bool,
    },
}

/// A tool the model may call, described by a JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// Its name.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input_schema: serde_json::Value,
}

/// One tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub struct ToolCall {
    /// The provider's id for it, echoed in the result.
    pub id: String,
    /// The tool.
    pub name: String,
    /// Its arguments.
    pub arguments: serde_json::Value,
}

/// What to ask a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequest {
    /// The model id (`gpt-4o-mini`, `claude-…`, `qwen2.5:7b`).
    pub model: String,
    /// The system prompt.
    pub system: Option<String>,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// The tools on offer.
    pub tools: Vec<ToolSpec>,
    /// The most the answer may hold.
    pub max_tokens: Option<u32>,
}

/// Tokens a call used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub struct Usage {
    /// Tokens read.
    pub input_tokens: u64,
    /// Tokens written.
    pub output_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// It finished its answer.
    EndTurn,
    /// It wants the tool calls run.
    ToolUse,
    /// It hit `max_tokens`.
    MaxTokens,
    /// Something else, as the provider named it.
    Other(String),
}

/// The whole assistant message once the stream ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// Its text (every delta, once).
    pub text: String,
    /// Its tool calls, arguments parsed.
    pub tool_calls: Vec<ToolCall>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// What it cost, when the provider said.
    pub usage: Option<Usage>,
}

/// What went wrong talking to a model; each says whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider cannot be reached.
    #[error("cannot reach {provider}: {detail}. {}", failure.fix())]
    Unreachable {
        /// Which provider.
        provider: String,
        /// What the connection said, down to the operating system's reason.
        detail: String,
        /// Why, as far as the connection tells.
        failure: ConnectFailure,
    },
    /// The base URL answers, but not as the model API (a 404 page that is no API error).
    #[error(
        "{provider}'s base URL answered HTTP {status} with no API error: it is not the model \
         API. Check model.base_url (Ollama: http://127.0.0.1:11434/v1). The server said: {detail}"
    )]
    NotAnApi {
        /// Which provider.
        provider: String,
        /// The status.
        status: u16,
        /// What the server sent, cut short.
        detail: String,
    },
    /// The API answered that the model does not exist there.
    #[error(
        "{provider} has no model by that name: {detail}. Choose another model, or download it \
         (Ollama: `ollama pull NAME`)"
    )]
    ModelNotFound {
        /// Which provider.
        provider: String,
        /// The provider's message.
        detail: String,
    },
    /// The key was refused.
    #[error("{provider} refused the credentials (HTTP {status}): {detail}. Check the API key")]
    Unauthorized {
        /// Which provider.
        provider: String,
        /// The status.
        status: u16,
        /// The provider's message.
        detail: String,
    },
    /// Too many requests, or the provider is overloaded, after every retry.
    #[error(
        "{provider} is rate-limiting or overloaded (HTTP {status}) after {attempts} attempts: {detail}"
    )]
    Busy {
        /// Which provider.
        provider: String,
        /// The last status.
        status: u16,
        /// How many tries were made.
        attempts: u32,
        /// The provider's message.
        detail: String,
    },
    /// The conversation no longer fits the model's context window.
    #[error("the conversation is too long for {model}: {detail}")]
    ContextOverflow {
        /// The model.
        model: String,
        /// The provider's message.
        detail: String,
    },
    /// Any other refusal, with the provider's own message.
    #[error("{provider} refused the request (HTTP {status}): {detail}")]
    Refused {
        /// Which provider.
        provider: String,
        /// The status.
        status: u16,
        /// The provider's message.
        detail: String,
    },
    /// The stream broke off or held something unreadable.
    #[error("{provider} sent a stream this client cannot read: {detail}")]
    Protocol {
        /// Which provider.
        provider: String,
        /// What was wrong.
        detail: String,
    },
}

/// Why a connection to a provider failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens at the address (connection refused): the server is not running, or
    /// the base URL names the wrong port.
    NothingListening,
    /// No answer in time.
    TimedOut,
    /// Anything else: a host name that does not resolve, TLS, no network.
    Other,
}

impl ConnectFailure {
    /// What to do about it, in a sentence.
    pub fn fix(self) -> &'static str {
        match self {
            Self::NothingListening => {
                "Nothing is listening there: start the model server (Ollama: `ollama serve`) \
                 or check model.base_url"
            }
            Self::TimedOut | Self::Other => "Check model.base_url and the network connection",
        }
    }
}

/// When and how often to retry a busy provider. Only requests that have streamed nothing yet
/// are retried: a half-delivered answer is never sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first wait; each next one doubles, unless the provider says how long.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before try number `attempt` (1 = the first retry), or the provider's hint.
    pub fn wait(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        let doubled =
            self.first_wait.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        hint.unwrap_or(doubled).min(self.max_wait)
    }
}

/// A model provider.
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Its name in messages and traces (`openai`, `anthropic`, `aws.bedrock`).
    fn name(&self) -> &str;

    /// Streams one model call: each text delta goes to `on_text` as it arrives (once, in
    /// order); the whole message comes back at the end.
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<Completion, ProviderError>>;
}
