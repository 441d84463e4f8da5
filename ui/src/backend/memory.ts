// An in-memory Backend for component tests: it keeps settings in a variable and runs
// checks against nothing, so tests exercise the real components without a Tauri host.
import type { ApiError, AppInfo, ChatModel, ChatTurn, RegionChoice, SettingsView } from "../bindings/Api";
import type { AgentEvent, PastExchange, PastStep } from "../bindings/Agent";
import type { AuthEvent, AuthView, DiscoveryReport, ProviderStatus } from "../bindings/Identity";
import type { ToolCall } from "../bindings/Sandbox";
import type { Report } from "../bindings/Doctor";
import type { ProviderSettings, Settings } from "../bindings/Settings";
import type { Event, ExtractionStatus, MemoryRecord, Session } from "../bindings/Memory";
import type { SavedEstimate } from "../bindings/Estimate";
import type { CallView, ImportItem, ImportPreview, ServerView, ToolView } from "../bindings/Mcp";
import type { PricesOutcome, PricesProgress, PricesStatus } from "../bindings/Prices";
import type { PricedTrace, PricedTraceDetail } from "../bindings/Traces";
import type { Backend, SaveFilter } from ".";
import { fakeSandbox, type FakeSandbox } from "./memorySandbox";
import { fakeInterpreters, type FakeInterpreters } from "./memoryInterpreters";
import { fakeAgents, type FakeAgents } from "./memoryAgents";

export function defaultSettings(): Settings {
  return {
    dataDir: null,
    cacheDir: null,
    ui: { language: "system", theme: "system", sendWith: "enter" },
    log: { level: "info", maxFiles: 7 },
    keyring: { store: "os" },
    memory: { extractAfterTurns: 4, extractIdleSeconds: 300 },
    model: { provider: "none", name: "", baseUrl: "", awsRegion: "", awsProfile: "" },
    estimate: { region: "us-east-1" },
    tools: { executePython: "ask", interpreter: "", interpreterFallbackToLocal: false },
    sandbox: { idleMinutes: 15, indexUrl: "" },
    telemetry: { captureContent: false, retentionDays: 30, maxMegabytes: 500, otlpEndpoint: "", otlpProtocol: "http/protobuf" },
    providers: {},
    mcpServers: {},
    agents: {},
    interpreters: {},
  };
}

const HAND_COMPILED = "AgentDesk hand-compiled list prices";

/** A fixed offline estimate (a static site in Tokyo), whatever the message. */
export function sampleEstimate(message: string): SavedEstimate {
  const item = (service: string, resource: string, quantity: number, unit: string, unitPrice: number) => ({
    service, resource, quantity, unit, unit_price: unitPrice, monthly: quantity * unitPrice,
    price_source: HAND_COMPILED, price_date: "2026-11-25",
  });
  const items = [
    item("cloudfront", "transfer-out", 10, "GB", 0.114),
    item("route53", "hosted-zone", 1, "zone-month", 0.5),
    item("s3", "standard-storage", 1, "GB-month", 0.025),
  ];
  return {
    id: "est-0000000000000001",
    description: message,
    created_ms: 0,
    estimate: {
      region: "ap-northeast-1",
      region_asked: "東京",
      region_name: "アジアパシフィック (東京)",
      region_note: null,
      currency: "USD",
      monthly_total: 1.67,
      headline: "ap-northeast-1 (アジアパシフィック (東京)) で月額 $1.67(3 項目)。",
      items,
      not_priced: [],
      assumptions: ["静的サイトを S3 + CloudFront で配信すると仮定しています。"],
      price_source: HAND_COMPILED,
      price_date: "2026-11-25",
      price_sources: [{ name: HAND_COMPILED, date: "2026-11-25" }],
      price_note: null,
      calculated_in: "sandbox",
      calculation_note: null,
      calculation_script: "print(1.67)",
      report_markdown: "## AWS 料金の見積もり (ap-northeast-1)\n",
    },
  };
}

/** An offline estimate that priced nothing (as the estimator answers "RDS MySQL db.m5.xlarge in us-east-1"). */
export function nothingPricedEstimate(message: string): SavedEstimate {
  return {
    id: "est-0000000000000002",
    description: message,
    created_ms: 0,
    estimate: {
      region: "us-east-1",
      region_asked: "us-east-1",
      region_name: "US East (N. Virginia)",
      region_note: null,
      currency: "USD",
      monthly_total: 0,
      headline: "Nothing could be priced in us-east-1 (US East (N. Virginia)). Not priced: rds mysql db.m5.xlarge in us-east-1.",
      items: [],
      not_priced: [
        {
          asked: "rds mysql db.m5.xlarge in us-east-1",
          reason: "db.m5.xlarge is not in the offline catalog for us-east-1; db.m5.large and db.r6g.large are; a pricing MCP server or `agentdesk prices update` gives a live price",
          alternatives: [
            "db.m5.large in us-east-1: $0.171/instance-hour (about $124.83 a month)",
            "db.r6g.large in us-east-1: $0.226/instance-hour (about $164.98 a month)",
          ],
        },
      ],
      assumptions: ["Every resource runs all month: 730 hours.", "No free tier, Savings Plans or reserved pricing."],
      price_source: "bundled catalog",
      price_date: "",
      price_sources: [],
      price_note: null,
      calculated_in: "host",
      calculation_note: null,
      calculation_script: "",
      report_markdown: "## AWS cost estimate (us-east-1)\n",
    },
  };
}

