//! What every HTTP provider shares: sending with retries while the provider is busy, and
//! reading the error it answers with.

use std::time::Duration;

use serde_json::Value;

use crate::provider::{Completion, ConnectFailure, ProviderError, RetryPolicy};
use crate::sse::{SseEvent, SseParser};

/// Where a provider's API is, and how it is called.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) http: reqwest::Client,
}

impl Endpoint {
    /// The API at `base_url`, with the default retries.
    pub(crate) fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            retry: RetryPolicy::default(),
            http: reqwest::Client::new(),
        }
    }

    /// The URL of `path` (`/chat/completions`) under the base URL.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// A stream the client cannot read.
pub(crate) fn protocol(provider: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::Protocol { provider: provider.to_owned(), detail: detail.into() }
}

/// Reads a response's server-sent events, handing each to `on_event` until it returns the
/// completion; `None` when the stream ends first.
pub(crate) async fn read_events(
    provider: &str,
    mut response: reqwest::Response,
    mut on_event: impl FnMut(&SseEvent) -> Result<Option<Completion>, ProviderError>,
) -> Result<Option<Completion>, ProviderError> {
    let mut parser = SseParser::default();
    while let Some(chunk) =
        response.chunk().await.map_err(|error| protocol(provider, error.to_string()))?
    {
        for event in parser.push(&chunk) {
            if let Some(completion) = on_event(&event)? {
                return Ok(Some(completion));
            }
        }
    }
    Ok(None)
}

/// A provider's refusal after the retries: the status, how many tries, and what it said.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) attempts: u32,
    pub(crate) message: String,
    /// The error's machine-readable code or type, when the body had one.
    pub(crate) code: Option<String>,
}

impl Refusal {
    /// The error for this refusal, when it is not one the provider's adapter knows better.
    pub(crate) fn into_error(self, provider: &str) -> ProviderError {
        let provider = provider.to_owned();
        let Refusal { status, attempts, message: detail, code } = self;
        match status {
            401 | 403 => ProviderError::Unauthorized { provider, status, detail },
            // OpenAI says `model_not_found`; Ollama and Anthropic say `not_found_error`.
            404 if matches!(code.as_deref(), Some("model_not_found" | "not_found_error")) => {
                ProviderError::ModelNotFound { provider, detail }
            }
            // Any other 404 or 405 comes from a server that is not the model API there.
            404 | 405 => ProviderError::NotAnApi { provider, status, detail },
            status if is_busy(status) => ProviderError::Busy { provider, status, attempts, detail },
            _ => ProviderError::Refused { provider, status, detail },
        }
    }
}

/// Statuses that mean "try again later": rate limits, overloads, and gateway trouble.
fn is_busy(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// Sends the request `build` makes, again after a wait while the provider is busy. Nothing
/// has been streamed when a retry happens, so retrying never repeats output.
pub(crate) async fn send(
    provider: &str,
    retry: RetryPolicy,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Result<reqwest::Response, Refusal>, ProviderError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = build().send().await.map_err(|error| unreachable(provider, &error))?;
        if response.status().is_success() {
            return Ok(Ok(response));
        }
        let status = response.status().as_u16();
        let hint = retry_after(&response);
        if is_busy(status) && attempt < retry.attempts {
            let wait = retry.wait(attempt, hint);
            tracing::info!(provider, status, ?wait, "model busy; retrying");
            // Drain the body so the connection can be reused.
            let _ignored = response.bytes().await;
            tokio::time::sleep(wait).await;
            continue;
        }
        let (message, code) = error_detail(response).await;
        return Ok(Err(Refusal { status, attempts: attempt, message, code }));
    }
}

/// The error for a request that got no answer: the whole chain of causes (reqwest's own
/// message stops at "error sending request for url", which says nothing about why), and
/// what kind of failure it was.
pub(crate) fn unreachable(provider: &str, error: &reqwest::Error) -> ProviderError {
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let said = cause.to_string();
        if !detail.contains(&said) {
            detail.push_str(": ");
            detail.push_str(&said);
        }
        source = cause.source();
    }
    let failure = if error.is_timeout() {
        ConnectFailure::TimedOut
    } else if connection_refused(error) {
        ConnectFailure::NothingListening
    } else {
        ConnectFailure::Other
    };
    ProviderError::Unreachable { provider: provider.to_owned(), detail, failure }
}

/// Whether the operating system refused the connection (nothing listens at the address),
/// anywhere down the chain of causes.
pub(crate) fn connection_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        let refused = current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            return true;
        }
        cause = current.source();
    }
    false
}

/// An error body's message and code, whatever shape the server used
/// (`{"error": {"message", "code"|"type"}}`, `{"message"}`, or plain text).
async fn error_detail(response: reqwest::Response) -> (String, Option<String>) {
    let text = response.text().await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let error = parsed.as_ref().map(|value| value.get("error").unwrap_or(value));
    let message = error
        .and_then(|error| error["message"].as_str().or_else(|| error.as_str()))
        .map_or_else(|| text.chars().take(500).collect(), str::to_owned);
    let code = error
        .and_then(|error| error["code"].as_str().or_else(|| error["type"].as_str()))
        .map(str::to_owned);
    (message, code)
}

/// The `Retry-After` header in seconds, when the server sent one.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<f64>().ok().and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
}
