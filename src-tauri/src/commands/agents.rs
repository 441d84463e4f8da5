//! Remote agents: the `[agents.NAME]` tables listed, added, tested and removed on the
//! Connections page, and the Chat page's turns with one of them, streamed into the same chat
//! view as the local agent's. Calls go through `agentdesk_runtime::client`, the one client for
//! agents that speak AgentCore Runtime's contract.

use std::time::Instant;

use agentdesk_agent::Usage;
use agentdesk_config::{AgentSettings, ConfigFile};
use agentdesk_memory::{LOCAL_ACTOR, ListEvents};
use agentdesk_runtime::client::{
    AGENT_METADATA, ClientError, Invocation, RemoteAgent, TurnMemory, new_session_id, remote_turn,
};
use agentdesk_runtime::items::text_of;
use serde::Serialize;
use serde_json::{Value, json};
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Runtime, State};
use ts_rs::TS;

use crate::{ApiError, AppState, ChatTurn, ErrorCode, SETTINGS_CHANGED};

/// What a test of an agent found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agents.ts")]
pub struct AgentCheck {
    /// What a URL agent's `/ping` said (`Healthy`, `HealthyBusy`); `None` for an ARN agent,
    /// which AgentCore offers no ping for.
    pub status: Option<String>,
    /// The start of an ARN agent's answer to a short prompt.
    pub answer: Option<String>,
    /// How long the test took.
    pub elapsed_ms: u64,
}

/// The prompt that tests an ARN agent: `[quick]` asks the seed's agents to answer without
/// tools, so the test is short and cheap.
const TEST_PROMPT: &str = "[quick] Say hello in one short sentence.";

/// The most of a test answer shown.
const TEST_ANSWER_CHARS: usize = 200;

/// A remote agent as the pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Agents.ts")]
pub struct RemoteAgentView {
    /// Its name (`[agents.NAME]`).
    pub name: String,
    /// How it is reached.
    pub settings: AgentSettings,
    /// The region its calls go to (the ARN's when not set); empty for a URL agent.
    pub region: String,
}

fn agent_views(state: &AppState) -> Vec<RemoteAgentView> {
    let loaded = state.loaded();
    loaded
        .settings
        .agents
        .iter()
        .map(|(name, settings)| RemoteAgentView {
            name: name.clone(),
            settings: settings.clone(),
            region: settings.effective_region(),
        })
        .collect()
}

/// Reads the config file again and tells the window (the Chat page's picker follows).
fn reload_and_announce<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Result<(), ApiError> {
    let view = state.reload()?;
    if let Err(error) = app.emit(SETTINGS_CHANGED, &view) {
        tracing::warn!("cannot announce the new settings: {error}");
    }
    Ok(())
}

/// The configured remote agents, by name.
#[tauri::command]
pub(crate) fn agents_list(state: State<'_, AppState>) -> Vec<RemoteAgentView> {
    agent_views(&state)
}

/// Adds or replaces `[agents.NAME]`. A refused value names its field in `key`
/// (`agents.NAME.url`), so the page shows the message beside it.
#[tauri::command]
pub(crate) fn agents_add<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    settings: AgentSettings,
) -> Result<Vec<RemoteAgentView>, ApiError> {
    let name = name.trim().to_owned();
    let settings = AgentSettings {
        url: settings.url.trim().to_owned(),
        arn: settings.arn.trim().to_owned(),
        region: settings.region.trim().to_owned(),
        endpoint: settings.endpoint.trim().to_owned(),
        auth: settings.auth.trim().to_owned(),
        ..settings
    };
    if let Some(problem) = settings.problems(&name).into_iter().next() {
        return Err(refused(problem));
    }
    let file = ConfigFile::new(state.loaded().locations.config_file.clone());
    file.save_agent(&name, &settings)?;
    reload_and_announce(&app, &state)?;
    Ok(agent_views(&state))
}

