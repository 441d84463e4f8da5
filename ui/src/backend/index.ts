// The UI talks to AgentDesk through this interface only: the Tauri implementation in the
// app, an in-memory one in component tests. Types come from Rust (see ../bindings).
import type { AppInfo, SettingsView } from "../bindings/Api";
import type { Report } from "../bindings/Doctor";
import type { Settings } from "../bindings/Settings";

export type { ApiError } from "../bindings/Api";

export interface Backend {
  appInfo(): Promise<AppInfo>;
  loadSettings(): Promise<SettingsView>;
  /** Rejects with an ApiError when a value is refused or the file cannot be written. */
  saveSettings(settings: Settings): Promise<SettingsView>;
  runDoctor(): Promise<Report>;
  /** Calls `listener` whenever the settings change; returns the function that stops it. */
  onSettingsChanged(listener: (view: SettingsView) => void): Promise<() => void>;
}
