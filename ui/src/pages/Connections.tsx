// The Connections page: MCP servers (remote gateways and local servers) with their live
// status, added, tested, signed in to, signed out of, switched on or off and removed; each
// server's tools with their schemas, and a form generated from a tool's schema to call it;
// Claude Desktop's servers imported (ConnectionsImport.tsx).
import { useCallback, useEffect, useRef, useState } from "react";
import type { Backend } from "../backend";
import type { CallView, NamedSecret, ServerState, ServerView, ToolView } from "../bindings/Mcp";
import type { McpServerSettings } from "../bindings/Settings";
import { useT } from "../i18n";
import { SecretField } from "../components/SecretField";
import { ImportClaude } from "./ConnectionsImport";
import { RemoteAgents } from "./RemoteAgents";
import "./Connections.css";
import { messageOf } from "../errors";

const STATE_BADGE: Record<ServerState, string> = {
  connected: "badge-ok",
  connecting: "badge-muted",
  idle: "badge-muted",
  disabled: "badge-muted",
  "needs-sign-in": "badge-warning",
  expired: "badge-warning",
  failed: "badge-error",
};

/**
 * Secret headers (a URL server: an API key header) or secret environment variables (a local
 * server: a token it reads), one row each: a name and a masked value. The values go to the
 * keyring when the server is added, never to the config file.
 */
function SecretRows({ kind, secrets, onChange }: { kind: "url" | "command"; secrets: NamedSecret[]; onChange: (secrets: NamedSecret[]) => void }) {
  const t = useT();
  const noun = kind === "url" ? "header" : "variable";
  const set = (index: number, change: Partial<NamedSecret>) => onChange(secrets.map((secret, at) => (at === index ? { ...secret, ...change } : secret)));
  return (
    <div className="secret-rows" data-testid="mcp-secrets">
      <p className="help">{t(`connections.secrets.${noun}.help`)}</p>
      {secrets.map((secret, index) => (
        <div className="secret-entry" key={index} data-secret-row={index}>
          <div className="field">
            <label htmlFor={`mcp-secret-name-${index}`}>{t(`connections.secrets.${noun}.name`)}</label>
            <input
              id={`mcp-secret-name-${index}`}
              type="text"
              value={secret.name}
              spellCheck={false}
              autoComplete="off"
              placeholder={kind === "url" ? "X-API-Key" : "GITHUB_TOKEN"}
              onChange={(event) => set(index, { name: event.target.value })}
            />
          </div>
          <SecretField id={`mcp-secret-value-${index}`} label={t("connections.secrets.value", { name: secret.name.trim() || t(`connections.secrets.${noun}.name`) })} value={secret.value} onChange={(value) => set(index, { value })}>
            <button type="button" className="link" onClick={() => onChange(secrets.filter((_, at) => at !== index))}>
              {t("connections.secrets.remove")}
            </button>
          </SecretField>
        </div>
      ))}
      <button type="button" data-testid="mcp-secret-add" onClick={() => onChange([...secrets, { name: kind === "url" && secrets.length === 0 ? "Authorization" : "", value: "" }])}>
        {t(`connections.secrets.${noun}.add`)}
      </button>
    </div>
  );
}

/**
 * The add form: a remote server by URL (with an optional credential provider and secret
 * headers) or a local command (with secret environment variables).
 */