/// Removes `[agents.NAME]`; the conversations had with it stay in memory.
#[tauri::command]
pub(crate) fn agents_remove<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
) -> Result<Vec<RemoteAgentView>, ApiError> {
    let file = ConfigFile::new(state.loaded().locations.config_file.clone());
    if !file.remove_agent(&name)? {
        return Err(ApiError::new(ErrorCode::NotFound, format!("no agent named {name:?}")));
    }
    reload_and_announce(&app, &state)?;
    Ok(agent_views(&state))
}

/// A problem of `AgentSettings::problems` (`agents.NAME.FIELD: what is wrong`) as an error
/// whose key is the field it names.
fn refused(problem: String) -> ApiError {
    let key = problem.split_once(": ").map(|(key, _)| key.to_owned());
    ApiError { code: ErrorCode::InvalidValue, message: problem, key }
}

/// The agent `[agents.NAME]` describes, signing in through the app's identity service.
async fn remote_agent(state: &AppState, name: &str) -> Result<RemoteAgent, ApiError> {
    let settings = state.loaded().settings.agents.get(name).cloned().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no agent named {name:?}: add it on the Connections page"),
        )
    })?;
    RemoteAgent::from_settings(name, &settings, Some(state.identity().await))
        .map_err(|error| client_error(&error))
}

/// Tests agent `name`: a URL agent's `/ping`, or a short prompt to an ARN agent.
#[tauri::command]
pub(crate) async fn agents_test(
    state: State<'_, AppState>,
    name: String,
) -> Result<AgentCheck, ApiError> {
    let agent = remote_agent(&state, &name).await?;
    let started = Instant::now();
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if let Some(health) = agent.ping().await.map_err(|error| client_error(&error))? {
        return Ok(AgentCheck {
            status: Some(health.status),
            answer: None,
            elapsed_ms: elapsed_ms(),
        });
    }
    let invoked = agent
        .invoke(Invocation::prompt(TEST_PROMPT, &new_session_id()), &mut |_item| {})
        .await
        .map_err(|error| client_error(&error))?;
    let answer = invoked.text.chars().take(TEST_ANSWER_CHARS).collect();
    Ok(AgentCheck { status: None, answer: Some(answer), elapsed_ms: elapsed_ms() })
}

/// One turn of conversation `session_id` (also the runtime session, so the agent keeps its
/// context) with remote agent `agent`; each item reaches `on_event` as the Chat page's
/// events do. Stop is `chat_stop`: it drops the call, which closes the connection.
#[tauri::command]
pub(crate) async fn agents_send(
    state: State<'_, AppState>,
    agent: String,
    session_id: String,
    message: String,
    on_event: Channel<Value>,
) -> Result<ChatTurn, ApiError> {
    if message.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidValue, "the message is empty"));
    }
    let remote = remote_agent(&state, &agent).await?;
    let desk = state.memory().await?;
    let memory = TurnMemory {
        store: desk.store.clone(),
        memory_id: desk.memory_id.clone(),
        actor_id: LOCAL_ACTOR.into(),
    };
    let stopped = state.turns.begin(&session_id)?;
    let mut shown_text = false;
    let mut forward = |item: Value| {
        if let Some(event) = chat_event(item) {
            shown_text |= event["kind"] == "text";
            // A closed page stops listening; the turn still finishes and is kept.
            let _ignored = on_event.send(event);
        }
    };
    let invocation = Invocation::prompt(&message, &session_id);
    let outcome = tokio::select! {
        outcome = remote_turn(&remote, &memory, invocation, &mut forward) => Some(outcome),
        _ = stopped => None,
    };
    state.turns.end(&session_id);
    let (text, stopped) = match outcome {
        None => (String::new(), true),
        Some(Ok(invoked)) => {
            // A JSON answer (not a stream) carries its text in `result` or the like: shown whole.
            if !shown_text && !invoked.text.is_empty() {
                let _ignored = on_event.send(json!({ "kind": "text", "text": invoked.text }));
            }
            (invoked.text, false)
        }
        Some(Err(error)) => return Err(client_error(&error)),
    };
    Ok(ChatTurn { text, steps: 1, usage: Usage::default(), stopped, hit_step_limit: false })
}

