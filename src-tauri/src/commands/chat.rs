//! The Chat page: a turn with the configured model, streamed to the page through a channel,
//! with tool calls approved or denied on the page and Stop; without a model, the offline
//! cost estimator answers.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use agentdesk_agent::estimator::{
    EstimateStore, LivePrices, OfflineTurn, SavedEstimate, answer_offline, catalog_for,
};
use agentdesk_agent::{
    AgentError, AgentEvent, ApiKey, Approver, BoxFuture, ConnectFailure, EstimatorParts,
    MemoryLink, Narrowing, PastExchange, ProviderError, SetupError, ToolCall, Usage, connect,
    connect_configured, conversation, cost_estimator, forget_failed_turn, keep_failed_turn,
    open_vault,
};
use agentdesk_config::{ModelProvider, Settings};
use agentdesk_memory::LOCAL_ACTOR;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::{ApiError, AppState, ErrorCode};

/// Which model answers on the Chat page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Api.ts")]
pub struct ChatModel {
    /// `none` when the offline estimator answers.
    pub provider: ModelProvider,
    /// The model id in use (the provider's default when the settings leave it empty).
    pub model: String,
    /// Why the configured model cannot be used (a missing key), with what to do.
    pub problem: Option<String>,
    /// Where the API key comes from: `keyring`, `environment`; `None` when none is needed
    /// or none was found.
    pub key_source: Option<String>,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Api.ts")]
pub struct ChatTurn {
    /// The model's final text (empty when stopped).
    pub text: String,
    /// Model calls made.
    pub steps: u32,
    /// Tokens used over the turn.
    pub usage: Usage,
    /// Whether the user pressed Stop.
    pub stopped: bool,
    /// Whether the step limit cut it short.
    pub hit_step_limit: bool,
}

/// The turns running now, by conversation: how to stop each, and its calls awaiting the
/// user's approval.
#[derive(Debug, Default)]
pub struct RunningTurns {
    turns: Mutex<HashMap<String, Running>>,
}

#[derive(Debug)]
struct Running {
    stop: Option<oneshot::Sender<()>>,
    approvals: HashMap<String, oneshot::Sender<bool>>,
}

impl RunningTurns {
    fn with<T>(&self, work: impl FnOnce(&mut HashMap<String, Running>) -> T) -> T {
        // Entries are inserted and removed whole, so a poisoned lock holds nothing torn.
        work(&mut self.turns.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Marks `session_id` as answering (remote agents' turns too, so Stop and Busy work the
    /// same for both); the receiver fires on Stop.
    pub(crate) fn begin(&self, session_id: &str) -> Result<oneshot::Receiver<()>, ApiError> {
        self.with(|turns| {
            if turns.contains_key(session_id) {
                return Err(ApiError::new(
                    ErrorCode::Busy,
                    "this conversation is still answering: wait for it or press Stop",
                ));
            }
            let (stop, stopped) = oneshot::channel();
            turns.insert(
                session_id.to_owned(),
                Running { stop: Some(stop), approvals: HashMap::new() },
            );
            Ok(stopped)
        })
    }

    /// Marks `session_id` as no longer answering.
    pub(crate) fn end(&self, session_id: &str) {
        self.with(|turns| turns.remove(session_id));
    }
}

/// Asks the page: the call's card shows Approve and Deny, and the answer comes back through
/// `chat_approve`. Stop (or closing the turn) counts as Deny.
struct PageApprover<'a> {
    turns: &'a RunningTurns,
    session_id: String,
}

impl Approver for PageApprover<'_> {
    fn approve<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, bool> {
        let (answer, answered) = oneshot::channel();
        self.turns.with(|turns| {
            if let Some(running) = turns.get_mut(&self.session_id) {
                running.approvals.insert(call.id.clone(), answer);
            }
        });
        Box::pin(async move { answered.await.unwrap_or(false) })
    }
}

/// The model the Chat page will use, or why it cannot.
#[tauri::command]
pub(crate) async fn chat_model(state: State<'_, AppState>) -> Result<ChatModel, ApiError> {
    let settings = state.loaded().settings.clone();
    let found = tokio::task::spawn_blocking(move || {
        let vault = open_vault(settings.keyring.store).ok();
        let key_source = ApiKey::of(settings.model.provider)
            .and_then(|key| key.source(vault.as_ref()))
            .map(str::to_owned);
        let connected = connect(&settings.model, &|key| key.lookup(vault.as_ref()));
        (settings.model.provider, connected, key_source)
    })
    .await
    .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?;
    let (provider, connected, key_source) = found;
    Ok(match connected {
        Ok(connected) => ChatModel { provider, model: connected.model, problem: None, key_source },
        Err(SetupError::NoModel) => {
            ChatModel { provider, model: String::new(), problem: None, key_source: None }
        }
        Err(problem) => ChatModel {
            provider,
            model: String::new(),
            problem: Some(problem.to_string()),
            key_source,
        },
    })
}

/// Runs one turn of conversation `session_id` with the configured model; every step goes
/// to `on_event` as it happens.
#[tauri::command]
pub(crate) async fn chat_send(
    state: State<'_, AppState>,
    session_id: String,
    message: String,
    on_event: Channel<AgentEvent>,
) -> Result<ChatTurn, ApiError> {
    if message.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidValue, "the message is empty"));
    }
    let settings = state.loaded().settings.clone();
    let agent = match build_agent(&state, &settings, &message).await {
        Ok(agent) => agent,
        Err(error) => {
            // The question was not stored yet: keep it with its failure.
            keep_failure(&state, &session_id, Some(&message), &error).await;
            return Err(error);
        }
    };
    let stopped = state.turns.begin(&session_id)?;
    let approver = PageApprover { turns: &state.turns, session_id: session_id.clone() };
    let mut forward = |event: AgentEvent| {
        // A closed page stops listening; the turn still finishes and is stored.
        let _ignored = on_event.send(event);
    };
    let outcome = tokio::select! {
        outcome = agent.run_turn(&session_id, &message, &mut forward, &approver) => Some(outcome),
        _ = stopped => None,
    };
    state.turns.end(&session_id);
    match outcome {
        None => Ok(ChatTurn {
            text: String::new(),
            steps: 0,
            usage: Usage::default(),
            stopped: true,
            hit_step_limit: false,
        }),
        Some(Ok(outcome)) => Ok(ChatTurn {
            text: outcome.text,
            steps: outcome.steps,
            usage: outcome.usage,
            stopped: false,
            hit_step_limit: outcome.hit_step_limit,
        }),
        Some(Err(error)) => {
            let error = agent_error(&error);
            // The agent stored the question; a store that cannot write has nothing to keep.
            if error.code != ErrorCode::Memory {
                keep_failure(&state, &session_id, None, &error).await;
            }
            Err(error)
        }
    }
}

