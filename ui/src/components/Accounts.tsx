// The sign-in section: every credential provider with where it stands (signed in as whom,
// expiry, or the provider's own error), and sign in, sign out, re-authenticate. Changes
// arrive as events, so a sign-in finished in the browser shows here by itself.
import { useEffect, useState } from "react";
import type { Backend } from "../backend";
import type { AuthView, ProviderStatus } from "../bindings/Identity";
import { useT } from "../i18n";

function messageOf(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
}

function expiry(seconds: number | null): string | null {
  if (seconds === null || seconds <= 0) return null;
  return seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.floor(seconds / 60)} min` : `${Math.floor(seconds / 3600)} h`;
}

type Pending = { provider: string; url?: string; userCode?: string; verificationUri?: string };

/** A client secret (OAuth providers with client credentials) or an API key, into the keyring. */
function SecretField({ backend, status, onStored }: { backend: Backend; status: ProviderStatus; onStored: (status: ProviderStatus) => void }) {
  const t = useT();
  const [secret, setSecret] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const apiKey = status.kind === "api-key";
  if (!apiKey && status.flow !== "client-credentials") return null;
  const id = `secret-${status.provider}`;
  const store = async () => {
    try {
      onStored(await backend.authStoreSecret(status.provider, secret));
      setSecret("");
      setMessage({ ok: true, text: t("accounts.secretStored") });
    } catch (error) {
      setMessage({ ok: false, text: messageOf(error) });
    }
  };
  return (
    <div className="inline-controls">
      <label htmlFor={id}>{apiKey ? t("settings.apiKey") : t("accounts.clientSecret")}</label>
      <input id={id} type="password" autoComplete="off" spellCheck={false} value={secret} onChange={(event) => setSecret(event.target.value)} />
      <button type="button" disabled={secret.trim() === ""} onClick={() => void store()}>{t("settings.apiKey.save")}</button>
      {message && <span className={message.ok ? "help" : "field-error"} role={message.ok ? "status" : "alert"}>{message.text}</span>}
    </div>
  );
}

export function Accounts({ backend }: { backend: Backend }) {
  const t = useT();
  const [view, setView] = useState<AuthView | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [failure, setFailure] = useState<{ provider: string; message: string } | null>(null);

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

  const act = async (provider: string, action: (provider: string) => Promise<ProviderStatus>) => {
    setFailure(null);
    setPending({ provider });
    try {
      const status = await action(provider);
      setView((current) => (current === null ? current : { ...current, providers: current.providers.map((one) => (one.provider === provider ? status : one)) }));
    } catch (error) {
      setFailure({ provider, message: messageOf(error) });
    }
    setPending(null);
  };

  if (view === null) return null;
  return (
    <fieldset className="accounts" id="accounts">
      <legend>{t("accounts.title")}</legend>
      {view.vaultProblem && <div className="banner banner-warning" role="alert">{t("accounts.noKeyring", { problem: view.vaultProblem })}</div>}
      {view.providers.length === 0 && <p className="help">{t("accounts.none")}</p>}
      <ul className="account-list">
        {view.providers.map((status) => {
          const busy = pending?.provider === status.provider;
          const oauth = status.kind === "oauth";
          const signedIn = status.state === "signed-in";
          const until = expiry(status.expiresIn);
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
              {oauth && (
                <div className="actions">
                  {signedIn ? (
                    <>
                      <button type="button" data-testid="sign-out" disabled={busy} onClick={() => void act(status.provider, backend.authSignOut)}>{t("accounts.signOut")}</button>
                      <button type="button" className="ghost" disabled={busy} onClick={() => void act(status.provider, backend.authSignIn)}>{t("accounts.reauthenticate")}</button>
                    </>
                  ) : (
                    <button type="button" className="primary" data-testid="sign-in" disabled={busy} onClick={() => void act(status.provider, backend.authSignIn)}>{t("accounts.signIn")}</button>
                  )}
                </div>
              )}
              <SecretField backend={backend} status={status} onStored={(next) => setView((current) => (current === null ? current : { ...current, providers: current.providers.map((one) => (one.provider === next.provider ? next : one)) }))} />
              {busy && pending?.url && (
                <p className="help" role="status">
                  {t("accounts.waitingBrowser")} <span className="sign-in-url" data-testid="sign-in-url">{pending.url}</span>
                </p>
              )}
              {busy && pending?.userCode && (
                <p className="help" role="status">{t("accounts.deviceCode", { code: pending.userCode, uri: pending.verificationUri ?? "" })}</p>
              )}
              {failure?.provider === status.provider && <p className="field-error" role="alert">{failure.message}</p>}
            </li>
          );
        })}
      </ul>
      {failure?.provider === "" && <p className="field-error" role="alert">{failure.message}</p>}
    </fieldset>
  );
}
