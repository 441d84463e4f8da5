//! The Chat page. Without a model (this version's desktop), each message is answered by the
//! offline cost estimator, with its arithmetic in the sandbox.

use agentdesk_agent::estimator::{EstimateStore, OfflineTurn, SavedEstimate, answer_offline};
use agentdesk_memory::LOCAL_ACTOR;
use tauri::State;

use crate::{ApiError, AppState};

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
    let sandbox = state.sandbox().ok();
    let turn = OfflineTurn {
        memory: (&desk.store, &desk.memory_id, LOCAL_ACTOR),
        session_id: &session_id,
        estimates: &estimates,
        sandbox: sandbox.as_ref(),
        default_region: &region,
    };
    Ok(answer_offline(turn, &message).await?)
}
