"""An MCP server on the official Python SDK (PyPI `mcp`, in target/mcp-venv) whose one tool
answers with the W3C trace context it received: the call's `params._meta`, and what the
OpenTelemetry API's own propagators (the ones the SDK's server middleware uses) read from it.
Run over stdio: `python trace_context_server.py`."""

import json

from opentelemetry import baggage, propagate, trace

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("trace-context")


@server.tool()
def trace_context(ctx: Context) -> str:
    """The trace context this call arrived with."""
    meta = dict(ctx.request_context.meta or {})
    received = propagate.extract(meta)
    parent = trace.get_current_span(received).get_span_context()
    return json.dumps(
        {
            "meta": meta,
            "trace_id": format(parent.trace_id, "032x") if parent.is_valid else None,
            "parent_span_id": format(parent.span_id, "016x") if parent.is_valid else None,
            "baggage": dict(baggage.get_all(received)),
        }
    )


if __name__ == "__main__":
    server.run()
