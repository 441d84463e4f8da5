import { useEffect, useRef, useSyncExternalStore } from "react";
import type { Backend } from "../backend";
import type { InterpreterStatus } from "../bindings/Interpreters";
import type { Content, RuntimeId } from "../bindings/Sandbox";
import { CodeEditor } from "../components/CodeEditor";
import { withCode } from "../components/withCode";
import { useT, type Translate } from "../i18n";
import { bytesToBase64, installEstimate, LIMITS, sandboxStoreFor, type Install, type Notice, type Run } from "../stores/sandbox";
import "./Sandbox.css";

/**
 * The Sandbox page. Everything it shows lives in the sandbox store (../stores/sandbox), so
 * leaving the page and coming back finds the same code, runs and session.
 */
export function SandboxPage({ backend }: { backend: Backend }) {
  const t = useT();
  const store = sandboxStoreFor(backend);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const upload = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void store.attach();
  }, [store]);

  const { runtimes, runtime, session, running, files, install, problem, notice, interpreter } = state;
  const status = runtimes?.find((r) => r.id === runtime);
  // A remote interpreter brings its own Python; a local runtime must be installed.
  const ready = interpreter !== null || status?.installed === true;
  const picked = interpreter === null ? runtime : `${REMOTE}${interpreter}`;

  const onUpload = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const content = await Promise.all(
      Array.from(list).map(async (file) => ({ path: file.name, blob: bytesToBase64(new Uint8Array(await file.arrayBuffer())) })),
    );
    await store.upload(content);
    if (upload.current) upload.current.value = "";
  };

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.sandbox")}</h1>
        <div className="toolbar">
          <label htmlFor="sandbox-runtime" className="label">{t("sandbox.runtime")}</label>
          <select
            id="sandbox-runtime"
            value={picked}
            onChange={(e) => (e.target.value.startsWith(REMOTE) ? store.setInterpreter(e.target.value.slice(REMOTE.length)) : store.setRuntime(e.target.value as RuntimeId))}
          >
            <optgroup label={t("interpreters.local")}>
              {(runtimes ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id} (Python {r.python}){r.installed ? "" : ` — ${t("sandbox.notInstalled")}`}
                </option>
              ))}
            </optgroup>
            {state.interpreters.length > 0 && (
              <optgroup label={t("interpreters.remote")}>
                {state.interpreters.map((one) => (
                  <option key={one.name} value={`${REMOTE}${one.name}`} data-interpreter={one.name}>
                    {one.name} — {statusText(t, state.statuses[one.name])}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
          <button type="button" id="sandbox-new-session" onClick={() => void store.newSession()} disabled={!session && state.runs.length === 0}>
            {t("sandbox.newSession")}
          </button>
        </div>
      </header>
      <p className="lead">{interpreter === null ? t("page.sandbox.about") : t("interpreters.about", { name: interpreter })}</p>
      {interpreter !== null && (
        <InterpreterLine
          name={interpreter}
          location={state.interpreters.find((one) => one.name === interpreter)?.location ?? ""}
          status={state.statuses[interpreter]}
          onCheck={() => void store.probe(interpreter)}
        />
      )}

      {interpreter === null && status && !status.installed && (
        <div className="banner banner-warning" data-testid="runtime-missing">
          <p>{t("sandbox.installPrompt", { runtime: status.id })}</p>
          <button type="button" className="primary" onClick={() => void store.install()} disabled={install !== null}>
            {t("sandbox.install")}
          </button>
          {install && <InstallBar install={install} />}
        </div>
      )}
      {problem && <div className="banner banner-error" role="alert">{problem}</div>}
      {notice && <NoticeBanner notice={notice} onDismiss={store.dismissNotice} />}

      <div className="sandbox-grid">
        <div className="sandbox-main">
          <CodeEditor value={state.code} onChange={store.setCode} onRun={() => void store.run()} label={t("sandbox.code")} />
          <div className="actions">
            {running ? (
              <>
                <button type="button" id="sandbox-run" className="primary" disabled>{t("sandbox.running")}</button>
                {state.sessionInterpreter === null && (
                  <button type="button" id="sandbox-stop" className="danger" onClick={() => void store.stop()} disabled={running.stopping}>
                    {running.stopping ? t("sandbox.stopping") : t("sandbox.stop")}
                  </button>
                )}
              </>
            ) : (
              <button type="button" id="sandbox-run" className="primary" onClick={() => void store.run()} disabled={!ready}>
                {t("sandbox.run")}
              </button>
            )}
            <span className="muted">{t("sandbox.runHint")}</span>
            {session && (
              <span className="muted session-id" data-session-id={session.sessionId} data-interpreter={state.sessionInterpreter ?? "local"}>
                {state.sessionInterpreter === null ? t("sandbox.session", { id: session.sessionId }) : t("interpreters.session", { id: session.sessionId, name: state.sessionInterpreter })}
              </span>
            )}
          </div>
          <ol className="runs" aria-live="polite">
            {state.runs.map((entry) => <RunOutput key={entry.id} entry={entry} />)}
            {running && (
              <li className="run run-live" data-status="running">
                <pre className="run-code">{running.code}</pre>
                {running.live.map((chunk, i) => (
                  <pre key={i} className={chunk.stream === "stderr" ? "stderr live" : "stdout live"}>{chunk.text}</pre>
                ))}
                <p className="run-meta">{running.stopping ? t("sandbox.stopping") : t("sandbox.running")}</p>
              </li>
            )}
          </ol>
        </div>
        <aside className="sandbox-side">
          <h2>{t("sandbox.files")}</h2>
          <input ref={upload} type="file" multiple hidden onChange={(e) => void onUpload(e.target.files)} />
          <button type="button" onClick={() => upload.current?.click()} disabled={!ready}>{t("sandbox.upload")}</button>
          {files.length === 0 ? (
            <p className="muted">{t("sandbox.noFiles")}</p>
          ) : (
            <ul className="file-list">
              {files.map((file) => (file.type === "resource_link" ? <FileRow key={file.name} file={file} onDownload={store.download} onRemove={store.remove} /> : null))}
            </ul>
          )}
          <h2>{t("sandbox.limits")}</h2>
          {interpreter === null ? (
            <dl className="limits">
              <div><dt>{t("sandbox.limit.deadline")}</dt><dd>{LIMITS.deadline} s</dd></div>
              <div><dt>{t("sandbox.limit.memory")}</dt><dd>{LIMITS.memoryBytes >> 20} MB</dd></div>
              <div><dt>{t("sandbox.limit.output")}</dt><dd>{LIMITS.outputBytes >> 20} MB</dd></div>
              <div><dt>{t("sandbox.limit.network")}</dt><dd>{t("sandbox.limit.none")}</dd></div>
            </dl>
          ) : (
            <p className="muted">{t("interpreters.limits", { name: interpreter })}</p>
          )}
        </aside>
      </div>
    </section>
  );
}

function FileRow({ file, onDownload, onRemove }: { file: Extract<Content, { type: "resource_link" }>; onDownload: (name: string) => Promise<void>; onRemove: (name: string) => Promise<void> }) {
  const t = useT();
  return (
    <li data-file={file.name}>
      <span className="file-name">{file.name}</span>
      {file.size !== undefined && <span className="muted">{formatBytes(file.size)}</span>}
      {file.description !== "directory" && (
        <button type="button" className="ghost" data-action="download" onClick={() => void onDownload(file.name)}>{t("sandbox.download")}</button>
      )}
      <button type="button" className="ghost" data-action="delete" onClick={() => void onRemove(file.name)}>{t("sandbox.delete")}</button>
    </li>
  );
}

/** The picker's option value of a remote interpreter: this prefix and its name. */
const REMOTE = "remote:";

/** A remote interpreter's status in a few words: its round trip, or why it cannot be used. */
function statusText(t: Translate, status: InterpreterStatus | "checking" | undefined): string {
  if (status === undefined || status === "checking") return t("interpreters.checking");
  if (status.reachable) return t("interpreters.reachable", { ms: (status.roundTripMs ?? 0).toFixed(0) });
  return t.maybe(`interpreters.error.${status.code ?? "refused"}`) ?? t("interpreters.error.refused");
}

/** The picked remote interpreter: where it is, its status with the reason, and Check again. */
function InterpreterLine({ name, location, status, onCheck }: { name: string; location: string; status: InterpreterStatus | "checking" | undefined; onCheck: () => void }) {
  const t = useT();
  const known = status !== undefined && status !== "checking";
  return (
    <div
      className={known && !status.reachable ? "banner banner-warning interpreter-line" : "interpreter-line"}
      data-testid="interpreter-status"
      data-interpreter={name}
      data-state={!known ? "checking" : status.reachable ? "reachable" : status.code ?? "refused"}
      role="status"
    >
      <p>
        <strong>{name}</strong> <span className="muted">{location}</span> · {statusText(t, status)}
        {known && !status.reachable && status.message && <span className="interpreter-message">{withCode(status.message)}</span>}
      </p>
      <button type="button" className="ghost" onClick={onCheck} disabled={!known}>{t("interpreters.check")}</button>
    </div>
  );
}

function NoticeBanner({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  const t = useT();
  const text =
    notice.kind === "saved"
      ? t("sandbox.saved", { name: notice.name, path: notice.path })
      : notice.kind === "reattached"
        ? t("sandbox.reattached", { id: notice.sessionId })
        : `${notice.interpreter ? t("interpreters.ended", { id: notice.sessionId, name: notice.interpreter }) : t(`sandbox.ended.${notice.reason}`, { id: notice.sessionId })} ${notice.restarted ? t("sandbox.ended.restarted") : t("sandbox.ended.next")}`;
  return (
    <div className="banner banner-info sandbox-notice" role="status" data-notice={notice.kind}>
      <p>{text}</p>
      <button type="button" className="ghost" onClick={onDismiss}>{t("sandbox.dismiss")}</button>
    </div>
  );
}

export function formatBytes(size: number): string {
  return size < 1024 ? `${size} B` : size < 1 << 20 ? `${(size / 1024).toFixed(1)} KB` : `${(size / (1 << 20)).toFixed(1)} MB`;
}

/** "1 min 10 s", "45 s": time left, in the page's language. */
export function formatDuration(t: Translate, seconds: number): string {
  if (seconds < 60) return t("sandbox.seconds", { seconds });
  return t("sandbox.minutes", { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
}

function InstallBar({ install }: { install: Install }) {
  const t = useT();
  const estimate = installEstimate(install);
  const details: string[] = [];
  if (estimate.stage === "downloading" && estimate.done !== null) {
    details.push(
      estimate.total
        ? t("sandbox.downloaded", { done: formatBytes(estimate.done), total: formatBytes(estimate.total) })
        : formatBytes(estimate.done),
    );
  }
  if (estimate.stage === "compiling" && estimate.done !== null && estimate.total) {
    details.push(t("sandbox.compiled", { done: estimate.done.toLocaleString(t.locale), total: estimate.total.toLocaleString(t.locale) }));
  }
  if (estimate.percent !== null) details.push(`${estimate.percent}%`);
  if (estimate.secondsLeft !== null) details.push(t("sandbox.timeLeft", { time: formatDuration(t, estimate.secondsLeft) }));
  else if (estimate.percent !== null && estimate.percent < 100) details.push(t("sandbox.estimating"));
  return (
    <div className="install-progress" role="status" data-stage={estimate.stage}>
      <progress max={100} value={estimate.percent ?? undefined} aria-label={t(`sandbox.stage.${estimate.stage}`)} />
      <span>
        <strong>{t(`sandbox.stage.${estimate.stage}`)}</strong>
        {details.length > 0 && ` · ${details.join(" · ")}`}
      </span>
      {estimate.stage === "compiling" && <p className="muted install-note">{t("sandbox.compileNote")}</p>}
    </div>
  );
}

function RunOutput({ entry }: { entry: Run }) {
  const t = useT();
  const execution = entry.result.structuredContent;
  const images = entry.result.content.filter((c): c is Extract<Content, { type: "image" }> => c.type === "image");
  const links = entry.result.content.filter((c): c is Extract<Content, { type: "resource_link" }> => c.type === "resource_link");
  const message = execution ? undefined : entry.result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  const status = execution?.stopped ? "stopped" : entry.result.isError ? "error" : "ok";
  return (
    <li className={entry.result.isError ? "run run-error" : "run"} data-run={entry.id} data-status={status}>
      <pre className="run-code">{entry.code}</pre>
      {execution?.stdout && <pre className="stdout">{execution.stdout}</pre>}
      {execution?.stopped ? (
        <>
          <p className="run-stopped" data-testid="run-stopped">{t("sandbox.stoppedNote", { seconds: execution.executionTime.toFixed(1) })}</p>
          {/* What it wrote to stderr before the stop, and the sandbox's own note. */}
          {execution.stderr && (
            <details className="run-details">
              <summary>{t("sandbox.details")}</summary>
              <pre className="stderr">{execution.stderr}</pre>
            </details>
          )}
        </>
      ) : (
        execution?.stderr && <pre className="stderr">{execution.stderr}</pre>
      )}
      {message && <pre className="stderr">{message}</pre>}
      {images.map((image, i) => (
        <img key={i} className="figure" alt={t("sandbox.figure", { number: i + 1 })} src={`data:${image.mimeType};base64,${image.data}`} />
      ))}
      {links.length > 0 && <p className="muted">{t("sandbox.changedFiles", { files: links.map((l) => l.name).join(", ") })}</p>}
      {execution && (
        <p className="run-meta">
          {t("sandbox.meta", { code: execution.exitCode, seconds: execution.executionTime.toFixed(3) })}
          {execution.memoryBytes !== undefined && ` · ${t("sandbox.memoryUsed", { megabytes: Math.round(execution.memoryBytes / (1 << 20)), limit: LIMITS.memoryBytes >> 20 })}`}
          {execution.limit && ` · ${t("sandbox.limitHit", { limit: execution.limit })}`}
          {execution.stateLost && !execution.stopped && ` · ${t("sandbox.stateLost")}`}
        </p>
      )}
    </li>
  );
}
