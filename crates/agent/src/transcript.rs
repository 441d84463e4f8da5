//! A stored conversation read back as the chat showed it: each question with the model's
//! text, its tool calls with their arguments and results (a saved estimate as data, so its
//! card shows again), notices, and the offline estimator's estimate.
//!
//! The agent (`agent.rs`) and the offline turn (`estimator/offline.rs`) write what this reads;
//! the names they share are in [`keys`]. Conversations stored before a name existed still
//! read: a missing name only means less to show (a tool result without its data shows as
//! text, an offline answer without its estimate shows its Markdown report).

use agentdesk_memory::{Event, ListEvents, MemoryStore, NewEvent, PayloadItem, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::estimator::SavedEstimate;
use crate::provider::{ToolCall, Usage};
use crate::tools::ToolOutput;

/// The names of blobs and metadata the agent stores with a conversation's events.
pub(crate) mod keys {
    /// Blob: what the model said before its tool calls (`{"assistantText": "…"}`).
    pub(crate) const ASSISTANT_TEXT: &str = "assistantText";
    /// Blob: a tool call (`{"toolCall": {toolCallId, toolName, arguments}}`).
    pub(crate) const TOOL_CALL: &str = "toolCall";
    /// In a tool call, and in a tool result's metadata: the call's id.
    pub(crate) const TOOL_CALL_ID: &str = "toolCallId";
    /// In a tool call: the tool's name.
    pub(crate) const TOOL_NAME: &str = "toolName";
    /// In a tool call: its arguments.
    pub(crate) const ARGUMENTS: &str = "arguments";
    /// Blob beside a tool result: the result as data (`{"structuredContent": …}`).
    pub(crate) const STRUCTURED_CONTENT: &str = "structuredContent";
    /// A tool result's metadata: whether the tool failed.
    pub(crate) const IS_ERROR: &str = "isError";
    /// A tool result's metadata: how long it ran.
    pub(crate) const ELAPSED_MS: &str = "elapsedMs";
    /// A tool result's metadata: why the call was not run.
    pub(crate) const REFUSED: &str = "refused";
    /// A note's metadata: which notice it is (`step_limit`).
    pub(crate) const NOTICE: &str = "notice";
    /// An answer's metadata: the model.
    pub(crate) const MODEL: &str = "model";
    /// An answer's metadata: the turn's tokens.
    pub(crate) const USAGE: &str = "usage";
    /// Blob beside an offline answer: the estimate it shows (`{"savedEstimate": …}`).
    pub(crate) const SAVED_ESTIMATE: &str = "savedEstimate";
    /// An answer's metadata: the trace of the turn that gave it.
    pub(crate) const TRACE_ID: &str = super::TRACE_ID_METADATA;
}

/// The metadata key of an answer's trace (read back as [`PastExchange::trace_id`]); a remote
/// agent's answers are kept with it too.
pub const TRACE_ID_METADATA: &str = "traceId";

/// Marks an answer's `metadata` with the trace of the turn running now, when traces are kept,
/// so the chat can open it from the answer, also once the conversation is reopened.
pub(crate) fn with_trace(metadata: &mut serde_json::Map<String, Value>) {
    if let Some(trace_id) = agentdesk_telemetry::traces::trace_id_of(&tracing::Span::current()) {
        metadata.insert(keys::TRACE_ID.into(), Value::String(trace_id));
    }
}

/// One question and what answered it, as the chat shows it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub struct PastExchange {
    /// What the user asked (empty when the conversation starts without a question).
    pub question: String,
    /// The model's steps, in order.
    pub steps: Vec<PastStep>,
    /// The offline estimator's answer.
    pub estimate: Option<SavedEstimate>,
    /// The turn's tokens, when a model answered.
    pub usage: Option<Usage>,
    /// The trace of the turn that answered, when traces were kept.
    pub trace_id: Option<String>,
}

