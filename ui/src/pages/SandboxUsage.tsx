import { useCallback, useEffect, useState } from "react";
import type { Backend } from "../backend";
import type { SandboxUsage } from "../bindings/Sandbox";
import { useT } from "../i18n";
import { messageOf } from "../errors";
import { formatDuration } from "./Sandbox";
import "./Sandbox.css";

const MEGABYTE = 1 << 20;

function megabytes(bytes: number): string {
  return (bytes / MEGABYTE).toFixed(1);
}

/**
 * The Status page's account of the sandbox: each running session with its interpreter's
 * memory, and the memory of every live interpreter (spares too). Read when the page opens
 * and on Refresh.
 */
export function SandboxUsageSection({ backend }: { backend: Backend }) {
  const t = useT();
  const [usage, setUsage] = useState<SandboxUsage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setUsage(await backend.sandboxUsage());
      setProblem(null);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }, [backend]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const sessionBytes = usage?.sessions.reduce((sum, s) => sum + s.memoryBytes, 0) ?? 0;
  const sessionInterpreters = usage?.sessions.filter((s) => s.memoryBytes > 0).length ?? 0;
  const spares = usage ? Math.max(0, usage.interpreters - sessionInterpreters) : 0;
  const idleMinutes = usage?.idleTimeoutSeconds != null ? Math.round(usage.idleTimeoutSeconds / 60) : null;

  return (
    <section className="sandbox-usage" aria-labelledby="sandbox-usage-title" data-testid="sandbox-usage">
      <div className="sandbox-usage-header">
        <h2 id="sandbox-usage-title">{t("sandboxUsage.title")}</h2>
        <button type="button" id="sandbox-usage-refresh" onClick={() => void refresh()}>{t("sandboxUsage.refresh")}</button>
      </div>
      <p className="muted">{idleMinutes !== null ? t("sandboxUsage.intro", { minutes: idleMinutes }) : t("sandboxUsage.introNoIdle")}</p>
      {problem && <div className="banner banner-error" role="alert">{t("sandboxUsage.failed", { message: problem })}</div>}
      {usage && (
        <>
          <p data-testid="sandbox-memory-total" data-bytes={usage.memoryBytes} data-interpreters={usage.interpreters}>
            <strong>{t("sandboxUsage.total", { megabytes: megabytes(usage.memoryBytes), count: usage.interpreters })}</strong>
            {spares > 0 && <span className="muted"> ({t("sandboxUsage.spares", { megabytes: megabytes(Math.max(0, usage.memoryBytes - sessionBytes)), count: spares })})</span>}
          </p>
          {usage.sessions.length === 0 ? (
            <p className="muted">{t("sandboxUsage.none")}</p>
          ) : (
            <div className="sandbox-usage-table">
              <table className="checks">
                <thead>
                  <tr>
                    <th scope="col">{t("sandboxUsage.session")}</th>
                    <th scope="col">{t("sandboxUsage.runtime")}</th>
                    <th scope="col">{t("sandboxUsage.memory")}</th>
                    <th scope="col">{t("sandboxUsage.state")}</th>
                  </tr>
                </thead>
                <tbody>
                  {usage.sessions.map((session) => (
                    <tr key={session.sessionId} data-session-id={session.sessionId}>
                      <th scope="row">
                        {session.name}
                        <div className="muted session-id">{session.sessionId}</div>
                      </th>
                      <td>{session.runtime}</td>
                      <td>{megabytes(session.memoryBytes)} MB</td>
                      <td>{session.running ? t("sandboxUsage.running") : t("sandboxUsage.idleFor", { time: formatDuration(t, session.idleSeconds) })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
