//! One offline turn, as the chat runs it without a model: estimate the message (asking a
//! connected pricing server first), do the arithmetic in the sandbox when it is installed,
//! keep the conversation and the estimate.

use agentdesk_memory::{ListEvents, MemoryStore, NewEvent, PayloadItem, Role};
use agentdesk_pricing::Catalog;
use agentdesk_wasm_sandbox::{Limits, RuntimeId, Sandbox, StartSession, ToolCall};
use serde_json::json;

use crate::transcript::keys;

use super::{
    Estimate, EstimateError, EstimateStore, LivePrices, SavedError, SavedEstimate, estimate,
    is_japanese, wants_cheapest,
};

/// Where an offline turn keeps what it says.
#[derive(Debug, Clone, Copy)]
pub struct OfflineTurn<'a> {
    /// The memory store, memory and actor of the conversation.
    pub memory: (&'a MemoryStore, &'a str, &'a str),
    /// The conversation.
    pub session_id: &'a str,
    /// Where estimates are saved.
    pub estimates: &'a EstimateStore,
    /// The sandbox, when there is one.
    pub sandbox: Option<&'a Sandbox>,
    /// The region priced when the message names none.
    pub default_region: &'a str,
    /// The prices.
    pub catalog: &'a Catalog,
    /// A connected pricing server, asked before the catalog.
    pub live_prices: Option<&'a LivePrices>,
}

/// Why an offline turn failed.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// The estimate could not be made.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    /// It could not be saved.
    #[error(transparent)]
    Saved(#[from] SavedError),
    /// The conversation could not be stored.
    #[error("cannot store the conversation: {0}")]
    Memory(#[from] agentdesk_memory::Error),
}

/// Answers `message` with an estimate, stores the exchange and saves the estimate.
pub async fn answer_offline(
    turn: OfflineTurn<'_>,
    message: &str,
) -> Result<SavedEstimate, OfflineError> {
    let mut answer = estimate(turn.catalog, message, turn.default_region)?;
    if let Some(live_prices) = turn.live_prices {
        live_prices.apply(&mut answer, message).await;
    }
    match turn.sandbox {
        Some(sandbox) => calculate_in_sandbox(sandbox, &mut answer, message).await?,
        None => answer.calculated_on_host(
            "no sandbox was given to this turn",
            "このターンにはサンドボックスがありません",
            message,
        ),
    }
    let saved = turn.estimates.save(message, &answer)?;
    let (store, memory_id, actor_id) = turn.memory;
    if !asked_last(store, memory_id, actor_id, turn.session_id, message).await? {
        store
            .create_event(
                memory_id,
                NewEvent::message(actor_id, turn.session_id, Role::User, message),
            )
            .await?;
    }
    let mut said =
        NewEvent::message(actor_id, turn.session_id, Role::Assistant, &answer.report_markdown);
    // The estimate itself goes with the answer, so a reopened conversation shows its card.
    // (Plain data always converts; were it not to, the answer would show as its Markdown.)
    if let Ok(estimate) = serde_json::to_value(&saved) {
        said.payload.push(PayloadItem::Blob(json!({ keys::SAVED_ESTIMATE: estimate })));
    }
    store.create_event(memory_id, said).await?;
    Ok(saved)
}

/// Whether the conversation ends with `message` from the user, unanswered: the model could
/// not be reached and the user asked the offline estimator to answer the same message, which
/// must not appear twice.
async fn asked_last(
    store: &MemoryStore,
    memory_id: &str,
    actor_id: &str,
    session_id: &str,
    message: &str,
) -> Result<bool, agentdesk_memory::Error> {
    let newest = ListEvents { max_results: Some(1), ..ListEvents::default() };
    let page = store.list_events(memory_id, actor_id, session_id, &newest).await?;
    Ok(page.items.first().is_some_and(|event| {
        let mut said = event.messages();
        said.next().is_some_and(|first| first.role == Role::User && first.content.text == message)
            && said.next().is_none()
    }))
}

/// Runs the estimate's script in a fresh sandbox session and takes its figures; leaves the
/// figures as they are, and says why, when the Python runtime is not installed.
pub async fn calculate_in_sandbox(
    sandbox: &Sandbox,
    estimate: &mut Estimate,
    description: &str,
) -> Result<(), EstimateError> {
    let installed =
        sandbox.runtimes().iter().any(|status| status.id == RuntimeId::Python && status.installed);
    if estimate.items.is_empty() {
        return Ok(());
    }
    if !installed {
        estimate.calculated_on_host(
            "the Python sandbox is not installed: `agentdesk sandbox install python`",
            "Python サンドボックスが未インストールです: `agentdesk sandbox install python`",
            description,
        );
        return Ok(());
    }
    let session = sandbox
        .start_session(StartSession {
            name: "estimate".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 60,
            metered: false,
        })
        .await
        .map_err(|error| EstimateError::Calculation(error.to_string()))?;
    let call = ToolCall {
        name: "executeCode".into(),
        arguments: json!({"code": estimate.calculation_script, "language": "python"}),
    };
    let result = sandbox.invoke(&session.session_id, &call, &Limits::default()).await;
    let _ended = sandbox.stop_session(&session.session_id);
    let run = result.structured_content.filter(|_| !result.is_error).ok_or_else(|| {
        EstimateError::Calculation("the calculation failed in the sandbox".into())
    })?;
    estimate.apply_calculation(&run.stdout, is_japanese(description), wants_cheapest(description))
}
