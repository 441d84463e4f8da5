// An in-memory Backend for component tests: it keeps settings in a variable and runs
// checks against nothing, so tests exercise the real components without a Tauri host.
import type { ApiError, AppInfo, SettingsView } from "../bindings/Api";
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
}

export function memoryBackend(options: { locale?: string; report?: Report; settings?: Settings } = {}): MemoryBackend {
  const listeners = new Set<(view: SettingsView) => void>();
  const settings = options.settings ?? defaultSettings();
  const backend: MemoryBackend = {
    saved: [],
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
  };
  return backend;
}