/** What the in-memory Memory page starts with: one conversation and two records from it. */
export interface MemoryData {
  sessions: Session[];
  events: Event[];
  records: MemoryRecord[];
  status: ExtractionStatus;
}

export function sampleMemory(): MemoryData {
  const at = "2026-11-25T09:00:00Z";
  const message = (eventId: string, role: "USER" | "ASSISTANT", text: string): Event => ({
    eventId,
    actorId: "local-user",
    sessionId: "bakery",
    eventTimestamp: at,
    payload: [{ conversational: { content: { text }, role } }],
    branch: null,
    metadata: {},
  });
  const record = (id: string, strategy: string, text: string, sources: string[]): MemoryRecord => ({
    memoryRecordId: id,
    content: { text },
    memoryStrategyId: strategy,
    namespaces: [`/strategies/${strategy}/actors/local-user/`],
    actorId: "local-user",
    sessionId: null,
    topic: null,
    sourceEventIds: sources,
    status: "active",
    createdAt: at,
    updatedAt: at,
  });
  return {
    sessions: [{ actorId: "local-user", sessionId: "bakery", title: "パン屋のWebサイト", createdAt: at, lastActiveAt: at, eventCount: 2 }],
    events: [
      message("ev-1", "USER", "パン屋のWebサイトをHTMLでなるべく安く作りたい"),
      message("ev-2", "ASSISTANT", "S3 の静的ホスティングなら月数百円です。"),
    ],
    records: [
      record("mr-1", "preferences", "コスト重視: パン屋のWebサイトをHTMLでなるべく安く作りたい", ["ev-1"]),
      record("mr-2", "facts", "Fact: we run a small bakery", ["ev-1"]),
    ],
    status: {
      pendingEvents: 2,
      pendingSessions: 1,
      lastRunAt: null,
      lastError: null,
      recordsWritten: 2,
      extractor: "rules",
      running: false,
      skippedStrategies: [],
    },
  };
}

/**
 * A scripted model turn: the events it streams in order. A `toolRequested` with approval
 * "ask" waits for chatApprove; the turn then goes on (a denial becomes `toolRefused`).
 * `{ fails }` rejects the turn as a model that cannot be reached does.
 */
export type ScriptedTurn = AgentEvent[] | { fails: ApiError };

/** A stored conversation's events (messages only) as the chat shows them again. */
function pastFromEvents(events: Event[]): PastExchange[] {
  const past: PastExchange[] = [];
  for (const event of events) {
    for (const item of event.payload) {
      if (!("conversational" in item)) continue;
      const { role, content } = item.conversational;
      if (role === "USER") past.push({ question: content.text, steps: [], estimate: null, usage: null, traceId: null });
      else if (content.text !== "") past[past.length - 1]?.steps.push({ kind: "text", text: content.text });
    }
  }
  return past;
}

/** The steps a scripted turn leaves in the conversation, as chatHistory reads them back. */
function pastSteps(events: AgentEvent[], approvals: Map<string, boolean>): PastStep[] {
  const steps: PastStep[] = [];
  for (const event of events) {
    const last = steps[steps.length - 1];
    if (event.kind === "text") {
      if (last?.kind === "text") last.text += event.text;
      else steps.push({ kind: "text", text: event.text });
    } else if (event.kind === "toolRequested") {
      const declined = approvals.get(event.call.id) === false;
      steps.push({ kind: "tool", call: event.call, state: declined ? "refused" : "stopped", output: null, elapsedMs: null, reason: declined ? `the user declined to run ${event.call.name}` : null });
    } else if (event.kind === "toolFinished") {
      const step = steps.find((one) => one.kind === "tool" && one.call.id === event.callId);
      if (step?.kind === "tool") Object.assign(step, { state: event.output.isError ? "failed" : "done", output: event.output, elapsedMs: event.elapsedMs });
    } else if (event.kind === "notice") {
      steps.push({ kind: "notice", message: event.message, code: event.code });
    }
  }
  return steps;
}

