//! The trace context across processes, and the conversation carried with it.
//!
//! A turn's conversation id rides in the W3C baggage entry `session.id` (the entry AgentCore
//! groups by): [`start_session`] puts it on a turn's span, [`SessionFromBaggage`] copies it
//! onto every span started under it, here or, through the `baggage` header or MCP `_meta`, in
//! the next process. [`continue_trace`] makes a server's span a child of its caller's
//! (`traceparent`, `tracestate`, `baggage`); callers inject them with the OpenTelemetry API's
//! global propagator, which a [`super::Pipeline`] sets to W3C trace context plus baggage.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{Span as _, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The baggage entry and span attribute naming the conversation.
const SESSION_KEY: &str = "session.id";
/// The GenAI conventions' name for the same id.
const CONVERSATION_KEY: &str = "gen_ai.conversation.id";

/// Sets the OpenTelemetry API's global propagator to W3C trace context and baggage, which
/// libraries (the MCP client) inject with.
pub(crate) fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry::propagation::TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]),
    );
}

/// Marks `span` (a turn's `invoke_agent`, just created) as conversation `session_id`: every
/// span under it gets `session.id` and `gen_ai.conversation.id`, and calls made under it
/// carry the id in their baggage. Its parent stays what it was.
pub fn start_session(span: &tracing::Span, session_id: &str) {
    let parent = tracing::Span::current().context();
    let mut baggage: Vec<KeyValue> = parent
        .baggage()
        .iter()
        .filter(|(key, _)| key.as_str() != SESSION_KEY)
        .map(|(key, (value, _))| KeyValue::new(key.clone(), value.to_string()))
        .collect();
    baggage.push(KeyValue::new(SESSION_KEY, session_id.to_owned()));
    // Refused only when no pipeline is installed or the span already started: then there
    // is nothing to carry the id to.
    let _ = span.set_parent(parent.with_baggage(baggage));
}

/// Makes `span` (a server's span for one request, just created) a child of the caller's
/// span, read from the W3C `traceparent`, `tracestate` and `baggage` in `carrier` (HTTP
/// headers or MCP `_meta`, names in lower case). Without a valid `traceparent` the span
/// keeps its own parent.
pub fn continue_trace(span: &tracing::Span, carrier: &HashMap<String, String>) {
    let caller =
        opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(carrier));
    if caller.span().span_context().is_valid() {
        // Refused only when no pipeline is installed or the span already started.
        let _ = span.set_parent(caller);
    }
}

/// The W3C trace context of `span` (`traceparent`, and `tracestate` and `baggage` when
/// there are any), for a request that leaves this process; empty when traces are off.
pub fn w3c_context(span: &tracing::Span) -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    let context = span.context();
    if context.span().span_context().is_valid() {
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(&context, &mut carrier);
        });
    }
    carrier.retain(|_, value| !value.is_empty());
    carrier
}

/// The trace `span` belongs to (32 hex digits); `None` when traces are off.
pub fn trace_id_of(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then(|| span_context.trace_id().to_string())
}

/// Copies the baggage's `session.id` onto each span as it starts: the turn's own spans, the
/// MCP and tool spans under it, and a server's spans continuing a caller's trace.
#[derive(Debug, Default)]
pub(crate) struct SessionFromBaggage;

impl SpanProcessor for SessionFromBaggage {
    fn on_start(&self, span: &mut Span, parent: &Context) {
        if let Some(session) = parent.baggage().get(SESSION_KEY) {
            span.set_attribute(KeyValue::new(SESSION_KEY, session.to_string()));
            span.set_attribute(KeyValue::new(CONVERSATION_KEY, session.to_string()));
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
