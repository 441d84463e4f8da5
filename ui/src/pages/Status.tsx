import { useCallback, useEffect, useState } from "react";
import type { Backend } from "../backend";
import type { Check, Report, Status } from "../bindings/Doctor";
import { useT, type Translate } from "../i18n";
import { PricesSection } from "./Prices";
import { SandboxUsageSection } from "./SandboxUsage";

type State = { kind: "running"; previous?: Report } | { kind: "done"; report: Report } | { kind: "failed"; message: string };

const STATUS_CLASS: Record<Status, string> = {
  ok: "badge-ok",
  warning: "badge-warning",
  error: "badge-error",
};

/** The check's text in the UI language; falls back to the English text from the doctor. */
function describe(t: Translate, check: Check) {
  const params = check.params as Record<string, string>;
  return {
    title: t.maybe(`doctor.${check.id}.title`) ?? check.id,
    summary: t.maybe(`doctor.${check.id}.${check.code}`, params) ?? check.summary,
    fix: check.fix === null ? null : (t.maybe(`doctor.${check.id}.${check.code}.fix`, params) ?? check.fix),
  };
}

export function StatusPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [state, setState] = useState<State>({ kind: "running" });

  const run = useCallback(async () => {
    setState((current) => ({ kind: "running", previous: current.kind === "done" ? current.report : undefined }));
    try {
      setState({ kind: "done", report: await backend.runDoctor() });
    } catch (error) {
      const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
      setState({ kind: "failed", message });
    }
  }, [backend]);

  useEffect(() => {
    void run();
  }, [run]);

  const report = state.kind === "done" ? state.report : state.kind === "running" ? state.previous : undefined;

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("status.title")}</h1>
        <button type="button" id="status-rerun" onClick={() => void run()} disabled={state.kind === "running"}>
          {state.kind === "running" ? t("status.running") : t("status.rerun")}
        </button>
      </header>
      <p className="lead">{t("status.intro")}</p>
      {state.kind === "failed" && (
        <div className="banner banner-error" role="alert">{t("status.failed", { message: state.message })}</div>
      )}
      {report && (
        <>
          <table className="checks" aria-busy={state.kind === "running"}>
            <thead>
              <tr>
                <th scope="col">{t("status.check")}</th>
                <th scope="col">{t("status.result")}</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((check) => {
                const text = describe(t, check);
                return (
                  <tr key={check.id} data-check={check.id} data-status={check.status}>
                    <th scope="row">
                      <span className={`badge ${STATUS_CLASS[check.status]}`}>{t(`status.${check.status}`)}</span>
                      <span className="check-title">{text.title}</span>
                    </th>
                    <td>
                      <div className="check-summary">{text.summary}</div>
                      {text.fix && <div className="check-fix">{t("status.fix", { fix: text.fix })}</div>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <h2>{t("status.versions")}</h2>
          <dl className="versions">
            {report.versions.map((version) => (
              <div key={version.name}>
                <dt>{version.name}</dt>
                <dd>{version.value}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <SandboxUsageSection backend={backend} />
      <PricesSection backend={backend} />
    </section>
  );
}
