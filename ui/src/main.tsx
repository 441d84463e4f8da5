import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { invoke } from "@tauri-apps/api/core";
import { App } from "./App";
import { tauriBackend } from "./backend/tauri";
import { startupStep, whenInteractive } from "./startup";
import "./styles.css";

startupStep("script");
// Listening before the first render, so the message box's focus on mount is seen. Start-up
// timing is the desktop shell's own concern, not a page's, so it is not on the Backend.
whenInteractive((timings) => void invoke("app_started", { timings }).catch(() => undefined));

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App backend={tauriBackend} />
    </StrictMode>,
  );
}
