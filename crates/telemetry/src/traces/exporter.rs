//! The OpenTelemetry exporter that writes finished spans into the local store, batch by
//! batch, on the SDK's batch thread: never on the thread that ended the span.

use std::path::PathBuf;
use std::sync::OnceLock;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::store::TraceStore;

/// Writes batches of spans to `traces.db`.
#[derive(Debug)]
pub(crate) struct StoreExporter {
    path: PathBuf,
    /// The exporter's own runtime: the store's connections live on it, whatever runtime (or
    /// none) the program runs.
    runtime: tokio::runtime::Runtime,
    /// Opened on the first batch, so a program that ends no span never creates the file.
    store: OnceLock<Result<TraceStore, String>>,
}

impl StoreExporter {
    /// An exporter to the store at `path`.
    pub(crate) fn new(path: PathBuf) -> Result<StoreExporter, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| format!("cannot start the trace writer: {error}"))?;
        Ok(StoreExporter { path, runtime, store: OnceLock::new() })
    }

    fn write(&self, batch: &[SpanData]) -> OTelSdkResult {
        let store = self.store.get_or_init(|| {
            self.runtime.block_on(TraceStore::open(&self.path)).map_err(|error| error.to_string())
        });
        let store = store.as_ref().map_err(|error| OTelSdkError::InternalFailure(error.clone()))?;
        self.runtime
            .block_on(store.insert(batch))
            .map_err(|error| OTelSdkError::InternalFailure(error.to_string()))
    }
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
