// The Traces page's view of the span store (issue 19), generated from the Rust types.
// Times are unix nanoseconds as numbers: a double keeps them to ~0.25 µs, finer than a bar.
// Costs are decimal strings of US dollars, computed in Rust from the catalog's token prices.
import type { Backend } from "../../backend";
import type { PricedSession, PricedSpan, PricedTrace, PricedTraceDetail, TraceFilter } from "../../bindings/Traces";

export type { SpanEvent, TraceFilter } from "../../bindings/Traces";
/** One conversation's traces summed up; `costUsd` is null when a model has no price. */
export type SessionSummary = PricedSession;
/** One trace summed up. */
export type TraceSummary = PricedTrace;
/** One span with everything recorded on it. */
export type SpanView = PricedSpan;
/** A trace with every span; `costNote` says why a cost is unknown (e.g. a model with no price). */
export type TraceDetail = PricedTraceDetail;

/** The backend calls this page makes. */
export type TracesApi = Pick<Backend, "tracesSessions" | "tracesList" | "traceDetail" | "traceOtlpJson" | "saveFile">;

export const EMPTY_FILTER: TraceFilter = { sessionId: null, traceId: "", spanName: "", status: "", attribute: "", minDurationMs: null };
