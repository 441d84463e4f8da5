// The Chat page's state, kept outside the page so it lives as long as the app: the open
// conversation, each conversation's exchanges (a turn keeps streaming into its conversation
// while another page or conversation is shown), drafts, the conversation list and search,
// the estimates chosen for comparison and where each conversation was scrolled to.
//
// A plain module with subscribe/getState for React's useSyncExternalStore: no library. One
// store per Backend (a WeakMap), so each component test starts from nothing while the app,
// which has one backend, keeps one store. The open conversation's id, the drafts and the
// remote agent picked for each conversation are also kept in sessionStorage, so a reload of the
// window (F5) opens the same conversation again, read from the backend. Which remote agent a
// stored conversation talked to is also kept with its events, so a restart finds it again.
import type { ApiError, Backend, RemoteEvent } from "../backend";
import type { ChatModel, ErrorCode, SettingsView } from "../bindings/Api";
import type { AgentEvent, PastExchange, PastStep, Usage } from "../bindings/Agent";
import type { SavedEstimate } from "../bindings/Estimate";
import type { Session } from "../bindings/Memory";
import type { ModelProvider } from "../bindings/Settings";
import type { ToolStep } from "../components/ToolCard";
import { messageOf } from "../errors";

/** Whose conversations the app keeps (the memory crate's LOCAL_ACTOR). */
export const LOCAL_ACTOR = "local-user";

/** sessionStorage keys: what a reload of the window restores. */
export const OPEN_KEY = "agentdesk.chat.open";
export const DRAFTS_KEY = "agentdesk.chat.drafts";
/** sessionStorage key: which remote agent each conversation talks to (picked, not yet sent). */
export const AGENTS_KEY = "agentdesk.chat.agents";

/** AgentCore's shortest runtime session id: a conversation with a remote agent needs one this long. */
export const MIN_RUNTIME_SESSION_ID = 33;

export type Step = { kind: "text"; text: string } | ToolStep | { kind: "notice"; message: string; code: string };

/** Why a turn failed: the backend's stable code (translated on the page) and its message. */
export interface Failure {
  code: ErrorCode | "unknown";
  message: string;
}

/** Failures where the model could not answer at all, so the offline estimator can instead. */
export const MODEL_FAILURES: readonly string[] = [
  "model_not_running",
  "model_unreachable",
  "model_bad_url",
  "model_bad_key",
  "model_missing",
  "model_not_ready",
  "model",
];

export interface Exchange {
  question: string;
  /** The model's steps, in order (text, tools, notices). */
  steps: Step[];
  /** The offline estimator's answer. */
  estimate: SavedEstimate | null;
  error: Failure | null;
  done: boolean;
  stopped: boolean;
  usage: Usage | null;
  /** Whether the offline estimator is answering (no model, or instead of one that failed). */
  offline: boolean;
}

export interface Thread {
  exchanges: Exchange[];
  /** new: nothing stored yet; loading/failed: being read from the backend / could not be. */
  status: "new" | "loading" | "ready" | "failed";
  loadError: string | null;
  /** A turn is running in this conversation. */
  busy: boolean;
}

export interface ChatState {
  /** The conversation shown. */
  openId: string;
  threads: Record<string, Thread>;
  /** What is typed and not yet sent, per conversation. */
  drafts: Record<string, string>;
  /** Every conversation, most recently active first. */
  conversations: Session[];
  /** The search box's text, and the conversations matching it (null while it is empty). */
  query: string;
  found: Session[] | null;
  /** A rename, delete or list that failed, for the conversation list to show. */
  listError: string | null;
  /** Estimates chosen for comparison, by id. */
  selected: Record<string, SavedEstimate>;
  comparing: boolean;
  /** The model that answers (provider "none": the offline estimator); null until known. */
  model: ChatModel | null;
  view: SettingsView | null;
  /** The remote agent each conversation talks to, by conversation; absent: this computer's agent. */
  agentOf: Record<string, string>;
}