/// One step of a past answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub enum PastStep {
    /// Text from the model.
    Text {
        /// The text (Markdown).
        text: String,
    },
    /// A tool call and how it ended.
    Tool {
        /// The call, with its arguments.
        call: ToolCall,
        /// How it ended.
        state: PastToolState,
        /// What it returned (none when it never finished).
        output: Option<ToolOutput>,
        /// How long it ran, when known.
        elapsed_ms: Option<u64>,
        /// Why it was not run.
        reason: Option<String>,
    },
    /// Something the user was told (the step limit).
    Notice {
        /// The message, in English.
        message: String,
        /// Its stable name for translation; empty when unknown.
        code: String,
    },
}

/// How a past tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agent.ts")]
pub enum PastToolState {
    /// It ran and answered.
    Done,
    /// It ran and failed.
    Failed,
    /// It was not run (declined, switched off, unknown tool).
    Refused,
    /// It never finished: the turn was stopped.
    Stopped,
}

/// A conversation's events, oldest first, read back as its exchanges.
pub fn transcript(events: &[Event]) -> Vec<PastExchange> {
    let mut exchanges: Vec<PastExchange> = Vec::new();
    for event in events {
        for item in &event.payload {
            match item {
                PayloadItem::Conversational(message) => {
                    let text = &message.content.text;
                    match message.role {
                        Role::User => exchanges.push(PastExchange {
                            question: text.clone(),
                            steps: Vec::new(),
                            estimate: None,
                            usage: None,
                            trace_id: None,
                        }),
                        Role::Assistant => answered(current(&mut exchanges), event, text),
                        Role::Tool => tool_result(current(&mut exchanges), event, text),
                        Role::Other => current(&mut exchanges).steps.push(PastStep::Notice {
                            message: text.clone(),
                            code: string(&event.metadata, keys::NOTICE).unwrap_or_default(),
                        }),
                    }
                }
                PayloadItem::Blob(blob) => blob_step(current(&mut exchanges), blob),
            }
        }
        // An answer, or the notice that ended the turn, names the turn's trace.
        if let Some(trace_id) = string(&event.metadata, keys::TRACE_ID) {
            current(&mut exchanges).trace_id = Some(trace_id);
        }
    }
    exchanges
}

/// Reads a whole conversation (every page of its events) and returns its exchanges.
pub async fn conversation(
    store: &MemoryStore,
    memory_id: &str,
    actor_id: &str,
    session_id: &str,
) -> Result<Vec<PastExchange>, agentdesk_memory::Error> {
    let mut request =
        ListEvents { oldest_first: true, max_results: Some(1000), ..ListEvents::default() };
    let mut events = Vec::new();
    loop {
        let page = store.list_events(memory_id, actor_id, session_id, &request).await?;
        events.extend(page.items);
        match page.next_token {
            Some(token) => request.next_token = Some(token),
            None => return Ok(transcript(&events)),
        }
    }
}

/// The start of a stored notice's code that marks a failed turn: `failed:` and the error's
/// code (`failed:model_not_running`). A reopened conversation shows it as the error the turn
/// showed live, not as a missing answer.
pub const FAILED_NOTICE: &str = "failed:";

/// Keeps a turn's failure (`code`, `message`) with conversation `session_id`, after
/// `question` when the turn failed before storing it.
pub async fn keep_failed_turn(
    store: &MemoryStore,
    memory_id: &str,
    actor_id: &str,
    session_id: &str,
    question: Option<&str>,
    (code, message): (&str, &str),
) -> Result<(), agentdesk_memory::Error> {
    if let Some(question) = question {
        let event = NewEvent::message(actor_id, session_id, Role::User, question);
        store.create_event(memory_id, event).await?;
    }
    let mut event = NewEvent::message(actor_id, session_id, Role::Other, message);
    event.metadata.insert(keys::NOTICE.into(), format!("{FAILED_NOTICE}{code}").into());
    store.create_event(memory_id, event).await?;
    Ok(())
}

