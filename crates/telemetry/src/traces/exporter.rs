//! The OpenTelemetry exporter that writes finished spans into the local store, batch by
//! batch, on the SDK's batch thread: never on the thread that ended the span.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SpanData, SpanExporter};

use super::Retention;
use super::store::TraceStore;

/// How long finished spans wait to be written: the Traces page (polling every second) shows a
/// turn's spans about as they end, rather than the SDK's default 5 s later.
const WRITE_EVERY: Duration = Duration::from_secs(1);

/// How often traces past their age are deleted, at most.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Writes batches of spans to `traces.db`, and deletes traces past their retention there:
/// by age hourly, by size after every batch (two pragmas when under the limit).
#[derive(Debug)]
pub(crate) struct StoreExporter {
    path: PathBuf,
    /// The exporter's own runtime: the store's connections live on it, whatever runtime (or
    /// none) the program runs.
    runtime: tokio::runtime::Runtime,
    /// Opened on the first batch, so a program that ends no span never creates the file.
    store: OnceLock<Result<TraceStore, String>>,
    /// How long and how much is kept.
    retention: Retention,
    /// When traces past their age were last deleted.
    purged_at: Mutex<Option<Instant>>,
}

impl StoreExporter {
    /// An exporter to the store at `path`, keeping what `retention` allows.
    pub(crate) fn new(path: PathBuf, retention: Retention) -> Result<StoreExporter, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| format!("cannot start the trace writer: {error}"))?;
        Ok(StoreExporter {
            path,
            runtime,
            store: OnceLock::new(),
            retention,
            purged_at: Mutex::new(None),
        })
    }

    fn write(&self, batch: &[SpanData]) -> OTelSdkResult {
        let store = self.store.get_or_init(|| {
            self.runtime.block_on(TraceStore::open(&self.path)).map_err(|error| error.to_string())
        });
        let store = store.as_ref().map_err(|error| OTelSdkError::InternalFailure(error.clone()))?;
        self.runtime
            .block_on(store.insert(batch))
            .map_err(|error| OTelSdkError::InternalFailure(error.to_string()))?;
        self.purge_when_due(store);
        if let Err(error) = self.runtime.block_on(store.shrink_to(self.retention.max_bytes)) {
            tracing::warn!("cannot delete the oldest traces to keep under the size limit: {error}");
        }
        Ok(())
    }

    /// Deletes traces older than the retention: on the first batch, then hourly.
    fn purge_when_due(&self, store: &TraceStore) {
        let mut purged_at = self.purged_at.lock().unwrap_or_else(PoisonError::into_inner);
        if purged_at.is_some_and(|at| at.elapsed() < PURGE_EVERY) {
            return;
        }
        *purged_at = Some(Instant::now());
        let before =
            SystemTime::now().checked_sub(self.retention.age()).unwrap_or(SystemTime::UNIX_EPOCH);
        if let Err(error) = self.runtime.block_on(store.delete_older_than(before)) {
            tracing::warn!("cannot delete traces past their retention: {error}");
        }
    }
}

/// The batch processor writing to `store` every [`WRITE_EVERY`] (the queue and batch sizes
/// are the SDK's, or its `OTEL_BSP_*` variables').
pub(crate) fn batched(store: StoreExporter) -> BatchSpanProcessor {
    let config = BatchConfigBuilder::default().with_scheduled_delay(WRITE_EVERY).build();
    BatchSpanProcessor::builder(store).with_batch_config(config).build()
}

impl SpanExporter for StoreExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.write(&batch))
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        if let Some(Ok(store)) = self.store.get() {
            self.runtime.block_on(store.close());
        }
        Ok(())
    }
}
