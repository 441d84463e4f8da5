// The Connections page's "Remote agents" section: agents that speak AgentCore Runtime's
// contract, reached at a URL (`agentdesk serve`, a container, AWS's BedrockAgentCoreApp) or
// deployed on AgentCore (an agent runtime ARN), added to the config file (`[agents.NAME]`),
// tested and removed. The Chat page's picker offers them.
import { useCallback, useEffect, useState } from "react";
import type { ApiError, Backend } from "../backend";
import type { AgentCheck, RemoteAgentView } from "../bindings/Agents";
import type { AgentSettings } from "../bindings/Settings";
import { useT, type Translate } from "../i18n";
import "./RemoteAgents.css";

type Kind = "url" | "arn";
type FieldName = "url" | "arn" | "region" | "endpoint" | "auth";

/** A refusal from the backend: the field its key names (`agents.NAME.url`), and its message. */
interface Refusal {
  field: FieldName | null;
  message: string;
}

function refusalOf(error: unknown, name: string): Refusal {
  const failure = error as Partial<ApiError> | null;
  const message = typeof failure?.message === "string" ? failure.message : String(error);
  const prefix = `agents.${name}.`;
  const key = typeof failure?.key === "string" ? failure.key : "";
  if (!key.startsWith(prefix)) return { field: null, message };
  const field = key.slice(prefix.length) as FieldName;
  // The field is named by where the message is shown: the rest says what is wrong.
  return { field, message: message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message };
}

/** Why a call to an agent failed, in the page's language, then the agent's own words. */
export function AgentFailure({ error, t }: { error: unknown; t: Translate }) {
  const failure = error as Partial<ApiError> | null;
  const code = typeof failure?.code === "string" ? failure.code : "unknown";
  const message = typeof failure?.message === "string" ? failure.message : String(error);
  const reason = t.maybe(`chat.failure.${code}`);
  return (
    <div className="field-error agent-failure" role="alert" data-testid="agent-failure" data-code={code}>
      {reason && <p>{reason}</p>}
      <p className="agent-failure-message">{message}</p>
    </div>
  );
}

function AddAgent({ backend, onAdded }: { backend: Backend; onAdded: (agents: RemoteAgentView[]) => void }) {
  const t = useT();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("url");
  const [fields, setFields] = useState<Record<FieldName, string>>({ url: "", arn: "", region: "", endpoint: "", auth: "" });
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (field: FieldName, value: string) => setFields((current) => ({ ...current, [field]: value }));
  const add = async () => {
    setRefusal(null);
    setBusy(true);
    const settings: AgentSettings = {
      url: kind === "url" ? fields.url : "",
      arn: kind === "arn" ? fields.arn : "",
      region: kind === "arn" ? fields.region : "",
      endpoint: kind === "arn" ? fields.endpoint : "",
      auth: fields.auth,
      timeout_seconds: 0,
    };
    try {
      onAdded(await backend.agentsAdd(name.trim(), settings));
      setName("");
      setFields({ url: "", arn: "", region: "", endpoint: "", auth: "" });
    } catch (error) {
      setRefusal(refusalOf(error, name.trim()));
    }
    setBusy(false);
  };
  const target = kind === "url" ? fields.url : fields.arn;

  /** A text field with its label, help and the refusal that names it. */
  const field = (id: FieldName, label: string, placeholder: string, help?: string) => {
    const refused = refusal?.field === id;
    return (
      <div className="field">
        <label htmlFor={`agent-${id}`}>{label}</label>
        <input
          id={`agent-${id}`}
          type="text"
          value={fields[id]}
          spellCheck={false}
          placeholder={placeholder}
          aria-invalid={refused || undefined}
          aria-describedby={refused ? `agent-${id}-error` : help ? `agent-${id}-help` : undefined}
          onChange={(event) => set(id, event.target.value)}
        />
        {help && <p className="help" id={`agent-${id}-help`}>{help}</p>}
        {refused && <p className="field-error" id={`agent-${id}-error`} role="alert" data-testid={`agent-${id}-error`}>{refusal.message}</p>}
      </div>
    );
  };

  return (
    <fieldset className="add-agent">
      <legend>{t("agents.add")}</legend>
      <div className="field">
        <label htmlFor="agent-name">{t("agents.name")}</label>
        <input id="agent-name" type="text" value={name} spellCheck={false} placeholder="cost" onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field" role="radiogroup" aria-label={t("agents.kind")}>
        <label><input type="radio" name="agent-kind" checked={kind === "url"} onChange={() => setKind("url")} /> {t("agents.kind.url")}</label>
        <label><input type="radio" name="agent-kind" checked={kind === "arn"} onChange={() => setKind("arn")} /> {t("agents.kind.arn")}</label>
      </div>
      {kind === "url"
        ? field("url", t("agents.url"), "http://127.0.0.1:8080", t("agents.url.help"))
        : (
          <>
            {field("arn", t("agents.arn"), "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cost_agent-AbCdEf1234")}
            {field("region", t("agents.region"), "us-east-1", t("agents.region.help"))}
          </>
        )}
      <details className="agent-advanced" open={refusal?.field === "endpoint" || refusal?.field === "auth" || undefined}>
        <summary>{t("agents.advanced")}</summary>
        {kind === "arn" && field("endpoint", t("agents.endpoint"), "https://bedrock-agentcore.us-east-1.amazonaws.com", t("agents.endpoint.help"))}
        {field("auth", t("agents.auth"), "", t("agents.auth.help"))}
      </details>
      <div className="actions">
        <button type="button" className="primary" data-testid="agent-add" disabled={busy || name.trim() === "" || target.trim() === ""} onClick={() => void add()}>
          {t("agents.addButton")}
        </button>
      </div>
      {refusal !== null && refusal.field === null && <p className="field-error" role="alert" data-testid="agent-add-error">{refusal.message}</p>}
    </fieldset>
  );
}