/// When conversation `session_id` ends with `question` and its failure, removes the failure:
/// the offline estimator now answers that question, and the conversation no longer shows the
/// error.
pub async fn forget_failed_turn(
    store: &MemoryStore,
    memory_id: &str,
    actor_id: &str,
    session_id: &str,
    question: &str,
) -> Result<(), agentdesk_memory::Error> {
    let newest = ListEvents { max_results: Some(2), ..ListEvents::default() };
    let page = store.list_events(memory_id, actor_id, session_id, &newest).await?;
    let [failure, asked] = &page.items[..] else { return Ok(()) };
    let failed = failure.messages().all(|said| said.role == Role::Other)
        && string(&failure.metadata, keys::NOTICE)
            .is_some_and(|code| code.starts_with(FAILED_NOTICE));
    let same_question =
        asked.messages().any(|said| said.role == Role::User && said.content.text == question);
    if failed && same_question {
        store.delete_event(memory_id, &failure.event_id).await?;
    }
    Ok(())
}

/// The exchange being read; one without a question when the conversation starts otherwise.
fn current(exchanges: &mut Vec<PastExchange>) -> &mut PastExchange {
    if exchanges.is_empty() {
        exchanges.push(PastExchange {
            question: String::new(),
            steps: Vec::new(),
            estimate: None,
            usage: None,
            trace_id: None,
        });
    }
    let last = exchanges.len() - 1;
    &mut exchanges[last]
}

/// An answer: the offline estimator's estimate (its card says what the text says), or the
/// model's text and the turn's tokens.
fn answered(exchange: &mut PastExchange, event: &Event, text: &str) {
    let estimate = event.payload.iter().find_map(|item| match item {
        PayloadItem::Blob(blob) => blob
            .get(keys::SAVED_ESTIMATE)
            .and_then(|saved| serde_json::from_value::<SavedEstimate>(saved.clone()).ok()),
        PayloadItem::Conversational(_) => None,
    });
    if let Some(estimate) = estimate {
        exchange.estimate = Some(estimate);
        return;
    }
    if !text.is_empty() {
        exchange.steps.push(PastStep::Text { text: text.to_owned() });
    }
    exchange.usage = event
        .metadata
        .get(keys::USAGE)
        .and_then(|usage| serde_json::from_value(usage.clone()).ok());
}

/// A blob of a model's turn: its text before tool calls, or a tool call. Anything else (the
/// data beside a result or an answer) is read with that result or answer.
fn blob_step(exchange: &mut PastExchange, blob: &Value) {
    if let Some(text) = blob.get(keys::ASSISTANT_TEXT).and_then(Value::as_str) {
        match exchange.steps.last_mut() {
            // Consecutive texts read as one, as they were shown while streaming.
            Some(PastStep::Text { text: previous }) => previous.push_str(text),
            _ => exchange.steps.push(PastStep::Text { text: text.to_owned() }),
        }
    } else if let Some(call) = blob.get(keys::TOOL_CALL) {
        let field = |name: &str| call.get(name).and_then(Value::as_str).unwrap_or_default();
        exchange.steps.push(PastStep::Tool {
            call: ToolCall {
                id: field(keys::TOOL_CALL_ID).to_owned(),
                name: field(keys::TOOL_NAME).to_owned(),
                arguments: call.get(keys::ARGUMENTS).cloned().unwrap_or(Value::Null),
            },
            state: PastToolState::Stopped,
            output: None,
            elapsed_ms: None,
            reason: None,
        });
    }
}

