import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Backend } from "../backend";
import type { ProviderStatus } from "../bindings/Identity";
import { useT } from "../i18n";
import { PAGES, pageLabel, type PageId } from "../pages";
import { PageIcon } from "./PageIcon";

/**
 * The page list. Arrow keys, Home and End move between entries (one tab stop for the whole
 * list, as in a native sidebar); Enter or Space opens the focused page.
 */
export function Sidebar({ current, onOpen, backend }: { current: PageId; onOpen: (page: PageId) => void; backend: Backend }) {
  const t = useT();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = PAGES.length - 1;
    const target =
      event.key === "ArrowDown" ? (index === last ? 0 : index + 1)
      : event.key === "ArrowUp" ? (index === 0 ? last : index - 1)
      : event.key === "Home" ? 0
      : event.key === "End" ? last
      : undefined;
    if (target === undefined) return;
    event.preventDefault();
    buttons.current[target]?.focus();
  };

  return (
    <nav className="sidebar" aria-label={t("nav.label")}>
      <div className="brand">
        <img src="/icon.svg" alt="" width={28} height={28} />
        <div className="brand-text">
          <div className="brand-name">{t("app.name")}</div>
          <div className="brand-tagline">{t("app.tagline")}</div>
        </div>
      </div>
      <ul>
        {PAGES.map((page, index) => (
          <li key={page}>
            <button
              ref={(element) => {
                buttons.current[index] = element;
              }}
              type="button"
              data-page={page}
              className={page === current ? "nav-item active" : "nav-item"}
              aria-current={page === current ? "page" : undefined}
              tabIndex={page === current ? 0 : -1}
              title={t("nav.tooltip", { page: t(pageLabel(page)), shortcut: t("nav.shortcut", { number: index + 1 }) })}
              onClick={() => onOpen(page)}
              onKeyDown={(event) => onKeyDown(event, index)}
            >
              <PageIcon page={page} />
              <span className="nav-label">{t(pageLabel(page))}</span>
            </button>
          </li>
        ))}
      </ul>
      <AccountMenu backend={backend} onOpen={() => onOpen("settings")} />
    </nav>
  );
}

/** Who is signed in, at the foot of the sidebar; opens the sign-in section. */
function AccountMenu({ backend, onOpen }: { backend: Backend; onOpen: () => void }) {
  const t = useT();
  const [providers, setProviders] = useState<ProviderStatus[]>([]);
  useEffect(() => {
    void backend.authView().then((view) => setProviders(view.providers), () => setProviders([]));
    let stop: (() => void) | undefined;
    void backend
      .onAuthChanged((event) => {
        if (event.kind !== "status") return;
        setProviders((current) => current.map((one) => (one.provider === event.status.provider ? event.status : one)));
      })
      .then((unlisten) => {
        stop = unlisten;
      });
    return () => stop?.();
  }, [backend]);
  const oauth = providers.filter((one) => one.kind === "oauth");
  if (oauth.length === 0) return null;
  const signedIn = oauth.filter((one) => one.state === "signed-in");
  const attention = oauth.some((one) => one.state === "error" || one.state === "expired");
  const label = signedIn.length === 0 ? t("accounts.menu.none") : signedIn[0]?.signedInAs ?? t("accounts.menu.some", { count: signedIn.length });
  return (
    <button type="button" className={attention ? "account-menu attention" : "account-menu"} data-testid="account-menu" title={t("accounts.title")} onClick={onOpen}>
      <span aria-hidden="true">●</span>
      <span className="account-label">
        {" "}
        {label}
        {signedIn.length > 1 && <span className="muted"> +{signedIn.length - 1}</span>}
      </span>
    </button>
  );
}
