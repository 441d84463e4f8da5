import { useEffect, useState, type ReactNode } from "react";
import type { ApiError, Backend } from "../backend";
import type { SettingsView } from "../bindings/Api";
import type { KeyringStore, Language, LogLevel, ModelProvider, Settings, Theme, ToolPolicy } from "../bindings/Settings";
import type { SendWith } from "../bindings/Settings";
import { useT, type MessageKey } from "../i18n";
import { describeProblem } from "../problems";
import { Accounts } from "../components/Accounts";
import { RegionPicker, useRegions } from "../components/RegionPicker";
import { SecretField } from "../components/SecretField";

const LANGUAGES: Language[] = ["system", "en", "ja"];
const THEMES: Theme[] = ["system", "light", "dark"];
const LOG_LEVELS: LogLevel[] = ["error", "warn", "info", "debug", "trace"];
const KEYRINGS: KeyringStore[] = ["os", "keyutils"];
const MODEL_PROVIDERS: ModelProvider[] = ["none", "openai", "anthropic", "bedrock", "ollama", "lmstudio", "openai-compatible"];
const TOOL_POLICIES: ToolPolicy[] = ["ask", "allow", "deny"];
/** The providers that take an API key, and the environment variable read without one. */
const KEY_VARIABLES: Partial<Record<ModelProvider, string>> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  "openai-compatible": "OPENAI_API_KEY",
};

/** The API key of one provider: typed into a password field, kept only in the keyring. */
function ApiKeyField({ backend, provider, saved }: { backend: Backend; provider: ModelProvider; saved: ModelProvider }) {
  const t = useT();
  const variable = KEY_VARIABLES[provider] ?? "";
  const [key, setKey] = useState("");
  const [source, setSource] = useState<string | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    setStatus(null);
    if (provider !== saved) {
      setSource(null);
      return;
    }
    void backend.chatModel().then((model) => setSource(model.keySource), () => setSource(null));
  }, [backend, provider, saved]);
  const store = async () => {
    try {
      await backend.modelKeySet(provider, key);
      setKey("");
      setSource("keyring");
      setStatus({ ok: true, text: t("settings.apiKey.saved") });
    } catch (error) {
      setStatus({ ok: false, text: isApiError(error) ? error.message : String(error) });
    }
  };
  const forget = async () => {
    try {
      await backend.modelKeyForget(provider);
      setSource(null);
      setStatus({ ok: true, text: t("settings.apiKey.forgotten") });
    } catch (error) {
      setStatus({ ok: false, text: isApiError(error) ? error.message : String(error) });
    }
  };
  return (
    <div data-key="api-key">
      <SecretField
        id="setting-api-key"
        label={t("settings.apiKey")}
        value={key}
        onChange={setKey}
        stored={source === "keyring"}
        onEnter={() => key.trim() !== "" && void store()}
        help={
          <span id="api-key-source">
            {source === "environment" ? `${t("settings.apiKey.fromEnvironment", { variable })} ` : source === "keyring" ? "" : `${t("settings.apiKey.missing")} `}
            {t("settings.apiKey.help", { variable })}
          </span>
        }
      >
        <button type="button" id="api-key-save" disabled={key.trim() === ""} onClick={() => void store()}>{t("settings.apiKey.save")}</button>
        {source === "keyring" && <button type="button" className="ghost" id="api-key-forget" onClick={() => void forget()}>{t("settings.apiKey.forget")}</button>}
      </SecretField>
      {status && <p className={status.ok ? "help" : "field-error"} role={status.ok ? "status" : "alert"}>{status.text}</p>}
    </div>
  );
}

/** The idle times offered for sandbox sessions (the config file takes any from 1 to 480). */
const SANDBOX_IDLE_MINUTES = [5, 10, 15, 30, 60, 120, 240, 480];
const TRACE_RETENTION_DAYS = [1, 7, 14, 30, 90, 365];
const TRACE_MAX_MEGABYTES = [100, 250, 500, 1000, 5000];

type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved" } | { kind: "failed"; error: ApiError };

