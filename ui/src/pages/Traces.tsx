import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useT } from "../i18n";
import { base64Utf8 } from "../components/EstimateCard";
import { codeOf, messageOf } from "../errors";
import { formatCost, formatMs, formatTime } from "./traces/format";
import { SpanDetails } from "./traces/SpanDetails";
import { tracesStoreFor } from "./traces/store";
import type { SessionSummary, TraceDetail, TraceFilter, TracesApi, TraceSummary } from "./traces/types";
import { Waterfall } from "./traces/Waterfall";
import "./Traces.css";

/** How often the page re-reads the store while it is visible, so a running turn shows up live. */
export const POLL_MS = 1000;
/** How long a trace opened from a Chat answer may take to be written (the writer batches every second). */
const PENDING_MS = 15_000;

/** The session id sent for "traces without a session" (the store keeps NULL). */
const NO_SESSION = "none";

/** "1 trace" or "3 traces": the `.one` form of a count's message when there is one. */
function counted(t: ReturnType<typeof useT>, key: "traces.traceCount" | "traces.spanCount" | "traces.errorCount", count: number): string {
  return count === 1 ? t(`${key}.one`) : t(key, { count });
}

/** The Traces page: sessions → a session's traces → one trace as a span tree with a waterfall. */
export function TracesPage({ api }: { api: TracesApi }) {
  const t = useT();
  const store = tracesStoreFor(api);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [traces, setTraces] = useState<TraceSummary[] | null>(null);
  const [detail, setDetail] = useState<TraceDetail | null>(null);
  // The chosen trace is not stored yet (opened from a Chat answer while its spans are written).
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);

  const listFilter: TraceFilter = {
    ...state.filter,
    sessionId: state.selectedSession === "" ? null : state.selectedSession,
  };
  const filterKey = JSON.stringify(listFilter);

  // Each read is numbered so a slow answer to an older filter never overwrites a newer one.
  const latestRead = useRef(0);
  const refresh = useCallback(async () => {
    const filter = JSON.parse(filterKey) as TraceFilter;
    const read = ++latestRead.current;
    // A trace opened from a Chat answer may not be written yet: for a while, that is said as
    // such; after, it is the backend's "no such trace" (deleted by the retention).
    const openedAt = store.getState().openedFromChatAt;
    const detailOf = (traceId: string) =>
      api.traceDetail(traceId).catch((error: unknown) => {
        if (codeOf(error) === "not_found" && openedAt !== null && Date.now() - openedAt < PENDING_MS) return "pending" as const;
        throw error;
      });
    try {
      const [nextSessions, nextTraces, nextDetail] = await Promise.all([
        api.tracesSessions({ ...filter, sessionId: null }),
        api.tracesList(filter),
        state.selectedTrace ? detailOf(state.selectedTrace) : Promise.resolve(null),
      ]);
      if (read !== latestRead.current) return;
      setSessions(nextSessions);
      setTraces(nextTraces);
      setDetail(nextDetail === "pending" ? null : nextDetail);
      setPending(nextDetail === "pending");
      setProblem(null);
    } catch (error) {
      if (read === latestRead.current) setProblem(messageOf(error));
    }
  }, [api, filterKey, state.selectedTrace]);

  // Read now, then every POLL_MS while the window is visible (a hidden window costs nothing).
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined && !document.hidden) timer = setInterval(() => void refresh(), POLL_MS);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.hidden) stop();
      else {
        void refresh();
        start();
      }
    };
    void refresh();
    start();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [refresh]);

  const setFilter = (change: Partial<TraceFilter>) => store.update({ filter: { ...state.filter, ...change } });

  const exportTrace = async (traceId: string) => {
    try {
      const otlp = await api.traceOtlpJson(traceId);
      const path = await api.saveFile(`trace-${traceId}.json`, base64Utf8(otlp), { name: "OTLP JSON", extensions: ["json"] });
      // Cancelled in the dialog: nothing happened, so nothing is said.
      setExported(path);
    } catch (error) {
      setProblem(t("traces.exportFailed", { message: messageOf(error) }));
    }
  };

  const selectedSpan = detail?.spans.find((s) => s.spanId === state.selectedSpan) ?? null;
  const traceStart = detail?.summary.startNs ?? 0;

  return (
    <section className="page traces-page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.traces")}</h1>
      </header>

      <form className="traces-filters" aria-label={t("traces.filters")} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("traces.filter.session")}
          <select value={state.selectedSession} onChange={(e) => store.update({ selectedSession: e.target.value, selectedTrace: null, selectedSpan: null })}>
            <option value="">{t("traces.allSessions")}</option>
            {(sessions ?? []).map((s) => (
              <option key={s.sessionId ?? NO_SESSION} value={s.sessionId ?? NO_SESSION}>
                {s.title ?? s.sessionId ?? t("traces.noSession")}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("traces.filter.traceId")}
          <input type="text" value={state.filter.traceId} onChange={(e) => setFilter({ traceId: e.target.value.trim() })} spellCheck={false} />
        </label>
        <label>
          {t("traces.filter.spanName")}
          <input type="text" value={state.filter.spanName} onChange={(e) => setFilter({ spanName: e.target.value })} />
        </label>
        <label>
          {t("traces.filter.status")}
          <select value={state.filter.status} onChange={(e) => setFilter({ status: e.target.value as TraceFilter["status"] })}>
            <option value="">{t("traces.filter.anyStatus")}</option>
            <option value="ok">{t("traces.status.ok")}</option>
            <option value="error">{t("traces.status.error")}</option>
            <option value="unset">{t("traces.status.unset")}</option>
          </select>
        </label>
        <label>
          {t("traces.filter.attribute")}
          <input type="text" value={state.filter.attribute} placeholder="gen_ai.tool.name=calculate" onChange={(e) => setFilter({ attribute: e.target.value })} spellCheck={false} />
        </label>
        <label>
          {t("traces.filter.minDuration")}
          <input
            type="number"
            min={0}
            value={state.filter.minDurationMs ?? ""}
            onChange={(e) => setFilter({ minDurationMs: e.target.value === "" ? null : Math.max(0, Number(e.target.value)) })}
          />
        </label>
      </form>

      {problem ? <p className="banner banner-error" role="alert">{problem}</p> : null}

      <div className="traces-body">
        <div className="traces-lists">
          <h2>{t("traces.sessions")}</h2>
          {sessions === null ? (
            <p className="muted">{t("app.loading")}</p>
          ) : sessions.length === 0 ? (
            <p className="muted" data-testid="traces-empty">{t("traces.empty")}</p>
          ) : (
            <ul className="traces-list" aria-label={t("traces.sessions")}>
              {sessions.map((s) => {
                const id = s.sessionId ?? NO_SESSION;
                return (
                  <li key={id}>
                    <button
                      type="button"
                      aria-pressed={state.selectedSession === id}
                      onClick={() => store.update({ selectedSession: state.selectedSession === id ? "" : id, selectedTrace: null, selectedSpan: null })}
                    >
                      <span className="traces-item-title">{s.title ?? s.sessionId ?? t("traces.noSession")}</span>
                      <span className="traces-item-meta">
                        {formatTime(s.startNs, t.locale)} · {counted(t, "traces.traceCount", s.traceCount)} · {formatMs(s.endNs - s.startNs)} ·{" "}
                        {t("traces.tokensInOut", { input: s.inputTokens, output: s.outputTokens })} · {formatCost(s.costUsd)}
                        {s.errorCount > 0 ? <span className="badge badge-error">{counted(t, "traces.errorCount", s.errorCount)}</span> : null}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
          <h2>{t("traces.traces")}</h2>
          {traces && traces.length > 0 ? (
            <ul className="traces-list" aria-label={t("traces.traces")}>
              {traces.map((trace) => (
                <li key={trace.traceId}>
                  <button
                    type="button"
                    aria-pressed={state.selectedTrace === trace.traceId}
                    data-trace-id={trace.traceId}
                    onClick={() => store.update({ selectedTrace: trace.traceId, selectedSpan: null, waterfallScroll: 0, openedFromChatAt: null })}
                  >
                    <span className="traces-item-title">{trace.rootName ?? t("traces.rootPending")}</span>
                    <span className="traces-item-meta">
                      {formatTime(trace.startNs, t.locale)} · {formatMs(trace.endNs - trace.startNs)} · {counted(t, "traces.spanCount", trace.spanCount)} ·{" "}
                      {t("traces.tokensInOut", { input: trace.inputTokens, output: trace.outputTokens })} · {formatCost(trace.costUsd)}
                      {trace.errorCount > 0 ? <span className="badge badge-error">{counted(t, "traces.errorCount", trace.errorCount)}</span> : null}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          ) : traces ? (
            <p className="muted">{t("traces.noTraces")}</p>
          ) : null}
        </div>

        <div className="traces-trace">
          {detail ? (
            <>
              <div className="trace-head">
                <h2 className="mono" title={detail.summary.traceId}>{detail.summary.rootName ?? detail.summary.traceId}</h2>
                <span className="traces-item-meta" data-testid="trace-totals">
                  {formatMs(detail.summary.endNs - detail.summary.startNs)} · {counted(t, "traces.spanCount", detail.summary.spanCount)} ·{" "}
                  {t("traces.tokensInOut", { input: detail.summary.inputTokens, output: detail.summary.outputTokens })} ·{" "}
                  <span title={detail.summary.costUsd === null ? (detail.costNote ?? t("traces.noPrice")) : undefined}>
                    {formatCost(detail.summary.costUsd)}
                    {detail.summary.costUsd === null ? ` (${detail.costNote ?? t("traces.noPrice")})` : ""}
                  </span>
                </span>
                <button type="button" onClick={() => void exportTrace(detail.summary.traceId)}>{t("traces.export")}</button>
              </div>
              {exported ? <p className="banner banner-info" role="status">{t("traces.exported", { path: exported })}</p> : null}
              <div className="trace-split">
                <Waterfall
                  key={detail.summary.traceId}
                  spans={detail.spans}
                  collapsed={state.collapsed}
                  selected={state.selectedSpan}
                  initialScroll={state.waterfallScroll}
                  onSelect={(spanId) => store.update({ selectedSpan: spanId })}
                  onToggle={(spanId) => store.toggleCollapsed(spanId)}
                  onScroll={(top) => store.rememberScroll(top)}
                />
                {selectedSpan ? (
                  <SpanDetails span={selectedSpan} traceStartNs={traceStart} costNote={detail.costNote} />
                ) : (
                  <p className="muted span-details-hint">{t("traces.pickSpan")}</p>
                )}
              </div>
            </>
          ) : pending ? (
            <p className="muted" role="status" data-testid="trace-pending">{t("traces.pending")}</p>
          ) : (
            <p className="muted">{t("traces.pickTrace")}</p>
          )}
        </div>
      </div>
    </section>
  );
}