export interface MemoryBackend extends Backend {
  /** What chatModel answers; provider "none" by default (the offline estimator). */
  model: ChatModel;
  /** The turns chatSend plays, one per message. */
  turns: ScriptedTurn[];
  /** What chatHistory reads back, by conversation (chats add to it as the real store does). */
  histories: Record<string, PastExchange[]>;
  /** chatApprove answers received: [callId, approved]. */
  approvals: [string, boolean][];
  /** Keys stored through modelKeySet, by provider. */
  keys: Record<string, string>;
  /** What authView answers; sign-ins succeed as "ann@example.com". */
  auth: AuthView;
  saved: Settings[];
  view: SettingsView;
  /** Tool calls received, in order. */
  calls: ToolCall[];
  /** The Sandbox's sessions; tests end them as the backend would. */
  sandbox: FakeSandbox;
  /** The remote code interpreters (none until a test adds one) and their sessions. */
  interpreters: FakeInterpreters;
  /** What the Memory page sees; tests change it. */
  memory: MemoryData;
  /** The MCP servers the Connections page sees; one at a URL containing "login" needs a sign-in. */
  mcp: ServerView[];
  /** Changes a server's state as if it happened by itself (a server going away), announcing it. */
  mcpHappened(name: string, change: Partial<ServerView["status"]>): void;
  /** The remote agents the Chat picker and the Connections page see, and their scripted turns. */
  remote: FakeAgents;
  /** The stored traces the Traces page reads (none until a test adds some). */
  traces: PricedTraceDetail[];
  /** What the Prices section sees, and what an update plays. */
  prices: PricesScript;
  /** Every file "saved" through the save dialog, and where the next one goes (null: cancelled). */
  saves: { suggestedName: string; contentsBase64: string; filter: SaveFilter }[];
  saveTo: string | null;
  /** What the Open dialog of the Claude Desktop import picks (null: cancelled). */
  importPick: string | null;
  // setup in the GUI
  /** What settingsRegions answers. */
  regions: RegionChoice[];
  /** A Claude Desktop config file (null: none at the usual place); its servers with "add" or "unusable". */
  claude: { path: string; items: ImportItem[] } | null;
}

// setup in the GUI
/** Four regions, two of them without catalogued prices. */
export function sampleRegions(): RegionChoice[] {
  const region = (code: string, nameEn: string, nameJa: string, names: string[], priced: boolean): RegionChoice => ({ code, nameEn, nameJa, names, priced });
  return [
    region("us-east-1", "US East (N. Virginia)", "米国東部 (バージニア北部)", ["us-east-1", "virginia", "バージニア"], true),
    region("eu-central-1", "Europe (Frankfurt)", "欧州 (フランクフルト)", ["eu-central-1", "frankfurt", "フランクフルト"], false),
    region("ap-northeast-1", "Asia Pacific (Tokyo)", "アジアパシフィック (東京)", ["ap-northeast-1", "tokyo", "東京"], true),
    region("ap-northeast-3", "Asia Pacific (Osaka)", "アジアパシフィック (大阪)", ["ap-northeast-3", "osaka", "大阪"], false),
  ];
}

/** A Claude Desktop config with one server to add and one that cannot be used. */
export function sampleClaudeConfig(): { path: string; items: ImportItem[] } {
  return {
    path: "/home/user/.config/Claude/claude_desktop_config.json",
    items: [
      { name: "github", target: "npx -y @modelcontextprotocol/server-github", action: "add", secrets: ["GITHUB_PERSONAL_ACCESS_TOKEN"], notes: [] },
      { name: "broken", target: "", action: "unusable", secrets: [], notes: ["broken: skipped, invalid type: integer `3`, expected a sequence"] },
    ],
  };
}

/** What checking a provider finds: https://idp.example publishes its metadata; nothing else answers. */
export function sampleDiscovery(settings: ProviderSettings): DiscoveryReport {
  const issuer = settings.issuer.trim().replace(/\/+$/, "");
  const report: DiscoveryReport = {
    issuer,
    documentUrl: null,
    tried: [],
    endpoints: { authorization: null, token: settings.token_endpoint || null, deviceAuthorization: null, revocation: null, registration: null },
    scopesSupported: [],
    grantTypesSupported: [],
    problems: [],
    notes: [],
  };
  if (issuer === "") return { ...report, notes: [{ kind: "noIssuer" }], problems: report.endpoints.token ? [] : [{ kind: "noTokenEndpoint" }] };
  const documentUrl = `${issuer}/.well-known/openid-configuration`;
  if (issuer !== "https://idp.example") {
    return { ...report, tried: [{ url: documentUrl, found: false, status: 404, error: null }], problems: [{ kind: "noDocument" }] };
  }
  return {
    ...report,
    documentUrl,
    tried: [{ url: documentUrl, found: true, status: null, error: null }],
    endpoints: { authorization: `${issuer}/auth`, token: `${issuer}/token`, deviceAuthorization: `${issuer}/device`, revocation: `${issuer}/revoke`, registration: null },
    scopesSupported: ["openid", "email", "offline_access"],
    grantTypesSupported: ["authorization_code", "refresh_token"],
    notes: settings.flow === "client-credentials" ? [{ kind: "grantNotAdvertised", grant: "client_credentials" }] : [],
  };
}

/** A scripted price update: its progress, then (once `hold` resolves) its outcomes or error. */
export interface PricesScript {
  status: PricesStatus;
  progress: PricesProgress[];
  outcomes: PricesOutcome[] | ApiError;
  /** When set, the update waits for it after its progress, so tests see it running. */
  hold: Promise<void> | null;
  /** The updates asked for: [regions, services]. */
  updates: [string[], string[]][];
}

