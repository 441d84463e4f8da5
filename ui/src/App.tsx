import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Backend } from "./backend";
import type { AppInfo, SettingsView } from "./bindings/Api";
import { Sidebar } from "./components/Sidebar";
import { I18nProvider, resolveLocale, translator } from "./i18n";
import { ChatPage } from "./pages/Chat";
import { MemoryPage } from "./pages/Memory";
import { ConnectionsPage } from "./pages/Connections";
import { SandboxPage } from "./pages/Sandbox";
import { TracesPage } from "./pages/Traces";
import { SettingsPage } from "./pages/Settings";
import { StatusPage } from "./pages/Status";
import { PAGES, type PageId } from "./pages";
import { startupStep, takeBoot } from "./startup";
import { useTheme } from "./theme";

type Loading = { kind: "loading" } | { kind: "ready"; info: AppInfo; view: SettingsView } | { kind: "failed"; message: string };

export function App({ backend, initialPage = "chat" }: { backend: Backend; initialPage?: PageId }) {
  // Start-up: the desktop shell hands the facts and settings over with the page, so the first
  // frame is the Chat page, not a splash waiting for two IPC calls (see startup.ts).
  const [state, setState] = useState<Loading>(() => {
    const boot = takeBoot();
    return boot ? { kind: "ready", info: boot.info, view: boot.view } : { kind: "loading" };
  });
  const [page, setPage] = useState<PageId>(initialPage);
  // Counts page changes made by the user, so focus moves only then (not at start-up).
  const [opened, setOpened] = useState(0);
  const mainRef = useRef<HTMLElement>(null);
  // Where each page was scrolled to: <main> is one scrolling area shared by every page, so
  // without this a page would open at the previous page's position.
  const scrollTops = useRef(new Map<PageId, number>());

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    if (takeBoot() === null) {
      Promise.all([backend.appInfo(), backend.loadSettings()])
        .then(([info, view]) => {
          startupStep("settings");
          if (!cancelled) setState({ kind: "ready", info, view });
        })
        .catch((error: unknown) => {
          if (!cancelled) setState({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
        });
    }
    void backend
      .onSettingsChanged((view) => setState((s) => (s.kind === "ready" ? { ...s, view } : s)))
      .then((unlisten) => {
        if (cancelled) unlisten();
        else stop = unlisten;
      });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [backend]);

  const open = useCallback((next: PageId) => {
    setPage(next);
    setOpened((count) => count + 1);
  }, []);

  // Before paint, so a page never shows for a frame at another page's position.
  useLayoutEffect(() => {
    if (mainRef.current) mainRef.current.scrollTop = scrollTops.current.get(page) ?? 0;
  }, [page]);

  // Move focus to where the new page marks it (`data-page-focus`: the Chat page's message box),
  // or else its heading, so keyboard and screen-reader users land there.
  useEffect(() => {
    const main = mainRef.current;
    if (opened > 0) (main?.querySelector<HTMLElement>("[data-page-focus]") ?? main?.querySelector<HTMLElement>("h1"))?.focus({ preventScroll: true });
  }, [opened, page]);

  // Ctrl+1 … Ctrl+7 open the pages in sidebar order.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const index = Number(event.key) - 1;
      const target = PAGES[index];
      if (target) {
        event.preventDefault();
        open(target);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  const settings = state.kind === "ready" ? state.view.effective : undefined;
  useTheme(settings?.ui.theme ?? "system");
  const locale = resolveLocale(settings?.ui.language ?? "system", state.kind === "ready" ? state.info.locale : null);
  // Before paint, so the page never shows in the wrong language's fonts.
  useLayoutEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  if (state.kind !== "ready") {
    const t = translator(locale);
    return (
      <div className="splash" role="status">
        {state.kind === "loading" ? t("app.loading") : t("app.loadFailed", { message: state.message })}
      </div>
    );
  }

  return (
    <I18nProvider locale={locale}>
      <a className="skip-link" href="#main">{translator(locale)("app.skipToContent")}</a>
      <div className="layout">
        <Sidebar current={page} onOpen={open} backend={backend} />
        <main id="main" ref={mainRef} data-current-page={page} onScroll={(event) => scrollTops.current.set(page, event.currentTarget.scrollTop)}>
          {page === "settings" ? (
            <SettingsPage backend={backend} view={state.view} />
          ) : page === "status" ? (
            <StatusPage backend={backend} />
          ) : page === "sandbox" ? (
            <SandboxPage backend={backend} />
          ) : page === "memory" ? (
            <MemoryPage backend={backend} />
          ) : page === "chat" ? (
            <ChatPage backend={backend} onOpenPage={open} />
          ) : page === "connections" ? (
            <ConnectionsPage backend={backend} />
          ) : (
            <TracesPage api={backend} />
          )}
        </main>
      </div>
    </I18nProvider>
  );
}
