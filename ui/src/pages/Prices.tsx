import { useCallback, useEffect, useState } from "react";
import type { Backend } from "../backend";
import type { PricesOutcome, PricesProgress, PricesStatus } from "../bindings/Prices";
import { useT, type Translate } from "../i18n";

const OUTCOME_CLASS: Record<PricesOutcome["status"], string> = {
  written: "badge-ok",
  up_to_date: "badge-muted",
  failed: "badge-error",
};

function errorMessage(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
}

/** `812 KB`, `301.4 MB`, as the CLI writes sizes. */
export function size(bytes: number): string {
  return bytes < 1 << 20 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

function progressText(t: Translate, step: PricesProgress): string {
  if (step.kind === "reading") return t("prices.reading", { offer: step.offer, region: step.region });
  if (step.total) {
    const percent = Math.floor((step.done / step.total) * 100);
    return t("prices.downloading", { offer: step.offer, region: step.region, percent, size: size(step.total) });
  }
  return t("prices.downloadingSize", { offer: step.offer, region: step.region, size: size(step.done) });
}

function outcomeText(t: Translate, outcome: PricesOutcome): string {
  const where = { offer: outcome.offer, region: outcome.region };
  switch (outcome.status) {
    case "written":
      return t("prices.written", { ...where, rows: outcome.rows, date: outcome.date });
    case "up_to_date":
      return t("prices.upToDate", where);
    case "failed":
      return t("prices.failed", { ...where, message: outcome.message });
  }
}

/** The Status page's Prices section: the catalogs in use, and an update from AWS's Price List. */
export function PricesSection({ backend }: { backend: Backend }) {
  const t = useT();
  const [status, setStatus] = useState<PricesStatus | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [region, setRegion] = useState("");
  const [services, setServices] = useState<string[]>([]);
  const [running, setRunning] = useState(false);
  /** The latest step of each file, by "offer region", in the order they started. */
  const [steps, setSteps] = useState<Record<string, PricesProgress>>({});
  const [outcomes, setOutcomes] = useState<PricesOutcome[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const fresh = await backend.pricesStatus();
      setStatus(fresh);
      setStatusError(null);
      return fresh;
    } catch (failure) {
      setStatusError(errorMessage(failure));
      return null;
    }
  }, [backend]);

  useEffect(() => {
    void load().then((fresh) => {
      if (!fresh) return;
      const known = fresh.regions.some((r) => r.code === fresh.default_region);
      setRegion(known ? fresh.default_region : "us-east-1");
      setServices(fresh.services.map((s) => s.offer));
    });
  }, [load]);

  const update = async () => {
    setRunning(true);
    setSteps({});
    setOutcomes(null);
    setError(null);
    try {
      // In the backend's order, whatever order they were ticked in.
      const picked = (status?.services ?? []).map((s) => s.offer).filter((offer) => services.includes(offer));
      const done = await backend.pricesUpdate([region], picked, (step) =>
        setSteps((current) => ({ ...current, [`${step.offer} ${step.region}`]: step })),
      );
      setOutcomes(done);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      // The outcomes (or the error) take the place of the progress.
      setSteps({});
      setRunning(false);
      void load();
    }
  };

  const toggle = (offer: string, checked: boolean) =>
    setServices((current) => (checked ? [...current, offer] : current.filter((one) => one !== offer)));

  return (
    <section className="prices" aria-labelledby="prices-title">
      <h2 id="prices-title">{t("prices.title")}</h2>
      <p className="help">{t("prices.intro")}</p>
      {statusError && <div className="banner banner-error" role="alert">{t("prices.statusFailed", { message: statusError })}</div>}
      {!status && !statusError && <p className="muted">{t("prices.loading")}</p>}
      {status && (
        <>
          <h3 className="prices-subtitle">{t("prices.inUse")}</h3>
          <table className="checks prices-catalogs">
            <thead>
              <tr>
                <th scope="col">{t("prices.catalog")}</th>
                <th scope="col">{t("prices.date")}</th>
                <th scope="col">{t("prices.count")}</th>
              </tr>
            </thead>
            <tbody>
              {status.bundled.map((catalog) => (
                <tr key={`bundled ${catalog.file}`} data-catalog={catalog.file}>
                  <th scope="row">
                    <span className="badge badge-muted">{t("prices.bundled")}</span>
                    <span className="check-title">{catalog.file}</span>
                  </th>
                  <td>{catalog.date}</td>
                  <td className="muted">{catalog.name}</td>
                </tr>
              ))}
              {status.built.map((catalog) => (
                <tr key={`built ${catalog.file}`} data-catalog={catalog.file}>
                  <th scope="row">
                    <span className={`badge ${catalog.problem ? "badge-error" : "badge-ok"}`}>{t("prices.built")}</span>
                    <span className="check-title">{catalog.file}</span>
                  </th>
                  {catalog.problem ? (
                    <td colSpan={2} className="check-fix">{t("prices.broken", { problem: catalog.problem })}</td>
                  ) : (
                    <>
                      <td>{catalog.date ?? "?"}</td>
                      <td>{catalog.rows}</td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {status.built.length === 0 && <p className="help">{t("prices.noneBuilt")}</p>}

          <div className="prices-form">
            <div className="field">
              <label htmlFor="prices-region">{t("prices.region")}</label>
              <select id="prices-region" value={region} disabled={running} onChange={(event) => setRegion(event.target.value)}>
                {status.regions.map((r) => (
                  <option key={r.code} value={r.code}>
                    {`${r.code} — ${t.locale === "ja" ? r.name_ja : r.name_en}`}
                  </option>
                ))}
              </select>
            </div>
            <fieldset className="prices-services" disabled={running}>
              <legend className="label">{t("prices.services")}</legend>
              {status.services.map((service) => (
                <label key={service.offer}>
                  <input
                    type="checkbox"
                    checked={services.includes(service.offer)}
                    onChange={(event) => toggle(service.offer, event.target.checked)}
                  />
                  {` ${service.name}`} <span className="muted">({service.offer})</span>
                </label>
              ))}
            </fieldset>
            <div className="actions">
              <button type="button" className="primary" id="prices-update" onClick={() => void update()} disabled={running || services.length === 0 || !region}>
                {running ? t("prices.updating") : t("prices.update")}
              </button>
              {services.length === 0 && <span className="help">{t("prices.noServices")}</span>}
            </div>
          </div>
        </>
      )}
      {Object.keys(steps).length > 0 && (
        <ul className="prices-progress" role="status" aria-live="polite">
          {Object.entries(steps).map(([key, step]) => (
            <li key={key} data-file={key}>
              <progress max={100} value={step.kind === "downloading" && step.total ? (step.done / step.total) * 100 : undefined} />
              <span>{progressText(t, step)}</span>
            </li>
          ))}
        </ul>
      )}
      {error && <div className="banner banner-error" role="alert">{t("prices.error", { message: error })}</div>}
      {outcomes && (
        <>
          <h3 className="prices-subtitle">{t("prices.outcomes")}</h3>
          <ul className="prices-outcomes">
            {outcomes.map((outcome) => (
              <li key={`${outcome.offer} ${outcome.region}`} data-offer={outcome.offer} data-status={outcome.status}>
                <span className={`badge ${OUTCOME_CLASS[outcome.status]}`}>{t(`prices.outcome.${outcome.status}`)}</span>
                <span className="check-summary">{outcomeText(t, outcome)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