/** Three regions and three services, one bundled catalog and one built here. */
export function samplePricesStatus(): PricesStatus {
  return {
    bundled: [{ file: "aws-hand-compiled.tsv", name: "AgentDesk hand-compiled list prices", date: "2026-11-25" }],
    built: [{ file: "AmazonEC2-us-east-1.tsv", date: "2026-12-01", rows: 12, problem: null }],
    regions: [
      { code: "us-east-1", name_en: "US East (N. Virginia)", name_ja: "米国東部 (バージニア北部)" },
      { code: "eu-central-1", name_en: "Europe (Frankfurt)", name_ja: "欧州 (フランクフルト)" },
      { code: "ap-northeast-1", name_en: "Asia Pacific (Tokyo)", name_ja: "アジアパシフィック (東京)" },
    ],
    services: [
      { offer: "AmazonEC2", name: "ec2" },
      { offer: "AmazonRDS", name: "rds" },
      { offer: "AmazonS3", name: "s3" },
    ],
    default_region: "us-east-1",
  };
}

/** The tools every in-memory MCP server offers, shaped like server-everything's. */
export const SAMPLE_TOOLS: ToolView[] = [
  {
    name: "echo",
    title: null,
    description: "Echoes back the input",
    inputSchema: { type: "object", properties: { message: { type: "string", description: "Message to echo" } }, required: ["message"] },
    outputSchema: null,
  },
  {
    name: "get-sum",
    title: null,
    description: "Returns the sum of two numbers",
    inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    outputSchema: { type: "object", properties: { result: { type: "number" } } },
  },
];

function sampleCall(tool: string, args: Record<string, unknown>): CallView {
  const missing = SAMPLE_TOOLS.find((one) => one.name === tool)?.inputSchema.required as string[] | undefined;
  const absent = (missing ?? []).filter((name) => !(name in args));
  if (absent.length > 0) {
    throw { code: "invalid_value", message: `the arguments of ${tool} do not match its schema: ${absent.map((name) => `"${name}" is a required property`).join("; ")}`, key: null };
  }
  if (tool === "get-sum") {
    const result = Number(args.a) + Number(args.b);
    return { isError: false, content: [{ kind: "text", text: `The sum of ${String(args.a)} and ${String(args.b)} is ${result}.` }], structured: { result } };
  }
  return { isError: false, content: [{ kind: "text", text: `Echo: ${String(args.message)}` }], structured: null };
}