/// Keeps a turn's failure with its conversation (and the question, when the turn failed
/// before storing it). A failure to store it is logged: the page already shows the error.
async fn keep_failure(
    state: &AppState,
    session_id: &str,
    question: Option<&str>,
    error: &ApiError,
) {
    let code = serde_json::to_value(error.code)
        .ok()
        .and_then(|code| code.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    let stored = match state.memory().await {
        Ok(desk) => {
            keep_failed_turn(
                &desk.store,
                &desk.memory_id,
                LOCAL_ACTOR,
                session_id,
                question,
                (&code, &error.message),
            )
            .await
        }
        Err(error) => Err(error),
    };
    if let Err(stored) = stored {
        tracing::warn!(session_id, error = %stored, "the failed turn was not kept");
    }
}

/// Answers a tool call waiting for the user's approval.
#[tauri::command]
pub(crate) fn chat_approve(
    state: State<'_, AppState>,
    session_id: String,
    call_id: String,
    approved: bool,
) -> Result<(), ApiError> {
    let waiting = state.turns.with(|turns| {
        turns.get_mut(&session_id).and_then(|running| running.approvals.remove(&call_id))
    });
    match waiting {
        Some(answer) => {
            let _ignored = answer.send(approved);
            Ok(())
        }
        None => Err(ApiError::new(
            ErrorCode::NotFound,
            "that tool call is no longer waiting (the turn ended or was stopped)",
        )),
    }
}

/// Stops the running turn of `session_id`: the model stream and any running tool are
/// cancelled; what was said so far stays in the conversation.
#[tauri::command]
pub(crate) fn chat_stop(state: State<'_, AppState>, session_id: String) -> bool {
    state.turns.with(|turns| {
        turns
            .get_mut(&session_id)
            .and_then(|running| running.stop.take())
            .is_some_and(|stop| stop.send(()).is_ok())
    })
}

/// The agent for one turn answering `message` (which narrows a large gateway's tools).
async fn build_agent(
    state: &AppState,
    settings: &Settings,
    message: &str,
) -> Result<agentdesk_agent::Agent, ApiError> {
    let configured = settings.clone();
    let connected = tokio::task::spawn_blocking(move || connect_configured(&configured))
        .await
        .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?
        .map_err(|error| ApiError {
            code: ErrorCode::ModelNotReady,
            message: error.to_string(),
            key: Some("model.provider".into()),
        })?;
    let desk = state.memory().await?;
    let data_dir = state.loaded().locations.data_dir.clone();
    let connections = state.connections().await;
    cost_estimator(EstimatorParts {
        connected,
        memory: MemoryLink {
            store: desk.store.clone(),
            memory_id: desk.memory_id.clone(),
            actor_id: LOCAL_ACTOR.into(),
        },
        estimates: EstimateStore::new(&data_dir.join("estimates")),
        calculator: state.calculator().await,
        region: settings.estimate.region.clone(),
        catalog: catalog_for(&data_dir)?,
        python: settings.tools.execute_python,
        mcp: agentdesk_agent::mcp_tools(&connections, Some(Narrowing::for_message(message))).await,
        live_prices: LivePrices::find(&connections).await,
    })
    .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))
}

