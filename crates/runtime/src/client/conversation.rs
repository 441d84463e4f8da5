//! A remote agent's turn kept in memory as a local one is: the user's prompt and the
//! assembled answer become events of the conversation (the runtime session id is the memory
//! session id), each with the agent's name in its metadata, so the desktop and the CLI show
//! the same conversation and `agentdesk memory events ID` lists it. An estimate the agent
//! sent (`agentdesk serve`'s `{"kind": "estimate"}` item, or the `estimate` of its JSON
//! answer) is kept beside the answer, so the reopened conversation shows its card.

use std::time::{SystemTime, UNIX_EPOCH};

use agentdesk_agent::estimator::SavedEstimate;
use agentdesk_agent::{MemoryLink, TRACE_ID_METADATA};
use agentdesk_memory::{NewEvent, PayloadItem, Role};
use serde_json::{Map, Value, json};

use super::{ClientError, Invocation, Invoked, RemoteAgent};

/// Where a remote turn is kept: the same memory link local turns use.
pub type TurnMemory = MemoryLink;

/// The metadata key naming the remote agent that answered (or was asked).
pub const AGENT_METADATA: &str = "agent";

/// Invokes `agent` and keeps the turn in `memory`: the prompt (the payload's `prompt`, else
/// the payload as JSON) before the call, the answer's text after it. A failed call keeps the
/// prompt and nothing else, as a local turn that failed does.
pub async fn remote_turn(
    agent: &RemoteAgent,
    memory: &TurnMemory,
    invocation: Invocation,
    on_item: &mut (dyn FnMut(Value) + Send),
) -> Result<Invoked, ClientError> {
    let prompt = match invocation.payload.get("prompt").and_then(Value::as_str) {
        Some(prompt) => prompt.to_owned(),
        None => invocation.payload.to_string(),
    };
    let session_id = invocation.session_id.clone();
    keep(agent, memory, &session_id, vec![PayloadItem::message(Role::User, &prompt)], None).await?;
    let mut estimate = None;
    let mut watch = |item: Value| {
        if let Some(found) = estimate_of(&item, &prompt) {
            estimate = Some(found);
        }
        on_item(item);
    };
    let invoked = agent.invoke(invocation, &mut watch).await?;
    if !invoked.text.is_empty() {
        let mut payload = vec![PayloadItem::message(Role::Assistant, &invoked.text)];
        payload.extend(estimate.as_ref().and_then(SavedEstimate::answer_blob));
        keep(agent, memory, &session_id, payload, invoked.trace_id.as_deref()).await?;
    }
    Ok(invoked)
}

/// The estimate in one of the agent's items, as the desktop's estimate card reads it.
fn estimate_of(item: &Value, prompt: &str) -> Option<SavedEstimate> {
    let (id, estimate) = if item.get("kind").and_then(Value::as_str) == Some("estimate") {
        (item.get("id"), item.get("estimate"))
    } else {
        (item.get("estimate_id"), item.get("estimate"))
    };
    let estimate = serde_json::from_value(estimate?.clone()).ok()?;
    let created_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
    Some(SavedEstimate {
        id: id.and_then(Value::as_str).unwrap_or_default().to_owned(),
        description: prompt.to_owned(),
        created_ms,
        estimate,
    })
}

async fn keep(
    agent: &RemoteAgent,
    memory: &TurnMemory,
    session_id: &str,
    payload: Vec<PayloadItem>,
    trace_id: Option<&str>,
) -> Result<(), ClientError> {
    let mut metadata = Map::new();
    metadata.insert(AGENT_METADATA.into(), json!(agent.name()));
    if let Some(trace_id) = trace_id {
        // Read back as the answer's trace (`PastExchange::trace_id`), so the chat opens it.
        metadata.insert(TRACE_ID_METADATA.into(), json!(trace_id));
    }
    let event = NewEvent {
        actor_id: memory.actor_id.clone(),
        session_id: session_id.to_owned(),
        event_timestamp: None,
        payload,
        branch: None,
        metadata,
    };
    memory.store.create_event(&memory.memory_id, event).await.map(drop).map_err(|error| {
        ClientError::Memory { agent: agent.name().to_owned(), message: error.to_string() }
    })
}
