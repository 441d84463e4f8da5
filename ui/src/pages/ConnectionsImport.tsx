// Importing Claude Desktop's MCP servers: the file is looked for where Claude Desktop keeps
// it (or at a path the user gives), what would be added and what skipped (and why) is shown
// first, and nothing changes until Import. Secrets in the file go to the OS keyring.
import { useState } from "react";
import type { Backend } from "../backend";
import type { ImportItem, ImportPreview } from "../bindings/Mcp";
import { useT, type Translate } from "../i18n";
import { messageOf } from "../errors";

const BADGE: Record<ImportItem["action"], string> = {
  add: "badge-ok",
  "already-configured": "badge-muted",
  unusable: "badge-warning",
  failed: "badge-error",
};

function actionText(t: Translate, item: ImportItem, done: boolean): string {
  switch (item.action) {
    case "add":
      return done ? t("import.added") : t("import.willAdd");
    case "already-configured":
      return t("import.alreadyConfigured");
    case "unusable":
      return t("import.unusable");
    case "failed":
      return t("import.failed");
  }
}

function Items({ preview }: { preview: ImportPreview }) {
  const t = useT();
  if (preview.items.length === 0) return <p className="help">{t("import.empty")}</p>;
  return (
    <ul className="import-items" data-testid="import-items">
      {preview.items.map((item) => (
        <li key={item.name} data-import={item.name} data-action={item.action}>
          <div className="import-head">
            <strong>{item.name}</strong>
            <span className={`badge ${BADGE[item.action]}`}>{actionText(t, item, preview.done)}</span>
          </div>
          {item.target && <code className="import-target">{item.target}</code>}
          {item.action === "already-configured" && <p className="help">{t("import.alreadyConfigured.why", { name: item.name })}</p>}
          {item.secrets.length > 0 && item.action !== "already-configured" && item.action !== "unusable" && (
            <p className="help">{t(preview.done && item.action === "add" ? "import.secretsMoved" : "import.secrets", { names: item.secrets.join(", ") })}</p>
          )}
          {item.notes.length > 0 && item.action !== "already-configured" && (
            <ul className="import-notes">
              {item.notes.map((note, index) => <li key={index}>{note}</li>)}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The import panel; `onImported` runs after servers were added, so the list can refresh. */
export function ImportClaude({ backend, onImported }: { backend: Backend; onImported: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState("");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const look = async (at: string | null) => {
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      const found = await backend.mcpImportPreview(at);
      setPreview(found);
      setPath(found.path);
    } catch (failure) {
      setError(messageOf(failure));
    }
    setBusy(false);
  };

  // The OS's Open dialog; the chosen file is previewed at once.
  const pick = async () => {
    setError(null);
    try {
      const chosen = await backend.mcpImportPick();
      if (chosen !== null) await look(chosen);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const done = await backend.mcpImport(path.trim() === "" ? null : path.trim());
      setPreview(done);
      if (done.items.some((item) => item.action === "add")) onImported();
    } catch (failure) {
      setError(messageOf(failure));
    }
    setBusy(false);
  };

  if (!open) {
    return (
      <div className="actions import-open">
        <button type="button" data-testid="import-open" onClick={() => { setOpen(true); void look(null); }}>{t("import.open")}</button>
      </div>
    );
  }
  const adding = preview && !preview.done ? preview.items.filter((item) => item.action === "add").length : 0;
  return (
    <fieldset className="import-claude" data-testid="import-claude">
      <legend>{t("import.title")}</legend>
      <p className="help">{t("import.intro")}</p>
      <form
        className="field"
        onSubmit={(event) => {
          event.preventDefault();
          void look(path.trim() === "" ? null : path.trim());
        }}
      >
        <label htmlFor="import-path">{t("import.path")}</label>
        <div className="inline-controls">
          <input id="import-path" type="text" spellCheck={false} autoComplete="off" value={path} onChange={(event) => setPath(event.target.value)} aria-describedby="import-path-help" />
          <button type="button" data-testid="import-browse" disabled={busy} onClick={() => void pick()}>{t("import.browse")}</button>
          <button type="submit" data-testid="import-preview" disabled={busy}>{t("import.preview")}</button>
        </div>
        <p className="help" id="import-path-help">{t("import.path.help")}</p>
      </form>
      {busy && <p className="muted" role="status">{t("import.reading")}</p>}
      {error && <p className="field-error" role="alert" data-testid="import-error">{error}</p>}
      {preview && !preview.found && (
        <p className="banner banner-warning" role="status" data-testid="import-missing">{t("import.missing", { path: preview.path })}</p>
      )}
      {preview?.found && (
        <>
          <p role="status" data-testid="import-summary">
            {preview.done
              ? t("import.doneSummary", { added: preview.items.filter((item) => item.action === "add").length, skipped: preview.items.filter((item) => item.action !== "add").length })
              : t("import.previewSummary", { add: adding, skip: preview.items.length - adding, path: preview.path })}
          </p>
          <Items preview={preview} />
        </>
      )}
      <div className="actions">
        {preview?.found && !preview.done && (
          <button type="button" className="primary" data-testid="import-run" disabled={busy || adding === 0} onClick={() => void run()}>
            {t("import.run", { count: adding })}
          </button>
        )}
        <button type="button" className="ghost" onClick={() => { setOpen(false); setPreview(null); setError(null); }}>{t("import.close")}</button>
      </div>
    </fieldset>
  );
}
