// Start-up timing. The app is usable when the Chat page's message box has focus and has been
// drawn: this waits for that moment and reports it once, with the page's own clock (from its
// navigation start), so the desktop app can log how long its start took and the start-up
// benchmark (`make bench-start`) can read it.
import type { AppInfo, SettingsView, StartupStep, StartupTimings } from "./bindings/Api";

/** The Chat page's message box. */
export const MESSAGE_BOX = "#chat-input";

const STEP = "startup:";

/** What the desktop shell puts in the page before its first script (src-tauri/src/startup.rs). */
export type Boot = { info: AppInfo; view: SettingsView };

declare global {
  interface Window {
    __AGENTDESK_BOOT__?: Boot;
  }
}

/** Set in the window's session once the boot facts have been used. */
const BOOTED_KEY = "agentdesk.booted";
let taken: Boot | null | undefined;

/**
 * The app's facts and settings as the desktop shell had them when it started, so the first
 * frame can be the Chat page instead of a splash waiting for two IPC calls. Only on the page's
 * first load: after a reload they could be older than settings saved since, so the app asks
 * over IPC as usual. The same answer for every call within one load.
 */
export function takeBoot(win: Window = window): Boot | null {
  if (taken !== undefined) return taken;
  let first = true;
  try {
    first = win.sessionStorage.getItem(BOOTED_KEY) === null;
    win.sessionStorage.setItem(BOOTED_KEY, "1");
  } catch {
    // No session storage: every load counts as the first.
  }
  taken = first ? win.__AGENTDESK_BOOT__ ?? null : null;
  return taken;
}

/** Forgets what takeBoot answered (tests load the page more than once). */
export function resetBootForTests() {
  taken = undefined;
}

/** Notes a step of the start (a letters-and-digits name), reported with the timings. */
export function startupStep(name: string) {
  if (typeof performance.mark === "function") performance.mark(STEP + name);
}

function steps(): StartupStep[] {
  const marks = typeof performance.getEntriesByType === "function" ? performance.getEntriesByType("mark") : [];
  return marks
    .filter((mark) => mark.name.startsWith(STEP))
    .map((mark) => ({ name: mark.name.slice(STEP.length), ms: mark.startTime }));
}

/** The first paint from the page's performance entries, when the web view records one. */
function firstPaint(): number | null {
  const entries = typeof performance.getEntriesByType === "function" ? performance.getEntriesByType("paint") : [];
  const paint = entries.find((entry) => entry.name === "first-paint") ?? entries[0];
  return paint ? paint.startTime : null;
}

/**
 * Calls `report` once, two frames after the message box first has focus (the first frame
 * runs before the paint that shows it focused, the second after). Returns a function that
 * stops waiting.
 */
export function whenInteractive(report: (timings: StartupTimings) => void, doc: Document = document): () => void {
  let waiting = true;
  const stop = () => {
    waiting = false;
    doc.removeEventListener("focusin", onFocus, true);
  };
  const reached = () => {
    stop();
    startupStep("focus");
    requestAnimationFrame(() =>
      requestAnimationFrame(() => report({ pageMs: performance.now(), firstPaintMs: firstPaint(), steps: steps() })),
    );
  };
  function onFocus(event: FocusEvent) {
    if (waiting && event.target instanceof Element && event.target.matches(MESSAGE_BOX)) reached();
  }
  doc.addEventListener("focusin", onFocus, true);
  if (doc.activeElement?.matches(MESSAGE_BOX)) reached();
  return stop;
}
