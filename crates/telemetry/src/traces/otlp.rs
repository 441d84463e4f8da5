//! Sending spans to any OTLP receiver (Phoenix, Jaeger, Langfuse, an OpenTelemetry
//! Collector, CloudWatch's OTLP endpoint) over http/protobuf or gRPC, configured by the
//! standard `OTEL_*` variables or by `[telemetry]` in the config file.
//!
//! Export runs on the batch processor's thread, never on the thread that ended a span; a
//! batch that cannot be sent is dropped and counted ([`otlp_status`]), and a program's exit
//! waits at most [`LAST_SEND`] for the receiver, so a dead or hanging one never holds the
//! program up. The local store keeps every span either way.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor};

/// `OTEL_SDK_DISABLED=true` turns OTLP export off (the local store is AgentDesk's own and
/// stays on).
const DISABLED_VARIABLE: &str = "OTEL_SDK_DISABLED";
/// The endpoint variables, the traces' own first.
const ENDPOINT_VARIABLES: [&str; 2] =
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"];
/// The protocol variables, the traces' own first.
const PROTOCOL_VARIABLES: [&str; 2] =
    ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"];
/// The timeout variables: when neither is set, a batch gets [`SEND_TIMEOUT`].
const TIMEOUT_VARIABLES: [&str; 2] =
    ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"];
/// How long one batch may take to send, unless the variables say otherwise (the SDK's own
/// default, 10 s, would keep a hanging receiver's batch queued for longer than a turn).
const SEND_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a program's exit waits for its last batch to reach the receiver.
const LAST_SEND: Duration = Duration::from_millis(500);

/// The protocols AgentDesk sends with.
pub const PROTOCOLS: [&str; 2] = ["http/protobuf", "grpc"];

/// Where spans go over OTLP, as configured in `[telemetry]`; the standard variables win
/// over both fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The receiver's base URL (`http://localhost:6006`; `/v1/traces` is added for HTTP),
    /// empty for none.
    pub endpoint: String,
    /// `http/protobuf` or `grpc`; empty for `http/protobuf`.
    pub protocol: String,
}

/// How OTLP export is going, for the doctor (the Status page) and the end of a CLI command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtlpStatus {
    /// Where spans are sent.
    pub endpoint: String,
    /// `http/protobuf` or `grpc`.
    pub protocol: String,
    /// Spans handed to the sender.
    pub queued: u64,
    /// Spans the receiver accepted.
    pub sent: u64,
    /// Spans whose batch could not be sent.
    pub failed: u64,
    /// Why the last batch could not be sent, if it could not.
    pub last_error: Option<String>,
}

impl OtlpStatus {
    /// Spans not (yet) accepted by the receiver: failed, still queued or in flight, or
    /// dropped because the queue was full.
    pub fn unsent(&self) -> u64 {
        self.queued.saturating_sub(self.sent)
    }
}

/// This process's export, once a pipeline with OTLP was built; `queued` is kept in
/// [`QUEUED`] instead.
static STATUS: Mutex<Option<OtlpStatus>> = Mutex::new(None);

/// Spans handed to the sender: counted apart from [`STATUS`] because every span's end adds
/// one, on the thread that ended it.
static QUEUED: AtomicU64 = AtomicU64::new(0);

/// How OTLP export is going in this process; `None` when spans are not sent anywhere.
pub fn otlp_status() -> Option<OtlpStatus> {
    let mut status = STATUS.lock().unwrap_or_else(PoisonError::into_inner).clone()?;
    status.queued = QUEUED.load(Ordering::Relaxed);
    Some(status)
}

fn update_status(change: impl FnOnce(&mut OtlpStatus)) {
    if let Some(status) = STATUS.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
        change(status);
    }
}

/// Why `config` and the variables cannot send spans, if they cannot (for the doctor).
pub fn otlp_setting_problem(config: &OtlpConfig) -> Option<String> {
    resolve(config).err()
}

/// The first of `variables` that is set to something.
fn variable(variables: &[&str]) -> Option<String> {
    variables
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
}

