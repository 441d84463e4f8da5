//! The Traces page: conversations → traces → span trees from `traces.db`, priced from the
//! catalog's model token prices, and a trace as OTLP JSON.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use agentdesk_agent::{PricedSession, PricedTrace, PricedTraceDetail, TracePricer, pricing_region};
use agentdesk_pricing::Catalog;
use agentdesk_telemetry::traces::{TRACES_FILE, TraceFilter, TraceStore, TraceStoreError};
use tauri::State;

use crate::{ApiError, AppState, ErrorCode};

/// The trace store and the catalog its costs are read from, opened on first use; the catalog
/// is read again when `agentdesk prices update` has changed the prices folder.
#[derive(Debug, Default)]
pub(crate) struct TracesDesk {
    store: tokio::sync::OnceCell<TraceStore>,
    catalog: tokio::sync::Mutex<Option<(Option<SystemTime>, Arc<Catalog>)>>,
}

impl From<TraceStoreError> for ApiError {
    fn from(error: TraceStoreError) -> ApiError {
        let code = match error {
            TraceStoreError::NoSuchTrace(_) => ErrorCode::NotFound,
            TraceStoreError::Open { .. } => ErrorCode::Io,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

impl AppState {
    async fn trace_store(&self) -> Result<&TraceStore, ApiError> {
        let path = self.loaded().locations.data_dir.join(TRACES_FILE);
        Ok(self.traces.store.get_or_try_init(|| TraceStore::open(&path)).await?)
    }

    /// The catalog and the region model prices are read for ([`pricing_region`]).
    async fn trace_prices(&self) -> Result<(Arc<Catalog>, String), ApiError> {
        let (prices, configured) = {
            let loaded = self.loaded();
            (loaded.locations.data_dir.join("prices"), loaded.settings.model.aws_region.clone())
        };
        let region = pricing_region(&configured);
        let changed = std::fs::metadata(&prices).and_then(|folder| folder.modified()).ok();
        let mut cached = self.traces.catalog.lock().await;
        if let Some((read_at, catalog)) = cached.as_ref()
            && *read_at == changed
        {
            return Ok((catalog.clone(), region));
        }
        let catalog = read_catalog(prices).await?;
        *cached = Some((changed, catalog.clone()));
        Ok((catalog, region))
    }

    /// Conversation titles by id, from the memory (an empty map when it cannot be read: the
    /// page then shows ids).
    async fn conversation_titles(&self) -> std::collections::HashMap<String, String> {
        let Ok(desk) = self.memory().await else { return Default::default() };
        let sessions = desk.store.list_sessions(&desk.memory_id, None).await.unwrap_or_default();
        sessions
            .into_iter()
            .filter_map(|session| {
                let title = session.title.filter(|title| !title.trim().is_empty())?;
                Some((session.session_id, title))
            })
            .collect()
    }
}

async fn read_catalog(prices: PathBuf) -> Result<Arc<Catalog>, ApiError> {
    // Reading the catalog files is blocking I/O: off the async threads.
    tokio::task::spawn_blocking(move || Catalog::for_folder(&prices))
        .await
        .map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("reading prices stopped: {error}"))
        })?
        .map_err(Into::into)
}

/// Conversations with their traces summed up and priced, most recently active first.
#[tauri::command]
pub(crate) async fn traces_sessions(
    state: State<'_, AppState>,
    filter: TraceFilter,
) -> Result<Vec<PricedSession>, ApiError> {
    let sessions = state.trace_store().await?.sessions(&filter).await?;
    let (catalog, region) = state.trace_prices().await?;
    let titles = state.conversation_titles().await;
    let pricer = TracePricer::new(&catalog, &region);
    Ok(sessions
        .into_iter()
        .map(|session| {
            let title = session.session_id.as_ref().and_then(|id| titles.get(id)).cloned();
            pricer.session(session, title)
        })
        .collect())
}

/// Traces summed up and priced, newest first.
#[tauri::command]
pub(crate) async fn traces_list(
    state: State<'_, AppState>,
    filter: TraceFilter,
) -> Result<Vec<PricedTrace>, ApiError> {
    let traces = state.trace_store().await?.traces(&filter).await?;
    let (catalog, region) = state.trace_prices().await?;
    let pricer = TracePricer::new(&catalog, &region);
    Ok(traces.into_iter().map(|trace| pricer.trace(trace)).collect())
}

/// One trace with all its spans, priced.
#[tauri::command]
pub(crate) async fn trace_detail(
    state: State<'_, AppState>,
    trace_id: String,
) -> Result<PricedTraceDetail, ApiError> {
    let detail = state.trace_store().await?.trace(&trace_id).await?;
    let (catalog, region) = state.trace_prices().await?;
    Ok(TracePricer::new(&catalog, &region).detail(detail))
}

/// One trace as OTLP JSON (`ExportTraceServiceRequest`), pretty-printed, for the page to save.
#[tauri::command]
pub(crate) async fn trace_otlp_json(
    state: State<'_, AppState>,
    trace_id: String,
) -> Result<String, ApiError> {
    let otlp = state.trace_store().await?.otlp_json(&trace_id).await?;
    serde_json::to_string_pretty(&otlp).map_err(|error| {
        ApiError::new(ErrorCode::Internal, format!("the trace cannot be written as JSON: {error}"))
    })
}
