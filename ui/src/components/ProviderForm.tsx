// The form that adds or edits a credential provider: OpenID Connect / OAuth 2.0 (issuer,
// client, scopes, how to sign in) or a named API key. "Check" fetches the issuer's
// discovery document for real and says what it found, or what is wrong and what to do,
// before anything is saved. Secrets go to the keyring; the config file names the provider.
import { useState } from "react";
import type { Backend } from "../backend";
import type { DiscoveryFinding, DiscoveryReport, AuthView } from "../bindings/Identity";
import type { AuthFlow, ProviderKind, ProviderSettings } from "../bindings/Settings";
import { useT, type Translate } from "../i18n";
import { SecretField } from "./SecretField";
import { messageOf } from "../errors";

const FLOWS: AuthFlow[] = ["code", "device", "client-credentials"];
const KINDS: ProviderKind[] = ["oauth", "api-key"];

/** A finding in the user's language: what is wrong (or worth knowing) and what to do. */
export function describeFinding(t: Translate, finding: DiscoveryFinding, issuer: string): string {
  switch (finding.kind) {
    case "noIssuer":
      return t("discovery.noIssuer");
    case "notSecure":
      return t("discovery.notSecure", { field: finding.field, url: finding.url });
    case "unreachable":
      return t("discovery.unreachable", { issuer, detail: finding.detail });
    case "noDocument":
      return t("discovery.noDocument", { issuer });
    case "notJson":
      return t("discovery.notJson", { url: finding.url });
    case "issuerMismatch":
      return t("discovery.issuerMismatch", { published: finding.published, issuer });
    case "noTokenEndpoint":
      return t("discovery.noTokenEndpoint");
    case "noAuthorizationEndpoint":
      return t("discovery.noAuthorizationEndpoint");
    case "noDeviceEndpoint":
      return t("discovery.noDeviceEndpoint");
    case "grantNotAdvertised":
      return t("discovery.grantNotAdvertised", { grant: finding.grant });
    case "scopesNotAdvertised":
      return t("discovery.scopesNotAdvertised", { scopes: finding.scopes.join(" ") });
  }
}

