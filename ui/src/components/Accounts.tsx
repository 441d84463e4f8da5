// The sign-in section: every credential provider with where it stands (signed in as whom,
// expiry, or the provider's own error), and sign in, sign out, re-authenticate; providers
// added, checked against their published metadata, edited and removed. Changes arrive as
// events, so a sign-in finished in the browser shows here by itself.
import { useEffect, useState } from "react";
import type { Backend } from "../backend";
import type { AuthView, ProviderStatus } from "../bindings/Identity";
import { useT } from "../i18n";
import { ProviderForm } from "./ProviderForm";
import { SecretField } from "./SecretField";
import "./Accounts.css";
import { messageOf } from "../errors";

function expiry(seconds: number | null): string | null {
  if (seconds === null || seconds <= 0) return null;
  return seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.floor(seconds / 60)} min` : `${Math.floor(seconds / 3600)} h`;
}

type Pending = { provider: string; url?: string; userCode?: string; verificationUri?: string };

/** A client secret (OAuth providers with client credentials) or an API key, into the keyring. */
function ProviderSecret({ backend, status, stored, onStored }: { backend: Backend; status: ProviderStatus; stored: boolean; onStored: (status: ProviderStatus) => void }) {
  const t = useT();
  const [secret, setSecret] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const apiKey = status.kind === "api-key";
  if (!apiKey && status.flow !== "client-credentials") return null;
  const store = async () => {
    if (secret.trim() === "") return;
    try {
      onStored(await backend.authStoreSecret(status.provider, secret));
      setSecret("");
      setMessage({ ok: true, text: t("accounts.secretStored") });
    } catch (error) {
      setMessage({ ok: false, text: messageOf(error) });
    }
  };
  return (
    <>
      <SecretField
        id={`secret-${status.provider}`}
        label={apiKey ? t("settings.apiKey") : t("accounts.clientSecret")}
        value={secret}
        onChange={setSecret}
        stored={stored || status.state === "key-stored"}
        onEnter={() => void store()}
      >
        <button type="button" disabled={secret.trim() === ""} onClick={() => void store()}>{t("settings.apiKey.save")}</button>
      </SecretField>
      {message && <p className={message.ok ? "help" : "field-error"} role={message.ok ? "status" : "alert"}>{message.text}</p>}
    </>
  );
}

/** Which provider the form edits: a new one (`name` null) or one already configured. */
type Editing = { name: string | null };

export function Accounts({ backend }: { backend: Backend }) {
  const t = useT();
  const [view, setView] = useState<AuthView | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [failure, setFailure] = useState<{ provider: string; message: string } | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    void backend.authView().then(setView, (error) => setFailure({ provider: "", message: messageOf(error) }));
    let stop: (() => void) | undefined;
    void backend
      .onAuthChanged((event) => {
        if (event.kind === "status") {
          const status = event.status;
          setView((current) =>
            current === null ? current : { ...current, providers: current.providers.map((one) => (one.provider === status.provider ? status : one)) },
          );
        } else if (event.kind === "browser") {
          setPending({ provider: event.provider, url: event.url });
        } else {
          setPending({ provider: event.provider, userCode: event.userCode, verificationUri: event.verificationUri });
        }
      })
      .then((unlisten) => {
        stop = unlisten;
      });
    return () => stop?.();
  }, [backend]);

  const replaceStatus = (next: ProviderStatus) =>
    setView((current) => (current === null ? current : { ...current, providers: current.providers.map((one) => (one.provider === next.provider ? next : one)) }));

  const act = async (provider: string, action: (provider: string) => Promise<ProviderStatus>) => {
    setFailure(null);
    setDone(null);
    setPending({ provider });
    try {
      replaceStatus(await action(provider));
    } catch (error) {
      setFailure({ provider, message: messageOf(error) });
    }
    setPending(null);
  };

  const remove = async (provider: string) => {
    setFailure(null);
    setPending({ provider });
    try {
      setView(await backend.authRemoveProvider(provider));
      setDone(t("accounts.removed", { name: provider }));
      if (editing?.name === provider) setEditing(null);
    } catch (error) {
      setFailure({ provider, message: messageOf(error) });
    }
    setPending(null);
    setRemoving(null);
  };

  const saved = (next: AuthView, name: string) => {
    setView(next);
    setEditing(null);
    setDone(t("accounts.form.saved", { name }));
  };

  if (view === null) {
    return failure ? <p className="field-error" role="alert">{failure.message}</p> : null;
  }
  return (
    <fieldset className="accounts" id="accounts">
      <legend>{t("accounts.title")}</legend>
      {view.vaultProblem && <div className="banner banner-warning" role="alert">{t("accounts.noKeyring", { problem: view.vaultProblem })}</div>}
      {view.providers.length === 0 && editing === null && <p className="help">{t("accounts.none")}</p>}
      <ul className="account-list">
        {view.providers.map((status) => {
          const busy = pending?.provider === status.provider;
          const oauth = status.kind === "oauth";
          const signedIn = status.state === "signed-in";
          const until = expiry(status.expiresIn);
          const configured = status.provider in view.settings;
          return (
            <li key={status.provider} className="account" data-provider={status.provider} data-state={status.state}>
              <div className="account-head">
                <strong>{status.provider}</strong>
                <span className={`badge account-${status.state}`}>{t(`accounts.state.${status.state}`)}</span>
              </div>
              <p className="help account-detail">
                {signedIn && status.signedInAs && t("accounts.signedInAs", { who: status.signedInAs })}
                {signedIn && until && ` · ${t("accounts.expiresIn", { time: until })}`}
                {status.state === "error" && status.error}
              </p>
              <div className="actions account-actions">
                {oauth &&
                  (signedIn ? (
                    <>
                      <button type="button" data-testid="sign-out" disabled={busy} onClick={() => void act(status.provider, backend.authSignOut)}>{t("accounts.signOut")}</button>
                      <button type="button" className="ghost" disabled={busy} onClick={() => void act(status.provider, backend.authSignIn)}>{t("accounts.reauthenticate")}</button>
                    </>
                  ) : (
                    <button type="button" className="primary" data-testid="sign-in" disabled={busy} onClick={() => void act(status.provider, backend.authSignIn)}>{t("accounts.signIn")}</button>
                  ))}
                {configured && (
                  <button
                    type="button"
                    className="ghost"
                    data-testid="provider-edit"
                    aria-expanded={editing?.name === status.provider}
                    disabled={busy}
                    onClick={() => setEditing(editing?.name === status.provider ? null : { name: status.provider })}
                  >
                    {t("accounts.edit")}
                  </button>
                )}
                {configured &&
                  (removing === status.provider ? (
                    <>
                      <button type="button" className="danger" data-testid="provider-remove-confirm" disabled={busy} onClick={() => void remove(status.provider)}>{t("accounts.removeConfirm")}</button>
                      <button type="button" className="ghost" onClick={() => setRemoving(null)}>{t("accounts.form.cancel")}</button>
                    </>
                  ) : (
                    <button type="button" className="ghost" data-testid="provider-remove" disabled={busy} onClick={() => setRemoving(status.provider)}>{t("accounts.remove")}</button>
                  ))}
              </div>
              {editing?.name !== status.provider && (
                <ProviderSecret backend={backend} status={status} stored={view.secretsStored.includes(status.provider)} onStored={replaceStatus} />
              )}
              {busy && pending?.url && (
                <p className="help" role="status">
                  {t("accounts.waitingBrowser")} <span className="sign-in-url" data-testid="sign-in-url">{pending.url}</span>
                </p>
              )}
              {busy && pending?.userCode && (
                <p className="help" role="status">{t("accounts.deviceCode", { code: pending.userCode, uri: pending.verificationUri ?? "" })}</p>
              )}
              {failure?.provider === status.provider && <p className="field-error" role="alert">{failure.message}</p>}
              {editing?.name === status.provider && configured && (
                <ProviderForm
                  backend={backend}
                  existing={{ name: status.provider, settings: view.settings[status.provider]!, secretStored: view.secretsStored.includes(status.provider) }}
                  onSaved={saved}
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          );
        })}
      </ul>
      <p className="help" role="status" data-testid="accounts-done">{done}</p>
      {editing?.name === null ? (
        <ProviderForm backend={backend} existing={null} onSaved={saved} onCancel={() => setEditing(null)} />
      ) : (
        <div className="actions">
          <button type="button" data-testid="provider-add" onClick={() => { setDone(null); setEditing({ name: null }); }}>{t("accounts.add")}</button>
        </div>
      )}
      {failure?.provider === "" && <p className="field-error" role="alert">{failure.message}</p>}
    </fieldset>
  );
}
