// A saved estimate: its headline (what was and was not priced), a real table with a bar chart
// by service, what was not priced with the alternatives, its assumptions, where each price came
// from and where the arithmetic ran; an estimate that priced nothing shows only the guidance.
// And estimates compared side by side.
import { useState } from "react";
import type { Backend } from "../backend";
import type { Comparison, Estimate, SavedEstimate } from "../bindings/Estimate";
import { useT } from "../i18n";
import "./EstimateCard.css";
import { withCode } from "./withCode";

export function usd(amount: number): string {
  return amount !== 0 && Math.abs(amount) < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

/** A unit price: as many digits as the price has (0.0416, 0.023), at least cents. */
export function unitUsd(amount: number): string {
  const text = String(Number(amount.toPrecision(6)));
  const decimals = text.split(".")[1]?.length ?? 0;
  return `$${decimals < 2 ? amount.toFixed(2) : text}`;
}

/** Monthly cost per service, largest first: what the bar chart draws. */
export function byService(estimate: Estimate): [string, number][] {
  const totals = new Map<string, number>();
  for (const item of estimate.items) totals.set(item.service, (totals.get(item.service) ?? 0) + item.monthly);
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** The estimate's lines as CSV, for a spreadsheet: each line with where its price came from. */
export function toCsv(estimate: Estimate): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = estimate.items.map((item) =>
    [
      item.service,
      item.resource,
      String(item.quantity),
      item.unit,
      String(item.unit_price),
      item.monthly.toFixed(6),
      item.price_source ?? "",
      item.price_date ?? "",
    ].map(quote).join(","),
  );
  return (
    [
      "service,resource,quantity,unit,unit_price_usd,monthly_usd,price_source,price_date",
      ...rows,
      `total,,,,,${estimate.monthly_total.toFixed(2)},,`,
    ].join("\n") + "\n"
  );
}

/** Saves a file through the OS's save dialog: the path written, or null when cancelled. */
export type SaveFile = Backend["saveFile"];

/** Text as base64 of its UTF-8 bytes, as saveFile takes it. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  // In slices: spreading a large array into fromCharCode overflows the call stack.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** Where the last export went, or why it did not. */
type Saved = { kind: "saved"; path: string } | { kind: "failed"; message: string } | null;

/** Each catalog the lines used, with the date of its prices. */
function sourcesText(estimate: Estimate, live: string): string {
  return (estimate.price_sources ?? [])
    .map((source) => `${source.name} (${source.date === "live" ? live : source.date})`)
    .join("; ");
}

/** Where the arithmetic ran, and why when it ran on the host (only what the estimate says). */
function whereCalculated(estimate: Estimate, t: ReturnType<typeof useT>) {
  const note = estimate.calculation_note?.trim();
  if (estimate.calculated_in === "interpreter") return t("chat.calculatedOnInterpreter", { name: note ?? "" });
  if (estimate.calculated_in === "sandbox") return note ? t("chat.calculatedInSandboxBecause", { note }) : t("chat.calculatedInSandbox");
  if (!note) return t("chat.calculatedOnHost");
  const [before, after] = t("chat.calculatedOnHostBecause").split("{note}");
  return (
    <>
      {before}
      {withCode(note)}
      {after}
    </>
  );
}

/** One estimate; `selected`/`onSelect` add the "compare" check box. */
export function EstimateCard({
  saved,
  selected,
  onSelect,
  save,
}: {
  saved: SavedEstimate;
  selected?: boolean;
  onSelect?: (selected: boolean) => void;
  /** Exports go through the OS's save dialog; without it there is no Export. */
  save?: SaveFile;
}) {
  const t = useT();
  const estimate = saved.estimate;
  const [copied, setCopied] = useState(false);
  const [exported, setExported] = useState<Saved>(null);
  const services = byService(estimate);
  const largest = services[0]?.[1] ?? 0;
  const priced = estimate.items.length > 0;
  const notPriced = estimate.not_priced ?? [];
  const sources = sourcesText(estimate, t("chat.prices.live"));
  const title = t("chat.estimate.title", { region: estimate.region, total: usd(estimate.monthly_total) });

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(estimate.report_markdown);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const exportAs = async (kind: "csv" | "md") => {
    if (!save) return;
    const [contents, filter] =
      kind === "csv"
        ? [toCsv(estimate), { name: "CSV", extensions: ["csv"] }]
        : [estimate.report_markdown, { name: "Markdown", extensions: ["md"] }];
    setExported(null);
    try {
      const path = await save(`${saved.id}.${kind}`, base64Utf8(contents), filter);
      // Cancelled in the dialog: nothing happened, so nothing is said.
      setExported(path === null ? null : { kind: "saved", path });
    } catch (error) {
      const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
      setExported({ kind: "failed", message });
    }
  };

  return (
    <article className="estimate" data-estimate-id={saved.id} data-priced={priced}>
      {/* The headline says what was and was not priced; estimates saved before it existed have none. */}
      <h2 className="estimate-headline" data-testid="estimate-headline">{estimate.headline || (priced ? title : `${estimate.region}: ${t("chat.notPriced")}`)}</h2>
      {estimate.region_note && (
        <p className="estimate-warning" role="note" data-testid="region-note">
          <span aria-hidden="true">⚠ </span>
          <strong>{t("chat.regionNote")}</strong> {estimate.region_note}
        </p>
      )}
      {priced && (
        <>
          <div className="estimate-table-scroll">
            <table className="estimate-table" data-testid="estimate-table">
              <thead>
                <tr>
                  <th scope="col">{t("chat.col.service")}</th>
                  <th scope="col">{t("chat.col.resource")}</th>
                  <th scope="col" className="number">{t("chat.col.quantity")}</th>
                  <th scope="col">{t("chat.col.unit")}</th>
                  <th scope="col" className="number">{t("chat.col.unitPrice")}</th>
                  <th scope="col" className="number">{t("chat.col.monthly")}</th>
                </tr>
              </thead>
              <tbody>
                {estimate.items.map((item, index) => (
                  <tr key={index} title={item.price_source ? `${item.price_source} (${item.price_date})${item.sku ? ` SKU ${item.sku}` : ""}` : undefined}>
                    <td>{item.service}</td>
                    <td>{item.resource}</td>
                    <td className="number">{Number(item.quantity.toFixed(2))}</td>
                    <td>{item.unit}</td>
                    <td className="number">{unitUsd(item.unit_price)}</td>
                    <td className="number">{usd(item.monthly)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={5}>{t("chat.total")}</th>
                  <td className="number total">{usd(estimate.monthly_total)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
          <svg className="estimate-chart" data-testid="estimate-chart" role="img" aria-label={t("chat.chart")} viewBox={`0 0 400 ${services.length * 24}`} width="100%">
            {services.map(([service, amount], index) => (
              <g key={service} transform={`translate(0 ${index * 24})`}>
                <text x="0" y="15" className="chart-label">{service}</text>
                <rect x="90" y="4" height="14" width={largest > 0 ? Math.max(1, (amount / largest) * 230) : 1} className="chart-bar" />
                <text x={96 + (largest > 0 ? (amount / largest) * 230 : 0)} y="15" className="chart-value">{usd(amount)}</text>
              </g>
            ))}
          </svg>
        </>
      )}
      {notPriced.length > 0 && (
        <section aria-label={t("chat.notPriced")}>
          <h3>{t("chat.notPriced")}</h3>
          <ul className="not-priced" data-testid="not-priced">
            {notPriced.map((entry, index) => (
              <li key={index} data-testid="not-priced-entry">
                <strong className="asked">{entry.asked}</strong>
                {entry.reason && <>: {withCode(entry.reason)}</>}
                {entry.alternatives.length > 0 && (
                  <>
                    <div className="muted">{t("chat.notPriced.alternatives")}</div>
                    <ul className="alternatives" data-testid="alternatives">
                      {entry.alternatives.map((alternative, at) => <li key={at}>{alternative}</li>)}
                    </ul>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {!priced && (
        <div className="nothing-priced" data-testid="nothing-priced">
          <p>{t("chat.nothingPriced.help")}</p>
          <ul className="examples">
            {t("chat.nothingPriced.examples").split("|").map((example) => <li key={example}><q>{example}</q></li>)}
          </ul>
        </div>
      )}
      {priced && estimate.assumptions.length > 0 && (
        <>
          <h3>{t("chat.assumptions")}</h3>
          <ul>{estimate.assumptions.map((text, index) => <li key={index}>{text}</li>)}</ul>
        </>
      )}
      {priced && (
        <p className="muted price-source">
          <span data-testid="price-sources">{sources ? t("chat.prices", { sources }) : t("chat.pricesUnknown", { source: `${estimate.price_source} (${estimate.price_date})` })}</span>{" "}
          <span data-testid="calculated-in" data-where={estimate.calculated_in}>{whereCalculated(estimate, t)}</span>
        </p>
      )}
      {estimate.price_note && <p className="muted price-note" data-testid="price-note">{estimate.price_note}</p>}
      {priced && estimate.calculation_script !== "" && (
        <details className="calculation">
          <summary>{t("chat.script")}</summary>
          <pre className="code-block" data-testid="calculation-script">{estimate.calculation_script}</pre>
        </details>
      )}
      <div className="actions">
        <button type="button" onClick={() => void copy()}>{copied ? t("chat.copied") : t("chat.copyMarkdown")}</button>
        {priced && save && <button type="button" data-testid="export-csv" onClick={() => void exportAs("csv")}>{t("chat.exportCsv")}</button>}
        {priced && save && <button type="button" data-testid="export-markdown" onClick={() => void exportAs("md")}>{t("chat.exportMarkdown")}</button>}
        {priced && onSelect && (
          <label className="compare-toggle">
            <input type="checkbox" data-testid="compare-toggle" checked={selected ?? false} onChange={(event) => onSelect(event.target.checked)} />
            {t("chat.compare.select")}
          </label>
        )}
      </div>
      {exported?.kind === "saved" && (
        <p className="muted export-result" role="status" data-testid="export-result">{t("chat.exported", { path: exported.path })}</p>
      )}
      {exported?.kind === "failed" && (
        <p className="banner banner-error export-result" role="alert" data-testid="export-result">{t("chat.exportFailed", { message: exported.message })}</p>
      )}
    </article>
  );
}

/** Estimates side by side: a monthly cost per service in each, computed from the estimates. */
export function compareEstimates(estimates: SavedEstimate[]): Comparison {
  const byServiceTotals: Record<string, number[]> = {};
  estimates.forEach((saved, column) => {
    for (const [service, amount] of byService(saved.estimate)) {
      byServiceTotals[service] ??= estimates.map(() => 0);
      byServiceTotals[service][column] = amount;
    }
  });
  return {
    estimates: estimates.map((saved) => ({
      id: saved.id,
      description: saved.description,
      region: saved.estimate.region,
      monthly_total: saved.estimate.monthly_total,
    })),
    by_service: byServiceTotals,
    report_markdown: "",
  };
}

const SERIES = ["chart-bar", "chart-bar-2", "chart-bar-3", "chart-bar-4"];

/** A comparison as a table (services by estimates) and a grouped bar chart. */
export function ComparisonCard({ comparison }: { comparison: Comparison }) {
  const t = useT();
  const services = Object.entries(comparison.by_service).sort(
    (a, b) => Math.max(...b[1]) - Math.max(...a[1]),
  );
  const largest = Math.max(0, ...services.flatMap(([, amounts]) => amounts));
  const columns = comparison.estimates;
  const rowHeight = 10 * columns.length + 10;
  return (
    <article className="estimate comparison" data-testid="comparison">
      <h2>{t("chat.compare.title", { count: columns.length })}</h2>
      <div className="estimate-table-scroll">
        <table className="estimate-table" data-testid="comparison-table">
          <thead>
            <tr>
              <th scope="col">{t("chat.col.service")}</th>
              {columns.map((column, index) => (
                <th key={column.id} scope="col" className="number" title={column.description}>
                  {`${index + 1}. ${column.description.length > 24 ? `${column.description.slice(0, 24)}…` : column.description}`}
                  <div className="muted">{column.region}</div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {services.map(([service, amounts]) => (
              <tr key={service}>
                <td>{service}</td>
                {amounts.map((amount, index) => <td key={index} className="number">{amount === 0 ? "—" : usd(amount)}</td>)}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t("chat.total")}</th>
              {columns.map((column) => <td key={column.id} className="number total">{usd(column.monthly_total)}</td>)}
            </tr>
          </tfoot>
        </table>
      </div>
      <svg className="estimate-chart" role="img" aria-label={t("chat.compare.chart")} viewBox={`0 0 400 ${services.length * rowHeight}`} width="100%">
        {services.map(([service, amounts], row) => (
          <g key={service} transform={`translate(0 ${row * rowHeight})`}>
            <text x="0" y="12" className="chart-label">{service}</text>
            {amounts.map((amount, index) => (
              <g key={index}>
                <rect x="90" y={4 + index * 10} height="8" width={largest > 0 ? Math.max(1, (amount / largest) * 230) : 1} className={SERIES[index % SERIES.length]} />
                <text x={96 + (largest > 0 ? (amount / largest) * 230 : 0)} y={11 + index * 10} className="chart-value">{`${index + 1}: ${usd(amount)}`}</text>
              </g>
            ))}
          </g>
        ))}
      </svg>
    </article>
  );
}
