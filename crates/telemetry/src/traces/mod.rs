//! Traces of every agent run, kept on this machine: `tracing` spans become OpenTelemetry
//! spans (`tracing-opentelemetry`), a batch processor hands them to [`StoreExporter`] off the
//! hot path, and [`TraceStore`] keeps them in `traces.db`, where [`query`] reads them back as
//! conversations → traces → span trees.
//!
//! Only AgentDesk's own spans at INFO and above are traced (`agentdesk*` targets): the GenAI
//! spans of agent turns, model calls and tools, not the libraries' internals.

mod content;
mod exporter;
mod query;
mod store;

use std::path::PathBuf;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::registry::LookupSpan;

pub use content::{
    CAPTURE_VARIABLE, capture_content, messages, set_capture_content, text_messages,
};
pub use query::{
    ModelUsage, SessionSummary, SpanEvent, SpanView, TraceDetail, TraceFilter, TraceSummary,
};
pub use store::{TRACES_FILE, TraceStore, TraceStoreError};

/// The service name spans carry.
const SERVICE_NAME: &str = "agentdesk";

/// The tracer provider writing to the store; dropping it writes the last batch.
#[derive(Debug)]
pub struct Pipeline {
    provider: SdkTracerProvider,
}

impl Pipeline {
    /// A pipeline writing to the store at `path`, where traces older than `retention_days`
    /// are deleted in the background.
    pub fn to_store(path: PathBuf, retention_days: u32) -> Result<Pipeline, String> {
        let retention = std::time::Duration::from_secs(u64::from(retention_days) * 86_400);
        let exporter = exporter::StoreExporter::new(path, retention)?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name(SERVICE_NAME).build())
            .build();
        Ok(Pipeline { provider })
    }

    /// The `tracing` layer feeding this pipeline with AgentDesk's spans.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        // Source locations, thread ids and busy/idle times are `tracing`'s, not the GenAI
        // conventions': they would only crowd every span's attributes.
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer(SERVICE_NAME))
            .with_location(false)
            .with_threads(false)
            .with_tracked_inactivity(false)
            .with_filter(filter_fn(|metadata| {
                metadata.is_span()
                    && *metadata.level() <= tracing::Level::INFO
                    && metadata.target().starts_with("agentdesk")
            }))
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // Writes the spans still queued; a failure here has nowhere left to be reported.
        let _flushed = self.provider.shutdown();
    }
}
