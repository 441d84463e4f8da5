import { useT, type MessageKey } from "../i18n";
import { pageLabel, type PageId } from "../pages";

/** An honest page for a capability this version does not have: what it will do, and no fake data. */
export function NotBuiltYet({ page }: { page: Exclude<PageId, "settings" | "status" | "sandbox" | "memory" | "chat" | "connections"> }) {
  const t = useT();
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t(pageLabel(page))}</h1>
        <span className="badge badge-muted" data-testid="not-built">{t("notBuilt.badge")}</span>
      </header>
      <p className="lead">{t(`page.${page}.about` as MessageKey)}</p>
      <p className="muted">{t("notBuilt.body")}</p>
    </section>
  );
}
