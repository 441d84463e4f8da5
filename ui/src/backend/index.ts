// The UI talks to AgentDesk through this interface only: the Tauri implementation in the
// app, an in-memory one in component tests. Types come from Rust (see ../bindings).
import type { AppInfo, ChatModel, ChatTurn, InstallProgress, RegionChoice, SettingsView } from "../bindings/Api";
import type { AgentEvent, PastExchange } from "../bindings/Agent";
import type { AuthEvent, AuthView, DiscoveryReport, ProviderStatus } from "../bindings/Identity";
import type { Limits, OutputChunk, RuntimeId, RuntimeStatus, SandboxUsage, SessionInfo, SessionStatus, ToolCall, ToolResult } from "../bindings/Sandbox";
import type { InterpreterStatus, InterpreterView } from "../bindings/Interpreters";
import type { Report } from "../bindings/Doctor";
import type { McpServerSettings, ModelProvider, ProviderSettings, Settings } from "../bindings/Settings";
import type { CallView, ImportPreview, NamedSecret, ServerView, ToolView } from "../bindings/Mcp";
import type { SavedEstimate } from "../bindings/Estimate";
import type { PricesOutcome, PricesProgress, PricesStatus } from "../bindings/Prices";
import type { Event, ExtractionReport, ExtractionStatus, MemoryRecord, ScoredRecord, Session } from "../bindings/Memory";
import type { AgentCheck, RemoteAgentView } from "../bindings/Agents";
import type { AgentSettings } from "../bindings/Settings";
import type { Estimate } from "../bindings/Estimate";
import type { PricedSession, PricedTrace, PricedTraceDetail, TraceFilter } from "../bindings/Traces";

export type { ApiError } from "../bindings/Api";

export interface Backend {
  appInfo(): Promise<AppInfo>;
  loadSettings(): Promise<SettingsView>;
  /** Rejects with an ApiError when a value is refused or the file cannot be written. */
  saveSettings(settings: Settings): Promise<SettingsView>;
  runDoctor(): Promise<Report>;
  /** Calls `listener` whenever the settings change; returns the function that stops it. */
  onSettingsChanged(listener: (view: SettingsView) => void): Promise<() => void>;
  /** Every commercial region, in AWS's order, each marked with whether prices are catalogued for it. */
  settingsRegions(): Promise<RegionChoice[]>;

  sandboxRuntimes(): Promise<RuntimeStatus[]>;
  /** Downloads, verifies and compiles a runtime; progress arrives through onInstallProgress. */
  sandboxInstall(runtime: RuntimeId): Promise<RuntimeStatus>;
  onInstallProgress(listener: (progress: InstallProgress) => void): Promise<() => void>;
  sandboxStart(runtime: RuntimeId): Promise<SessionInfo>;
  sandboxStop(sessionId: string): Promise<SessionInfo>;
  /**
   * One AgentCore Code Interpreter tool call; failures of the code come back with isError.
   * What the code prints reaches `onOutput` while it runs, before the result. Rejects with
   * code not_found when the session has ended (start a new one).
   */
  sandboxInvoke(sessionId: string, call: ToolCall, limits?: Limits, onOutput?: (chunk: OutputChunk) => void): Promise<ToolResult>;
  /** The sandbox's running sessions (newest first), then the ones that ended lately, with why. */
  sandboxSessions(): Promise<SessionInfo[]>;
  /** Stops the run going on in a session (the session stays); false when nothing was running. */
  sandboxCancel(sessionId: string): Promise<boolean>;
  /** Running sessions with their memory, and the memory of every live interpreter. */
  sandboxUsage(): Promise<SandboxUsage>;
  // remote code interpreters
  /** The remote code interpreters in the config file (`[interpreters.NAME]`); nothing is reached. */
  interpretersList(): Promise<InterpreterView[]>;
  /** Whether interpreter `name` answers and how fast; a failure resolves with its code and message. */
  interpretersProbe(name: string): Promise<InterpreterStatus>;
  /** Starts the Sandbox page's session on interpreter `name`; resolves with its id. */
  interpreterStart(name: string): Promise<string>;
  /** Whether the page's session still runs on the interpreter (READY) or ended (TERMINATED). */
  interpreterSession(name: string, sessionId: string): Promise<SessionStatus>;
  /**
   * One tool call in a remote session, answered in the local sandbox's shape; what the code
   * prints reaches `onOutput` as the interpreter streams it. Rejects with code not_found when
   * the session has ended, with sandbox (the message names the interpreter) otherwise.
   */
  interpreterInvoke(name: string, sessionId: string, call: ToolCall, onOutput?: (chunk: OutputChunk) => void): Promise<ToolResult>;
  /** Stops a remote session the page started. */
  interpreterStop(name: string, sessionId: string): Promise<void>;

