//! The Memory page: conversations, their events, long-term records and extraction status.

use agentdesk_memory::{
    Event, ExtractionReport, ExtractionStatus, ListEvents, ListRecords, MemoryRecord,
    RetrieveRecords, ScoredRecord, Session,
};
use tauri::State;

use crate::{ApiError, AppState};

#[tauri::command]
pub(crate) async fn memory_sessions(state: State<'_, AppState>) -> Result<Vec<Session>, ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.list_sessions(&desk.memory_id, None).await?)
}

/// Conversations whose title or messages contain every word of `query` (any language),
/// most recently active first.
#[tauri::command]
pub(crate) async fn memory_sessions_search(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<Session>, ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.search_sessions(&desk.memory_id, None, &query).await?)
}

/// Gives a conversation a new title.
#[tauri::command]
pub(crate) async fn memory_session_rename(
    state: State<'_, AppState>,
    actor_id: String,
    session_id: String,
    title: String,
) -> Result<(), ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.set_session_title(&desk.memory_id, &actor_id, &session_id, &title).await?)
}

/// Deletes a conversation and its events; what was remembered about the user from it stays
/// on the Memory page.
#[tauri::command]
pub(crate) async fn memory_session_delete(
    state: State<'_, AppState>,
    actor_id: String,
    session_id: String,
) -> Result<(), ApiError> {
    let desk = state.memory().await?;
    desk.store.delete_session(&desk.memory_id, &actor_id, &session_id).await?;
    // Its Python session (on a remote interpreter, paid for) ends with it.
    state.close_conversation_sessions(&session_id).await;
    Ok(())
}

/// A conversation's events, oldest first.
#[tauri::command]
pub(crate) async fn memory_events(
    state: State<'_, AppState>,
    actor_id: String,
    session_id: String,
) -> Result<Vec<Event>, ApiError> {
    let desk = state.memory().await?;
    let mut request =
        ListEvents { oldest_first: true, max_results: Some(1000), ..ListEvents::default() };
    let mut events = Vec::new();
    loop {
        let page =
            desk.store.list_events(&desk.memory_id, &actor_id, &session_id, &request).await?;
        events.extend(page.items);
        match page.next_token {
            Some(token) => request.next_token = Some(token),
            None => return Ok(events),
        }
    }
}

#[tauri::command]
pub(crate) async fn memory_event(
    state: State<'_, AppState>,
    event_id: String,
) -> Result<Event, ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.get_event(&desk.memory_id, &event_id).await?)
}

/// Every active record, newest change first.
#[tauri::command]
pub(crate) async fn memory_records(
    state: State<'_, AppState>,
) -> Result<Vec<MemoryRecord>, ApiError> {
    let desk = state.memory().await?;
    let request = ListRecords { max_results: Some(1000), ..ListRecords::default() };
    Ok(desk.store.list_records(&desk.memory_id, &request).await?.items)
}

#[tauri::command]
pub(crate) async fn memory_search(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<ScoredRecord>, ApiError> {
    let desk = state.memory().await?;
    let request =
        RetrieveRecords { search_query: query, top_k: Some(20), ..RetrieveRecords::default() };
    Ok(desk.store.retrieve_records(&desk.memory_id, &request).await?)
}

#[tauri::command]
pub(crate) async fn memory_record_update(
    state: State<'_, AppState>,
    record_id: String,
    text: String,
) -> Result<MemoryRecord, ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.update_record(&desk.memory_id, &record_id, &text).await?)
}

#[tauri::command]
pub(crate) async fn memory_record_delete(
    state: State<'_, AppState>,
    record_id: String,
) -> Result<(), ApiError> {
    let desk = state.memory().await?;
    Ok(desk.store.delete_record(&desk.memory_id, &record_id).await?)
}

#[tauri::command]
pub(crate) async fn memory_status(
    state: State<'_, AppState>,
) -> Result<ExtractionStatus, ApiError> {
    Ok(state.memory().await?.worker.status().await?)
}

/// Extracts every conversation with new events now.
#[tauri::command]
pub(crate) async fn memory_extract(
    state: State<'_, AppState>,
) -> Result<ExtractionReport, ApiError> {
    Ok(state.memory().await?.worker.run_now().await?)
}
