import { useCallback, useEffect, useRef, useState } from "react";
import type { Backend } from "../backend";
import type { InstallProgress } from "../bindings/Api";
import type { Content, OutputChunk, RuntimeId, RuntimeStatus, SessionInfo, ToolCall, ToolResult } from "../bindings/Sandbox";
import { CodeEditor } from "../components/CodeEditor";
import { useT } from "../i18n";

const EXAMPLE = `# Monthly cost of two t3.medium instances in us-east-1
hours = 730
price = 0.0416
print(f"{2 * hours * price:.2f} USD")`;

/** The limits every run gets (the sandbox's defaults). */
const LIMITS = { deadline: 30, memoryBytes: 512 << 20, outputBytes: 1 << 20 };

type Run = { id: number; code: string; result: ToolResult };

function errorMessage(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
}

function toBase64(bytes: ArrayBuffer): string {
  let binary = "";
  new Uint8Array(bytes).forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary);
}

export function SandboxPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [runtimes, setRuntimes] = useState<RuntimeStatus[]>([]);
  const [runtime, setRuntime] = useState<RuntimeId>("python");
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [code, setCode] = useState(EXAMPLE);
  const [runs, setRuns] = useState<Run[]>([]);
  const [running, setRunning] = useState(false);
  /** What the running cell has printed so far. */
  const [live, setLive] = useState<OutputChunk[]>([]);
  const [files, setFiles] = useState<Content[]>([]);
  const [installing, setInstalling] = useState<InstallProgress | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const nextRun = useRef(1);
  const upload = useRef<HTMLInputElement>(null);

  useEffect(() => {
    backend.sandboxRuntimes().then(setRuntimes, (e: unknown) => setProblem(errorMessage(e)));
    const stop = backend.onInstallProgress(setInstalling);
    return () => void stop.then((unlisten) => unlisten());
  }, [backend]);

  const status = runtimes.find((r) => r.id === runtime);

  const call = useCallback(
    async (id: string, request: ToolCall, onOutput?: (chunk: OutputChunk) => void) =>
      backend.sandboxInvoke(id, request, LIMITS, onOutput),
    [backend],
  );

  const refreshFiles = useCallback(async (id: string) => {
    const listed = await call(id, { name: "listFiles", arguments: { directoryPath: "." } });
    if (!listed.isError) setFiles(listed.content);
  }, [call]);

  const ensureSession = async (): Promise<SessionInfo> => {
    if (session && session.runtime === runtime) return session;
    if (session) await backend.sandboxStop(session.sessionId).catch(() => undefined);
    const started = await backend.sandboxStart(runtime);
    setSession(started);
    return started;
  };

  const run = async () => {
    if (running || !status?.installed) return;
    setRunning(true);
    setProblem(null);
    try {
      const active = await ensureSession();
      setLive([]);
      const result = await call(
        active.sessionId,
        { name: "executeCode", arguments: { code, language: "python" } },
        (chunk) => setLive((chunks) => [...chunks, chunk]),
      );
      setLive([]);
      setRuns((previous) => [...previous, { id: nextRun.current++, code, result }]);
      await refreshFiles(active.sessionId);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setRunning(false);
    }
  };

  const newSession = async () => {
    if (session) await backend.sandboxStop(session.sessionId).catch(() => undefined);
    setSession(null);
    setRuns([]);
    setFiles([]);
  };

  const install = async () => {
    setProblem(null);
    try {
      const done = await backend.sandboxInstall(runtime);
      setRuntimes((list) => list.map((r) => (r.id === done.id ? done : r)));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setInstalling(null);
    }
  };

  const onUpload = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    try {
      const active = await ensureSession();
      const content = await Promise.all(
        Array.from(list).map(async (file) => ({ path: file.name, blob: toBase64(await file.arrayBuffer()) })),
      );
      const written = await call(active.sessionId, { name: "writeFiles", arguments: { content } });
      if (written.isError) setProblem(textOf(written));
      await refreshFiles(active.sessionId);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };

  const download = async (name: string) => {
    if (!session) return;
    const read = await call(session.sessionId, { name: "readFiles", arguments: { paths: [name] } });
    const item = read.content[0];
    if (read.isError || !item || item.type !== "resource") return setProblem(textOf(read));
    const { text, blob, mimeType } = item.resource;
    const data = blob !== undefined ? Uint8Array.from(atob(blob), (c) => c.charCodeAt(0)) : new TextEncoder().encode(text ?? "");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([data], { type: mimeType ?? "application/octet-stream" }));
    link.download = name.split("/").pop() ?? name;
    link.click();
    URL.revokeObjectURL(link.href);
  };

  const remove = async (name: string) => {
    if (!session) return;
    const removed = await call(session.sessionId, { name: "removeFiles", arguments: { paths: [name] } });
    if (removed.isError) setProblem(textOf(removed));
    await refreshFiles(session.sessionId);
  };

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.sandbox")}</h1>
        <div className="toolbar">
          <label htmlFor="sandbox-runtime" className="label">{t("sandbox.runtime")}</label>
          <select id="sandbox-runtime" value={runtime} onChange={(e) => setRuntime(e.target.value as RuntimeId)}>
            {runtimes.map((r) => (
              <option key={r.id} value={r.id}>
                {r.id} (Python {r.python}){r.installed ? "" : ` — ${t("sandbox.notInstalled")}`}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void newSession()} disabled={!session}>{t("sandbox.newSession")}</button>
        </div>
      </header>
      <p className="lead">{t("page.sandbox.about")}</p>

      {status && !status.installed && (
        <div className="banner banner-warning" data-testid="runtime-missing">
          <p>{t("sandbox.installPrompt", { runtime: status.id })}</p>
          <button type="button" className="primary" onClick={() => void install()} disabled={installing !== null}>
            {t("sandbox.install")}
          </button>
          {installing && <InstallBar progress={installing} />}
        </div>
      )}
      {problem && <div className="banner banner-error" role="alert">{problem}</div>}

      <div className="sandbox-grid">
        <div className="sandbox-main">
          <CodeEditor value={code} onChange={setCode} onRun={() => void run()} label={t("sandbox.code")} />
          <div className="actions">
            <button type="button" id="sandbox-run" className="primary" onClick={() => void run()} disabled={running || !status?.installed}>
              {running ? t("sandbox.running") : t("sandbox.run")}
            </button>
            <span className="muted">{t("sandbox.runHint")}</span>
            {session && <span className="muted session-id">{t("sandbox.session", { id: session.sessionId })}</span>}
          </div>
          <ol className="runs" aria-live="polite">
            {runs.map((entry) => <RunOutput key={entry.id} entry={entry} />)}
            {running && (
              <li className="run run-live" data-status="running">
                <pre className="run-code">{code}</pre>
                {live.map((chunk, i) => (
                  <pre key={i} className={chunk.stream === "stderr" ? "stderr live" : "stdout live"}>{chunk.text}</pre>
                ))}
                <p className="run-meta">{t("sandbox.running")}</p>
              </li>
            )}
          </ol>
        </div>
        <aside className="sandbox-side">
          <h2>{t("sandbox.files")}</h2>
          <input ref={upload} type="file" multiple hidden onChange={(e) => void onUpload(e.target.files)} />
          <button type="button" onClick={() => upload.current?.click()} disabled={!status?.installed}>{t("sandbox.upload")}</button>
          {files.length === 0 ? (
            <p className="muted">{t("sandbox.noFiles")}</p>
          ) : (
            <ul className="file-list">
              {files.map((file) =>
                file.type === "resource_link" ? (
                  <li key={file.name} data-file={file.name}>
                    <span className="file-name">{file.name}</span>
                    {file.size !== undefined && <span className="muted">{formatBytes(file.size)}</span>}
                    {file.description !== "directory" && (
                      <button type="button" className="ghost" onClick={() => void download(file.name)}>{t("sandbox.download")}</button>
                    )}
                    <button type="button" className="ghost" onClick={() => void remove(file.name)}>{t("sandbox.delete")}</button>
                  </li>
                ) : null,
              )}
            </ul>
          )}
          <h2>{t("sandbox.limits")}</h2>
          <dl className="limits">
            <div><dt>{t("sandbox.limit.deadline")}</dt><dd>{LIMITS.deadline} s</dd></div>
            <div><dt>{t("sandbox.limit.memory")}</dt><dd>{LIMITS.memoryBytes >> 20} MB</dd></div>
            <div><dt>{t("sandbox.limit.output")}</dt><dd>{LIMITS.outputBytes >> 20} MB</dd></div>
            <div><dt>{t("sandbox.limit.network")}</dt><dd>{t("sandbox.limit.none")}</dd></div>
          </dl>
        </aside>
      </div>
    </section>
  );
}