/** A whole-number field typed as text, so a half-typed value can be shown as invalid. */
/** A choice among preset numbers; a saved value that is not a preset (set in the file) is offered too. */
function NumberChoice({ id, value, presets, label, onChange }: { id: string; value: number; presets: number[]; label: (value: number) => string; onChange: (value: number) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {[...new Set([...presets, value])].sort((a, b) => a - b).map((choice) => (
        <option key={choice} value={choice}>{label(choice)}</option>
      ))}
    </select>
  );
}

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
  const regions = useRegions(backend);

  // A save elsewhere (or this one) brings new settings: start again from what the file says.
  // The same settings loaded again leave what is being typed alone.
  const loaded = JSON.stringify(view.settings);
  useEffect(() => {
    const settings = JSON.parse(loaded) as Settings;
    setDraft(settings);
    setCounts(countTexts(settings));
  }, [loaded]);

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
        {help && <p className="help" id={`${id}-help`}>{help}</p>}
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

      <div className="settings-form">
        <Accounts backend={backend} />
      </div>

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
          {/* chat: which key sends a message */}
          {field(
            "setting-ui-send-with",
            "ui.send_with",
            "settings.sendWith",
            <select
              id="setting-ui-send-with"
              value={draft.ui.sendWith}
              onChange={(e) => setDraft({ ...draft, ui: { ...draft.ui, sendWith: e.target.value as SendWith } })}
            >
              {(["enter", "ctrl-enter"] as const).map((key) => (
                <option key={key} value={key}>{t(`settings.sendWith.${key}`)}</option>
              ))}
            </select>,
          )}
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
          <legend>{t("settings.section.traces")}</legend>
          {field(
            "setting-trace-retention",
            "telemetry.retention_days",
            "settings.traceRetention",
            <NumberChoice
              id="setting-trace-retention"
              value={draft.telemetry.retentionDays}
              presets={TRACE_RETENTION_DAYS}
              label={(days) => t("settings.traceRetention.days", { days })}
              onChange={(retentionDays) => setDraft({ ...draft, telemetry: { ...draft.telemetry, retentionDays } })}
            />,
            t("settings.traceRetention.help"),
          )}
          {field(
            "setting-trace-size",
            "telemetry.max_megabytes",
            "settings.traceSize",
            <NumberChoice
              id="setting-trace-size"
              value={draft.telemetry.maxMegabytes}
              presets={TRACE_MAX_MEGABYTES}
              label={(megabytes) => t("settings.traceSize.megabytes", { megabytes })}
              onChange={(maxMegabytes) => setDraft({ ...draft, telemetry: { ...draft.telemetry, maxMegabytes } })}
            />,
            t("settings.traceSize.help"),
          )}
          {field(
            "setting-capture-content",
            "telemetry.capture_content",
            "settings.captureContent",
            <input
              id="setting-capture-content"
              type="checkbox"
              checked={draft.telemetry.captureContent}
              onChange={(e) => setDraft({ ...draft, telemetry: { ...draft.telemetry, captureContent: e.target.checked } })}
            />,
            t("settings.captureContent.help"),
          )}
          {field(
            "setting-otlp-endpoint",
            "telemetry.otlp_endpoint",
            "settings.otlpEndpoint",
            <input
              id="setting-otlp-endpoint"
              type="url"
              placeholder="http://localhost:4318"
              spellCheck={false}
              value={draft.telemetry.otlpEndpoint}
              onChange={(e) => setDraft({ ...draft, telemetry: { ...draft.telemetry, otlpEndpoint: e.target.value } })}
            />,
            t("settings.otlpEndpoint.help"),
          )}
          {field(
            "setting-otlp-protocol",
            "telemetry.otlp_protocol",
            "settings.otlpProtocol",
            <select
              id="setting-otlp-protocol"
              value={draft.telemetry.otlpProtocol}
              onChange={(e) => setDraft({ ...draft, telemetry: { ...draft.telemetry, otlpProtocol: e.target.value } })}
            >
              <option value="http/protobuf">{t("settings.otlpProtocol.http")}</option>
              <option value="grpc">{t("settings.otlpProtocol.grpc")}</option>
            </select>,
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
            <RegionPicker
              id="setting-estimate-region"
              regions={regions}
              value={draft.estimate.region}
              describedBy="setting-estimate-region-help"
              onChange={(region) => setDraft({ ...draft, estimate: { ...draft.estimate, region } })}
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
              {KEY_VARIABLES[draft.model.provider] && <ApiKeyField backend={backend} provider={draft.model.provider} saved={view.settings.model.provider} />}
              {draft.model.provider === "bedrock" && (
                <>
                  {field(
                    "setting-aws-region",
                    "model.aws_region",
                    "settings.awsRegion",
                    <input
                      id="setting-aws-region"
                      type="text"
                      spellCheck={false}
                      value={draft.model.awsRegion}
                      placeholder={t("settings.default")}
                      onChange={(e) => setDraft({ ...draft, model: { ...draft.model, awsRegion: e.target.value.trim() } })}
                    />,
                    t("settings.awsRegion.help"),
                  )}
                  {field(
                    "setting-aws-profile",
                    "model.aws_profile",
                    "settings.awsProfile",
                    <input
                      id="setting-aws-profile"
                      type="text"
                      spellCheck={false}
                      value={draft.model.awsProfile}
                      placeholder={t("settings.default")}
                      onChange={(e) => setDraft({ ...draft, model: { ...draft.model, awsProfile: e.target.value } })}
                    />,
                    t("settings.awsProfile.help"),
                  )}
                </>
              )}
            </>
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.sandbox")}</legend>
          {field(
            "setting-sandbox-idle",
            "sandbox.idle_minutes",
            "settings.sandboxIdle",
            <select
              id="setting-sandbox-idle"
              value={draft.sandbox.idleMinutes}
              onChange={(e) => setDraft({ ...draft, sandbox: { ...draft.sandbox, idleMinutes: Number(e.target.value) } })}
            >
              {[...new Set([...SANDBOX_IDLE_MINUTES, draft.sandbox.idleMinutes])].sort((a, b) => a - b).map((minutes) => (
                <option key={minutes} value={minutes}>{t("settings.sandboxIdle.minutes", { minutes })}</option>
              ))}
            </select>,
            t("settings.sandboxIdle.help"),
          )}
        </fieldset>

        <fieldset>
          <legend>{t("settings.section.tools")}</legend>
          {field(
            "setting-execute-python",
            "tools.execute_python",
            "settings.executePython",
            <select
              id="setting-execute-python"
              value={draft.tools.executePython}
              onChange={(e) => setDraft({ ...draft, tools: { ...draft.tools, executePython: e.target.value as ToolPolicy } })}
            >
              {TOOL_POLICIES.map((policy) => <option key={policy} value={policy}>{t(`settings.toolPolicy.${policy}`)}</option>)}
            </select>,
            t("settings.executePython.help"),
          )}
          {field(
            "setting-interpreter",
            "tools.interpreter",
            "settings.interpreter",
            <select
              id="setting-interpreter"
              value={draft.tools.interpreter === "local" ? "" : draft.tools.interpreter}
              onChange={(e) => setDraft({ ...draft, tools: { ...draft.tools, interpreter: e.target.value } })}
            >
              <option value="">{t("settings.interpreter.local")}</option>
              {[...new Set([...Object.keys(draft.interpreters ?? {}), draft.tools.interpreter])]
                .filter((name) => name !== "" && name !== "local")
                .map((name) => (
                  <option key={name} value={name}>
                    {draft.interpreters?.[name] ? name : t("settings.interpreter.missing", { name })}
                  </option>
                ))}
            </select>,
            t("settings.interpreter.help"),
          )}
          {field(
            "setting-interpreter-fallback",
            "tools.interpreter_fallback_to_local",
            "settings.interpreterFallback",
            <input
              id="setting-interpreter-fallback"
              type="checkbox"
              checked={draft.tools.interpreterFallbackToLocal}
              onChange={(e) => setDraft({ ...draft, tools: { ...draft.tools, interpreterFallbackToLocal: e.target.checked } })}
            />,
            t("settings.interpreterFallback.help"),
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
