//! One offline turn, as the chat runs it without a model: estimate the message (asking a
//! connected pricing server first), do the arithmetic on the chosen interpreter (the local
//! sandbox, or a remote one), keep the conversation and the estimate.

use agentdesk_interpreter::Calculator;
use agentdesk_memory::{ListEvents, MemoryStore, NewEvent, PayloadItem, Role};
use agentdesk_pricing::Catalog;
use agentdesk_wasm_sandbox::ToolCall;
use serde_json::json;
use tracing::Instrument;

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
    /// Where the arithmetic runs; `None` when no Python is available (it then runs on the
    /// host, and the estimate says why).
    pub calculator: Option<&'a Calculator>,
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

/// Answers `message` with an estimate, stores the exchange and saves the estimate. Traced
/// as an `invoke_agent` span like a model's turn, with the calculation inside it.
pub async fn answer_offline(
    turn: OfflineTurn<'_>,
    message: &str,
) -> Result<SavedEstimate, OfflineError> {
    let span = tracing::info_span!(
        "invoke_agent",
        otel.name = "invoke_agent cost-estimator",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = "cost-estimator",
        gen_ai.conversation.id = %turn.session_id,
        session.id = %turn.session_id,
        gen_ai.provider.name = "agentdesk.offline",
        gen_ai.input.messages = tracing::field::Empty,
        gen_ai.output.messages = tracing::field::Empty,
    );
    agentdesk_telemetry::traces::start_session(&span, turn.session_id);
    crate::span_content::record_input_text(&span, "user", message);
    let saved = answer(turn, message).instrument(span.clone()).await?;
    crate::span_content::record_output_text(&span, &saved.estimate.report_markdown);
    Ok(saved)
}

async fn answer(turn: OfflineTurn<'_>, message: &str) -> Result<SavedEstimate, OfflineError> {
    let mut answer = estimate(turn.catalog, message, turn.default_region)?;
    if let Some(live_prices) = turn.live_prices {
        live_prices.apply(&mut answer, message).await;
    }
    calculate(turn.calculator, &mut answer, message).await?;
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
    crate::transcript::with_trace(&mut said.metadata);
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

/// Runs the estimate's script on `calculator` in a session of its own and takes its
/// figures. Without a calculator, or when the chosen interpreter cannot be used, the figures
/// stay as the host computed them and the estimate says why; a script that fails is an
/// error, never a silent host figure.
pub async fn calculate(
    calculator: Option<&Calculator>,
    estimate: &mut Estimate,
    description: &str,
) -> Result<(), EstimateError> {
    if estimate.items.is_empty() {
        return Ok(());
    }
    let Some(calculator) = calculator else {
        estimate.calculated_on_host(
            "the Python sandbox is not installed: `agentdesk sandbox install python`",
            "Python サンドボックスが未インストールです: `agentdesk sandbox install python`",
            description,
        );
        return Ok(());
    };
    let call = ToolCall {
        name: "executeCode".into(),
        arguments: json!({"code": estimate.calculation_script, "language": "python"}),
    };
    let interpreter = calculator.interpreter().name().to_owned();
    let span = tracing::info_span!(
        "execute_tool",
        otel.name = "execute_tool calculate",
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = "calculate",
        agentdesk.interpreter = %interpreter,
    );
    let ran = match calculator.run_once("estimate", &call).instrument(span).await {
        Ok(ran) => ran,
        Err(error) => {
            estimate.calculated_on_host(
                &format!("the interpreter {interpreter} could not be used: {error}"),
                &format!("インタープリター {interpreter} を使えませんでした: {error}"),
                description,
            );
            return Ok(());
        }
    };
    let run = ran.result.structured_content.filter(|_| !ran.result.is_error).ok_or_else(|| {
        EstimateError::Calculation(format!(
            "the calculation failed on the interpreter {interpreter}"
        ))
    })?;
    let japanese = is_japanese(description);
    estimate.apply_calculation(&run.stdout, japanese, wants_cheapest(description))?;
    match ran.fell_back {
        Some(why) => estimate.calculated_in_fallback(&why, japanese, wants_cheapest(description)),
        None if !calculator.interpreter().is_local() => {
            estimate.calculated_remotely(&interpreter, japanese, wants_cheapest(description));
        }
        None => {}
    }
    Ok(())
}
