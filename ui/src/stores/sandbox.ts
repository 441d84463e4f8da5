// The Sandbox page's state, kept outside the page so it lives as long as the app: the
// editor's code, the runs and their output, the session's files, the session itself (its
// Python variables live in the backend) and a runtime install in progress.
//
// A plain module with subscribe/getState for React's useSyncExternalStore, like the chat's
// store: one store per Backend (a WeakMap), so each component test starts from nothing while
// the app keeps one. The page has one editor, so it has one session: "New session" ends it,
// and the backend ends it after `sandbox.idle_minutes` unused. The session's id, the code and
// the runs' text are also kept in sessionStorage, so a reload of the window (F5) reattaches
// to the session when the backend still runs it, or says plainly that it ended.
//
// The page runs either in a local runtime or on a remote code interpreter
// (`[interpreters.NAME]`): the same calls, results and notices, routed by where the session
// is. Each remote interpreter's status (reachable and its round trip, or why not) is probed
// when the page is shown and on request.
import type { Backend, SaveFilter } from "../backend";
import type { InterpreterStatus, InterpreterView } from "../bindings/Interpreters";
import type { InstallProgress } from "../bindings/Api";
import type { Content, EndReason, Limits, OutputChunk, Progress, RuntimeId, RuntimeStatus, SessionInfo, ToolCall, ToolResult } from "../bindings/Sandbox";
import { codeOf, messageOf } from "../errors";

export const EXAMPLE = `# Monthly cost of two t3.medium instances in us-east-1
hours = 730
price = 0.0416
print(f"{2 * hours * price:.2f} USD")`;

/** The limits every run gets (the sandbox's defaults). */
export const LIMITS: Limits = { deadline: 30, memoryBytes: 512 << 20, outputBytes: 1 << 20 };

/** sessionStorage key: what a reload of the window restores. */
export const STORAGE_KEY = "agentdesk.sandbox";
/** The most run text kept for a reload; older runs go first. */
const STORED_RUNS_BYTES = 256 << 10;
/** The install bar updates at most this often (a download reports every chunk). */
const INSTALL_REDRAW_MS = 100;

export type Run = { id: number; code: string; result: ToolResult };

/** A cell running now: what it has printed so far. */
export interface Running {
  code: string;
  live: OutputChunk[];
  /** Stop was pressed; the result is on its way. */
  stopping: boolean;
}

/** Something the page tells once, above the editor. */
export type Notice =
  | { kind: "reattached"; sessionId: string }
  /** The session ended (`gone`: the backend no longer knows it, e.g. after a restart). */
  | { kind: "ended"; sessionId: string; reason: EndReason | "gone"; restarted: boolean; interpreter?: string }
  | { kind: "saved"; name: string; path: string };

/** A runtime install in progress, with what its time-left estimate needs. */
export interface Install {
  runtime: RuntimeId;
  progress: Progress;
  /** When this stage's first report came (ms), and how far it was then. */
  stageStartedAt: number;
  stageStartDone: number;
  /** When the latest report came (ms). */
  at: number;
}

export interface SandboxState {
  /** null until the backend has listed them. */
  runtimes: RuntimeStatus[] | null;
  runtime: RuntimeId;
  /** The remote interpreters configured (empty until listed). */
  interpreters: InterpreterView[];
  /** The remote interpreter picked, by name; null for the local runtime. */
  interpreter: string | null;
  /** Each remote interpreter's status, by name ("checking" while a probe is out). */
  statuses: Record<string, InterpreterStatus | "checking">;
  session: SessionInfo | null;
  /** The remote interpreter the session runs on; null for a local session. */
  sessionInterpreter: string | null;
  code: string;
  runs: Run[];
  running: Running | null;
  files: Content[];
  install: Install | null;
  problem: string | null;
  notice: Notice | null;
}

