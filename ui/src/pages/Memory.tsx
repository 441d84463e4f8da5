import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { Backend } from "../backend";
import type { Event, ExtractionStatus, MemoryRecord, Role, Session } from "../bindings/Memory";
import { usd } from "../components/EstimateCard";
import { Markdown } from "../components/Markdown";
import { useT, type Translate } from "../i18n";
import { shorten } from "../shorten";
import { messageOf } from "../errors";

/** How much of a long memory shows before "Show all": about three lines at the page's width. */
const RECORD_PREVIEW_CHARACTERS = 240;

/** The built-in strategies in the order the page shows them; others follow by name. */
const STRATEGY_ORDER = ["preferences", "facts", "summaries"];

function when(t: Translate, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(t.locale === "ja" ? "ja-JP" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function sessionKey(session: Pick<Session, "actorId" | "sessionId">): string {
  return `${session.actorId}\u0000${session.sessionId}`;
}

/** Conversations and long-term memories, all read from agentdesk.db through the backend. */
export function MemoryPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [records, setRecords] = useState<MemoryRecord[] | null>(null);
  const [status, setStatus] = useState<ExtractionStatus | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<Session | null>(null);
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<Map<string, number> | null>(null);
  const [extracting, setExtracting] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const [nextSessions, nextRecords, nextStatus] = await Promise.all([
        backend.memorySessions(),
        backend.memoryRecords(),
        backend.memoryStatus(),
      ]);
      setSessions(nextSessions);
      setRecords(nextRecords);
      setStatus(nextStatus);
      setFailure(null);
    } catch (error) {
      setFailure(messageOf(error));
    }
  }, [backend]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (query.trim() === "") {
      setHits(null);
      return;
    }
    try {
      const found = await backend.memorySearch(query);
      setHits(new Map(found.map((hit) => [hit.memoryRecordId, hit.score])));
    } catch (error) {
      setNotice(t("memory.actionFailed", { message: messageOf(error) }));
    }
  };

  const extract = async () => {
    setExtracting(true);
    try {
      const report = await backend.memoryExtract();
      setNotice(t("memory.extracted", { events: report.events, added: report.added, updated: report.updated }));
      await refresh();
    } catch (error) {
      setNotice(t("memory.actionFailed", { message: messageOf(error) }));
    } finally {
      setExtracting(false);
    }
  };

  const replaceRecord = (updated: MemoryRecord) =>
    setRecords((current) => current?.map((record) => (record.memoryRecordId === updated.memoryRecordId ? updated : record)) ?? null);
  const removeRecord = (recordId: string) =>
    setRecords((current) => current?.filter((record) => record.memoryRecordId !== recordId) ?? null);

  const shown = records === null ? null : hits === null ? records : records.filter((record) => hits.has(record.memoryRecordId)).sort((a, b) => (hits.get(b.memoryRecordId) ?? 0) - (hits.get(a.memoryRecordId) ?? 0));

  return (
    <section className="page memory-page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.memory")}</h1>
        <button type="button" id="memory-extract" onClick={() => void extract()} disabled={extracting}>
          {extracting ? t("memory.extracting") : t("memory.extractNow")}
        </button>
      </header>
      <p className="lead">{t("page.memory.about")}</p>
      {status && <StatusLine status={status} />}
      {failure && <div className="banner banner-error" role="alert">{t("memory.failed", { message: failure })}</div>}
      {notice && <div className="banner banner-info" role="status" id="memory-notice">{notice}</div>}

      <section aria-labelledby="memory-records-title" className="memory-section">
        <h2 id="memory-records-title">{t("memory.records.title")}</h2>
        <form className="memory-search" role="search" onSubmit={(event) => void search(event)}>
          <label htmlFor="memory-search">{t("memory.search.label")}</label>
          <input
            id="memory-search"
            type="search"
            value={query}
            placeholder={t("memory.search.placeholder")}
            onChange={(event) => {
              setQuery(event.target.value);
              if (event.target.value === "") setHits(null);
            }}
          />
          <button type="submit">{t("memory.search.submit")}</button>
        </form>
        {shown === null ? (
          <p className="muted">{t("app.loading")}</p>
        ) : shown.length === 0 ? (
          <p className="muted" id="memory-records-empty">
            {hits === null ? t("memory.records.empty") : t("memory.search.none", { query })}
          </p>
        ) : (
          <RecordGroups records={shown} hits={hits} backend={backend} onUpdated={replaceRecord} onDeleted={removeRecord} onError={(message) => setNotice(t("memory.actionFailed", { message }))} />
        )}
      </section>

      <section aria-labelledby="memory-sessions-title" className="memory-section memory-conversations">
        <h2 id="memory-sessions-title">{t("memory.sessions.title")}</h2>
        {sessions === null ? (
          <p className="muted">{t("app.loading")}</p>
        ) : sessions.length === 0 ? (
          <p className="muted">{t("memory.sessions.empty")}</p>
        ) : (
          <div className="memory-columns">
            <ul className="memory-sessions" id="memory-sessions">
              {sessions.map((session) => (
                <li key={sessionKey(session)}>
                  <button
                    type="button"
                    data-session-id={session.sessionId}
                    aria-current={selected !== null && sessionKey(selected) === sessionKey(session) ? "true" : undefined}
                    onClick={() => setSelected(session)}
                  >
                    <span className="session-title">{session.title ?? t("memory.sessions.untitled")}</span>
                    <span className="muted session-meta">
                      {when(t, session.lastActiveAt)} · {session.eventCount === 1 ? t("memory.sessions.event") : t("memory.sessions.events", { count: session.eventCount })}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            <div className="memory-events">
              {selected === null ? <p className="muted">{t("memory.events.choose")}</p> : <Conversation backend={backend} session={selected} />}
            </div>
          </div>
        )}
      </section>
    </section>
  );
}

function StatusLine({ status }: { status: ExtractionStatus }) {
  const t = useT();
  const parts = [
    status.running
      ? t("memory.status.running")
      : status.pendingEvents > 0
        ? t("memory.status.pending", { events: status.pendingEvents, sessions: status.pendingSessions })
        : t("memory.status.upToDate"),
    status.lastRunAt === null ? t("memory.status.never") : t("memory.status.lastRun", { time: when(t, status.lastRunAt) }),
    status.extractor === "rules" ? t("memory.status.rules") : status.extractor === null ? null : t("memory.status.extractor", { name: status.extractor }),
  ].filter((part): part is string => part !== null);
  return (
    <div id="memory-status" className="memory-status" role="status">
      <p className="muted">{parts.join(" · ")}</p>
      {status.skippedStrategies.length > 0 && <p className="muted">{t("memory.status.skipped", { strategies: status.skippedStrategies.join(", ") })}</p>}
      {status.lastError !== null && <p className="banner banner-error">{t("memory.status.error", { message: status.lastError })}</p>}
    </div>
  );
}

function RecordGroups(props: {
  records: MemoryRecord[];
  hits: Map<string, number> | null;
  backend: Backend;
  onUpdated: (record: MemoryRecord) => void;
  onDeleted: (recordId: string) => void;
  onError: (message: string) => void;
}) {
  const t = useT();
  const strategies = [...new Set(props.records.map((record) => record.memoryStrategyId))].sort((a, b) => {
    const rank = (id: string) => (STRATEGY_ORDER.includes(id) ? STRATEGY_ORDER.indexOf(id) : STRATEGY_ORDER.length);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  return (
    <div id="memory-records">
      {strategies.map((strategy) => (
        <section key={strategy} className="record-group" data-strategy={strategy} aria-label={t.maybe(`memory.strategy.${strategy}`) ?? strategy}>
          <h3>{t.maybe(`memory.strategy.${strategy}`) ?? strategy}</h3>
          <ul className="records">
            {props.records
              .filter((record) => record.memoryStrategyId === strategy)
              .map((record) => (
                <RecordItem key={record.memoryRecordId} record={record} score={props.hits?.get(record.memoryRecordId)} {...props} />
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function RecordItem(props: {
  record: MemoryRecord;
  score: number | undefined;
  backend: Backend;
  onUpdated: (record: MemoryRecord) => void;
  onDeleted: (recordId: string) => void;
  onError: (message: string) => void;
}) {
  const t = useT();
  const { record, backend } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [sources, setSources] = useState<(Event | null)[] | null>(null);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (editing === null) return;
    try {
      props.onUpdated(await backend.memoryRecordUpdate(record.memoryRecordId, editing));
      setEditing(null);
    } catch (error) {
      props.onError(messageOf(error));
    }
  };

  const remove = async () => {
    try {
      await backend.memoryRecordDelete(record.memoryRecordId);
      props.onDeleted(record.memoryRecordId);
    } catch (error) {
      props.onError(messageOf(error));
    }
  };

  const toggleSources = async () => {
    if (sources !== null) {
      setSources(null);
      return;
    }
    // An expired source is shown as gone rather than failing the whole list.
    setSources(await Promise.all(record.sourceEventIds.map((id) => backend.memoryEvent(id).catch(() => null))));
  };

  return (
    <li className="record" data-record-id={record.memoryRecordId}>
      {editing === null ? (
        <RecordText text={record.content.text} />
      ) : (
        <form onSubmit={(event) => void save(event)} className="record-edit">
          <label className="visually-hidden" htmlFor={`edit-${record.memoryRecordId}`}>{t("memory.record.editLabel")}</label>
          <textarea id={`edit-${record.memoryRecordId}`} value={editing} onChange={(event) => setEditing(event.target.value)} rows={3} />
          <div className="actions">
            <button type="submit" className="primary" disabled={editing.trim() === ""}>{t("memory.record.save")}</button>
            <button type="button" className="ghost" onClick={() => setEditing(null)}>{t("memory.record.cancel")}</button>
          </div>
        </form>
      )}
      <div className="record-meta muted">
        <span>{t("memory.record.updated", { time: when(t, record.updatedAt) })}</span>
        {props.score !== undefined && <span>{t("memory.record.score", { score: Math.round(props.score * 100) })}</span>}
        {record.sourceEventIds.length > 0 && (
          <button type="button" className="link" aria-expanded={sources !== null} onClick={() => void toggleSources()}>
            {record.sourceEventIds.length === 1 ? t("memory.record.source") : t("memory.record.sources", { count: record.sourceEventIds.length })}
          </button>
        )}
        {editing === null && (
          <button type="button" className="link record-editor" onClick={() => setEditing(record.content.text)}>{t("memory.record.edit")}</button>
        )}
        {confirming ? (
          <>
            <button type="button" className="link danger record-confirm-delete" onClick={() => void remove()}>{t("memory.record.confirmDelete")}</button>
            <button type="button" className="link" onClick={() => setConfirming(false)}>{t("memory.record.cancel")}</button>
          </>
        ) : (
          <button type="button" className="link record-delete" onClick={() => setConfirming(true)}>{t("memory.record.delete")}</button>
        )}
      </div>
      {sources !== null && (
        <ul className="record-sources">
          {sources.map((source, index) => (
            <li key={record.sourceEventIds[index]}>{source === null ? <span className="muted">{t("memory.record.sourceGone")}</span> : <EventText event={source} />}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** A memory's text, cut at a word or character boundary when long, with a way to read it all. */
function RecordText({ text }: { text: string }) {
  const t = useT();
  const [whole, setWhole] = useState(false);
  const preview = shorten(text, RECORD_PREVIEW_CHARACTERS, t.locale);
  return (
    <p className="record-text">
      {whole || !preview.cut ? text : preview.text}
      {preview.cut && (
        <>
          {" "}
          <button type="button" className="link record-more" aria-expanded={whole} onClick={() => setWhole((on) => !on)}>
            {whole ? t("memory.record.showLess") : t("memory.record.showAll")}
          </button>
        </>
      )}
    </p>
  );
}

function Conversation({ backend, session }: { backend: Backend; session: Session }) {
  const t = useT();
  const [events, setEvents] = useState<Event[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setEvents(null);
    backend
      .memoryEvents(session.actorId, session.sessionId)
      .then((found) => current && setEvents(found))
      .catch((error: unknown) => current && setFailure(messageOf(error)));
    return () => {
      current = false;
    };
  }, [backend, session]);

  if (failure !== null) return <div className="banner banner-error" role="alert">{t("memory.failed", { message: failure })}</div>;
  if (events === null) return <p className="muted">{t("app.loading")}</p>;
  return (
    <>
      <h3>{session.title ?? t("memory.sessions.untitled")}</h3>
      <ol className="events" id="memory-events" aria-label={t("memory.events.title")}>
        {events.map((event) => (
          <li key={event.eventId} data-event-id={event.eventId}>
            <span className="muted event-time">{when(t, event.eventTimestamp)}</span>
            {event.branch && <span className="badge badge-muted">{t("memory.branch", { name: event.branch.name })}</span>}
            <EventText event={event} />
          </li>
        ))}
      </ol>
    </>
  );
}

function EventText({ event }: { event: Event }) {
  const t = useT();
  return (
    <>
      {event.payload.map((item, index) =>
        "conversational" in item ? (
          <div key={index} className={`message role-${item.conversational.role.toLowerCase()}`}>
            <strong className="message-role">{t(`memory.role.${item.conversational.role}` as `memory.role.${Role}`)}</strong>{" "}
            <Markdown text={item.conversational.content.text} />
          </div>
        ) : (
          <BlobText key={index} blob={item.blob} />
        ),
      )}
    </>
  );
}

/** The data the agent keeps beside a conversation's messages (see the agent's transcript keys),
 * said in words, with the raw JSON one click away. */
function BlobText({ blob }: { blob: unknown }) {
  const t = useT();
  const fields = typeof blob === "object" && blob !== null ? (blob as Record<string, unknown>) : {};
  const raw = JSON.stringify(blob, null, 2);
  if (typeof fields.assistantText === "string") {
    return (
      <div className="message role-assistant">
        <strong className="message-role">{t("memory.blob.beforeTools")}</strong> <Markdown text={fields.assistantText} />
      </div>
    );
  }
  let summary: string;
  const call = fields.toolCall as { toolName?: unknown } | undefined;
  const saved = fields.savedEstimate as { estimate?: { headline?: unknown; monthly_total?: unknown } } | undefined;
  if (call !== undefined && typeof call.toolName === "string") {
    summary = t("memory.blob.toolCall", { tool: call.toolName });
  } else if (saved?.estimate !== undefined && typeof saved.estimate.monthly_total === "number") {
    const headline = typeof saved.estimate.headline === "string" ? saved.estimate.headline : "";
    summary = t("memory.blob.estimate", { total: usd(saved.estimate.monthly_total), headline });
  } else if ("structuredContent" in fields) {
    summary = t("memory.blob.toolData");
  } else {
    summary = t("memory.blob.data");
  }
  return (
    <details className="message role-blob">
      <summary>{summary}</summary>
      <pre>{raw}</pre>
    </details>
  );
}