function textOf(result: ToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

function formatBytes(size: number): string {
  return size < 1024 ? `${size} B` : size < 1 << 20 ? `${(size / 1024).toFixed(1)} KB` : `${(size / (1 << 20)).toFixed(1)} MB`;
}

function InstallBar({ progress }: { progress: InstallProgress }) {
  const t = useT();
  const p = progress.progress;
  const percent = p.stage === "downloading" && p.total ? Math.round((p.done / p.total) * 100) : undefined;
  return (
    <div className="install-progress" role="status">
      <progress max={100} value={percent} />
      <span>{t(`sandbox.stage.${p.stage}`)}{percent !== undefined ? ` ${percent}%` : ""}</span>
    </div>
  );
}

function RunOutput({ entry }: { entry: Run }) {
  const t = useT();
  const execution = entry.result.structuredContent;
  const images = entry.result.content.filter((c): c is Extract<Content, { type: "image" }> => c.type === "image");
  const links = entry.result.content.filter((c): c is Extract<Content, { type: "resource_link" }> => c.type === "resource_link");
  const message = execution ? undefined : entry.result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return (
    <li className={entry.result.isError ? "run run-error" : "run"} data-run={entry.id} data-status={entry.result.isError ? "error" : "ok"}>
      <pre className="run-code">{entry.code}</pre>
      {execution?.stdout && <pre className="stdout">{execution.stdout}</pre>}
      {execution?.stderr && <pre className="stderr">{execution.stderr}</pre>}
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
          {execution.stateLost && ` · ${t("sandbox.stateLost")}`}
        </p>
      )}
    </li>
  );
}