export interface ChatStore {
  getState(): ChatState;
  subscribe(listener: () => void): () => void;
  /** Shows a conversation, reading it from the backend unless it is already here. */
  open(sessionId: string): Promise<void>;
  /** Starts a new, empty conversation (stored with its first message). */
  startNew(): void;
  setDraft(text: string): void;
  /** Sends the open conversation's draft: to the model, or to the offline estimator. */
  send(): Promise<void>;
  /** Answers a question the model could not with the offline estimator instead. */
  answerOffline(sessionId: string, index: number): Promise<void>;
  /** The trace of a conversation's answer, as stored with it; null when none was kept. */
  traceOf(sessionId: string, index: number): Promise<string | null>;
  approve(sessionId: string, callId: string, approved: boolean): void;
  stop(sessionId: string): void;
  rename(sessionId: string, title: string): Promise<boolean>;
  remove(sessionId: string): Promise<boolean>;
  search(query: string): Promise<void>;
  refreshConversations(): Promise<void>;
  /** Asks again which model answers (a key stored or removed changes it, with no event). */
  refreshModel(): Promise<void>;
  pickModel(provider: ModelProvider, name: string): Promise<void>;
  /**
   * Chooses who answers the open conversation: a remote agent by name, or null for this
   * computer's agent. A conversation begun before remote agents (an id too short to be a
   * runtime session) continues in a new one.
   */
  pickAgent(agent: string | null): void;
  toggleSelected(saved: SavedEstimate, on: boolean): void;
  setComparing(on: boolean): void;
  /** Where a conversation was scrolled to (not state: it changes on every scroll event). */
  scrollOf(sessionId: string): ScrollPosition | undefined;
  rememberScroll(sessionId: string, position: ScrollPosition): void;
}

/** Where a conversation's exchanges were scrolled to; at the end, it follows new text. */
export interface ScrollPosition {
  top: number;
  atEnd: boolean;
}

function failureOf(error: unknown): Failure {
  const code = typeof error === "object" && error !== null && "code" in error ? (error as ApiError).code : "unknown";
  return { code, message: messageOf(error) };
}

/**
 * A remote agent's estimate as the estimate card shows it: a saved estimate as it is; a bare
 * estimate (an agent that does not save it) with an id of its own.
 */
export function remoteEstimate(estimate: unknown, question: string, id: string): SavedEstimate | null {
  if (typeof estimate !== "object" || estimate === null) return null;
  const saved = estimate as Partial<SavedEstimate>;
  if (typeof saved.id === "string" && Array.isArray(saved.estimate?.items)) return saved as SavedEstimate;
  const bare = estimate as Partial<SavedEstimate["estimate"]>;
  if (!Array.isArray(bare.items)) return null;
  return { id, description: question, created_ms: Date.now(), estimate: bare as SavedEstimate["estimate"] };
}

/** Folds one streamed event into the exchange's steps. */
export function applyEvent(steps: Step[], event: AgentEvent): Step[] {
  switch (event.kind) {
    case "text": {
      const last = steps[steps.length - 1];
      if (last?.kind === "text") return [...steps.slice(0, -1), { kind: "text", text: last.text + event.text }];
      return [...steps, { kind: "text", text: event.text }];
    }
    case "toolRequested":
      return [
        ...steps,
        {
          kind: "tool",
          call: event.call,
          approval: event.approval,
          state: event.approval === "ask" ? "asking" : "running",
          output: null,
          elapsedMs: null,
          reason: null,
        },
      ];
    case "toolFinished":
      return steps.map((step) =>
        step.kind === "tool" && step.call.id === event.callId
          ? { ...step, state: event.output.isError ? "failed" : "done", output: event.output, elapsedMs: event.elapsedMs }
          : step,
      );
    case "toolRefused":
      return steps.map((step) =>
        step.kind === "tool" && step.call.id === event.callId ? { ...step, state: "refused", reason: event.reason } : step,
      );
    case "notice":
      return [...steps, { kind: "notice", message: event.message, code: event.code }];
  }
}

function pastStep(step: PastStep): Step {
  switch (step.kind) {
    case "text":
      return { kind: "text", text: step.text };
    case "notice":
      return { kind: "notice", message: step.message, code: step.code };
    case "tool":
      return {
        kind: "tool",
        call: step.call,
        approval: "allow",
        state: step.state,
        output: step.output,
        elapsedMs: step.elapsedMs,
        reason: step.reason,
      };
  }
}

/** The start of a stored notice's code that marks a failed turn (`FAILED_NOTICE` in commands/chat.rs). */
export const FAILED_NOTICE = "failed:";

/** A stored exchange as the page shows it: a turn that failed shows its error notice again. */
export function fromPast(past: PastExchange): Exchange {
  let error: Failure | null = null;
  const steps: Step[] = [];
  for (const step of past.steps) {
    if (step.kind === "notice" && step.code.startsWith(FAILED_NOTICE)) {
      error = { code: step.code.slice(FAILED_NOTICE.length) as Failure["code"], message: step.message };
    } else {
      steps.push(pastStep(step));
    }
  }
  return {
    question: past.question,
    steps,
    estimate: past.estimate,
    // Answered offline after the failure: the page showed the estimate instead.
    error: past.estimate === null ? error : null,
    done: true,
    stopped: false,
    usage: past.usage,
    offline: past.estimate !== null,
  };
}