  /** Conversations, most recently active first. */
  memorySessions(): Promise<Session[]>;
  /** Conversations whose title or messages contain every word of `query` (any language). */
  memorySessionsSearch(query: string): Promise<Session[]>;
  /** Gives a conversation a new title; rejects with invalid_value when it is empty or too long. */
  memorySessionRename(actorId: string, sessionId: string, title: string): Promise<void>;
  /** Deletes a conversation and its events (what was remembered about the user stays). */
  memorySessionDelete(actorId: string, sessionId: string): Promise<void>;
  /** A conversation's events, oldest first. */
  memoryEvents(actorId: string, sessionId: string): Promise<Event[]>;
  /** One event (a record's source); rejects with code not_found when it has expired. */
  memoryEvent(eventId: string): Promise<Event>;
  /** Every active long-term record, newest change first. */
  memoryRecords(): Promise<MemoryRecord[]>;
  /** Records matching a query in any language, best first. */
  memorySearch(query: string): Promise<ScoredRecord[]>;
  memoryRecordUpdate(recordId: string, text: string): Promise<MemoryRecord>;
  memoryRecordDelete(recordId: string): Promise<void>;
  memoryStatus(): Promise<ExtractionStatus>;
  /** Extracts every conversation with new events now. */
  memoryExtract(): Promise<ExtractionReport>;

  /** Answers a chat message with the offline estimator (when no model is configured). */
  chatOffline(sessionId: string, message: string): Promise<SavedEstimate>;
  /** A stored conversation as the chat showed it (text, tool calls with results, estimates). */
  chatHistory(sessionId: string): Promise<PastExchange[]>;
  /** The model the chat uses, or why it cannot (provider "none": the offline estimator). */
  chatModel(): Promise<ChatModel>;
  /**
   * One turn with the model. Each step reaches `onEvent` as it happens (text deltas once, in
   * order; tool calls; notices); rejects with code model_not_ready, busy, model, or one naming
   * why the model cannot be reached: model_not_running, model_unreachable, model_bad_url,
   * model_bad_key, model_missing.
   */
  chatSend(sessionId: string, message: string, onEvent: (event: AgentEvent) => void): Promise<ChatTurn>;
  /** Answers a tool call waiting for approval (its event had approval "ask"). */
  chatApprove(sessionId: string, callId: string, approved: boolean): Promise<void>;
  /** Stops the conversation's running turn; false when none was running. */
  chatStop(sessionId: string): Promise<boolean>;
  // remote agents
  /** The remote agents in the config file (`[agents.NAME]`), by name. */
  agentsList(): Promise<RemoteAgentView[]>;
  /**
   * Adds or replaces a remote agent; resolves with every agent. Rejects with invalid_value
   * whose key names the field refused (`agents.NAME.url`, `agents.NAME.arn`, …).
   */
  agentsAdd(name: string, settings: AgentSettings): Promise<RemoteAgentView[]>;
  /** Removes a remote agent (its conversations stay); resolves with the agents left. */
  agentsRemove(name: string): Promise<RemoteAgentView[]>;
  /**
   * Tests an agent: a URL agent's /ping, or a short prompt to an ARN agent. Rejects with
   * agent_unreachable, agent_timeout, agent_denied, agent_runtime_failed,
   * agent_no_credentials or agent.
   */
  agentsTest(name: string): Promise<AgentCheck>;
  /**
   * One turn of conversation `sessionId` with remote agent `agent` (the session id is also
   * the agent's runtime session, so it keeps its context). Items reach `onEvent` as the
   * local agent's do, plus the estimate; Stop is chatStop. Rejects as agentsTest does, or
   * with busy.
   */
  agentsSend(agent: string, sessionId: string, message: string, onEvent: (event: RemoteEvent) => void): Promise<ChatTurn>;
  /** The remote agent conversation `sessionId` last talked to; null for this computer's agent. */
  agentsConversation(sessionId: string): Promise<string | null>;
  /** Stores a provider's API key in the OS keyring; rejects with code keyring when it cannot. */
  modelKeySet(provider: ModelProvider, key: string): Promise<void>;
  /** Deletes a provider's API key from the keyring; false when there was none. */
  modelKeyForget(provider: ModelProvider): Promise<boolean>;