/** What the check found: the document and endpoints, the problems, the notes, the places asked. */
function CheckResult({ report }: { report: DiscoveryReport }) {
  const t = useT();
  const usable = report.problems.length === 0;
  const endpoints: [string, string | null][] = [
    [t("discovery.endpoint.authorization"), report.endpoints.authorization],
    [t("discovery.endpoint.token"), report.endpoints.token],
    [t("discovery.endpoint.deviceAuthorization"), report.endpoints.deviceAuthorization],
    [t("discovery.endpoint.revocation"), report.endpoints.revocation],
    [t("discovery.endpoint.registration"), report.endpoints.registration],
  ];
  return (
    <div className="discovery" data-testid="discovery-result" data-usable={usable}>
      {usable ? (
        <div className="banner banner-ok" role="status">
          <p data-testid="discovery-summary">
            {report.documentUrl ? t("discovery.found", { url: report.documentUrl }) : t("discovery.noDocumentNeeded")} {t("discovery.usable")}
          </p>
        </div>
      ) : (
        <div className="banner banner-error" role="alert">
          <p data-testid="discovery-summary">{t("discovery.problems")}</p>
          <ul>
            {report.problems.map((finding, index) => (
              <li key={index} data-finding={finding.kind}>{describeFinding(t, finding, report.issuer)}</li>
            ))}
          </ul>
        </div>
      )}
      {report.notes.length > 0 && (
        <ul className="discovery-notes">
          {report.notes.map((finding, index) => (
            <li key={index} className="note" data-finding={finding.kind}>{describeFinding(t, finding, report.issuer)}</li>
          ))}
        </ul>
      )}
      {(report.documentUrl || report.issuer === "") && (
        <dl className="discovery-endpoints">
          {endpoints.map(([label, url]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{url ? <code>{url}</code> : <span className="muted">{t("discovery.notPublished")}</span>}</dd>
            </div>
          ))}
        </dl>
      )}
      {report.tried.length > 0 && (
        <details className="discovery-tried" open={!usable}>
          <summary>{t("discovery.tried")}</summary>
          <ul>
            {report.tried.map((attempt) => (
              <li key={attempt.url}>
                <code>{attempt.url}</code>{" "}
                <span className={attempt.found ? "badge badge-ok" : "badge badge-muted"}>
                  {attempt.found ? t("discovery.attempt.found") : attempt.status !== null ? `HTTP ${attempt.status}` : t("discovery.attempt.noAnswer")}
                </span>
                {attempt.error && <span className="muted"> {attempt.error}</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export interface ProviderFormProps {
  backend: Backend;
  /** The provider edited, or null for a new one. */
  existing: { name: string; settings: ProviderSettings; secretStored: boolean } | null;
  onSaved: (view: AuthView, name: string) => void;
  onCancel: () => void;
}

export function ProviderForm({ backend, existing, onSaved, onCancel }: ProviderFormProps) {
  const t = useT();
  const start = existing?.settings;
  const prefix = existing ? `provider-${existing.name}` : "provider-new";
  const [name, setName] = useState(existing?.name ?? "");
  const [kind, setKind] = useState<ProviderKind>(start?.kind ?? "oauth");
  const [issuer, setIssuer] = useState(start?.issuer ?? "");
  const [clientId, setClientId] = useState(start?.client_id ?? "");
  const [scopes, setScopes] = useState((start?.scopes ?? ["openid", "email", "offline_access"]).join(" "));
  const [flow, setFlow] = useState<AuthFlow>(start?.flow ?? "code");
  const [endpoints, setEndpoints] = useState({
    authorization_endpoint: start?.authorization_endpoint ?? "",
    token_endpoint: start?.token_endpoint ?? "",
    device_authorization_endpoint: start?.device_authorization_endpoint ?? "",
    revocation_endpoint: start?.revocation_endpoint ?? "",
    resource: start?.resource ?? "",
    audience: start?.audience ?? "",
  });
  const [secret, setSecret] = useState("");
  const [check, setCheck] = useState<{ for: string; report: DiscoveryReport } | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const oauth = kind === "oauth";
  const settings: ProviderSettings = oauth
    ? {
        kind,
        issuer: issuer.trim(),
        authorization_endpoint: endpoints.authorization_endpoint.trim(),
        token_endpoint: endpoints.token_endpoint.trim(),
        device_authorization_endpoint: endpoints.device_authorization_endpoint.trim(),
        revocation_endpoint: endpoints.revocation_endpoint.trim(),
        client_id: clientId.trim(),
        scopes: scopes.split(/[\s,]+/).filter((scope) => scope !== ""),
        resource: endpoints.resource.trim(),
        audience: endpoints.audience.trim(),
        flow,
      }
    : {
        kind,
        issuer: "", authorization_endpoint: "", token_endpoint: "", device_authorization_endpoint: "", revocation_endpoint: "",
        client_id: "", scopes: [], resource: "", audience: "", flow: "code",
      };
  const fingerprint = JSON.stringify(settings);
  // A check of other settings than these says nothing about them: it is not shown.
  const report = check?.for === fingerprint ? check.report : null;
  const ready = name.trim() !== "" && (!oauth || (clientId.trim() !== "" && (issuer.trim() !== "" || endpoints.token_endpoint.trim() !== "")));

  const runCheck = async () => {
    setChecking(true);
    setError(null);
    try {
      setCheck({ for: fingerprint, report: await backend.authCheckProvider(name.trim() || "provider", settings) });
    } catch (failure) {
      setError(messageOf(failure));
    }
    setChecking(false);
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const view = await backend.authSaveProvider(name.trim(), settings, secret.trim() === "" ? null : secret);
      setSecret("");
      onSaved(view, name.trim());
    } catch (failure) {
      setError(messageOf(failure));
    }
    setSaving(false);
  };

  const text = (id: string, label: string, value: string, set: (value: string) => void, help?: string, placeholder?: string) => (
    <div className="field">
      <label htmlFor={`${prefix}-${id}`}>{label}</label>
      <input id={`${prefix}-${id}`} type="text" spellCheck={false} autoComplete="off" value={value} placeholder={placeholder} onChange={(event) => set(event.target.value)} aria-describedby={help ? `${prefix}-${id}-help` : undefined} />
      {help && <p className="help" id={`${prefix}-${id}-help`}>{help}</p>}
    </div>
  );
  const endpoint = (key: keyof typeof endpoints, label: string) =>
    text(key.replace(/_/g, "-"), label, endpoints[key], (value) => setEndpoints((current) => ({ ...current, [key]: value })));

  return (
    <form
      className="provider-form"
      data-testid="provider-form"
      aria-label={existing ? t("accounts.form.titleEdit", { name: existing.name }) : t("accounts.form.titleNew")}
      onSubmit={(event) => {
        event.preventDefault();
        if (ready && !saving) void save();
      }}
    >
      <h3>{existing ? t("accounts.form.titleEdit", { name: existing.name }) : t("accounts.form.titleNew")}</h3>
      {!existing && text("name", t("accounts.form.name"), name, setName, t("accounts.form.name.help"), "corp")}
      <div className="field" role="radiogroup" aria-labelledby={`${prefix}-kind-label`}>
        <span className="label" id={`${prefix}-kind-label`}>{t("accounts.form.kind")}</span>
        <div className="provider-kinds">
          {KINDS.map((one) => (
            <label key={one}>
              <input type="radio" name={`${prefix}-kind`} value={one} checked={kind === one} onChange={() => setKind(one)} /> {t(`accounts.form.kind.${one}`)}
            </label>
          ))}
        </div>
      </div>
      {oauth ? (
        <>
          <div className="field">
            <label htmlFor={`${prefix}-issuer`}>{t("accounts.form.issuer")}</label>
            <div className="inline-controls">
              <input
                id={`${prefix}-issuer`}
                type="text"
                inputMode="url"
                spellCheck={false}
                autoComplete="off"
                value={issuer}
                placeholder="https://login.example.com"
                aria-describedby={`${prefix}-issuer-help`}
                onChange={(event) => setIssuer(event.target.value)}
              />
              <button type="button" data-testid="provider-check" disabled={checking || (issuer.trim() === "" && endpoints.token_endpoint.trim() === "")} onClick={() => void runCheck()}>
                {checking ? t("accounts.form.checking") : t("accounts.form.check")}
              </button>
            </div>
            <p className="help" id={`${prefix}-issuer-help`}>{t("accounts.form.issuer.help")}</p>
          </div>
          {report && <CheckResult report={report} />}
          {text("client-id", t("accounts.form.clientId"), clientId, setClientId)}
          {text("scopes", t("accounts.form.scopes"), scopes, setScopes, t("accounts.form.scopes.help"))}
          <div className="field">
            <label htmlFor={`${prefix}-flow`}>{t("accounts.form.flow")}</label>
            <select id={`${prefix}-flow`} value={flow} onChange={(event) => setFlow(event.target.value as AuthFlow)}>
              {FLOWS.map((one) => (
                <option key={one} value={one}>{t(`accounts.form.flow.${one}`)}</option>
              ))}
            </select>
          </div>
          <SecretField
            id={`${prefix}-secret`}
            label={t("accounts.clientSecret")}
            value={secret}
            onChange={setSecret}
            stored={existing?.secretStored ?? false}
            help={t("accounts.form.clientSecret.help")}
          />
          <details className="provider-endpoints">
            <summary>{t("accounts.form.endpoints")}</summary>
            <p className="help">{t("accounts.form.endpoints.help")}</p>
            {endpoint("authorization_endpoint", t("accounts.form.authorizationEndpoint"))}
            {endpoint("token_endpoint", t("accounts.form.tokenEndpoint"))}
            {endpoint("device_authorization_endpoint", t("accounts.form.deviceEndpoint"))}
            {endpoint("revocation_endpoint", t("accounts.form.revocationEndpoint"))}
            {endpoint("resource", t("accounts.form.resource"))}
            {endpoint("audience", t("accounts.form.audience"))}
          </details>
        </>
      ) : (
        <SecretField
          id={`${prefix}-secret`}
          label={t("settings.apiKey")}
          value={secret}
          onChange={setSecret}
          stored={existing?.secretStored ?? false}
          help={t("accounts.form.apiKey.help")}
        />
      )}
      <div className="actions">
        <button type="submit" className="primary" data-testid="provider-save" disabled={!ready || saving}>
          {saving ? t("accounts.form.saving") : t("accounts.form.save")}
        </button>
        <button type="button" className="ghost" onClick={onCancel}>{t("accounts.form.cancel")}</button>
      </div>
      {error && <p className="field-error" role="alert" data-testid="provider-error">{error}</p>}
    </form>
  );
}