function AddServer({ backend, onAdded }: { backend: Backend; onAdded: (server: ServerView) => void }) {
  const t = useT();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"url" | "command">("url");
  const [target, setTarget] = useState("");
  const [auth, setAuth] = useState("");
  const [secrets, setSecrets] = useState<NamedSecret[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async () => {
    setError(null);
    setBusy(true);
    const words = target.trim().split(/\s+/).filter((word) => word !== "");
    const settings: McpServerSettings = {
      command: kind === "command" ? (words[0] ?? "") : "",
      args: kind === "command" ? words.slice(1) : [],
      env: {},
      secret_env: [],
      cwd: "",
      url: kind === "url" ? target.trim() : "",
      headers: {},
      secret_headers: [],
      auth: kind === "url" ? auth.trim() : "",
      oauth_client_id: "",
      timeout_seconds: 0,
      enabled: true,
    };
    try {
      onAdded(await backend.mcpAdd(name.trim(), settings, secrets));
      setName("");
      setTarget("");
      setAuth("");
      setSecrets([]);
    } catch (failure) {
      setError(messageOf(failure));
    }
    setBusy(false);
  };

  return (
    <fieldset className="add-server">
      <legend>{t("connections.add")}</legend>
      <div className="field">
        <label htmlFor="mcp-name">{t("connections.name")}</label>
        <input id="mcp-name" type="text" value={name} spellCheck={false} onChange={(event) => setName(event.target.value)} placeholder="gateway" />
      </div>
      <div className="field" role="radiogroup" aria-label={t("connections.kind")}>
        <label><input type="radio" name="mcp-kind" checked={kind === "url"} onChange={() => setKind("url")} /> {t("connections.kind.url")}</label>
        <label><input type="radio" name="mcp-kind" checked={kind === "command"} onChange={() => setKind("command")} /> {t("connections.kind.command")}</label>
      </div>
      <div className="field">
        <label htmlFor="mcp-target">{kind === "url" ? t("connections.url") : t("connections.command")}</label>
        <input
          id="mcp-target"
          type="text"
          value={target}
          spellCheck={false}
          onChange={(event) => setTarget(event.target.value)}
          placeholder={kind === "url" ? "https://gateway.example.com/mcp" : "npx -y @modelcontextprotocol/server-everything"}
        />
      </div>
      {kind === "url" && (
        <div className="field">
          <label htmlFor="mcp-auth">{t("connections.auth")}</label>
          <input id="mcp-auth" type="text" value={auth} spellCheck={false} onChange={(event) => setAuth(event.target.value)} />
          <p className="help">{t("connections.auth.help")}</p>
        </div>
      )}
      <SecretRows kind={kind} secrets={secrets} onChange={setSecrets} />
      <div className="actions">
        <button type="button" className="primary" data-testid="mcp-add" disabled={busy || name.trim() === "" || target.trim() === ""} onClick={() => void add()}>
          {t("connections.addButton")}
        </button>
        {error && <p className="field-error" role="alert">{error}</p>}
      </div>
    </fieldset>
  );
}

type Field = { name: string; schema: Record<string, unknown>; required: boolean };

function fieldsOf(tool: ToolView): Field[] {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((tool.inputSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({ name, schema, required: required.has(name) }));
}

function typeOf(schema: Record<string, unknown>): string {
  const type = schema.type;
  if (Array.isArray(type)) return String(type.find((one) => one !== "null") ?? "");
  return typeof type === "string" ? type : "";
}

/** A form generated from a tool's input schema; the result below it. */
function ToolForm({ backend, server, tool }: { backend: Backend; server: string; tool: ToolView }) {
  const t = useT();
  const fields = fieldsOf(tool);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<CallView | null>(null);
  const [busy, setBusy] = useState(false);

  const call = async () => {
    const args: Record<string, unknown> = {};
    const found: Record<string, string> = {};
    for (const field of fields) {
      const raw = values[field.name];
      const type = typeOf(field.schema);
      if (type === "boolean") {
        if (raw !== undefined) args[field.name] = raw === true;
        continue;
      }
      const text = typeof raw === "string" ? raw : "";
      if (text.trim() === "") {
        if (field.required) found[field.name] = t("connections.form.required");
        continue;
      }
      if (type === "number" || type === "integer") {
        const number = Number(text);
        if (!Number.isFinite(number) || (type === "integer" && !Number.isInteger(number))) found[field.name] = t(type === "integer" ? "connections.form.integer" : "connections.form.number");
        else args[field.name] = number;
      } else if (type === "string") {
        args[field.name] = text;
      } else {
        try {
          args[field.name] = JSON.parse(text);
        } catch {
          found[field.name] = t("connections.form.json");
        }
      }
    }
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      setResult(await backend.mcpCall(server, tool.name, args));
    } catch (failure) {
      setResult(null);
      setError(messageOf(failure));
    }
    setBusy(false);
  };

  return (
    <form
      className="tool-form"
      data-tool={tool.name}
      onSubmit={(event) => {
        event.preventDefault();
        void call();
      }}
    >
      {fields.length === 0 && <p className="help">{t("connections.form.noArguments")}</p>}
      {fields.map((field) => {
        const id = `arg-${server}-${tool.name}-${field.name}`;
        const type = typeOf(field.schema);
        const choices = Array.isArray(field.schema.enum) ? (field.schema.enum as unknown[]).map(String) : null;
        const description = typeof field.schema.description === "string" ? field.schema.description : "";
        const set = (value: string | boolean) => setValues((current) => ({ ...current, [field.name]: value }));
        const value = values[field.name];
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>
              {field.name}
              {field.required && <span aria-hidden="true"> *</span>} <span className="muted">{type || "json"}</span>
            </label>
            {type === "boolean" ? (
              <input id={id} type="checkbox" checked={value === true} onChange={(event) => set(event.target.checked)} />
            ) : choices ? (
              <select id={id} value={typeof value === "string" ? value : ""} onChange={(event) => set(event.target.value)}>
                <option value="">—</option>
                {choices.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
              </select>
            ) : type === "string" || type === "number" || type === "integer" ? (
              <input id={id} type="text" inputMode={type === "string" ? "text" : "decimal"} required={field.required} value={typeof value === "string" ? value : ""} onChange={(event) => set(event.target.value)} />
            ) : (
              <textarea id={id} rows={3} spellCheck={false} placeholder="JSON" value={typeof value === "string" ? value : ""} onChange={(event) => set(event.target.value)} />
            )}
            {description && <p className="help">{description}</p>}
            {problems[field.name] && <p className="field-error" role="alert">{problems[field.name]}</p>}
          </div>
        );
      })}
      <div className="actions">
        <button type="submit" className="primary" data-testid="tool-call" disabled={busy}>{busy ? t("connections.calling") : t("connections.call")}</button>
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      {result && (
        <div className="tool-result" data-testid="tool-result" data-error={result.isError}>
          {result.isError && <p className="field-error">{t("connections.toolFailed")}</p>}
          {result.content.map((block, index) =>
            block.kind === "text" ? (
              <pre key={index} className={result.isError ? "code-block error" : "code-block"}>{block.text}</pre>
            ) : block.kind === "image" ? (
              <img key={index} alt={t("connections.imageResult")} src={`data:${block.mimeType};base64,${block.data}`} />
            ) : block.kind === "audio" ? (
              <p key={index} className="muted">{t("connections.audioResult", { type: block.mimeType })}</p>
            ) : (
              <div key={index}>
                <p className="muted">{block.uri}</p>
                {block.text !== null && <pre className="code-block">{block.text}</pre>}
              </div>
            ),
          )}
          {result.structured !== null && result.structured !== undefined && (
            <details open>
              <summary>{t("connections.structured")}</summary>
              <pre className="code-block">{JSON.stringify(result.structured, null, 2)}</pre>
            </details>
          )}
        </div>
      )}
    </form>
  );
}

/** A server's tools: each with its description and schema, and a form to call it. */
function Tools({ backend, server }: { backend: Backend; server: string }) {
  const t = useT();
  const [tools, setTools] = useState<ToolView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    void backend.mcpTools(server).then(setTools, (failure) => setError(messageOf(failure)));
  }, [backend, server]);

  if (error) return <p className="field-error" role="alert">{error}</p>;
  if (tools === null) return <p className="muted" role="status">{t("connections.loadingTools")}</p>;
  return (
    <ul className="tool-list">
      {tools.map((tool) => (
        <li key={tool.name} data-tool={tool.name}>
          <button type="button" className="ghost tool-name" aria-expanded={open === tool.name} onClick={() => setOpen(open === tool.name ? null : tool.name)}>
            {tool.title ?? tool.name}
          </button>
          {tool.title && <code className="muted"> {tool.name}</code>}
          <span className="muted"> {tool.description}</span>
          {open === tool.name && (
            <div className="tool-detail">
              <details>
                <summary>{t("connections.schema")}</summary>
                <pre className="code-block">{JSON.stringify(tool.inputSchema, null, 2)}</pre>
                {tool.outputSchema && <pre className="code-block">{JSON.stringify(tool.outputSchema, null, 2)}</pre>}
              </details>
              <ToolForm backend={backend} server={server} tool={tool} />
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The list with `next` in place of the server of its name (a list not loaded yet stays so). */
const withServer = (next: ServerView) => (current: ServerView[] | null) =>
  current && current.map((one) => (one.status.name === next.status.name ? next : one));

export function ConnectionsPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [servers, setServers] = useState<ServerView[] | null>(null);
  const [failure, setFailure] = useState<{ server: string; message: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // The server being acted on, for the sign-in page address arriving as an event meanwhile.
  const acting = useRef<string | null>(null);
  const [signInUrl, setSignInUrl] = useState<{ server: string; url: string } | null>(null);
  const [toolsOf, setToolsOf] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const replace = (next: ServerView) => setServers(withServer(next));

  const check = (server: ServerView) => {
    replace({ ...server, status: { ...server.status, state: "connecting" } });
    void backend.mcpCheck(server.status.name).then(replace, (error) => setFailure({ server: server.status.name, message: messageOf(error) }));
  };

  const load = useCallback(() => {
    void backend.mcpServers().then(
      (listed) => {
        setServers(listed);
        // The live status: every enabled server is reached now (never asking the user anything).
        listed.filter((server) => server.enabled).forEach((server) => {
          void backend.mcpCheck(server.status.name).then(replace, () => undefined);
        });
      },
      (error) => setFailure({ server: "", message: messageOf(error) }),
    );
  }, [backend]);

  useEffect(load, [load]);

  useEffect(() => {
    let stop: (() => void) | undefined;
    void backend
      .onMcpChanged(replace)
      .then((unlisten) => {
        stop = unlisten;
      });
    return () => stop?.();
  }, [backend]);

  useEffect(() => {
    let stop: (() => void) | undefined;
    void backend
      .onAuthChanged((event) => {
        const server = acting.current;
        if (event.kind === "browser" && server !== null) setSignInUrl({ server, url: event.url });
      })
      .then((unlisten) => {
        stop = unlisten;
      });
    return () => stop?.();
  }, [backend]);

  const act = async (name: string, action: () => Promise<ServerView | void>) => {
    setFailure(null);
    setBusy(name);
    acting.current = name;
    try {
      const next = await action();
      if (next) replace(next);
    } catch (error) {
      setFailure({ server: name, message: messageOf(error) });
      const refreshed = (await backend.mcpServers().catch(() => null))?.find((one) => one.status.name === name);
      if (refreshed) replace(refreshed);
    }
    acting.current = null;
    setBusy(null);
    setSignInUrl(null);
  };

  const remove = async (name: string) => {
    await act(name, async () => {
      await backend.mcpRemove(name);
      setServers((current) => (current ?? []).filter((one) => one.status.name !== name));
    });
    setRemoving(null);
  };

  return (
    <section className="page connections" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.connections")}</h1>
      </header>
      <p className="lead">{t("page.connections.about")}</p>
      {servers === null && failure === null && <p className="muted" role="status">{t("app.loading")}</p>}
      {servers !== null && servers.length === 0 && <p className="help">{t("connections.none")}</p>}
      <ul className="account-list server-list">
        {(servers ?? []).map((server) => {
          const { status } = server;
          const name = status.name;
          const remote = status.transport === "http";
          const signedIn = status.state === "connected";
          const working = busy === name;
          return (
            <li key={name} className="account server" data-server={name} data-state={status.state}>
              <div className="account-head">
                <strong>{name}</strong>
                <span className={`badge ${STATE_BADGE[status.state]}`} data-testid="server-state">{t(`connections.state.${status.state}`)}</span>
                {status.tools !== null && <span className="muted">{t("connections.toolCount", { count: status.tools })}</span>}
              </div>
              <p className="help">
                <code>{status.target}</code>
                {server.auth && ` · ${t("connections.signsInWith", { provider: server.auth })}`}
                {status.serverInfo && ` · ${status.serverInfo}`}
                {status.protocolVersion && ` · MCP ${status.protocolVersion}`}
              </p>
              {status.error && <p className="field-error" data-testid="server-error">{status.error}</p>}
              {status.stderr.length > 0 && status.state === "failed" && (
                <details>
                  <summary>{t("connections.stderr")}</summary>
                  <pre className="code-block">{status.stderr.join("\n")}</pre>
                </details>
              )}
              <div className="actions">
                <button type="button" data-testid="server-test" disabled={working || !server.enabled} onClick={() => check(server)}>{t("connections.test")}</button>
                {remote && (
                  <>
                    <button type="button" className={signedIn ? "ghost" : "primary"} data-testid="server-sign-in" disabled={working || !server.enabled} onClick={() => void act(name, () => backend.mcpSignIn(name))}>
                      {signedIn ? t("accounts.reauthenticate") : t("accounts.signIn")}
                    </button>
                    <button type="button" className="ghost" data-testid="server-sign-out" disabled={working} onClick={() => void act(name, () => backend.mcpSignOut(name))}>{t("connections.clearCredentials")}</button>
                  </>
                )}
                <label className="toggle">
                  <input type="checkbox" data-testid="server-enabled" checked={server.enabled} disabled={working} onChange={(event) => void act(name, () => backend.mcpSetEnabled(name, event.target.checked))} />
                  {t("connections.enabled")}
                </label>
                <button type="button" className="ghost" data-testid="server-tools" aria-expanded={toolsOf === name} disabled={!server.enabled} onClick={() => setToolsOf(toolsOf === name ? null : name)}>{t("connections.tools")}</button>
                {removing === name ? (
                  <>
                    <button type="button" className="danger" data-testid="server-remove-confirm" disabled={working} onClick={() => void remove(name)}>{t("connections.removeConfirm")}</button>
                    <button type="button" className="ghost" onClick={() => setRemoving(null)}>{t("connections.cancel")}</button>
                  </>
                ) : (
                  <button type="button" className="ghost" data-testid="server-remove" disabled={working} onClick={() => setRemoving(name)}>{t("connections.remove")}</button>
                )}
              </div>
              {working && signInUrl?.server === name && (
                <p className="help" role="status">
                  {t("accounts.waitingBrowser")} <span className="sign-in-url" data-testid="sign-in-url">{signInUrl.url}</span>
                </p>
              )}
              {failure?.server === name && <p className="field-error" role="alert">{failure.message}</p>}
              {toolsOf === name && server.enabled && <Tools key={`${name}-${status.state}`} backend={backend} server={name} />}
            </li>
          );
        })}
      </ul>
      {failure?.server === "" && <p className="field-error" role="alert">{failure.message}</p>}
      <AddServer backend={backend} onAdded={(server) => setServers((current) => [...(current ?? []).filter((one) => one.status.name !== server.status.name), server].sort((a, b) => a.status.name.localeCompare(b.status.name)))} />
      <ImportClaude backend={backend} onImported={load} />
      <RemoteAgents backend={backend} />
    </section>
  );
}
