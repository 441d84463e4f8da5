//! Running one turn of the cost estimator for a caller: on its own task (so `/ping` and other
//! callers are never held up), counted as busy while it runs, bounded by the request timeout,
//! traced under the caller's trace, and cancelled when the caller goes away — dropping a
//! [`RunningTurn`] aborts the task, which drops the agent's turn: the model stream and any
//! running tool stop.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_agent::estimator::SavedEstimate;
use agentdesk_agent::{AgentError, AgentEvent, ServedAnswer, ServedEstimator, ServingError};
use agentdesk_config::Settings;
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use agentdesk_wasm_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::invocations::Invocation;
use super::ping::Busy;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) estimator: Arc<ServedEstimator>,
    pub(crate) busy: Arc<Busy>,
    pub(crate) request_timeout: Duration,
}

/// Opens what the served estimator needs — the memory database and the sandbox in the data
/// and cache folders (one interpreter kept warm, so the first estimate does not wait for one
/// to boot) — and builds it from `settings`. Conversations are kept as the local user, the
/// same actor as the desktop's and the CLI's, so `agentdesk memory events ID` shows them.
pub async fn open_estimator(
    settings: &Settings,
    data_dir: &Path,
    cache_dir: &Path,
) -> Result<ServedEstimator, ServingError> {
    let store = MemoryStore::open_in(data_dir).await?;
    let sandbox = match Sandbox::open(&SandboxConfig::in_folders(data_dir, cache_dir, 1)) {
        Ok(sandbox) => Some(sandbox),
        Err(error) => {
            tracing::warn!(%error, "no sandbox: estimates are calculated on the host");
            None
        }
    };
    ServedEstimator::build(settings, data_dir, store, LOCAL_ACTOR, sandbox).await
}

/// A turn that failed: its kind (`error_type` of the stream's error item) and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TurnFailure {
    pub(crate) error_type: &'static str,
    pub(crate) message: String,
}

/// What a running turn hands back, in order.
#[derive(Debug)]
pub(crate) enum TurnItem {
    /// Something the agent did or said.
    Event(AgentEvent),
    /// The end: the answer, or why there is none.
    Finished(Box<Result<ServedAnswer, TurnFailure>>),
}

/// A turn on its own task; dropped, it cancels the turn.
#[derive(Debug)]
pub(crate) struct RunningTurn {
    items: mpsc::UnboundedReceiver<TurnItem>,
    task: tokio::task::JoinHandle<()>,
    finished: bool,
}

impl RunningTurn {
    /// The next item; after [`TurnItem::Finished`], `None`.
    pub(crate) async fn next(&mut self) -> Option<TurnItem> {
        if self.finished {
            return None;
        }
        let item = self.items.recv().await.unwrap_or_else(|| {
            // The task ended without saying how: it panicked.
            TurnItem::Finished(Box::new(Err(TurnFailure {
                error_type: "InternalError",
                message: "the turn stopped unexpectedly".into(),
            })))
        });
        self.finished = matches!(item, TurnItem::Finished(_));
        Some(item)
    }

    /// Every item up to the end, and the end.
    pub(crate) async fn finish(mut self) -> Result<ServedAnswer, TurnFailure> {
        while let Some(item) = self.next().await {
            if let TurnItem::Finished(result) = item {
                return *result;
            }
        }
        Err(TurnFailure { error_type: "InternalError", message: "the turn ended twice".into() })
    }
}

impl Drop for RunningTurn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts answering `invocation`.
pub(crate) fn start(shared: &Shared, invocation: &Invocation) -> RunningTurn {
    let (sender, items) = mpsc::unbounded_channel();
    let span = invocation.span();
    let busy = shared.busy.begin();
    let estimator = Arc::clone(&shared.estimator);
    let timeout = shared.request_timeout;
    let (session_id, prompt, context) =
        (invocation.session_id.clone(), invocation.prompt.clone(), invocation.context.clone());
    // The events of one turn, however slowly the caller reads them: bounded by what one
    // turn says, and dropped with the turn when the caller goes away.
    let task = tokio::spawn(
        async move {
            let _busy = busy;
            let events = sender.clone();
            let mut on_event = move |event: AgentEvent| {
                let _gone = events.send(TurnItem::Event(event));
            };
            let answered = tokio::time::timeout(
                timeout,
                estimator.answer(&session_id, &prompt, &context, &mut on_event),
            )
            .await;
            let result = match answered {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(error)) => Err(failure(&error)),
                Err(_) => Err(TurnFailure {
                    error_type: "TimeoutError",
                    message: format!(
                        "the invocation did not finish within {} s and was cancelled (serve.request_timeout_seconds)",
                        timeout.as_secs()
                    ),
                }),
            };
            if let Err(failure) = &result {
                tracing::warn!(error_type = failure.error_type, message = %failure.message, "turn failed");
            }
            let _gone = sender.send(TurnItem::Finished(Box::new(result)));
        }
        .instrument(span),
    );
    RunningTurn { items, task, finished: false }
}

/// A failure as the caller reads it: the error's own message (it names what to fix and never
/// holds a key), and its kind.
fn failure(error: &ServingError) -> TurnFailure {
    let error_type = match error {
        ServingError::Agent(AgentError::Provider(_)) => "ModelError",
        ServingError::Agent(AgentError::Memory(_)) | ServingError::Memory(_) => "MemoryError",
        ServingError::Setup(_) => "ModelSetupError",
        ServingError::Estimate(_) | ServingError::Offline(_) => "EstimateError",
    };
    TurnFailure { error_type, message: error.to_string() }
}

/// An agent event as a stream item: the event as the desktop receives it
/// (`{"kind": "text", "text": …}`, `toolRequested`, `toolFinished`, `toolRefused`, `notice`).
pub(crate) fn event_item(event: &AgentEvent) -> Value {
    serde_json::to_value(event).unwrap_or_else(
        |error| json!({"kind": "notice", "code": "unencodable", "message": error.to_string()}),
    )
}

/// The estimate a turn made, as the stream's item: `{"kind": "estimate", "id", "estimate"}`.
pub(crate) fn estimate_item(saved: &SavedEstimate) -> Value {
    json!({"kind": "estimate", "id": saved.id, "estimate": saved.estimate})
}

/// The JSON answer: `{"result", "estimate", "estimate_id", "session_id"}`.
pub(crate) fn json_answer(answer: &ServedAnswer, session_id: &str) -> Value {
    json!({
        "result": answer.text,
        "estimate": answer.estimate.as_ref().map(|saved| &saved.estimate),
        "estimate_id": answer.estimate.as_ref().map(|saved| &saved.id),
        "session_id": session_id,
    })
}

/// The items a finished turn ends its stream with.
pub(crate) fn closing_items(result: &Result<ServedAnswer, TurnFailure>) -> Vec<Value> {
    match result {
        Ok(answer) => answer.estimate.iter().map(estimate_item).collect(),
        Err(failure) => vec![crate::items::error_item(failure.error_type, &failure.message)],
    }
}
