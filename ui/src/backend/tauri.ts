import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppInfo, ChatModel, ChatTurn, InstallProgress, RegionChoice, SettingsView } from "../bindings/Api";
import type { AgentEvent, PastExchange } from "../bindings/Agent";
import type { AuthEvent, AuthView, DiscoveryReport, ProviderStatus } from "../bindings/Identity";
import type { OutputChunk, RuntimeStatus, SandboxUsage, SessionInfo, SessionStatus, ToolResult } from "../bindings/Sandbox";
import type { InterpreterStatus, InterpreterView } from "../bindings/Interpreters";
import type { Report } from "../bindings/Doctor";
import type { Settings } from "../bindings/Settings";
import type { SavedEstimate } from "../bindings/Estimate";
import type { CallView, ImportPreview, ServerView, ToolView } from "../bindings/Mcp";
import type { PricesOutcome, PricesProgress, PricesStatus } from "../bindings/Prices";
import type { Event, ExtractionReport, ExtractionStatus, MemoryRecord, ScoredRecord, Session } from "../bindings/Memory";
import type { AgentCheck, RemoteAgentView } from "../bindings/Agents";
import type { PricedSession, PricedTrace, PricedTraceDetail } from "../bindings/Traces";
import type { Backend, RemoteEvent } from ".";

