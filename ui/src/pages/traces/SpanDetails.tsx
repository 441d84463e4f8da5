import { useState } from "react";
import { useT } from "../../i18n";
import { formatCost, formatMs } from "./format";
import type { SpanView } from "./types";

const INPUT_MESSAGES = "gen_ai.input.messages";
const OUTPUT_MESSAGES = "gen_ai.output.messages";
/** Every attribute that exists only when content capture is on (CONTRACTS.md, Observability). */
const CONTENT_ATTRIBUTES = [INPUT_MESSAGES, OUTPUT_MESSAGES, "gen_ai.system_instructions", "gen_ai.tool.definitions", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result"];

interface ChatPart {
  type?: string;
  content?: unknown;
  name?: string;
  arguments?: unknown;
  response?: unknown;
}
interface ChatMessage {
  role?: string;
  parts?: ChatPart[];
}

/** The captured messages of a span (a JSON string or an array), or null when none or unreadable. */
export function capturedMessages(value: unknown): ChatMessage[] | null {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return Array.isArray(parsed) ? (parsed as ChatMessage[]) : null;
}

function partText(part: ChatPart): string {
  if (typeof part.content === "string") return part.content;
  if (part.type === "tool_call") return `${part.name ?? ""}(${JSON.stringify(part.arguments ?? {})})`;
  if (part.response !== undefined) return typeof part.response === "string" ? part.response : JSON.stringify(part.response);
  return JSON.stringify(part);
}

function Messages({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="trace-chat">
      {messages.map((message, i) => (
        <li key={i} className={`trace-msg trace-msg-${message.role ?? "other"}`}>
          <span className="trace-msg-role">{message.role ?? "?"}</span>
          <div className="trace-msg-text">{(message.parts ?? []).map(partText).join("\n")}</div>
        </li>
      ))}
    </ol>
  );
}

function cell(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A selected span: timing, tokens, cost, status, attributes (table and JSON), events, messages. */
export function SpanDetails({ span, traceStartNs, costNote }: { span: SpanView; traceStartNs: number; costNote: string | null }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const json = JSON.stringify(span.attributes, null, 2);
  const input = capturedMessages(span.attributes[INPUT_MESSAGES]);
  const output = capturedMessages(span.attributes[OUTPUT_MESSAGES]);
  // Only GenAI spans (agent, model, tool) would carry content, so only they get the notice.
  const isGenAi = typeof span.attributes["gen_ai.operation.name"] === "string";
  const captured = CONTENT_ATTRIBUTES.some((key) => key in span.attributes);
  const entries = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));

  const copy = () => {
    void navigator.clipboard?.writeText(json).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <section className="span-details" aria-label={t("traces.spanDetails")} data-testid="span-details">
      <h2 className={span.status === "error" ? "span-error-title" : undefined}>{span.name}</h2>
      <dl className="span-facts">
        <dt>{t("traces.start")}</dt>
        <dd>+{formatMs(span.startNs - traceStartNs)}</dd>
        <dt>{t("traces.duration")}</dt>
        <dd>{formatMs(span.endNs - span.startNs)}</dd>
        <dt>{t("traces.status")}</dt>
        <dd>
          <span className={`badge ${span.status === "error" ? "badge-error" : span.status === "ok" ? "badge-ok" : "badge-muted"}`}>{t(`traces.status.${span.status as "ok" | "error" | "unset"}`)}</span>
          {span.statusMessage ? <span className="span-status-message"> {span.statusMessage}</span> : null}
        </dd>
        {span.inputTokens !== null || span.outputTokens !== null ? (
          <>
            <dt>{t("traces.tokens")}</dt>
            <dd>{t("traces.tokensInOut", { input: span.inputTokens ?? 0, output: span.outputTokens ?? 0 })}</dd>
            <dt>{t("traces.cost")}</dt>
            <dd title={span.costUsd === null ? (costNote ?? t("traces.noPrice")) : undefined}>
              {formatCost(span.costUsd)}
              {span.costUsd === null ? <span className="muted"> ({costNote ?? t("traces.noPrice")})</span> : null}
            </dd>
          </>
        ) : null}
        <dt>{t("traces.spanId")}</dt>
        <dd className="mono">{span.spanId}</dd>
      </dl>

      {span.events.length > 0 ? (
        <>
          <h3>{t("traces.events")}</h3>
          <ul className="span-events">
            {span.events.map((event, i) => (
              <li key={i} className={event.name === "exception" ? "span-exception" : undefined}>
                <strong>{event.name}</strong> <span className="muted">+{formatMs(event.timeNs - traceStartNs)}</span>
                {Object.keys(event.attributes).length > 0 ? <pre>{JSON.stringify(event.attributes, null, 2)}</pre> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {input || output ? (
        <>
          <h3>{t("traces.messages")}</h3>
          {input ? <Messages messages={input} /> : null}
          {output ? <Messages messages={output} /> : null}
        </>
      ) : isGenAi && !captured ? (
        <p className="muted" data-testid="capture-off">{t("traces.captureOff")}</p>
      ) : null}

      <h3>{t("traces.attributes")}</h3>
      <table className="span-attributes">
        <thead>
          <tr>
            <th scope="col">{t("traces.key")}</th>
            <th scope="col">{t("traces.value")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row" className="mono">{key}</th>
              <td className="mono">{cell(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="span-json-head">
        <h3>{t("traces.json")}</h3>
        <button type="button" onClick={copy}>{copied ? t("traces.copied") : t("traces.copy")}</button>
      </div>
      <pre className="span-json">{json}</pre>
    </section>
  );
}
