//! A remote agent's turn kept in memory as a local one is: the user's prompt and the
//! assembled answer become events of the conversation (the runtime session id is the memory
//! session id), each with the agent's name in its metadata, so the desktop and the CLI show
//! the same conversation and `agentdesk memory events ID` lists it.

use agentdesk_agent::MemoryLink;
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
    keep(agent, memory, &session_id, Role::User, &prompt).await?;
    let invoked = agent.invoke(invocation, on_item).await?;
    if !invoked.text.is_empty() {
        keep(agent, memory, &session_id, Role::Assistant, &invoked.text).await?;
    }
    Ok(invoked)
}

async fn keep(
    agent: &RemoteAgent,
    memory: &TurnMemory,
    session_id: &str,
    role: Role,
    text: &str,
) -> Result<(), ClientError> {
    let mut metadata = Map::new();
    metadata.insert(AGENT_METADATA.into(), json!(agent.name()));
    let event = NewEvent {
        actor_id: memory.actor_id.clone(),
        session_id: session_id.to_owned(),
        event_timestamp: None,
        payload: vec![PayloadItem::message(role, text)],
        branch: None,
        metadata,
    };
    memory.store.create_event(&memory.memory_id, event).await.map(drop).map_err(|error| {
        ClientError::Memory { agent: agent.name().to_owned(), message: error.to_string() }
    })
}