/** What a test found: the agent's health, or the start of its answer, and how long it took. */
function CheckResult({ check, t }: { check: AgentCheck; t: Translate }) {
  return (
    <p className="help agent-check" role="status" data-testid="agent-check">
      {check.status !== null && <span className={`badge ${check.status === "Healthy" ? "badge-ok" : "badge-warning"}`}>{t.maybe(`agents.status.${check.status}`) ?? check.status}</span>}
      {check.answer !== null && <span className="agent-answer">{check.answer}</span>}
      <span className="muted"> {t("agents.tookMs", { ms: check.elapsedMs })}</span>
    </p>
  );
}

export function RemoteAgents({ backend }: { backend: Backend }) {
  const t = useT();
  const [agents, setAgents] = useState<RemoteAgentView[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [checks, setChecks] = useState<Record<string, { check: AgentCheck } | { error: unknown }>>({});
  const [removing, setRemoving] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setAgents(await backend.agentsList());
    } catch (error) {
      setLoadError(error);
    }
  }, [backend]);
  useEffect(() => {
    void load();
  }, [load]);

  const test = async (name: string) => {
    setBusy(name);
    try {
      const check = await backend.agentsTest(name);
      setChecks((current) => ({ ...current, [name]: { check } }));
    } catch (error) {
      setChecks((current) => ({ ...current, [name]: { error } }));
    }
    setBusy(null);
  };
  const remove = async (name: string) => {
    setBusy(name);
    try {
      setAgents(await backend.agentsRemove(name));
    } catch (error) {
      setChecks((current) => ({ ...current, [name]: { error } }));
    }
    setRemoving(null);
    setBusy(null);
  };

  return (
    <section className="remote-agents" aria-labelledby="remote-agents-title">
      <h2 id="remote-agents-title">{t("agents.title")}</h2>
      <p className="help">{t("agents.about")}</p>
      {loadError !== null && <AgentFailure error={loadError} t={t} />}
      {agents !== null && agents.length === 0 && <p className="help" data-testid="agents-none">{t("agents.none")}</p>}
      <ul className="account-list agent-list">
        {(agents ?? []).map((agent) => {
          const { name, settings } = agent;
          const result = checks[name];
          const working = busy === name;
          return (
            <li key={name} className="account agent" data-agent={name}>
              <div className="account-head">
                <strong>{name}</strong>
                <span className="badge badge-muted">{settings.url !== "" ? t("agents.kind.url") : t("agents.kind.arn")}</span>
              </div>
              <p className="help agent-target">
                <code>{settings.url || settings.arn}</code>
                {agent.region && ` · ${agent.region}`}
                {settings.endpoint && ` · ${settings.endpoint}`}
                {settings.auth && ` · ${t("agents.signsInWith", { provider: settings.auth })}`}
              </p>
              <div className="actions">
                <button type="button" data-testid="agent-test" disabled={working} onClick={() => void test(name)}>
                  {working && removing === null ? t("agents.testing") : t("agents.test")}
                </button>
                {removing === name ? (
                  <>
                    <button type="button" className="danger" data-testid="agent-remove-confirm" disabled={working} onClick={() => void remove(name)}>{t("agents.removeConfirm")}</button>
                    <button type="button" className="ghost" onClick={() => setRemoving(null)}>{t("connections.cancel")}</button>
                  </>
                ) : (
                  <button type="button" className="ghost" data-testid="agent-remove" disabled={working} onClick={() => setRemoving(name)}>{t("connections.remove")}</button>
                )}
              </div>
              {result && "check" in result && <CheckResult check={result.check} t={t} />}
              {result && "error" in result && <AgentFailure error={result.error} t={t} />}
            </li>
          );
        })}
      </ul>
      <AddAgent backend={backend} onAdded={setAgents} />
    </section>
  );
}
