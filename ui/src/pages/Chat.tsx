import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { ApiError, Backend } from "../backend";
import type { Estimate, SavedEstimate } from "../bindings/Estimate";
import { useT } from "../i18n";

type Exchange = { question: string; answer: SavedEstimate | null; error: string | null };

function messageOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) return String((error as ApiError).message);
  return String(error);
}

function usd(amount: number): string {
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

/** The estimate's lines as CSV, for a spreadsheet. */
export function toCsv(estimate: Estimate): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = estimate.items.map((item) =>
    [item.service, item.resource, String(item.quantity), item.unit, String(item.unit_price), item.monthly.toFixed(6)].map(quote).join(","),
  );
  return ["service,resource,quantity,unit,unit_price_usd,monthly_usd", ...rows, `total,,,,,${estimate.monthly_total.toFixed(2)}`].join("\n") + "\n";
}

/** The chat. Without a model, the offline estimator answers each message with an estimate. */
export function ChatPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [session] = useState(() => `desktop-${Date.now()}`);
  const [draft, setDraft] = useState("");
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const question = draft.trim();
    if (question === "" || busy) return;
    setBusy(true);
    setDraft("");
    setExchanges((current) => [...current, { question, answer: null, error: null }]);
    let result: Exchange;
    try {
      result = { question, answer: await backend.chatOffline(session, question), error: null };
    } catch (error) {
      result = { question, answer: null, error: messageOf(error) };
    }
    setExchanges((current) => [...current.slice(0, -1), result]);
    setBusy(false);
    input.current?.focus();
  };

  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void send();
  };

  return (
    <section className="page chat-page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>{t("nav.chat")}</h1>
        <span className="badge badge-muted" data-testid="offline-badge" title={t("chat.offline.help")}>{t("chat.offline")}</span>
      </header>
      <p className="lead">{t("chat.intro")}</p>
      <ol className="exchanges" aria-live="polite">
        {exchanges.map((exchange, index) => (
          <li key={index} className="exchange">
            <p className="question">{exchange.question}</p>
            {exchange.answer === null && exchange.error === null && <p className="muted">{t("chat.estimating")}</p>}
            {exchange.error !== null && <div className="banner banner-error" role="alert">{exchange.error}</div>}
            {exchange.answer !== null && <EstimateCard saved={exchange.answer} />}
          </li>
        ))}
      </ol>
      <form className="composer" onSubmit={(event) => void send(event)}>
        <label htmlFor="chat-input" className="visually-hidden">{t("chat.inputLabel")}</label>
        <textarea
          id="chat-input"
          ref={input}
          rows={3}
          value={draft}
          placeholder={t("chat.placeholder")}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKey}
        />
        <button type="submit" id="chat-send" className="primary" disabled={busy || draft.trim() === ""}>
          {busy ? t("chat.estimating") : t("chat.send")}
        </button>
      </form>
    </section>
  );
}

function EstimateCard({ saved }: { saved: SavedEstimate }) {
  const t = useT();
  const estimate = saved.estimate;
  const [copied, setCopied] = useState(false);
  const services = byService(estimate);
  const largest = services[0]?.[1] ?? 0;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(estimate.report_markdown);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const exportCsv = () => {
    const url = URL.createObjectURL(new Blob([toCsv(estimate)], { type: "text/csv" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${saved.id}.csv`;
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <article className="estimate" data-estimate-id={saved.id}>
      <h2>{t("chat.estimate.title", { region: estimate.region, total: usd(estimate.monthly_total) })}</h2>
      {estimate.items.length > 0 && (
        <>
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
                <tr key={index}>
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
      {estimate.assumptions.length > 0 && (
        <>
          <h3>{t("chat.assumptions")}</h3>
          <ul>{estimate.assumptions.map((text, index) => <li key={index}>{text}</li>)}</ul>
        </>
      )}
      {estimate.unrecognized.length > 0 && (
        <>
          <h3>{t("chat.unrecognized")}</h3>
          <ul>{estimate.unrecognized.map((text, index) => <li key={index}>{text}</li>)}</ul>
        </>
      )}
      <p className="muted price-source">
        {t("chat.source", { date: estimate.price_date })} {estimate.calculated_in === "sandbox" ? t("chat.calculatedInSandbox") : t("chat.calculatedOnHost")}
      </p>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>{copied ? t("chat.copied") : t("chat.copyMarkdown")}</button>
        <button type="button" onClick={exportCsv}>{t("chat.exportCsv")}</button>
      </div>
    </article>
  );
}