export function memoryBackend(options: { locale?: string; report?: Report; settings?: Settings; memory?: MemoryData } = {}): MemoryBackend {
  const listeners = new Set<(view: SettingsView) => void>();
  const settings = options.settings ?? defaultSettings();
  const calls: ToolCall[] = [];
  const sandbox = fakeSandbox(calls);
  const interpreters = fakeInterpreters();
  let approve: ((approved: boolean) => void) | null = null;
  const authListeners = new Set<(event: AuthEvent) => void>();
  const updateAuth = (provider: string, change: Partial<ProviderStatus>): ProviderStatus => {
    const current = backend.auth.providers.find((status) => status.provider === provider);
    if (!current) throw { code: "not_found", message: `no credential provider named "${provider}"`, key: null };
    const next = { ...current, ...change };
    backend.auth = { ...backend.auth, providers: backend.auth.providers.map((status) => (status.provider === provider ? next : status)) };
    return next;
  };
  const mcpListeners = new Set<(server: ServerView) => void>();
  const findServer = (name: string): ServerView => {
    const found = backend.mcp.find((server) => server.status.name === name);
    if (!found) throw { code: "not_found", message: `no MCP server named "${name}": add one with \`agentdesk mcp add\``, key: null };
    return found;
  };
  const updateServer = (name: string, change: Partial<ServerView["status"]>): ServerView => {
    const server = findServer(name);
    const next = { ...server, status: { ...server.status, ...change } };
    backend.mcp = backend.mcp.map((one) => (one.status.name === name ? next : one));
    return next;
  };
  let estimates = 0;
  // setup in the GUI
  const importPreview = (path: string | null, done: boolean): ImportPreview => {
    // Where Claude Desktop keeps its config on Linux, as the real import looks first.
    const asked = path ?? "/home/user/.config/Claude/claude_desktop_config.json";
    if (!asked.endsWith(".json")) throw { code: "invalid_value", message: `${asked} is not a .json file: give Claude Desktop's claude_desktop_config.json`, key: null };
    const file = backend.claude !== null && backend.claude.path === asked ? backend.claude : null;
    const items = (file?.items ?? []).map((item) =>
      backend.mcp.some((server) => server.status.name === item.name) ? { ...item, action: "already-configured" as const } : item,
    );
    return { path: asked, found: file !== null, done, items };
  };
  let stop: (() => void) | null = null;
  /** Keeps a question as the real store does: the conversation is listed, titled by it. */
  const remember = (sessionId: string, question: string): PastExchange => {
    const at = new Date(Date.UTC(2026, 10, 25, 10, 0, Object.keys(backend.histories).length)).toISOString();
    const known = backend.memory.sessions.find((one) => one.sessionId === sessionId);
    const session: Session = known
      ? { ...known, lastActiveAt: at, eventCount: known.eventCount + 1 }
      : { actorId: "local-user", sessionId, title: question.split("\n")[0]!.slice(0, 60), createdAt: at, lastActiveAt: at, eventCount: 1 };
    backend.memory.sessions = [session, ...backend.memory.sessions.filter((one) => one.sessionId !== sessionId)];
    const history = (backend.histories[sessionId] ??= pastFromEvents(backend.memory.events.filter((event) => event.sessionId === sessionId)));
    const last = history[history.length - 1];
    // Answering an unanswered question offline does not ask it twice (as the real store).
    // A failed turn's notice (`failed:` code) goes when it is answered again, as in commands/chat.rs.
    if (last && last.question === question && last.estimate === null && last.steps.every((step) => step.kind === "notice" && step.code.startsWith("failed:"))) {
      last.steps = [];
      return last;
    }
    const exchange: PastExchange = { question, steps: [], estimate: null, usage: null, traceId: null };
    history.push(exchange);
    return exchange;
  };
  const words = (text: string) => text.toLowerCase().split(/\s+/).filter((word) => word !== "");
  const remote = fakeAgents({
    remember,
    setStop: (next) => {
      stop = next;
    },
    changed: (agents) => {
      backend.view = { ...backend.view, settings: { ...backend.view.settings, agents }, effective: { ...backend.view.effective, agents } };
      listeners.forEach((listener) => listener(backend.view));
    },
    estimate: (message) => ({ ...sampleEstimate(message), id: `est-remote-${++estimates}` }),
  });
  const backend: MemoryBackend = {
    model: { provider: "none", model: "", problem: null, keySource: null },
    turns: [],
    approvals: [],
    keys: {},
    auth: { providers: [], settings: {}, secretsStored: [], vaultProblem: null },
    saved: [],
    calls,
    sandbox,
    memory: options.memory ?? sampleMemory(),
    remote,
    agentsList: remote.agentsList,
    agentsAdd: remote.agentsAdd,
    agentsRemove: remote.agentsRemove,
    agentsTest: remote.agentsTest,
    agentsSend: remote.agentsSend,
    agentsConversation: remote.agentsConversation,
    mcp: [],
    prices: { status: samplePricesStatus(), progress: [], outcomes: [], hold: null, updates: [] },
    pricesStatus: async () => backend.prices.status,
    pricesUpdate: async (regions, services, onProgress) => {
      backend.prices.updates.push([regions, services]);
      backend.prices.progress.forEach(onProgress);
      if (backend.prices.hold) await backend.prices.hold;
      const outcomes = backend.prices.outcomes;
      if (!Array.isArray(outcomes)) throw outcomes;
      return outcomes;
    },
    mcpHappened: (name, change) => {
      const next = updateServer(name, change);
      mcpListeners.forEach((listener) => listener(next));
    },
    view: {
      settings,
      effective: settings,
      overridden: [],
      problems: [],
      configFile: "/home/user/.config/agentdesk/config.toml",
      dataDir: "/home/user/.local/share/agentdesk",
      cacheDir: "/home/user/.cache/agentdesk",
      logDir: "/home/user/.local/share/agentdesk/logs",
    },
    appInfo: async (): Promise<AppInfo> => ({ version: "0.1.0", locale: options.locale ?? "en-US" }),
    loadSettings: async () => backend.view,
    saveSettings: async (next) => {
      if (next.log.maxFiles < 1 || next.log.maxFiles > 365) {
        const error: ApiError = {
          code: "invalid_value",
          message: "expected a whole number from 1 to 365",
          key: "log.max_files",
        };
        throw error;
      }
      backend.saved.push(next);
      backend.view = { ...backend.view, settings: next, effective: next };
      listeners.forEach((listener) => listener(backend.view));
      return backend.view;
    },
    runDoctor: async () => options.report ?? { checks: [], versions: [] },
    onSettingsChanged: async (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sandboxRuntimes: sandbox.sandboxRuntimes,
    sandboxInstall: sandbox.sandboxInstall,
    onInstallProgress: sandbox.onInstallProgress,
    sandboxStart: sandbox.sandboxStart,
    sandboxStop: sandbox.sandboxStop,
    sandboxInvoke: sandbox.sandboxInvoke,
    sandboxSessions: sandbox.sandboxSessions,
    sandboxCancel: sandbox.sandboxCancel,
    sandboxUsage: sandbox.sandboxUsage,
    interpreters,
    interpretersList: interpreters.interpretersList,
    interpretersProbe: interpreters.interpretersProbe,
    interpreterStart: interpreters.interpreterStart,
    interpreterSession: interpreters.interpreterSession,
    interpreterInvoke: interpreters.interpreterInvoke,
    interpreterStop: interpreters.interpreterStop,
    histories: {},
    memorySessions: async () => backend.memory.sessions,
    memorySessionsSearch: async (query) =>
      backend.memory.sessions.filter((session) => {
        const said = (backend.histories[session.sessionId] ?? pastFromEvents(backend.memory.events.filter((event) => event.sessionId === session.sessionId)))
          .flatMap((exchange) => [exchange.question, ...exchange.steps.map((step) => (step.kind === "text" ? step.text : ""))]);
        const text = [session.title ?? "", ...said].join("\n").toLowerCase();
        return words(query).every((word) => text.includes(word));
      }),
    memorySessionRename: async (_actorId, sessionId, title) => {
      if (title.trim() === "") throw { code: "invalid_value", message: "a session title cannot be empty", key: null };
      const found = backend.memory.sessions.find((one) => one.sessionId === sessionId);
      if (!found) throw { code: "not_found", message: `no session "${sessionId}"`, key: null };
      backend.memory.sessions = backend.memory.sessions.map((one) => (one.sessionId === sessionId ? { ...one, title: title.trim() } : one));
    },
    memorySessionDelete: async (_actorId, sessionId) => {
      if (!backend.memory.sessions.some((one) => one.sessionId === sessionId)) throw { code: "not_found", message: `no session "${sessionId}"`, key: null };
      backend.memory.sessions = backend.memory.sessions.filter((one) => one.sessionId !== sessionId);
      backend.memory.events = backend.memory.events.filter((event) => event.sessionId !== sessionId);
      delete backend.histories[sessionId];
    },
    chatHistory: async (sessionId) =>
      structuredClone(backend.histories[sessionId] ?? pastFromEvents(backend.memory.events.filter((event) => event.sessionId === sessionId))),
    memoryEvents: async (actorId, sessionId) =>
      backend.memory.events.filter((event) => event.actorId === actorId && event.sessionId === sessionId),
    memoryEvent: async (eventId) => {
      const found = backend.memory.events.find((event) => event.eventId === eventId);
      if (!found) throw { code: "not_found", message: `no event "${eventId}"`, key: null };
      return found;
    },
    memoryRecords: async () => backend.memory.records,
    memorySearch: async (query) =>
      backend.memory.records
        .filter((record) => record.content.text.toLowerCase().includes(query.toLowerCase()))
        .map((record) => ({ ...record, score: 1 })),
    memoryRecordUpdate: async (recordId, text) => {
      const found = backend.memory.records.find((record) => record.memoryRecordId === recordId);
      if (!found) throw { code: "not_found", message: `no record "${recordId}"`, key: null };
      if (text.trim() === "") throw { code: "invalid_value", message: "a record's text cannot be empty; delete the record instead", key: null };
      found.content = { text: text.trim() };
      return found;
    },
    memoryRecordDelete: async (recordId) => {
      backend.memory.records = backend.memory.records.filter((record) => record.memoryRecordId !== recordId);
    },
    memoryStatus: async () => backend.memory.status,
    chatOffline: async (sessionId, message) => {
      const estimate = { ...sampleEstimate(message), id: `est-${String(++estimates).padStart(16, "0")}` };
      remember(sessionId, message).estimate = estimate;
      return estimate;
    },
    chatModel: async () => backend.model,
    chatSend: async (sessionId, message, onEvent): Promise<ChatTurn> => {
      const turn = backend.turns.shift() ?? [{ kind: "text", text: "(no scripted turn)" }];
      const past = remember(sessionId, message);
      if (!Array.isArray(turn)) {
        past.steps.push({ kind: "notice", message: turn.fails.message, code: `failed:${turn.fails.code}` });
        throw turn.fails;
      }
      const played: AgentEvent[] = [];
      const answers = new Map<string, boolean>();
      const record = (event: AgentEvent) => {
        played.push(event);
        past.steps = pastSteps(played, answers);
        onEvent(event);
      };
      let text = "";
      const stopped = new Promise<"stopped">((resolve) => {
        stop = () => resolve("stopped");
      });
      for (const event of turn) {
        if (event.kind === "text") text += event.text;
        record(event);
        if (event.kind === "toolRequested" && event.approval === "ask") {
          const answer = await Promise.race([
            new Promise<boolean>((resolve) => {
              approve = resolve;
            }),
            stopped,
          ]);
          if (answer === "stopped") return { text: "", steps: 1, usage: { inputTokens: 0, outputTokens: 0 }, stopped: true, hitStepLimit: false };
          answers.set(event.call.id, answer);
          if (!answer) record({ kind: "toolRefused", callId: event.call.id, reason: `the user declined to run ${event.call.name}` });
        }
        await Promise.resolve();
      }
      past.usage = { inputTokens: 120, outputTokens: 30 };
      return { text, steps: 1, usage: past.usage, stopped: false, hitStepLimit: false };
    },
    chatApprove: async (_sessionId, callId, approved) => {
      backend.approvals.push([callId, approved]);
      approve?.(approved);
      approve = null;
    },
    chatStop: async () => {
      const running = stop !== null;
      stop?.();
      stop = null;
      return running;
    },
    modelKeySet: async (provider, key) => {
      backend.keys[provider] = key;
    },
    authView: async () => backend.auth,
    authSignIn: async (provider) => {
      const url = `https://idp.example/auth?client_id=agentdesk&provider=${provider}`;
      authListeners.forEach((listener) => listener({ kind: "browser", provider, url }));
      const status = updateAuth(provider, { state: "signed-in", signedInAs: "ann@example.com", expiresIn: 3600, refreshable: true, error: null });
      authListeners.forEach((listener) => listener({ kind: "status", status }));
      return status;
    },
    authSignOut: async (provider) => {
      const status = updateAuth(provider, { state: "needs-sign-in", signedInAs: null, expiresIn: null, refreshable: false });
      authListeners.forEach((listener) => listener({ kind: "status", status }));
      return status;
    },
    authStoreSecret: async (provider, secret) => {
      backend.keys[provider] = secret;
      if (!backend.auth.secretsStored.includes(provider)) backend.auth = { ...backend.auth, secretsStored: [...backend.auth.secretsStored, provider] };
      const current = backend.auth.providers.find((status) => status.provider === provider);
      return updateAuth(provider, current?.kind === "api-key" ? { state: "key-stored" } : {});
    },
    onAuthChanged: async (listener) => {
      authListeners.add(listener);
      return () => authListeners.delete(listener);
    },
    // setup in the GUI
    authCheckProvider: async (_name, settings) => sampleDiscovery(settings),
    authSaveProvider: async (name, settings, secret) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
        throw { code: "invalid_value", message: `provider name "${name}": use letters, digits, '-' and '_' (at most 64)`, key: null };
      }
      if (settings.kind === "oauth" && settings.client_id.trim() === "") {
        throw { code: "invalid_value", message: `providers.${name}.client_id is empty: set the client id the provider registered`, key: null };
      }
      if (secret !== null && secret.trim() !== "") backend.keys[name] = secret.trim();
      const apiKey = settings.kind === "api-key";
      const status: ProviderStatus = {
        provider: name, kind: settings.kind, flow: settings.flow,
        state: apiKey ? (name in backend.keys ? "key-stored" : "key-missing") : "needs-sign-in",
        signedInAs: null, scopes: [], expiresIn: null, refreshable: false, error: null, persisted: true,
      };
      const others = backend.auth.providers.filter((one) => one.provider !== name);
      backend.auth = {
        ...backend.auth,
        providers: [...others, status].sort((a, b) => a.provider.localeCompare(b.provider)),
        settings: { ...backend.auth.settings, [name]: settings },
        secretsStored: name in backend.keys ? [...new Set([...backend.auth.secretsStored, name])] : backend.auth.secretsStored,
      };
      return backend.auth;
    },
    authRemoveProvider: async (name) => {
      if (!(name in backend.auth.settings)) throw { code: "not_found", message: `no credential provider named "${name}"`, key: null };
      delete backend.keys[name];
      const settings = { ...backend.auth.settings };
      delete settings[name];
      backend.auth = {
        ...backend.auth,
        providers: backend.auth.providers.filter((one) => one.provider !== name),
        settings,
        secretsStored: backend.auth.secretsStored.filter((one) => one !== name),
      };
      return backend.auth;
    },
    onMcpChanged: async (listener) => {
      mcpListeners.add(listener);
      return () => mcpListeners.delete(listener);
    },
    mcpServers: async () => backend.mcp,
    mcpCheck: async (name) => findServer(name),
    mcpSignIn: async (name) => {
      const url = `https://idp.example/auth?client_id=registered&resource=${name}`;
      authListeners.forEach((listener) => listener({ kind: "browser", provider: `mcp.${name}`, url }));
      return updateServer(name, { state: "connected", error: null, tools: SAMPLE_TOOLS.length });
    },
    mcpSignOut: async (name) => updateServer(name, { state: "needs-sign-in", tools: null }),
    mcpAdd: async (name, settings, secrets = []) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
        throw { code: "invalid_value", message: `mcp_servers.${name}: a server's name uses letters, digits, '-' and '_'`, key: null };
      }
      if ((settings.command === "") === (settings.url === "")) {
        throw { code: "invalid_value", message: `mcp_servers.${name}: give either command (a server to start) or url (a server to reach)`, key: null };
      }
      // As the keyring-backed save does: every secret checked first, then each value kept by entry.
      const what = settings.url ? "secret header" : "secret environment variable";
      for (const secret of secrets) {
        if (secret.name.trim() === "") throw { code: "invalid_value", message: `${name}: a ${what} has no name; nothing was saved`, key: null };
        if (secret.value.trim() === "") throw { code: "invalid_value", message: `${name}: the ${what} ${secret.name} has no value; nothing was saved`, key: null };
      }
      for (const secret of secrets) {
        const entry = settings.url ? `mcp.${name}.header.${secret.name.trim().toLowerCase()}` : `mcp.${name}.env.${secret.name.trim()}`;
        backend.keys[entry] = secret.value;
      }
      const needsSignIn = settings.url.includes("login");
      const server: ServerView = {
        status: {
          name,
          transport: settings.url ? "http" : "stdio",
          target: settings.url || [settings.command, ...settings.args].join(" "),
          state: needsSignIn ? "needs-sign-in" : "connected",
          error: needsSignIn ? `${name} needs a sign-in with https://idp.example: run \`agentdesk mcp login ${name}\`` : null,
          stderr: [],
          tools: needsSignIn ? null : SAMPLE_TOOLS.length,
          serverInfo: needsSignIn ? null : "mcp-servers/everything 2.0.0",
          protocolVersion: needsSignIn ? null : "2025-11-25",
        },
        enabled: settings.enabled,
        auth: settings.auth,
      };
      backend.mcp = [...backend.mcp.filter((one) => one.status.name !== name), server].sort((a, b) => a.status.name.localeCompare(b.status.name));
      return server;
    },
    mcpSetEnabled: async (name, enabled) => {
      const server = findServer(name);
      const next: ServerView = { ...server, enabled, status: { ...server.status, state: enabled ? "connected" : "disabled" } };
      backend.mcp = backend.mcp.map((one) => (one.status.name === name ? next : one));
      return next;
    },
    mcpRemove: async (name) => {
      findServer(name);
      backend.mcp = backend.mcp.filter((one) => one.status.name !== name);
    },
    mcpTools: async (name) => {
      const server = findServer(name);
      if (server.status.state === "needs-sign-in") throw { code: "sign_in", message: server.status.error ?? "sign in first", key: null };
      return SAMPLE_TOOLS;
    },
    mcpCall: async (name, tool, args) => {
      findServer(name);
      return sampleCall(tool, args);
    },
    // setup in the GUI
    regions: sampleRegions(),
    settingsRegions: async () => backend.regions,
    claude: sampleClaudeConfig(),
    mcpImportPreview: async (path) => importPreview(path, false),
    importPick: null,
    mcpImportPick: async () => backend.importPick,
    mcpImport: async (path) => {
      const done = importPreview(path, true);
      for (const item of done.items.filter((one) => one.action === "add")) {
        await backend.mcpAdd(item.name, {
          command: item.target.split(" ")[0] ?? "", args: item.target.split(" ").slice(1), env: {}, secret_env: item.secrets, cwd: "",
          url: "", headers: {}, secret_headers: [], auth: "", oauth_client_id: "", timeout_seconds: 0, enabled: true,
        });
      }
      return done;
    },
    traces: [],
    tracesList: async (filter) =>
      backend.traces.map((trace) => trace.summary).filter((trace) => filter.sessionId === null || trace.sessionId === filter.sessionId),
    tracesSessions: async () => {
      const bySession = new Map<string | null, PricedTrace[]>();
      for (const { summary } of backend.traces) bySession.set(summary.sessionId, [...(bySession.get(summary.sessionId) ?? []), summary]);
      return [...bySession].map(([sessionId, traces]) => ({
        sessionId,
        title: backend.memory.sessions.find((session) => session.sessionId === sessionId)?.title ?? null,
        startNs: Math.min(...traces.map((trace) => trace.startNs)),
        endNs: Math.max(...traces.map((trace) => trace.endNs)),
        traceCount: traces.length,
        inputTokens: traces.reduce((sum, trace) => sum + trace.inputTokens, 0),
        outputTokens: traces.reduce((sum, trace) => sum + trace.outputTokens, 0),
        errorCount: traces.reduce((sum, trace) => sum + trace.errorCount, 0),
        models: traces.flatMap((trace) => trace.models),
        costUsd: null,
        costNote: "the in-memory backend does not price traces",
      }));
    },
    traceDetail: async (traceId) => {
      const found = backend.traces.find((trace) => trace.summary.traceId === traceId);
      if (!found) throw { code: "not_found", message: `there is no trace ${traceId}`, key: null };
      return found;
    },
    traceOtlpJson: async (traceId) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId }] }] }] }),
    saves: [],
    saveTo: "/home/user/Documents/saved",
    saveFile: async (suggestedName, contentsBase64, filter) => {
      if (backend.saveTo === null) return null;
      backend.saves.push({ suggestedName, contentsBase64, filter });
      return `${backend.saveTo}/${suggestedName}`;
    },
    modelKeyForget: async (provider) => {
      const had = provider in backend.keys;
      delete backend.keys[provider];
      return had;
    },
    memoryExtract: async () => {
      const events = backend.memory.status.pendingEvents;
      backend.memory.status = { ...backend.memory.status, pendingEvents: 0, pendingSessions: 0, lastRunAt: "2026-11-25T10:00:00Z" };
      return { sessions: 1, events, added: 0, updated: 0, retired: 0, skippedStrategies: [] };
    },
  };
  return backend;
}
