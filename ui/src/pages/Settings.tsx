import { useEffect, useState, type ReactNode } from "react";
import type { ApiError, Backend } from "../backend";
import type { SettingsView } from "../bindings/Api";
import type { KeyringStore, Language, LogLevel, ModelProvider, Settings, Theme } from "../bindings/Settings";
import { useT, type MessageKey } from "../i18n";
import { describeProblem } from "../problems";

const LANGUAGES: Language[] = ["system", "en", "ja"];
const THEMES: Theme[] = ["system", "light", "dark"];
const LOG_LEVELS: LogLevel[] = ["error", "warn", "info", "debug", "trace"];
const KEYRINGS: KeyringStore[] = ["os", "keyutils"];
const MODEL_PROVIDERS: ModelProvider[] = ["none", "openai", "anthropic", "ollama", "lmstudio", "openai-compatible"];

type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved" } | { kind: "failed"; error: ApiError };

/** A whole-number field typed as text, so a half-typed value can be shown as invalid. */
function parseCount(text: string, min: number, max: number): number | null {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return Number.isInteger(value) && value >= min && value <= max ? value : null;
}

type CountTexts = { maxFiles: string; afterTurns: string; idleSeconds: string };

function countTexts(settings: Settings): CountTexts {
  return {
    maxFiles: String(settings.log.maxFiles),
    afterTurns: String(settings.memory.extractAfterTurns),
    idleSeconds: String(settings.memory.extractIdleSeconds),
  };
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

export function SettingsPage({ backend, view }: { backend: Backend; view: SettingsView }) {
  const t = useT();
  const [draft, setDraft] = useState<Settings>(view.settings);
  const [counts, setCounts] = useState<CountTexts>(countTexts(view.settings));
  const [save, setSave] = useState<SaveState>({ kind: "idle" });
  const [copied, setCopied] = useState(false);

  // A save elsewhere (or this one) brings a new view: start again from what the file says.
  useEffect(() => {
    setDraft(view.settings);
    setCounts(countTexts(view.settings));
  }, [view]);

  const maxFiles = parseCount(counts.maxFiles, 1, 365);
  const afterTurns = parseCount(counts.afterTurns, 1, 100);
  const idleSeconds = parseCount(counts.idleSeconds, 5, 86400);
  const maxFilesValid = maxFiles !== null;
  const countsValid = maxFiles !== null && afterTurns !== null && idleSeconds !== null;
  const next: Settings = {
    ...draft,
    log: { ...draft.log, maxFiles: maxFiles ?? draft.log.maxFiles },
    memory: {
      extractAfterTurns: afterTurns ?? draft.memory.extractAfterTurns,
      extractIdleSeconds: idleSeconds ?? draft.memory.extractIdleSeconds,
    },
  };
  const dirty = JSON.stringify(next) !== JSON.stringify(view.settings) || !countsValid;
  const fieldError = (key: string) =>
    save.kind === "failed" && save.error.key === key ? save.error.message : undefined;
  const overriddenBy = (key: string) => view.overridden.find((o) => o.key === key)?.variable;

  const submit = async () => {
    if (!countsValid) return;
    setSave({ kind: "saving" });
    try {
      await backend.saveSettings(next);
      setSave({ kind: "saved" });
    } catch (error) {
      setSave({
        kind: "failed",
        error: isApiError(error) ? error : { code: "internal", message: String(error), key: null },
      });
    }
  };

  const copyPath = async () => {
    try {
      await navigator.clipboard.writeText(view.configFile);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const field = (id: string, key: string, label: MessageKey, control: ReactNode, help?: ReactNode, localError?: string) => {
    const error = localError ?? fieldError(key);
    const override = overriddenBy(key);
    return (
      <div className="field" data-key={key}>
        <label htmlFor={id}>{t(label)}</label>
        {control}
        {help && <p className="help">{help}</p>}
        {override && <p className="help note">{t("settings.overridden", { variable: override })}</p>}
        {error && <p className="field-error" role="alert" id={`${id}-error`}>{error}</p>}
      </div>
    );
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("settings.title")}</h1>
      </header>
      <p className="lead">{t("settings.intro")}</p>

      <div className="config-path">
        <span className="label">{t("settings.configFile")}</span>
        <code id="config-file-path">{view.configFile}</code>
        <button type="button" className="ghost" onClick={copyPath}>
          {copied ? t("settings.copied") : t("settings.copy")}
        </button>
      </div>

      {view.problems.length > 0 && (
        <div className="banner banner-warning" role="status" data-testid="config-problems">
          <p>{t("settings.problems")}</p>
          <ul>{view.problems.map((problem, i) => <li key={i}>{describeProblem(problem)}</li>)}</ul>
        </div>
      )}

      <form
        className="settings-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>{t("settings.section.appearance")}</legend>
          {field(
            "setting-ui-language",
            "ui.language",
            "settings.language",
            <select
              id="setting-ui-language"
              value={draft.ui.language}
              onChange={(e) => setDraft({ ...draft, ui: { ...draft.ui, language: e.target.value as Language } })}
            >
              {LANGUAGES.map((language) => (
                <option key={language} value={language}>{t(`settings.language.${language}`)}</option>
              ))}
            </select>,
          )}
          <div className="field" data-key="ui.theme">
            <span className="label" id="setting-ui-theme-label">{t("settings.theme")}</span>
            <div className="segmented" role="radiogroup" aria-labelledby="setting-ui-theme-label">
              {THEMES.map((theme) => (
                <label key={theme} data-theme-option={theme} className={draft.ui.theme === theme ? "selected" : undefined}>
                  <input
                    type="radio"
                    name="theme"
                    value={theme}
                    id={`setting-ui-theme-${theme}`}
                    checked={draft.ui.theme === theme}
                    onChange={() => setDraft({ ...draft, ui: { ...draft.ui, theme } })}
                  />
                  {t(`settings.theme.${theme}`)}
                </label>
              ))}
            </div>
            {overriddenBy("ui.theme") && (
              <p className="help note">{t("settings.overridden", { variable: overriddenBy("ui.theme") })}</p>
            )}
          </div>
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.storage")}</legend>
          {field(
            "setting-data-dir",
            "data_dir",
            "settings.dataDir",
            <input
              id="setting-data-dir"
              type="text"
              spellCheck={false}
              value={draft.dataDir ?? ""}
              placeholder={view.dataDir}
              onChange={(e) => setDraft({ ...draft, dataDir: e.target.value.trim() === "" ? null : e.target.value })}
            />,
            <>
              {t("settings.dataDir.help")} {t("settings.inUse", { path: view.dataDir })}
            </>,
          )}
          {field(
            "setting-cache-dir",
            "cache_dir",
            "settings.cacheDir",
            <input
              id="setting-cache-dir"
              type="text"
              spellCheck={false}
              value={draft.cacheDir ?? ""}
              placeholder={view.cacheDir}
              onChange={(e) => setDraft({ ...draft, cacheDir: e.target.value.trim() === "" ? null : e.target.value })}
            />,
            <>
              {t("settings.cacheDir.help")} {t("settings.inUse", { path: view.cacheDir })}
            </>,
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.logging")}</legend>
          {field(
            "setting-log-level",
            "log.level",
            "settings.logLevel",
            <select
              id="setting-log-level"
              value={draft.log.level}
              onChange={(e) => setDraft({ ...draft, log: { ...draft.log, level: e.target.value as LogLevel } })}
            >
              {LOG_LEVELS.map((level) => <option key={level} value={level}>{level}</option>)}
            </select>,
            t("settings.logLevel.help", { path: view.logDir }),
          )}
          {field(
            "setting-log-max-files",
            "log.max_files",
            "settings.maxFiles",
            <input
              id="setting-log-max-files"
              type="text"
              inputMode="numeric"
              value={counts.maxFiles}
              aria-invalid={!maxFilesValid}
              onChange={(e) => setCounts({ ...counts, maxFiles: e.target.value })}
            />,
            undefined,
            maxFilesValid ? undefined : t("settings.maxFiles.invalid"),
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.security")}</legend>
          {field(
            "setting-keyring-store",
            "keyring.store",
            "settings.keyring",
            <select
              id="setting-keyring-store"
              value={draft.keyring.store}
              onChange={(e) => setDraft({ ...draft, keyring: { store: e.target.value as KeyringStore } })}
            >
              {KEYRINGS.map((store) => <option key={store} value={store}>{t(`settings.keyring.${store}`)}</option>)}
            </select>,
            t("settings.keyring.help"),
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.memory")}</legend>
          {field(
            "setting-memory-after-turns",
            "memory.extract_after_turns",
            "settings.afterTurns",
            <input
              id="setting-memory-after-turns"
              type="text"
              inputMode="numeric"
              value={counts.afterTurns}
              aria-invalid={afterTurns === null}
              onChange={(e) => setCounts({ ...counts, afterTurns: e.target.value })}
            />,
            t("settings.afterTurns.help"),
            afterTurns === null ? t("settings.afterTurns.invalid") : undefined,
          )}
          {field(
            "setting-memory-idle-seconds",
            "memory.extract_idle_seconds",
            "settings.idleSeconds",
            <input
              id="setting-memory-idle-seconds"
              type="text"
              inputMode="numeric"
              value={counts.idleSeconds}
              aria-invalid={idleSeconds === null}
              onChange={(e) => setCounts({ ...counts, idleSeconds: e.target.value })}
            />,
            t("settings.idleSeconds.help"),
            idleSeconds === null ? t("settings.idleSeconds.invalid") : undefined,
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.estimate")}</legend>
          {field(
            "setting-estimate-region",
            "estimate.region",
            "settings.estimateRegion",
            <input
              id="setting-estimate-region"
              type="text"
              spellCheck={false}
              value={draft.estimate.region}
              onChange={(e) => setDraft({ ...draft, estimate: { region: e.target.value.trim() } })}
            />,
            t("settings.estimateRegion.help"),
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.model")}</legend>
          {field(
            "setting-model-provider",
            "model.provider",
            "settings.modelProvider",
            <select
              id="setting-model-provider"
              value={draft.model.provider}
              onChange={(e) => setDraft({ ...draft, model: { ...draft.model, provider: e.target.value as ModelProvider } })}
            >
              {MODEL_PROVIDERS.map((provider) => <option key={provider} value={provider}>{t(`settings.modelProvider.${provider}`)}</option>)}
            </select>,
            t("settings.modelProvider.help"),
          )}
          {draft.model.provider !== "none" && (
            <>
              {field(
                "setting-model-name",
                "model.name",
                "settings.modelName",
                <input
                  id="setting-model-name"
                  type="text"
                  spellCheck={false}
                  value={draft.model.name}
                  placeholder={t("settings.default")}
                  onChange={(e) => setDraft({ ...draft, model: { ...draft.model, name: e.target.value } })}
                />,
              )}
              {field(
                "setting-model-base-url",
                "model.base_url",
                "settings.modelBaseUrl",
                <input
                  id="setting-model-base-url"
                  type="text"
                  spellCheck={false}
                  value={draft.model.baseUrl}
                  placeholder={t("settings.default")}
                  onChange={(e) => setDraft({ ...draft, model: { ...draft.model, baseUrl: e.target.value } })}
                />,
                t("settings.modelBaseUrl.help"),
              )}
            </>
          )}
        </fieldset>

        <div className="actions">
          <button type="submit" id="settings-save" className="primary" disabled={!dirty || !countsValid || save.kind === "saving"}>
            {save.kind === "saving" ? t("settings.saving") : t("settings.save")}
          </button>
          <button
            type="button"
            className="ghost"
            disabled={!dirty}
            onClick={() => {
              setDraft(view.settings);
              setCounts(countTexts(view.settings));
              setSave({ kind: "idle" });
            }}
          >
            {t("settings.revert")}
          </button>
          <span className="save-status" role="status" id="settings-save-status" data-state={save.kind}>
            {save.kind === "saved" && t("settings.saved")}
            {save.kind === "failed" && !save.error.key && t("settings.saveFailed", { message: save.error.message })}
          </span>
        </div>
      </form>
    </section>
  );
}
