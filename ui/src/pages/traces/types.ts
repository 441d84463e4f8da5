// The Traces page's view of the span store (issue 19). Local shapes until the query side's
// generated bindings (ui/src/bindings, `make bindings`) land; then these become re-exports.
// Times are unix nanoseconds as numbers: a double keeps them to ~0.25 µs, finer than a bar.

/** One conversation's traces summed up. `costUsd` is null when a model has no price. */
export interface SessionSummary {
  sessionId: string | null;
  title: string | null;
  startNs: number;
  endNs: number;
  traceCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  errorCount: number;
}

/** One trace summed up. */
export interface TraceSummary {
  traceId: string;
  sessionId: string | null;
  rootName: string | null;
  startNs: number;
  endNs: number;
  spanCount: number;
  errorCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

export interface SpanEvent {
  name: string;
  timeNs: number;
  attributes: Record<string, unknown>;
}

export interface SpanView {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  startNs: number;
  endNs: number;
  status: "unset" | "ok" | "error";
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  events: SpanEvent[];
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/** A trace with every span; `costNote` says why a cost is unknown (e.g. a model with no price). */
export interface TraceDetail {
  summary: TraceSummary;
  spans: SpanView[];
  costNote: string | null;
}

/** What the lists are narrowed by; empty fields do not narrow. */
export interface TraceFilter {
  sessionId: string | null;
  traceId: string;
  spanName: string;
  status: "" | "ok" | "error" | "unset";
  /** `key=value`, or just `key` for "has this attribute". */
  attribute: string;
  minDurationMs: number | null;
}

/** The backend calls this page makes (a subset of the app's Backend). */
export interface TracesApi {
  tracesSessions(filter: TraceFilter): Promise<SessionSummary[]>;
  tracesList(filter: TraceFilter): Promise<TraceSummary[]>;
  traceDetail(traceId: string): Promise<TraceDetail>;
  /** Writes the trace as OTLP JSON and returns where it went. */
  traceExport(traceId: string): Promise<string>;
}

export const EMPTY_FILTER: TraceFilter = { sessionId: null, traceId: "", spanName: "", status: "", attribute: "", minDurationMs: null };