/// The endpoint to pass the SDK (`None`: it reads the variables), the protocol and its name.
type Resolved = (Option<String>, Protocol, &'static str);

/// The endpoint and protocol export uses: the variables', else `config`'s; `Ok(None)` when
/// there is no endpoint or `OTEL_SDK_DISABLED=true`.
fn resolve(config: &OtlpConfig) -> Result<Option<Resolved>, String> {
    if std::env::var(DISABLED_VARIABLE).is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    let from_variables = variable(&ENDPOINT_VARIABLES).is_some();
    let configured = config.endpoint.trim();
    if !from_variables && configured.is_empty() {
        return Ok(None);
    }
    let protocol =
        variable(&PROTOCOL_VARIABLES).unwrap_or_else(|| config.protocol.trim().to_owned());
    let (protocol, name) = match protocol.as_str() {
        "" | "http/protobuf" => (Protocol::HttpBinary, PROTOCOLS[0]),
        "grpc" => (Protocol::Grpc, PROTOCOLS[1]),
        other => {
            return Err(format!(
                "OTLP protocol {other:?} is not supported: use http/protobuf or grpc (in \
                 OTEL_EXPORTER_OTLP_PROTOCOL or telemetry.otlp_protocol); spans are not sent"
            ));
        }
    };
    let is_url = configured.starts_with("http://") || configured.starts_with("https://");
    if !from_variables && !is_url {
        return Err(format!(
            "telemetry.otlp_endpoint {configured:?} is not an http:// or https:// URL (such as \
             http://localhost:4318); spans are not sent"
        ));
    }
    // The SDK reads the variables itself; the configured endpoint is passed only without them.
    let endpoint = (!from_variables).then(|| match protocol {
        // As OTEL_EXPORTER_OTLP_ENDPOINT: the base URL, to which HTTP adds the traces' path.
        Protocol::HttpBinary => format!("{}/v1/traces", configured.trim_end_matches('/')),
        _ => configured.to_owned(),
    });
    Ok(Some((endpoint, protocol, name)))
}

/// The span processor sending to the receiver `config` and the variables ask for; `Ok(None)`
/// for none.
pub(crate) fn processor(config: &OtlpConfig) -> Result<Option<OtlpProcessor>, String> {
    let Some(exporter) = exporter(config)? else { return Ok(None) };
    Ok(Some(OtlpProcessor(BatchSpanProcessor::builder(exporter).build())))
}

/// The OTLP exporter `config` and the variables ask for; `Ok(None)` for none.
fn exporter(config: &OtlpConfig) -> Result<Option<OtlpExporter>, String> {
    let Some((endpoint, protocol, protocol_name)) = resolve(config)? else { return Ok(None) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the OTLP sender: {error}"))?;
    let timeout = variable(&TIMEOUT_VARIABLES).is_none().then_some(SEND_TIMEOUT);
    // gRPC's channel is bound to the runtime it is built in.
    let built = runtime.block_on(async {
        let builder = opentelemetry_otlp::SpanExporter::builder();
        match protocol {
            Protocol::Grpc => {
                let mut tonic = builder.with_tonic().with_protocol(protocol);
                if let Some(endpoint) = &endpoint {
                    tonic = tonic.with_endpoint(endpoint);
                }
                if let Some(timeout) = timeout {
                    tonic = tonic.with_timeout(timeout);
                }
                tonic.build()
            }
            _ => {
                let mut http = builder.with_http().with_protocol(protocol);
                if let Some(endpoint) = &endpoint {
                    http = http.with_endpoint(endpoint);
                }
                if let Some(timeout) = timeout {
                    http = http.with_timeout(timeout);
                }
                http.build()
            }
        }
    });
    let inner = built.map_err(|error| format!("cannot send spans over OTLP: {error}"))?;
    let shown = endpoint.or_else(|| variable(&ENDPOINT_VARIABLES)).unwrap_or_default();
    let shown = without_credentials(&shown);
    QUEUED.store(0, Ordering::Relaxed);
    *STATUS.lock().unwrap_or_else(PoisonError::into_inner) = Some(OtlpStatus {
        endpoint: shown,
        protocol: protocol_name.to_owned(),
        ..OtlpStatus::default()
    });
    Ok(Some(OtlpExporter { inner, runtime }))
}

/// `text` with every URL's user name and password left out: the endpoint and the reasons a
/// batch failed (which may quote the URL) are shown on Status and in warnings, and a secret
/// must never be.
fn without_credentials(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (before, after) = rest.split_at(scheme_end + 3);
        shown.push_str(before);
        let authority_end = after
            .find(|c: char| "/?#)\"' ".contains(c) || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        shown.push_str(authority.rfind('@').map_or(authority, |at| &authority[at + 1..]));
        rest = &after[authority_end..];
    }
    shown.push_str(rest);
    shown
}

/// The OTLP exporter on its own runtime, counting what it sent and dropped.
#[derive(Debug)]
struct OtlpExporter {
    inner: opentelemetry_otlp::SpanExporter,
    /// Drives the HTTP client's or the gRPC channel's I/O while a batch is sent.
    runtime: tokio::runtime::Runtime,
}

impl SpanExporter for OtlpExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let count = batch.len() as u64;
        let result = self.runtime.block_on(self.inner.export(batch));
        match &result {
            Ok(()) => update_status(|status| status.sent += count),
            Err(error) => {
                let reason = match error {
                    OTelSdkError::Timeout(after) => format!("no answer within {after:?}"),
                    other => without_credentials(&other.to_string()),
                };
                update_status(|status| {
                    status.failed += count;
                    status.last_error = Some(reason);
                });
            }
        }
        std::future::ready(result)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The batch processor feeding [`OtlpExporter`], counting the spans it is handed and
/// waiting at most [`LAST_SEND`] for the receiver at exit.
#[derive(Debug)]
pub(crate) struct OtlpProcessor(BatchSpanProcessor);

impl SpanProcessor for OtlpProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        QUEUED.fetch_add(1, Ordering::Relaxed);
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout.min(LAST_SEND))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn an_endpoints_user_and_password_are_never_shown() {
        assert_eq!(
            without_credentials("https://pk-lf-1:sk-lf-2@cloud.langfuse.com/api/public/otel"),
            "https://cloud.langfuse.com/api/public/otel"
        );
        assert_eq!(
            without_credentials("http://localhost:4318/v1/traces"),
            "http://localhost:4318/v1/traces"
        );
        assert_eq!(without_credentials("http://host/path?to=a@b"), "http://host/path?to=a@b");
        assert_eq!(
            without_credentials("error sending request for url (http://u:p@127.0.0.1:9/v1/traces)"),
            "error sending request for url (http://127.0.0.1:9/v1/traces)"
        );
    }
}