/** Must match `SETTINGS_CHANGED` in src-tauri/src/lib.rs. */
export const SETTINGS_CHANGED = "settings-changed";
/** Must match `AUTH_CHANGED` in src-tauri/src/lib.rs. */
export const AUTH_CHANGED = "auth-changed";
/** Must match `MCP_CHANGED` in src-tauri/src/lib.rs. */
export const MCP_CHANGED = "mcp-changed";
/** Must match `SANDBOX_INSTALL_PROGRESS` in src-tauri/src/lib.rs. */
export const SANDBOX_INSTALL_PROGRESS = "sandbox-install-progress";

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>("app_info"),
  loadSettings: () => invoke<SettingsView>("settings_load"),
  saveSettings: (settings: Settings) => invoke<SettingsView>("settings_save", { settings }),
  runDoctor: () => invoke<Report>("doctor_run"),
  onSettingsChanged: (listener) =>
    listen<SettingsView>(SETTINGS_CHANGED, (event) => listener(event.payload)),
  settingsRegions: () => invoke<RegionChoice[]>("settings_regions"),
  sandboxRuntimes: () => invoke<RuntimeStatus[]>("sandbox_runtimes"),
  sandboxInstall: (runtime) => invoke<RuntimeStatus>("sandbox_install", { runtime }),
  onInstallProgress: (listener) =>
    listen<InstallProgress>(SANDBOX_INSTALL_PROGRESS, (event) => listener(event.payload)),
  sandboxStart: (runtime) => invoke<SessionInfo>("sandbox_start", { runtime }),
  sandboxStop: (sessionId) => invoke<SessionInfo>("sandbox_stop", { sessionId }),
  sandboxInvoke: (sessionId, call, limits, onOutput) => {
    const channel = new Channel<OutputChunk>();
    channel.onmessage = (chunk) => onOutput?.(chunk);
    return invoke<ToolResult>("sandbox_invoke", { sessionId, call, limits: limits ?? null, onOutput: channel });
  },
  sandboxSessions: () => invoke<SessionInfo[]>("sandbox_sessions"),
  sandboxCancel: (sessionId) => invoke<boolean>("sandbox_cancel", { sessionId }),
  sandboxUsage: () => invoke<SandboxUsage>("sandbox_usage"),
  interpretersList: () => invoke<InterpreterView[]>("interpreters_list"),
  interpretersProbe: (name) => invoke<InterpreterStatus>("interpreters_probe", { name }),
  interpreterStart: (name) => invoke<string>("interpreter_start", { name }),
  interpreterSession: (name, sessionId) => invoke<SessionStatus>("interpreter_session", { name, sessionId }),
  interpreterInvoke: (name, sessionId, call, onOutput) => {
    const channel = new Channel<OutputChunk>();
    channel.onmessage = (chunk) => onOutput?.(chunk);
    return invoke<ToolResult>("interpreter_invoke", { name, sessionId, call, onOutput: channel });
  },
  interpreterStop: (name, sessionId) => invoke<void>("interpreter_stop", { name, sessionId }),
  memorySessions: () => invoke<Session[]>("memory_sessions"),
  memorySessionsSearch: (query) => invoke<Session[]>("memory_sessions_search", { query }),
  memorySessionRename: (actorId, sessionId, title) => invoke<void>("memory_session_rename", { actorId, sessionId, title }),
  memorySessionDelete: (actorId, sessionId) => invoke<void>("memory_session_delete", { actorId, sessionId }),
  memoryEvents: (actorId, sessionId) => invoke<Event[]>("memory_events", { actorId, sessionId }),
  memoryEvent: (eventId) => invoke<Event>("memory_event", { eventId }),
  memoryRecords: () => invoke<MemoryRecord[]>("memory_records"),
  memorySearch: (query) => invoke<ScoredRecord[]>("memory_search", { query }),
  memoryRecordUpdate: (recordId, text) => invoke<MemoryRecord>("memory_record_update", { recordId, text }),
  memoryRecordDelete: (recordId) => invoke<void>("memory_record_delete", { recordId }),
  memoryStatus: () => invoke<ExtractionStatus>("memory_status"),
  memoryExtract: () => invoke<ExtractionReport>("memory_extract"),
  chatOffline: (sessionId, message) => invoke<SavedEstimate>("chat_offline", { sessionId, message }),
  chatHistory: (sessionId) => invoke<PastExchange[]>("chat_history", { sessionId }),
  chatModel: () => invoke<ChatModel>("chat_model"),
  chatSend: (sessionId, message, onEvent) => {
    const channel = new Channel<AgentEvent>();
    channel.onmessage = onEvent;
    return invoke<ChatTurn>("chat_send", { sessionId, message, onEvent: channel });
  },
  chatApprove: (sessionId, callId, approved) => invoke<void>("chat_approve", { sessionId, callId, approved }),
  chatStop: (sessionId) => invoke<boolean>("chat_stop", { sessionId }),
  // remote agents
  agentsList: () => invoke<RemoteAgentView[]>("agents_list"),
  agentsAdd: (name, settings) => invoke<RemoteAgentView[]>("agents_add", { name, settings }),
  agentsRemove: (name) => invoke<RemoteAgentView[]>("agents_remove", { name }),
  agentsTest: (name) => invoke<AgentCheck>("agents_test", { name }),
  agentsSend: (agent, sessionId, message, onEvent) => {
    const channel = new Channel<RemoteEvent>();
    channel.onmessage = onEvent;
    return invoke<ChatTurn>("agents_send", { agent, sessionId, message, onEvent: channel });
  },
  agentsConversation: (sessionId) => invoke<string | null>("agents_conversation", { sessionId }),
  modelKeySet: (provider, key) => invoke<void>("model_key_set", { provider, key }),
  modelKeyForget: (provider) => invoke<boolean>("model_key_forget", { provider }),
  authView: () => invoke<AuthView>("auth_view"),
  authSignIn: (provider) => invoke<ProviderStatus>("auth_sign_in", { provider }),
  authSignOut: (provider) => invoke<ProviderStatus>("auth_sign_out", { provider }),
  authStoreSecret: (provider, secret) => invoke<ProviderStatus>("auth_store_secret", { provider, secret }),
  onAuthChanged: (listener) => listen<AuthEvent>(AUTH_CHANGED, (event) => listener(event.payload)),
  authCheckProvider: (name, settings) => invoke<DiscoveryReport>("auth_check_provider", { name, settings }),
  authSaveProvider: (name, settings, secret) => invoke<AuthView>("auth_save_provider", { name, settings, secret }),
  authRemoveProvider: (name) => invoke<AuthView>("auth_remove_provider", { name }),
  pricesStatus: () => invoke<PricesStatus>("prices_status"),
  pricesUpdate: (regions, services, onProgress) => {
    const channel = new Channel<PricesProgress>();
    channel.onmessage = onProgress;
    return invoke<PricesOutcome[]>("prices_update", { regions, services, onProgress: channel });
  },
  onMcpChanged: (listener) => listen<ServerView>(MCP_CHANGED, (event) => listener(event.payload)),
  mcpServers: () => invoke<ServerView[]>("mcp_servers"),
  mcpCheck: (name) => invoke<ServerView>("mcp_check", { name }),
  mcpSignIn: (name) => invoke<ServerView>("mcp_sign_in", { name }),
  mcpSignOut: (name) => invoke<ServerView>("mcp_sign_out", { name }),
  mcpAdd: (name, settings, secrets) => invoke<ServerView>("mcp_add", { name, settings, secrets: secrets ?? [] }),
  mcpSetEnabled: (name, enabled) => invoke<ServerView>("mcp_set_enabled", { name, enabled }),
  mcpRemove: (name) => invoke<void>("mcp_remove", { name }),
  mcpTools: (name) => invoke<ToolView[]>("mcp_tools", { name }),
  mcpCall: (name, tool, args) => invoke<CallView>("mcp_call", { name, tool, arguments: args }),
  mcpImportPreview: (path) => invoke<ImportPreview>("mcp_import_preview", { path }),
  mcpImport: (path) => invoke<ImportPreview>("mcp_import", { path }),
  mcpImportPick: () => invoke<string | null>("mcp_import_pick"),
  saveFile: (suggestedName, contentsBase64, filter) =>
    invoke<string | null>("save_file", { suggestedName, contentsBase64, filter }),
  tracesSessions: (filter) => invoke<PricedSession[]>("traces_sessions", { filter }),
  tracesList: (filter) => invoke<PricedTrace[]>("traces_list", { filter }),
  traceDetail: (traceId) => invoke<PricedTraceDetail>("trace_detail", { traceId }),
  traceOtlpJson: (traceId) => invoke<string>("trace_otlp_json", { traceId }),
};