export interface SandboxStore {
  getState(): SandboxState;
  subscribe(listener: () => void): () => void;
  /** The page is shown: list the runtimes (once) and check the session is still running. */
  attach(): Promise<void>;
  setCode(code: string): void;
  setRuntime(runtime: RuntimeId): void;
  /** Picks a remote interpreter by name, or the local runtime (null). */
  setInterpreter(name: string | null): void;
  /** Asks a remote interpreter whether it answers, and how fast. */
  probe(name: string): Promise<void>;
  /** Runs the editor's code in the session, starting one when there is none. */
  run(): Promise<void>;
  /** Stops the running cell; its result says so. */
  stop(): Promise<void>;
  /** Ends the session (its variables and files go) and clears the page. */
  newSession(): Promise<void>;
  install(): Promise<void>;
  upload(files: { path: string; blob: string }[]): Promise<void>;
  /** Saves a session file where the person chooses, through the OS's save dialog. */
  download(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  dismissNotice(): void;
}

type Storage = Pick<globalThis.Storage, "getItem" | "setItem">;

interface Stored {
  sessionId: string | null;
  /** The remote interpreter picked, and the one the session runs on. */
  interpreter?: string | null;
  sessionInterpreter?: string | null;
  runtime: RuntimeId;
  code: string;
  runs: Run[];
}

export function textOf(result: ToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

/** Bytes as base64, in slices (a spread of a large array overflows the stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The save dialog's file type for a file name: its extension, or every file. */
export function filterFor(name: string): SaveFilter {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1) : "";
  return extension ? { name: extension.toUpperCase(), extensions: [extension] } : { name: "All files", extensions: [] };
}

/** A run as kept for a reload: its text, without images or file contents. */
function storable(run: Run): Run {
  return { ...run, result: { ...run.result, content: run.result.content.filter((c) => c.type === "text" || c.type === "resource_link") } };
}

function readStored(storage: Storage | null): Stored | null {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    if (!text) return null;
    const stored = JSON.parse(text) as Partial<Stored>;
    if (typeof stored.code !== "string" || typeof stored.runtime !== "string") return null;
    return {
      sessionId: stored.sessionId ?? null,
      interpreter: typeof stored.interpreter === "string" ? stored.interpreter : null,
      sessionInterpreter: typeof stored.sessionInterpreter === "string" ? stored.sessionInterpreter : null,
      runtime: stored.runtime,
      code: stored.code,
      runs: Array.isArray(stored.runs) ? stored.runs : [],
    };
  } catch {
    return null;
  }
}

/** How far an install is, and roughly how long it has left. */
export interface InstallEstimate {
  stage: Progress["stage"];
  done: number | null;
  total: number | null;
  percent: number | null;
  /** Extrapolated from this stage's pace so far; null until there is enough to go on. */
  secondsLeft: number | null;
}

/** At least this much of a stage must have passed before its pace says anything. */
const ESTIMATE_AFTER_MS = 1500;

export function installEstimate(install: Install): InstallEstimate {
  const p = install.progress;
  const counts = p.stage === "downloading" ? { done: p.done, total: p.total ?? null } : p.stage === "compiling" ? { done: p.done, total: p.total } : { done: null, total: null };
  const { done, total } = counts;
  const percent = done !== null && total ? Math.min(100, Math.floor((done / total) * 100)) : null;
  let secondsLeft: number | null = null;
  const elapsed = install.at - install.stageStartedAt;
  if (done !== null && total && elapsed >= ESTIMATE_AFTER_MS && done > install.stageStartDone) {
    const perMs = (done - install.stageStartDone) / elapsed;
    secondsLeft = Math.max(0, Math.ceil((total - done) / perMs / 1000));
  }
  return { stage: p.stage, done, total, percent, secondsLeft };
}

function doneOf(progress: Progress): number {
  return progress.stage === "downloading" || progress.stage === "compiling" ? progress.done : 0;
}