/// The turn's failure, with a code for each model failure the page explains and offers a
/// fix for (and the offline estimator instead).
fn agent_error(error: &AgentError) -> ApiError {
    let code = match error {
        AgentError::Provider(ProviderError::Unreachable {
            failure: ConnectFailure::NothingListening,
            ..
        }) => ErrorCode::ModelNotRunning,
        AgentError::Provider(ProviderError::Unreachable { .. }) => ErrorCode::ModelUnreachable,
        AgentError::Provider(ProviderError::NotAnApi { .. }) => ErrorCode::ModelBadUrl,
        AgentError::Provider(ProviderError::Unauthorized { .. }) => ErrorCode::ModelBadKey,
        AgentError::Provider(ProviderError::ModelNotFound { .. }) => ErrorCode::ModelMissing,
        AgentError::Provider(_) => ErrorCode::Model,
        AgentError::Memory(_) => ErrorCode::Memory,
    };
    let key = match code {
        ErrorCode::ModelNotRunning | ErrorCode::ModelUnreachable | ErrorCode::ModelBadUrl => {
            Some("model.base_url")
        }
        ErrorCode::ModelMissing => Some("model.name"),
        _ => None,
    };
    ApiError { code, message: error.to_string(), key: key.map(str::to_owned) }
}

/// A conversation as the chat showed it: questions, the model's text, tool calls with their
/// results, and estimates.
#[tauri::command]
pub(crate) async fn chat_history(
    state: State<'_, AppState>,
    session_id: String,
) -> Result<Vec<PastExchange>, ApiError> {
    let desk = state.memory().await?;
    Ok(conversation(&desk.store, &desk.memory_id, LOCAL_ACTOR, &session_id).await?)
}

/// Answers one message of conversation `session_id` offline.
#[tauri::command]
pub(crate) async fn chat_offline(
    state: State<'_, AppState>,
    session_id: String,
    message: String,
) -> Result<SavedEstimate, ApiError> {
    let desk = state.memory().await?;
    let (data_dir, region) = {
        let loaded = state.loaded();
        (loaded.locations.data_dir.clone(), loaded.settings.estimate.region.clone())
    };
    let estimates = EstimateStore::new(&data_dir.join("estimates"));
    let calculator = state.calculator().await;
    let live_prices = LivePrices::find(&*state.connections().await).await;
    let catalog = catalog_for(&data_dir)?;
    forget_failed_turn(&desk.store, &desk.memory_id, LOCAL_ACTOR, &session_id, &message).await?;
    let turn = OfflineTurn {
        memory: (&desk.store, &desk.memory_id, LOCAL_ACTOR),
        session_id: &session_id,
        estimates: &estimates,
        calculator: calculator.as_ref(),
        default_region: &region,
        catalog: &catalog,
        live_prices: live_prices.as_ref(),
    };
    Ok(answer_offline(turn, &message).await?)
}

/// Stores a provider's API key in the keyring (`api-key.<provider>`), after proving the
/// keyring can hold it.
#[tauri::command]
pub(crate) async fn model_key_set(
    state: State<'_, AppState>,
    provider: ModelProvider,
    key: String,
) -> Result<(), ApiError> {
    let api_key = takes_key(provider)?;
    let key = key.trim().to_owned();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidValue,
            "an API key is one word with no spaces: paste it again",
        ));
    }
    let store = state.loaded().settings.keyring.store;
    tokio::task::spawn_blocking(move || {
        let vault = open_vault(store).and_then(|vault| vault.probe().map(|()| vault))?;
        vault.set_secret(&api_key.entry(), &key)
    })
    .await
    .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?
    .map_err(|error| {
        ApiError::new(
            ErrorCode::Keyring,
            format!("the key was not saved: {error}. {}", error.fix()),
        )
    })
}

/// Deletes a provider's API key from the keyring; true when there was one.
#[tauri::command]
pub(crate) async fn model_key_forget(
    state: State<'_, AppState>,
    provider: ModelProvider,
) -> Result<bool, ApiError> {
    let api_key = takes_key(provider)?;
    let store = state.loaded().settings.keyring.store;
    tokio::task::spawn_blocking(move || open_vault(store)?.delete_secret(&api_key.entry()))
        .await
        .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?
        .map_err(|error| ApiError::new(ErrorCode::Keyring, error.to_string()))
}

fn takes_key(provider: ModelProvider) -> Result<ApiKey, ApiError> {
    ApiKey::of(provider).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidValue, format!("{} takes no API key", provider.as_str()))
    })
}
