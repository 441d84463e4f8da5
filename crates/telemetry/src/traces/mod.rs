//! Traces of every agent run, kept on this machine: `tracing` spans become OpenTelemetry
//! spans (`tracing-opentelemetry`), a batch processor hands them to [`StoreExporter`] off the
//! hot path, and [`TraceStore`] keeps them in `traces.db`, where [`query`] reads them back as
//! conversations → traces → span trees. With an OTLP endpoint, a second batch processor sends
//! the same spans to any OTLP receiver ([`otlp`]); the two are independent, so a receiver's
//! trouble never costs the store a span. [`context`] carries a trace and its conversation
//! across processes (W3C trace context and baggage). Start at [`Pipeline::new`].
//!
//! Only AgentDesk's own spans at INFO and above are traced (`agentdesk*` targets): the GenAI
//! spans of agent turns, model calls and tools, not the libraries' internals.

mod closing;
mod content;
mod context;
mod exporter;
mod otlp;
mod query;
mod store;

use std::path::PathBuf;

use closing::OpenSpans;
use context::SessionFromBaggage;
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
pub use context::{continue_trace, start_session, trace_id_of, w3c_context};
pub use otlp::{OtlpConfig, OtlpStatus, PROTOCOLS, otlp_setting_problem, otlp_status};
pub use query::{
    ModelUsage, SessionSummary, SpanEvent, SpanView, TraceDetail, TraceFilter, TraceSummary,
};
pub use store::{TRACES_FILE, TraceStore, TraceStoreError};

/// The service name spans carry.
const SERVICE_NAME: &str = "agentdesk";

/// How long and how much the store keeps: the oldest traces go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days a trace is kept after it ended.
    pub days: u32,
    /// The most the stored spans may take, in bytes.
    pub max_bytes: u64,
}

impl Retention {
    /// `days` and `max_megabytes` as the `[telemetry]` settings give them.
    pub fn new(days: u32, max_megabytes: u32) -> Retention {
        Retention { days, max_bytes: u64::from(max_megabytes) * 1024 * 1024 }
    }

    fn age(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.days) * 86_400)
    }
}

/// Where a pipeline keeps its spans.
#[derive(Debug, Clone)]
pub struct Destinations {
    /// The trace store's file (`traces.db`) and what it keeps; `None` for none.
    pub store: Option<(PathBuf, Retention)>,
    /// Where spans are sent over OTLP; the `OTEL_*` variables win over it.
    pub otlp: OtlpConfig,
}

/// Why a destination of [`Pipeline::new`] could not be set up.
#[derive(Debug, Default)]
pub struct SetupProblems {
    /// Why the store cannot keep traces.
    pub store: Option<String>,
    /// Why spans cannot be sent over OTLP.
    pub otlp: Option<String>,
}

/// The tracer provider writing to the store and sending to an OTLP receiver; dropping it
/// writes the last batch to the store and gives the receiver a short while.
#[derive(Debug)]
pub struct Pipeline {
    provider: SdkTracerProvider,
    /// Waited for at shutdown, so a span ending just after its work is still kept.
    open: OpenSpans,
}

impl Pipeline {
    /// A pipeline to `destinations`, with what could not be set up (each destination is
    /// independent: a bad OTLP setting does not stop the store); `None` when there is
    /// nowhere to send spans.
    pub fn new(destinations: &Destinations) -> (Option<Pipeline>, SetupProblems) {
        let mut problems = SetupProblems::default();
        let open = OpenSpans::default();
        let mut builder = SdkTracerProvider::builder()
            .with_span_processor(SessionFromBaggage)
            .with_span_processor(open.clone());
        let mut any = false;
        if let Some((path, retention)) = &destinations.store {
            match exporter::StoreExporter::new(path.clone(), *retention) {
                // Registered first so it gets each span before the network does.
                Ok(store) => {
                    builder = builder.with_span_processor(exporter::batched(store));
                    any = true;
                }
                Err(problem) => problems.store = Some(problem),
            }
        }
        match otlp::processor(&destinations.otlp) {
            Ok(Some(sender)) => {
                builder = builder.with_span_processor(sender);
                any = true;
            }
            Ok(None) => {}
            Err(problem) => problems.otlp = Some(problem),
        }
        let pipeline = any.then(|| {
            context::install_propagator();
            Pipeline { provider: builder.with_resource(resource()).build(), open }
        });
        (pipeline, problems)
    }

    /// A pipeline writing only to the store at `path`, whatever the `OTEL_*` variables say
    /// (for tests and benchmarks of the store).
    pub fn to_store(path: PathBuf, retention: Retention) -> Result<Pipeline, String> {
        let store = exporter::StoreExporter::new(path, retention)?;
        context::install_propagator();
        let open = OpenSpans::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(SessionFromBaggage)
            .with_span_processor(open.clone())
            .with_span_processor(exporter::batched(store))
            .with_resource(resource())
            .build();
        Ok(Pipeline { provider, open })
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
        self.open.wait_until_closed();
        // Writes the spans still queued; a failure here is reported by the OTLP status.
        let _flushed = self.provider.shutdown();
    }
}

/// The spans' resource: `service.name` is AgentDesk's unless `OTEL_SERVICE_NAME` or
/// `OTEL_RESOURCE_ATTRIBUTES` names another, which the SDK's detectors read.
fn resource() -> Resource {
    let named_by_user = std::env::var("OTEL_SERVICE_NAME")
        .is_ok_and(|name| !name.trim().is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|attributes| {
            attributes.split(',').any(|pair| pair.trim().starts_with("service.name="))
        });
    let builder = Resource::builder();
    if named_by_user { builder.build() } else { builder.with_service_name(SERVICE_NAME).build() }
}
