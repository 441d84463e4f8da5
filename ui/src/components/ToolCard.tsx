// One tool call in a conversation: what the model asked for (the code, or the arguments),
// whether it waits for the user's approval, and what came back and how long it took.
import type { Approval, ToolCall, ToolOutput } from "../bindings/Agent";
import type { Comparison, SavedEstimate } from "../bindings/Estimate";
import { useT } from "../i18n";
import { ComparisonCard, EstimateCard, type SaveFile } from "./EstimateCard";

/** Live states, and "stopped" for a call a reopened conversation shows unfinished. */
export type ToolState = "asking" | "running" | "done" | "failed" | "refused" | "stopped";

export interface ToolStep {
  kind: "tool";
  call: ToolCall;
  approval: Approval;
  state: ToolState;
  output: ToolOutput | null;
  elapsedMs: number | null;
  reason: string | null;
}

/** The data a tool returned for the screen, when it is a saved estimate. */
export function estimateOf(output: ToolOutput | null): SavedEstimate | null {
  const data = output?.structuredContent as Partial<SavedEstimate> | undefined;
  return data && typeof data === "object" && data.estimate && Array.isArray(data.estimate.items) ? (data as SavedEstimate) : null;
}

function comparisonOf(output: ToolOutput | null): Comparison | null {
  const data = output?.structuredContent as Partial<Comparison> | undefined;
  return data && typeof data === "object" && data.by_service && Array.isArray(data.estimates) ? (data as Comparison) : null;
}

function argumentsText(call: ToolCall): string {
  const code = (call.arguments as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : JSON.stringify(call.arguments, null, 2);
}

export function ToolCard({
  step,
  onAnswer,
  selected,
  onSelect,
  save,
}: {
  step: ToolStep;
  onAnswer: (approved: boolean) => void;
  selected?: boolean;
  onSelect?: (selected: boolean) => void;
  /** Saves an estimate's export through the OS's save dialog. */
  save?: SaveFile;
}) {
  const t = useT();
  const estimate = step.state === "done" ? estimateOf(step.output) : null;
  const comparison = step.state === "done" ? comparisonOf(step.output) : null;
  return (
    <article className="tool-card" data-tool={step.call.name} data-state={step.state} aria-label={t("chat.tool.label", { name: step.call.name })}>
      <header>
        <code className="tool-name">{step.call.name}</code>
        <span className={`badge tool-state-${step.state}`}>{t(`chat.tool.${step.state}`)}</span>
        {step.elapsedMs !== null && <span className="muted">{t("chat.tool.took", { ms: step.elapsedMs })}</span>}
      </header>
      <pre className="code-block tool-arguments">{argumentsText(step.call)}</pre>
      {step.state === "asking" && (
        <div className="actions" role="group" aria-label={t("chat.tool.ask", { name: step.call.name })}>
          <span>{t("chat.tool.ask", { name: step.call.name })}</span>
          <button type="button" className="primary" data-testid="tool-approve" onClick={() => onAnswer(true)}>{t("chat.tool.approve")}</button>
          <button type="button" data-testid="tool-deny" onClick={() => onAnswer(false)}>{t("chat.tool.deny")}</button>
        </div>
      )}
      {step.reason !== null && <p className="muted">{step.reason}</p>}
      {step.output !== null && estimate === null && comparison === null && (
        <details open={step.output.isError || step.output.content.length < 400}>
          <summary>{t("chat.tool.result")}</summary>
          <pre className={`code-block tool-output${step.output.isError ? " error" : ""}`} data-testid="tool-output">{step.output.content}</pre>
        </details>
      )}
      {estimate !== null && <EstimateCard saved={estimate} selected={selected} onSelect={onSelect} save={save} />}
      {comparison !== null && <ComparisonCard comparison={comparison} />}
    </article>
  );
}