  /** Every credential provider's status (never a token). */
  authView(): Promise<AuthView>;
  /** Signs in; resolves once the user finished in the browser (rejects with code sign_in). */
  authSignIn(provider: string): Promise<ProviderStatus>;
  /** Signs out: revokes and deletes the tokens. */
  authSignOut(provider: string): Promise<ProviderStatus>;
  /** Stores a provider's client secret (OAuth) or API key in the keyring. */
  authStoreSecret(provider: string, secret: string): Promise<ProviderStatus>;
  /** Calls `listener` on every sign-in change; returns the function that stops it. */
  onAuthChanged(listener: (event: AuthEvent) => void): Promise<() => void>;
  /** Checks a provider's settings (saved or not) against the metadata its issuer publishes, fetched now. */
  authCheckProvider(name: string, settings: ProviderSettings): Promise<DiscoveryReport>;
  /**
   * Adds or replaces a provider in the config file; `secret` (a client secret or an API key),
   * when not null, goes to the keyring. Rejects with invalid_value naming what is wrong.
   */
  authSaveProvider(name: string, settings: ProviderSettings, secret: string | null): Promise<AuthView>;
  /** Removes a provider: signs out, deletes its tokens and secrets, and its config table. */
  authRemoveProvider(name: string): Promise<AuthView>;

  /** The price catalogs in use (bundled and built here), and what an update can build. */
  pricesStatus(): Promise<PricesStatus>;
  /**
   * Builds catalogs of `services` (offer codes) in `regions` from AWS's Price List, one file
   * after another; each download and read reaches `onProgress` as it happens. Resolves with
   * one outcome per offer and region (a failed one keeps its previous catalog); rejects with
   * code prices when the Price List cannot be read at all.
   */
  pricesUpdate(regions: string[], services: string[], onProgress: (progress: PricesProgress) => void): Promise<PricesOutcome[]>;

  /** Calls `listener` whenever a server's state changes (also without any action here). */
  onMcpChanged(listener: (server: ServerView) => void): Promise<() => void>;
  /** Every configured MCP server as it stands (nothing is reached). */
  mcpServers(): Promise<ServerView[]>;
  /** Connects (never asking the user) and lists the tools; the status says how it went. */
  mcpCheck(name: string): Promise<ServerView>;
  /** Signs in (the browser page arrives as an auth "browser" event); rejects with code sign_in. */
  mcpSignIn(name: string): Promise<ServerView>;
  /** Forgets the credentials the server signs in with. */
  mcpSignOut(name: string): Promise<ServerView>;
  /**
   * Adds or replaces a server in the config file, with secret headers (a URL server) or
   * secret environment variables (a started server) kept in the keyring; rejects with code
   * invalid_value naming the problem, or keyring when a secret cannot be kept (nothing is saved).
   */
  mcpAdd(name: string, settings: McpServerSettings, secrets?: NamedSecret[]): Promise<ServerView>;
  mcpSetEnabled(name: string, enabled: boolean): Promise<ServerView>;
  /** Removes a server, its secrets and its sign-in. */
  mcpRemove(name: string): Promise<void>;
  mcpTools(name: string): Promise<ToolView[]>;
  /** Calls a tool; a failure of the tool itself resolves with isError, bad arguments reject with invalid_value. */
  mcpCall(name: string, tool: string, args: Record<string, unknown>): Promise<CallView>;
  /**
   * What importing Claude Desktop's config (or the mcpServers JSON file at `path`) would add,
   * and what it would skip and why; changes nothing. Rejects with invalid_value for a path
   * that is not a full path to a .json file, with mcp when the file is not mcpServers JSON.
   */
  mcpImportPreview(path: string | null): Promise<ImportPreview>;
  /** Asks for the file to import through the OS's native Open dialog; resolves with its path, or null when cancelled. */
  mcpImportPick(): Promise<string | null>;
  /** Imports what the preview marks to add (secrets into the keyring); resolves with what became of each. */
  mcpImport(path: string | null): Promise<ImportPreview>;

  /** Conversations with their traces summed up and priced, most recently active first. */
  tracesSessions(filter: TraceFilter): Promise<PricedSession[]>;
  /** Traces summed up and priced, newest first (at most 500). */
  tracesList(filter: TraceFilter): Promise<PricedTrace[]>;
  /** One trace with every span; rejects with not_found for an unknown trace id. */
  traceDetail(traceId: string): Promise<PricedTraceDetail>;
  /** One trace as OTLP JSON (ExportTraceServiceRequest), as text to save. */
  traceOtlpJson(traceId: string): Promise<string>;

  /**
   * Asks where to save through the OS's native save dialog, then writes `contents` (base64)
   * there. Resolves with the path written, or null when the user cancelled; rejects with
   * code io naming the path when it cannot be written.
   */
  saveFile(suggestedName: string, contentsBase64: string, filter: SaveFilter): Promise<string | null>;
}

/**
 * An item of a remote agent's answer: `agentdesk serve` streams the agent's own events and a
 * final estimate (`{kind: "estimate", id, estimate}`); other agents' text arrives as text
 * events.
 */
export type RemoteEvent = AgentEvent | { kind: "estimate"; id?: string; estimate: SavedEstimate | Estimate | null };

/** The file type offered in the save dialog, e.g. { name: "CSV", extensions: ["csv"] }. */
export interface SaveFilter {
  name: string;
  extensions: string[];
}