/** A new conversation's id: long enough to be a remote agent's runtime session id too. */
function newSessionId(): string {
  const random = () => Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  return `desktop-${Date.now()}-${random()}${random()}`;
}

const emptyThread = (status: Thread["status"]): Thread => ({ exchanges: [], status, loadError: null, busy: false });

function readSession<T>(key: string, fallback: T): T {
  try {
    const text = globalThis.sessionStorage?.getItem(key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

function writeSession(key: string, value: unknown): void {
  try {
    globalThis.sessionStorage?.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or switched off: only a reload loses what it would have kept.
  }
}

export function createChatStore(backend: Backend): ChatStore {
  const restoredId = readSession<string | null>(OPEN_KEY, null);
  let state: ChatState = {
    openId: restoredId ?? newSessionId(),
    threads: {},
    drafts: readSession<Record<string, string>>(DRAFTS_KEY, {}),
    conversations: [],
    query: "",
    found: null,
    listError: null,
    selected: {},
    comparing: false,
    model: null,
    view: null,
    agentOf: readSession<Record<string, string>>(AGENTS_KEY, {}),
  };
  state.threads[state.openId] = emptyThread(restoredId ? "loading" : "new");
  const listeners = new Set<() => void>();
  const scrolls = new Map<string, ScrollPosition>();
  let searches = 0;

  const set = (change: Partial<ChatState>) => {
    state = { ...state, ...change };
    listeners.forEach((listener) => listener());
  };
  const updateThread = (sessionId: string, change: (thread: Thread) => Thread) => {
    const thread = state.threads[sessionId];
    if (thread) set({ threads: { ...state.threads, [sessionId]: change(thread) } });
  };
  const updateExchange = (sessionId: string, index: number, change: (exchange: Exchange) => Exchange) =>
    updateThread(sessionId, (thread) => ({
      ...thread,
      exchanges: thread.exchanges.map((exchange, at) => (at === index ? change(exchange) : exchange)),
    }));
  const renameIn = (sessions: Session[] | null, sessionId: string, title: string | null) =>
    sessions?.map((session) => (session.sessionId === sessionId ? { ...session, title } : session)) ?? null;

  const refreshModel = async () => {
    try {
      set({ model: await backend.chatModel() });
    } catch (error) {
      set({ model: { provider: "none", model: "", problem: messageOf(error), keySource: null } });
    }
  };

  const setAgent = (sessionId: string, agent: string | null) => {
    const agentOf = { ...state.agentOf };
    if (agent === null) delete agentOf[sessionId];
    else agentOf[sessionId] = agent;
    writeSession(AGENTS_KEY, agentOf);
    set({ agentOf });
  };

  // Who a stored conversation talked to (kept with its events, so a restart remembers).
  const loadAgent = async (sessionId: string) => {
    if (sessionId in state.agentOf) return;
    try {
      const agent = await backend.agentsConversation(sessionId);
      if (agent !== null && !(sessionId in state.agentOf)) setAgent(sessionId, agent);
    } catch {
      // Unknown: the conversation goes on with this computer's agent until one is picked.
    }
  };

  const load = async (sessionId: string) => {
    void loadAgent(sessionId);
    updateThread(sessionId, (thread) => ({ ...thread, status: "loading", loadError: null }));
    try {
      const past = await backend.chatHistory(sessionId);
      updateThread(sessionId, (thread) =>
        thread.busy ? thread : { ...thread, exchanges: past.map(fromPast), status: past.length > 0 ? "ready" : "new" },
      );
    } catch (error) {
      updateThread(sessionId, (thread) => ({ ...thread, status: "failed", loadError: messageOf(error) }));
    }
  };

  const store: ChatStore = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async open(sessionId) {
      writeSession(OPEN_KEY, sessionId);
      const known = state.threads[sessionId];
      if (known && known.status !== "failed") {
        set({ openId: sessionId, comparing: false });
        return;
      }
      set({ openId: sessionId, comparing: false, threads: { ...state.threads, [sessionId]: emptyThread("loading") } });
      await load(sessionId);
    },

    startNew() {
      const sessionId = newSessionId();
      // A new chat talks to the agent the open one talks to.
      const agent = state.agentOf[state.openId] ?? null;
      writeSession(OPEN_KEY, sessionId);
      set({ openId: sessionId, comparing: false, threads: { ...state.threads, [sessionId]: emptyThread("new") } });
      if (agent !== null) setAgent(sessionId, agent);
    },

    setDraft(text) {
      const drafts = { ...state.drafts };
      if (text === "") delete drafts[state.openId];
      else drafts[state.openId] = text;
      set({ drafts });
      writeSession(DRAFTS_KEY, drafts);
    },

    async send() {
      const sessionId = state.openId;
      const thread = state.threads[sessionId];
      const question = (state.drafts[sessionId] ?? "").trim();
      if (!thread || thread.busy || question === "") return;
      const agent = state.agentOf[sessionId] ?? null;
      const offline = agent === null && (state.model === null || state.model.provider === "none");
      const index = thread.exchanges.length;
      const drafts = { ...state.drafts };
      delete drafts[sessionId];
      writeSession(DRAFTS_KEY, drafts);
      writeSession(OPEN_KEY, sessionId);
      set({ drafts });
      updateThread(sessionId, (current) => ({
        ...current,
        busy: true,
        status: "ready",
        exchanges: [
          ...current.exchanges,
          { question, steps: [], estimate: null, error: null, done: false, stopped: false, usage: null, offline },
        ],
      }));
      try {
        if (agent !== null) {
          let listed = false;
          const onItem = (item: RemoteEvent) => {
            if (item.kind === "estimate") {
              const estimate = remoteEstimate(item.estimate, question, item.id ?? `${sessionId}-${index}`);
              // The offline estimator's text is its report: the card says the same, once.
              const report = estimate?.estimate.report_markdown.trim();
              if (estimate) {
                updateExchange(sessionId, index, (exchange) => ({
                  ...exchange,
                  estimate,
                  steps: exchange.steps.filter((step) => step.kind !== "text" || step.text.trim() !== report),
                }));
              }
            } else {
              updateExchange(sessionId, index, (exchange) => ({ ...exchange, steps: applyEvent(exchange.steps, item) }));
            }
            // The question is kept by now: the new conversation joins the list at once.
            if (!listed) {
              listed = true;
              void store.refreshConversations();
            }
          };
          const turn = await backend.agentsSend(agent, sessionId, question, onItem);
          updateExchange(sessionId, index, (exchange) => ({ ...exchange, done: true, stopped: turn.stopped }));
        } else if (offline) {
          const estimate = await backend.chatOffline(sessionId, question);
          updateExchange(sessionId, index, (exchange) => ({ ...exchange, estimate, done: true }));
        } else {
          let listed = false;
          const turn = await backend.chatSend(sessionId, question, (streamed) => {
            updateExchange(sessionId, index, (exchange) => ({ ...exchange, steps: applyEvent(exchange.steps, streamed) }));
            // The question is stored by now: the new conversation joins the list at once.
            if (!listed) {
              listed = true;
              void store.refreshConversations();
            }
          });
          updateExchange(sessionId, index, (exchange) => ({ ...exchange, done: true, stopped: turn.stopped, usage: turn.usage }));
        }
      } catch (error) {
        updateExchange(sessionId, index, (exchange) => ({ ...exchange, error: failureOf(error), done: true }));
      }
      updateThread(sessionId, (current) => ({ ...current, busy: false }));
      await store.refreshConversations();
    },

    async answerOffline(sessionId, index) {
      const thread = state.threads[sessionId];
      const exchange = thread?.exchanges[index];
      if (!thread || thread.busy || !exchange || exchange.question === "") return;
      updateThread(sessionId, (current) => ({ ...current, busy: true }));
      updateExchange(sessionId, index, (current) => ({ ...current, error: null, done: false, offline: true }));
      try {
        const estimate = await backend.chatOffline(sessionId, exchange.question);
        updateExchange(sessionId, index, (current) => ({ ...current, estimate, done: true }));
      } catch (error) {
        updateExchange(sessionId, index, (current) => ({ ...current, error: failureOf(error), done: true }));
      }
      updateThread(sessionId, (current) => ({ ...current, busy: false }));
      await store.refreshConversations();
    },

    async traceOf(sessionId, index) {
      const past = await backend.chatHistory(sessionId);
      return past[index]?.traceId ?? null;
    },

    approve(sessionId, callId, approved) {
      updateThread(sessionId, (thread) => ({
        ...thread,
        exchanges: thread.exchanges.map((exchange) => ({
          ...exchange,
          steps: exchange.steps.map((step) =>
            step.kind === "tool" && step.call.id === callId && step.state === "asking" ? { ...step, state: approved ? "running" : "refused" } : step,
          ),
        })),
      }));
      void backend.chatApprove(sessionId, callId, approved).catch(() => undefined);
    },

    stop(sessionId) {
      void backend.chatStop(sessionId).catch(() => undefined);
    },

    async rename(sessionId, title) {
      const trimmed = title.trim();
      const before = state.conversations.find((session) => session.sessionId === sessionId);
      if (!before || trimmed === "" || trimmed === before.title) return trimmed !== "";
      set({
        conversations: renameIn(state.conversations, sessionId, trimmed) ?? [],
        found: renameIn(state.found, sessionId, trimmed),
        listError: null,
      });
      try {
        await backend.memorySessionRename(before.actorId, sessionId, trimmed);
        return true;
      } catch (error) {
        set({
          conversations: renameIn(state.conversations, sessionId, before.title) ?? [],
          found: renameIn(state.found, sessionId, before.title),
          listError: messageOf(error),
        });
        return false;
      }
    },

    async remove(sessionId) {
      const session = state.conversations.find((one) => one.sessionId === sessionId);
      if (state.threads[sessionId]?.busy) return false;
      try {
        await backend.memorySessionDelete(session?.actorId ?? LOCAL_ACTOR, sessionId);
      } catch (error) {
        set({ listError: messageOf(error) });
        return false;
      }
      const threads = { ...state.threads };
      delete threads[sessionId];
      const drafts = { ...state.drafts };
      delete drafts[sessionId];
      writeSession(DRAFTS_KEY, drafts);
      if (sessionId in state.agentOf) setAgent(sessionId, null);
      scrolls.delete(sessionId);
      const without = (sessions: Session[] | null) => sessions?.filter((one) => one.sessionId !== sessionId) ?? null;
      set({ threads, drafts, conversations: without(state.conversations) ?? [], found: without(state.found), listError: null });
      if (state.openId === sessionId) store.startNew();
      return true;
    },

    async search(query) {
      const search = ++searches;
      if (query.trim() === "") {
        set({ query, found: null });
        return;
      }
      set({ query });
      try {
        const found = await backend.memorySessionsSearch(query);
        if (search === searches) set({ found, listError: null });
      } catch (error) {
        if (search === searches) set({ found: [], listError: messageOf(error) });
      }
    },

    async refreshConversations() {
      try {
        set({ conversations: await backend.memorySessions() });
      } catch (error) {
        set({ listError: messageOf(error) });
      }
      if (state.query.trim() !== "") await store.search(state.query);
    },

    refreshModel,

    async pickModel(provider, name) {
      const view = state.view;
      if (view === null) return;
      const settings = { ...view.settings, model: { ...view.settings.model, provider, name } };
      try {
        set({ view: await backend.saveSettings(settings) });
        await refreshModel();
      } catch (error) {
        set({ model: state.model ? { ...state.model, problem: messageOf(error) } : state.model });
      }
    },

    pickAgent(agent) {
      const sessionId = state.openId;
      const thread = state.threads[sessionId];
      if (thread?.busy) return;
      const tooShort = agent !== null && sessionId.length < MIN_RUNTIME_SESSION_ID && (thread?.exchanges.length ?? 0) > 0;
      if (tooShort) store.startNew();
      setAgent(state.openId, agent);
    },

    toggleSelected(saved, on) {
      const selected = { ...state.selected };
      if (on) selected[saved.id] = saved;
      else delete selected[saved.id];
      set({ selected });
    },

    setComparing(on) {
      set({ comparing: on });
    },

    scrollOf: (sessionId) => scrolls.get(sessionId),
    rememberScroll(sessionId, position) {
      scrolls.set(sessionId, position);
    },
  };

  void refreshModel();
  void store.refreshConversations();
  void backend.loadSettings().then(
    (view) => set({ view }),
    () => undefined,
  );
  void backend
    .onSettingsChanged((view) => {
      set({ view });
      void refreshModel();
    })
    .catch(() => undefined);
  if (restoredId) void load(restoredId);
  return store;
}

const stores = new WeakMap<Backend, ChatStore>();

/** The chat store of this backend (the app has one backend, so one store for its lifetime). */
export function chatStoreFor(backend: Backend): ChatStore {
  let store = stores.get(backend);
  if (!store) {
    store = createChatStore(backend);
    stores.set(backend, store);
  }
  return store;
}
