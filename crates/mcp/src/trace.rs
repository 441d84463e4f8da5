//! The span a tool call runs in, and the W3C trace context it carries to the server in
//! `params._meta` (`traceparent`, `tracestate`, `baggage`), as MCP's OpenTelemetry
//! conventions say (CONTRACTS.md, Observability). Only the OpenTelemetry API is used: the
//! program's tracer provider and global propagator decide whether anything is sent, so
//! without traces a call carries no `_meta` of ours.

use std::collections::HashMap;

use opentelemetry::trace::TraceContextExt;
use rmcp::model::RequestMetaObject;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// `mcp.method.name` of a tool call.
const TOOLS_CALL: &str = "tools/call";

/// Marks `span` (the caller's, standing for this one call: the agent's `execute_tool`) as a
/// tool call over `transport` (`pipe` for stdio, `tcp` for HTTP), so the call is one span and
/// not two. Fields the span does not declare are left out.
pub(crate) fn record_call(span: &tracing::Span, transport: &'static str) {
    span.record("mcp.method.name", TOOLS_CALL);
    span.record("network.transport", transport);
}

/// A CLIENT span `tools/call {tool}` for calling `tool` over `transport`.
pub(crate) fn client_span(tool: &str, transport: &'static str) -> tracing::Span {
    tracing::info_span!(
        "tools/call",
        otel.name = %format!("{TOOLS_CALL} {tool}"),
        otel.kind = "client",
        mcp.method.name = TOOLS_CALL,
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = %tool,
        network.transport = transport,
        error.type = Empty,
        otel.status_code = Empty,
    )
}

/// Records why a call failed (`tool_error` when the tool ran and said it failed).
pub(crate) fn record_error(span: &tracing::Span, error_type: &str) {
    span.record("error.type", error_type);
    span.record("otel.status_code", "ERROR");
}

/// `span`'s W3C trace context (`traceparent`, `tracestate`, `baggage`) as a request's
/// `_meta`; `None` when there is no trace.
pub fn trace_meta(span: &tracing::Span) -> Option<RequestMetaObject> {
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut carrier);
    });
    let mut meta = RequestMetaObject::new();
    for (key, value) in carrier.into_iter().filter(|(_, value)| !value.is_empty()) {
        meta.insert(key, value.into());
    }
    Some(meta)
}