export function createSandboxStore(backend: Backend, storage: Storage | null = defaultStorage()): SandboxStore {
  const stored = readStored(storage);
  let state: SandboxState = {
    runtimes: null,
    runtime: stored?.runtime ?? "python",
    interpreters: [],
    interpreter: stored?.interpreter ?? null,
    statuses: {},
    session: null,
    sessionInterpreter: stored?.sessionInterpreter ?? null,
    code: stored?.code ?? EXAMPLE,
    runs: stored?.runs ?? [],
    running: null,
    files: [],
    install: null,
    problem: null,
    notice: null,
  };
  /** The session a reload left behind, until the backend says whether it still runs. */
  let remembered = stored?.sessionId ?? null;
  let nextRun = state.runs.reduce((most, run) => Math.max(most, run.id), 0) + 1;
  /** Bumped by "New session": results of runs from before it are dropped. */
  let generation = 0;
  let listening = false;
  let lastRedraw = 0;
  const listeners = new Set<() => void>();

  const persist = () => {
    if (!storage) return;
    const runs = state.runs.map(storable);
    let kept = runs;
    while (kept.length > 0 && JSON.stringify(kept).length > STORED_RUNS_BYTES) kept = kept.slice(1);
    const value: Stored = {
      sessionId: state.session?.sessionId ?? remembered,
      interpreter: state.interpreter,
      sessionInterpreter: state.sessionInterpreter,
      runtime: state.runtime,
      code: state.code,
      runs: kept,
    };
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(value));
    } catch {
      // Storage full or refused: a reload then starts afresh, nothing else is lost.
    }
  };
  const set = (change: Partial<SandboxState>) => {
    state = { ...state, ...change };
    listeners.forEach((listener) => listener());
  };
  const save = (change: Partial<SandboxState>) => {
    set(change);
    persist();
  };

  /** A tool call in the session, wherever it runs. */
  const call = (sessionId: string, request: ToolCall, onOutput?: (chunk: OutputChunk) => void) => {
    const remote = state.session?.sessionId === sessionId ? state.sessionInterpreter : null;
    return remote === null
      ? backend.sandboxInvoke(sessionId, request, LIMITS, onOutput)
      : backend.interpreterInvoke(remote, sessionId, request, onOutput);
  };

  /** Ends a session wherever it runs; one already gone is no matter. */
  const stopSession = async (sessionId: string, remote: string | null) => {
    if (remote === null) await backend.sandboxStop(sessionId).catch(() => undefined);
    else await backend.interpreterStop(remote, sessionId).catch(() => undefined);
  };

  /** A remote session as the page shows one (the interpreter answers with its id only). */
  const remoteSession = (name: string, sessionId: string): SessionInfo => ({
    codeInterpreterIdentifier: name,
    sessionId,
    name: "sandbox page",
    status: "READY",
    createdAt: new Date().toISOString(),
    sessionTimeoutSeconds: 28800,
    runtime: name,
  });

  const refreshFiles = async (sessionId: string) => {
    const listed = await call(sessionId, { name: "listFiles", arguments: { directoryPath: "." } });
    if (!listed.isError && state.session?.sessionId === sessionId) set({ files: listed.content });
  };

  /** Why a session is no longer running, from the backend's list. */
  const endReason = async (sessionId: string): Promise<EndReason | "gone"> => {
    if (state.sessionInterpreter !== null) return "gone";
    const sessions = await backend.sandboxSessions().catch(() => [] as SessionInfo[]);
    return sessions.find((s) => s.sessionId === sessionId)?.ended ?? "gone";
  };

  const startSession = async (): Promise<SessionInfo> => {
    const remote = state.interpreter;
    const started = remote === null ? await backend.sandboxStart(state.runtime) : remoteSession(remote, await backend.interpreterStart(remote));
    remembered = null;
    save({ session: started, sessionInterpreter: remote, files: [] });
    return started;
  };

  /** The session to run in: the picked runtime's or interpreter's, replacing one elsewhere. */
  const ensureSession = async (): Promise<SessionInfo> => {
    const current = state.session;
    const here = state.interpreter === null ? current?.runtime === state.runtime && state.sessionInterpreter === null : state.sessionInterpreter === state.interpreter;
    if (current && here) return current;
    if (current) await stopSession(current.sessionId, state.sessionInterpreter);
    return startSession();
  };

  /** Whether the remote session `id` still runs; null when the interpreter cannot say. */
  const remoteReady = async (name: string, id: string): Promise<boolean | null> => {
    try {
      return (await backend.interpreterSession(name, id)) === "READY";
    } catch (error) {
      if (codeOf(error) === "not_found") return false;
      set({ problem: messageOf(error) });
      return null;
    }
  };

  const checkSession = async () => {
    const id = state.session?.sessionId ?? remembered;
    if (!id || state.running) return;
    const remote = state.sessionInterpreter;
    if (remote !== null) {
      const ready = await remoteReady(remote, id);
      if (ready === null) return;
      if (ready) {
        if (!state.session) {
          remembered = null;
          save({ session: remoteSession(remote, id), notice: { kind: "reattached", sessionId: id } });
          await refreshFiles(id);
        }
        return;
      }
      remembered = null;
      save({ session: null, sessionInterpreter: null, files: [], notice: { kind: "ended", sessionId: id, reason: "gone", restarted: false, interpreter: remote } });
      return;
    }
    const sessions = await backend.sandboxSessions();
    const found = sessions.find((s) => s.sessionId === id);
    if (found?.status === "READY") {
      if (!state.session) {
        remembered = null;
        save({ session: found, notice: { kind: "reattached", sessionId: id } });
        await refreshFiles(id);
      }
      return;
    }
    remembered = null;
    save({ session: null, files: [], notice: { kind: "ended", sessionId: id, reason: found?.ended ?? "gone", restarted: false } });
  };

  const onProgress = (event: InstallProgress) => {
    const now = Date.now();
    const previous = state.install;
    const sameStage = previous?.runtime === event.runtime && previous.progress.stage === event.progress.stage;
    const install: Install = sameStage
      ? { ...previous, progress: event.progress, at: now }
      : { runtime: event.runtime, progress: event.progress, stageStartedAt: now, stageStartDone: doneOf(event.progress), at: now };
    if (sameStage && now - lastRedraw < INSTALL_REDRAW_MS) {
      state = { ...state, install };
      return;
    }
    lastRedraw = now;
    set({ install });
  };

  const store: SandboxStore = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async attach() {
      if (!listening) {
        listening = true;
        void backend.onInstallProgress(onProgress);
      }
      try {
        if (!state.runtimes) set({ runtimes: await backend.sandboxRuntimes() });
        // Listing reads the config file only; a failure leaves the local runtimes to pick.
        const interpreters = await backend.interpretersList().catch(() => [] as InterpreterView[]);
        set({ interpreters });
        interpreters.filter((one) => state.statuses[one.name] === undefined).forEach((one) => void store.probe(one.name));
        await checkSession();
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    },

    setCode(code) {
      save({ code });
    },

    setRuntime(runtime) {
      save({ runtime, interpreter: null });
    },

    setInterpreter(name) {
      save({ interpreter: name });
      if (name !== null && state.statuses[name] === undefined) void store.probe(name);
    },

    async probe(name) {
      set({ statuses: { ...state.statuses, [name]: "checking" } });
      try {
        const status = await backend.interpretersProbe(name);
        set({ statuses: { ...state.statuses, [name]: status } });
      } catch (error) {
        const status: InterpreterStatus = { name, reachable: false, roundTripMs: null, code: codeOf(error) ?? "refused", message: messageOf(error) };
        set({ statuses: { ...state.statuses, [name]: status } });
      }
    },

    async run() {
      const installed = state.interpreter !== null || state.runtimes?.find((r) => r.id === state.runtime)?.installed;
      if (state.running || !installed) return;
      const code = state.code;
      const mine = generation;
      set({ running: { code, live: [], stopping: false }, problem: null, notice: state.notice?.kind === "saved" ? null : state.notice });
      const onOutput = (chunk: OutputChunk) => {
        if (generation === mine && state.running) set({ running: { ...state.running, live: [...state.running.live, chunk] } });
      };
      const execute: ToolCall = { name: "executeCode", arguments: { code, language: "python" } };
      try {
        let session = await ensureSession();
        let result: ToolResult;
        try {
          result = await call(session.sessionId, execute, onOutput);
        } catch (error) {
          if (codeOf(error) !== "not_found") throw error;
          // It ended while the page was open (unused too long): say so, and run in a new one.
          const reason = await endReason(session.sessionId);
          const ended = session.sessionId;
          const remote = state.sessionInterpreter ?? undefined;
          session = await startSession();
          set({ notice: { kind: "ended", sessionId: ended, reason, restarted: true, interpreter: remote } });
          result = await call(session.sessionId, execute, onOutput);
        }
        if (generation !== mine) return;
        save({ runs: [...state.runs, { id: nextRun++, code, result }], running: null });
        await refreshFiles(session.sessionId);
      } catch (error) {
        if (generation === mine) set({ problem: messageOf(error) });
      } finally {
        if (generation === mine && state.running) set({ running: null });
      }
    },

    async stop() {
      const { running, session } = state;
      // A remote interpreter has no way to stop a cell but ending the session.
      if (!running || running.stopping || !session || state.sessionInterpreter !== null) return;
      set({ running: { ...running, stopping: true } });
      try {
        await backend.sandboxCancel(session.sessionId);
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    },

    async newSession() {
      generation += 1;
      const current = state.session;
      const remote = state.sessionInterpreter;
      remembered = null;
      save({ session: null, sessionInterpreter: null, runs: [], files: [], running: null, notice: null, problem: null });
      if (current) await stopSession(current.sessionId, remote);
    },

    async install() {
      set({ problem: null });
      try {
        const done = await backend.sandboxInstall(state.runtime);
        set({ runtimes: (state.runtimes ?? []).map((r) => (r.id === done.id ? done : r)) });
      } catch (error) {
        set({ problem: messageOf(error) });
      } finally {
        set({ install: null });
      }
    },

    async upload(files) {
      if (files.length === 0) return;
      try {
        const session = await ensureSession();
        const written = await call(session.sessionId, { name: "writeFiles", arguments: { content: files } });
        if (written.isError) set({ problem: textOf(written) });
        await refreshFiles(session.sessionId);
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    },

    async download(name) {
      const session = state.session;
      if (!session) return;
      try {
        const read = await call(session.sessionId, { name: "readFiles", arguments: { paths: [name] } });
        const item = read.content[0];
        if (read.isError || !item || item.type !== "resource") {
          set({ problem: textOf(read) });
          return;
        }
        const { text, blob } = item.resource;
        const contents = blob ?? bytesToBase64(new TextEncoder().encode(text ?? ""));
        const base = name.split("/").pop() ?? name;
        const path = await backend.saveFile(base, contents, filterFor(base));
        if (path !== null) set({ notice: { kind: "saved", name, path }, problem: null });
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    },

    async remove(name) {
      const session = state.session;
      if (!session) return;
      try {
        const removed = await call(session.sessionId, { name: "removeFiles", arguments: { paths: [name] } });
        if (removed.isError) set({ problem: textOf(removed) });
        await refreshFiles(session.sessionId);
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    },

    dismissNotice() {
      set({ notice: null });
    },
  };
  return store;
}

function defaultStorage(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

const stores = new WeakMap<Backend, SandboxStore>();

/** The app's one Sandbox store for this backend, made on first use. */
export function sandboxStoreFor(backend: Backend): SandboxStore {
  let store = stores.get(backend);
  if (!store) {
    store = createSandboxStore(backend);
    stores.set(backend, store);
  }
  return store;
}