/// A tool's result, put on the call it answers.
fn tool_result(exchange: &mut PastExchange, event: &Event, content: &str) {
    let call_id = string(&event.metadata, keys::TOOL_CALL_ID);
    let data = event.payload.iter().find_map(|item| match item {
        PayloadItem::Blob(blob) => blob.get(keys::STRUCTURED_CONTENT).cloned(),
        PayloadItem::Conversational(_) => None,
    });
    let refused = string(&event.metadata, keys::REFUSED);
    let is_error =
        event.metadata.get(keys::IS_ERROR).and_then(Value::as_bool).unwrap_or(refused.is_some());
    let elapsed = event.metadata.get(keys::ELAPSED_MS).and_then(Value::as_u64);
    let step = exchange.steps.iter_mut().rev().find(|step| {
        matches!(step, PastStep::Tool { call, output: None, .. }
            if call_id.as_deref().is_none_or(|id| id == call.id))
    });
    let Some(PastStep::Tool { state, output, elapsed_ms, reason, .. }) = step else {
        // A result whose call was not kept: shown as what it said.
        exchange.steps.push(PastStep::Text { text: content.to_owned() });
        return;
    };
    *state = match (&refused, is_error) {
        (Some(_), _) => PastToolState::Refused,
        (None, true) => PastToolState::Failed,
        (None, false) => PastToolState::Done,
    };
    // A call that was not run shows why, as it did live, and no output.
    *output = refused.is_none().then(|| ToolOutput {
        content: content.to_owned(),
        is_error,
        structured_content: data,
    });
    *elapsed_ms = elapsed;
    *reason = refused;
}

fn string(metadata: &Map<String, Value>, key: &str) -> Option<String> {
    metadata.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use agentdesk_memory::{LOCAL_ACTOR, MemoryStore, NewEvent, Role};

    use super::{FAILED_NOTICE, PastStep, conversation, forget_failed_turn, keep_failed_turn};

    /// Regression: a turn whose model could not be reached left only its question, so the
    /// reopened conversation showed an empty answer instead of the error.
    #[tokio::test]
    async fn a_failed_turn_is_kept_as_its_error_notice() {
        let folder = tempfile::tempdir().expect("temp folder");
        let store = MemoryStore::open_in(folder.path()).await.expect("open");
        let memory = store.default_memory().await.expect("memory").memory_id;
        let question = NewEvent::message(LOCAL_ACTOR, "s1", Role::User, "2 EC2 t3.medium");
        store.create_event(&memory, question).await.expect("question");
        let not_running = ("model_not_running", "cannot reach ollama");
        keep_failed_turn(&store, &memory, LOCAL_ACTOR, "s1", None, not_running)
            .await
            .expect("kept");
        let not_ready = ("model_not_ready", "no API key");
        keep_failed_turn(&store, &memory, LOCAL_ACTOR, "s1", Some("again"), not_ready)
            .await
            .expect("kept");

        let past = conversation(&store, &memory, LOCAL_ACTOR, "s1").await.expect("read");
        assert_eq!(past.len(), 2);
        assert_eq!(past[0].question, "2 EC2 t3.medium");
        assert_eq!(
            past[0].steps,
            [PastStep::Notice {
                message: "cannot reach ollama".into(),
                code: format!("{FAILED_NOTICE}model_not_running"),
            }]
        );
        assert_eq!(past[1].question, "again");
        assert!(matches!(
            &past[1].steps[..],
            [PastStep::Notice { code, .. }] if code == "failed:model_not_ready"
        ));

        // Answering offline replaces the failure of that question only, as on the page.
        forget_failed_turn(&store, &memory, LOCAL_ACTOR, "s1", "another").await.expect("kept");
        assert_eq!(conversation(&store, &memory, LOCAL_ACTOR, "s1").await.expect("read"), past);
        forget_failed_turn(&store, &memory, LOCAL_ACTOR, "s1", "again").await.expect("cleared");
        let past = conversation(&store, &memory, LOCAL_ACTOR, "s1").await.expect("read");
        assert_eq!(past[1].question, "again");
        assert!(past[1].steps.is_empty());
        assert_eq!(past[0].steps.len(), 1, "an earlier failure stays");
    }
}