/// The remote agent conversation `session_id` talked to last; `None` when it was this
/// computer's agent (or nothing was said yet).
#[tauri::command]
pub(crate) async fn agents_conversation(
    state: State<'_, AppState>,
    session_id: String,
) -> Result<Option<String>, ApiError> {
    let desk = state.memory().await?;
    let newest = ListEvents { max_results: Some(1), ..ListEvents::default() };
    let page = desk.store.list_events(&desk.memory_id, LOCAL_ACTOR, &session_id, &newest).await?;
    Ok(page.items.first().and_then(|event| {
        event.metadata.get(AGENT_METADATA).and_then(Value::as_str).map(str::to_owned)
    }))
}

/// An item of a remote agent's answer as a Chat page event: `agentdesk serve` sends the
/// agent's own events (`{"kind": "text"}`, tool calls, the final `{"kind": "estimate"}`),
/// which pass as they are; other agents' text becomes a text event; items with no text
/// (metadata) are not shown.
fn chat_event(item: Value) -> Option<Value> {
    const SHOWN_KINDS: [&str; 6] =
        ["text", "toolRequested", "toolFinished", "toolRefused", "notice", "estimate"];
    if item.get("kind").and_then(Value::as_str).is_some_and(|kind| SHOWN_KINDS.contains(&kind)) {
        return Some(item);
    }
    text_of(&item).map(|text| json!({ "kind": "text", "text": text }))
}

/// A remote agent's failure, with a code the Chat and Connections pages explain.
fn client_error(error: &ClientError) -> ApiError {
    let code = match error {
        ClientError::BadSettings { .. } => ErrorCode::InvalidValue,
        ClientError::Unreachable { .. } => ErrorCode::AgentUnreachable,
        ClientError::Timeout { .. } => ErrorCode::AgentTimeout,
        ClientError::AccessDenied { .. } => ErrorCode::AgentDenied,
        ClientError::RuntimeClientError { .. } => ErrorCode::AgentRuntimeFailed,
        ClientError::NoCredentials { .. } => ErrorCode::AgentNoCredentials,
        ClientError::Memory { .. } => ErrorCode::Memory,
        ClientError::HttpStatus { .. } | ClientError::StreamFailed { .. } => ErrorCode::Agent,
    };
    ApiError::new(code, error.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{chat_event, refused};

    #[test]
    fn serve_events_pass_other_agents_text_becomes_text_and_the_rest_is_not_shown() {
        let text = json!({"kind": "text", "text": "月額 "});
        assert_eq!(chat_event(text.clone()), Some(text));
        let estimate = json!({"kind": "estimate", "id": "est-1", "estimate": {"items": []}});
        assert_eq!(chat_event(estimate.clone()), Some(estimate));
        assert_eq!(chat_event(json!("plain")), Some(json!({"kind": "text", "text": "plain"})));
        let delta = json!({"event": {"contentBlockDelta": {"delta": {"text": "cv"}}}});
        assert_eq!(chat_event(delta), Some(json!({"kind": "text", "text": "cv"})));
        assert_eq!(chat_event(json!({"usage": {"tokens": 3}})), None);
        assert_eq!(chat_event(json!({"kind": "somethingNew", "text": "x"})), None);
    }

    #[test]
    fn a_refusal_names_the_field_its_message_starts_with() {
        let error = refused("agents.cost.url: \"x\" must start with http:// or https://".into());
        assert_eq!(error.key.as_deref(), Some("agents.cost.url"));
        assert_eq!(
            refused("agents.cost: give either url or arn".into()).key.as_deref(),
            Some("agents.cost")
        );
    }
}
