import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppInfo, SettingsView } from "../bindings/Api";
import type { Report } from "../bindings/Doctor";
import type { Settings } from "../bindings/Settings";
import type { Backend } from ".";

/** Must match `SETTINGS_CHANGED` in src-tauri/src/lib.rs. */
export const SETTINGS_CHANGED = "settings-changed";

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>("app_info"),
  loadSettings: () => invoke<SettingsView>("settings_load"),
  saveSettings: (settings: Settings) => invoke<SettingsView>("settings_save", { settings }),
  runDoctor: () => invoke<Report>("doctor_run"),
  onSettingsChanged: (listener) =>
    listen<SettingsView>(SETTINGS_CHANGED, (event) => listener(event.payload)),
};
