import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { ApiError, Backend } from "../backend";
import type { ChatModel, SettingsView } from "../bindings/Api";
import type { AgentEvent, Usage } from "../bindings/Agent";
import type { SavedEstimate } from "../bindings/Estimate";
import type { Session } from "../bindings/Memory";
import type { ModelProvider } from "../bindings/Settings";
import { ComparisonCard, EstimateCard, compareEstimates } from "../components/EstimateCard";
import { Markdown } from "../components/Markdown";
import { ToolCard, estimateOf, type ToolStep } from "../components/ToolCard";
import { useT } from "../i18n";

export { byService, toCsv, unitUsd } from "../components/EstimateCard";

/** Whose conversations the app keeps (the memory crate's LOCAL_ACTOR). */
const LOCAL_ACTOR = "local-user";

const PROVIDERS: ModelProvider[] = ["none", "openai", "anthropic", "bedrock", "ollama", "lmstudio", "openai-compatible"];

/** Model ids offered in the picker per provider; any other id can be typed. */
const SUGGESTED_MODELS: Partial<Record<ModelProvider, string[]>> = {
  openai: ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini"],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"],
  bedrock: [
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  ],
  ollama: ["qwen2.5:7b", "llama3.2", "gpt-oss:20b"],
};

type Step =
  | { kind: "text"; text: string }
  | ToolStep
  | { kind: "notice"; message: string; code: string };

interface Exchange {
  question: string;
  /** The model's steps, in order (text, tools, notices). */
  steps: Step[];
  /** The offline estimator's answer. */
  estimate: SavedEstimate | null;
  error: string | null;
  done: boolean;
  stopped: boolean;
  usage: Usage | null;
}

function messageOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) return String((error as ApiError).message);
  return String(error);
}

/** Folds one streamed event into the exchange's steps. */
export function applyEvent(steps: Step[], event: AgentEvent): Step[] {
  switch (event.kind) {
    case "text": {
      const last = steps[steps.length - 1];
      if (last?.kind === "text") return [...steps.slice(0, -1), { kind: "text", text: last.text + event.text }];
      return [...steps, { kind: "text", text: event.text }];
    }
    case "toolRequested":
      return [
        ...steps,
        {
          kind: "tool",
          call: event.call,
          approval: event.approval,
          state: event.approval === "ask" ? "asking" : "running",
          output: null,
          elapsedMs: null,
          reason: null,
        },
      ];
    case "toolFinished":
      return steps.map((step) =>
        step.kind === "tool" && step.call.id === event.callId
          ? { ...step, state: event.output.isError ? "failed" : "done", output: event.output, elapsedMs: event.elapsedMs }
          : step,
      );
    case "toolRefused":
      return steps.map((step) =>
        step.kind === "tool" && step.call.id === event.callId ? { ...step, state: "refused", reason: event.reason } : step,
      );
    case "notice":
      return [...steps, { kind: "notice", message: event.message, code: event.code }];
  }
}

function newSessionId(): string {
  return `desktop-${Date.now()}`;
}

/** The chat: with the configured model (streamed, tools approved here), or offline. */
export function ChatPage({ backend }: { backend: Backend }) {
  const t = useT();
  const [session, setSession] = useState(newSessionId);
  const [draft, setDraft] = useState("");
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [busy, setBusy] = useState(false);
  const [model, setModel] = useState<ChatModel | null>(null);
  const [view, setView] = useState<SettingsView | null>(null);
  const [conversations, setConversations] = useState<Session[]>([]);
  const [selected, setSelected] = useState<Record<string, SavedEstimate>>({});
  const [comparing, setComparing] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

  const refreshModel = useCallback(async () => {
    try {
      setModel(await backend.chatModel());
    } catch (error) {
      setModel({ provider: "none", model: "", problem: messageOf(error), keySource: null });
    }
  }, [backend]);
  const refreshConversations = useCallback(async () => {
    try {
      setConversations(await backend.memorySessions());
    } catch {
      setConversations([]);
    }
  }, [backend]);

  useEffect(() => {
    void refreshModel();
    void refreshConversations();
    void backend.loadSettings().then(setView, () => setView(null));
    let stop: (() => void) | undefined;
    void backend
      .onSettingsChanged((next) => {
        setView(next);
        void refreshModel();
      })
      .then((unlisten) => {
        stop = unlisten;
      });
    return () => stop?.();
  }, [backend, refreshModel, refreshConversations]);

  const offline = model === null || model.provider === "none";

  const update = (index: number, change: (exchange: Exchange) => Exchange) =>
    setExchanges((current) => current.map((exchange, at) => (at === index ? change(exchange) : exchange)));

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const question = draft.trim();
    if (question === "" || busy) return;
    setBusy(true);
    setDraft("");
    const index = exchanges.length;
    setExchanges((current) => [...current, { question, steps: [], estimate: null, error: null, done: false, stopped: false, usage: null }]);
    try {
      if (offline) {
        const estimate = await backend.chatOffline(session, question);
        update(index, (exchange) => ({ ...exchange, estimate, done: true }));
      } else {
        const turn = await backend.chatSend(session, question, (streamed) =>
          update(index, (exchange) => ({ ...exchange, steps: applyEvent(exchange.steps, streamed) })),
        );
        update(index, (exchange) => ({ ...exchange, done: true, stopped: turn.stopped, usage: turn.usage }));
      }
    } catch (error) {
      update(index, (exchange) => ({ ...exchange, error: messageOf(error), done: true }));
    }
    setBusy(false);
    void refreshConversations();
    input.current?.focus();
  };

  const answer = (callId: string, approved: boolean) => {
    setExchanges((current) =>
      current.map((exchange) => ({
        ...exchange,
        steps: exchange.steps.map((step) =>
          step.kind === "tool" && step.call.id === callId && step.state === "asking" ? { ...step, state: approved ? "running" : "refused" } : step,
        ),
      })),
    );
    void backend.chatApprove(session, callId, approved).catch(() => undefined);
  };

  const open = async (sessionId: string) => {
    if (busy) return;
    setSession(sessionId);
    setComparing(false);
    try {
      const events = await backend.memoryEvents(LOCAL_ACTOR, sessionId);
      const restored: Exchange[] = [];
      for (const event of events) {
        const said = event.payload.find((item) => "conversational" in item);
        if (!said || !("conversational" in said)) continue;
        const { role, content } = said.conversational;
        if (role === "USER") {
          restored.push({ question: content.text, steps: [], estimate: null, error: null, done: true, stopped: false, usage: null });
        } else if (role === "ASSISTANT" && content.text !== "") {
          restored[restored.length - 1]?.steps.push({ kind: "text", text: content.text });
        }
      }
      setExchanges(restored);
    } catch (error) {
      setExchanges([{ question: "", steps: [], estimate: null, error: messageOf(error), done: true, stopped: false, usage: null }]);
    }
  };

  const startNew = () => {
    if (busy) return;
    setSession(newSessionId());
    setExchanges([]);
    setComparing(false);
  };

  const pick = async (provider: ModelProvider, name: string) => {
    if (view === null) return;
    const settings = { ...view.settings, model: { ...view.settings.model, provider, name } };
    try {
      setView(await backend.saveSettings(settings));
      await refreshModel();
    } catch (error) {
      setModel((current) => (current ? { ...current, problem: messageOf(error) } : current));
    }
  };

  const toggle = (saved: SavedEstimate, on: boolean) =>
    setSelected((current) => {
      const next = { ...current };
      if (on) next[saved.id] = saved;
      else delete next[saved.id];
      return next;
    });
  const chosen = Object.values(selected);

  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void send();
  };

  const configured = view?.settings.model;
  return (
    <section className="page chat-page" aria-labelledby="page-title">
      <aside className="conversations" aria-label={t("chat.conversations")}>
        <button type="button" id="chat-new" onClick={startNew} disabled={busy}>{t("chat.new")}</button>
        <ul>
          {conversations.map((conversation) => (
            <li key={`${conversation.actorId}/${conversation.sessionId}`}>
              <button
                type="button"
                className={conversation.sessionId === session ? "conversation current" : "conversation"}
                aria-current={conversation.sessionId === session ? "true" : undefined}
                onClick={() => void open(conversation.sessionId)}
                title={conversation.lastActiveAt}
              >
                {conversation.title || conversation.sessionId}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div className="chat-main">
        <header className="page-header">
          <h1 id="page-title" tabIndex={-1}>{t("nav.chat")}</h1>
          {offline ? (
            <span className="badge badge-muted" data-testid="offline-badge" title={t("chat.offline.help")}>{t("chat.offline")}</span>
          ) : (
            <span className="badge" data-testid="model-badge">{model?.model}</span>
          )}
          {configured && (
            <div className="model-picker">
              <label htmlFor="chat-provider" className="visually-hidden">{t("chat.provider")}</label>
              <select id="chat-provider" value={configured.provider} disabled={busy} onChange={(event) => void pick(event.target.value as ModelProvider, "")}>
                {PROVIDERS.map((provider) => <option key={provider} value={provider}>{t(`settings.modelProvider.${provider}`)}</option>)}
              </select>
              {configured.provider !== "none" && (
                <>
                  <label htmlFor="chat-model-name" className="visually-hidden">{t("chat.model")}</label>
                  <input
                    id="chat-model-name"
                    list="chat-model-options"
                    spellCheck={false}
                    disabled={busy}
                    defaultValue={configured.name}
                    key={`${configured.provider}/${configured.name}`}
                    placeholder={model?.model || t("settings.default")}
                    onBlur={(event) => {
                      if (event.target.value.trim() !== configured.name) void pick(configured.provider, event.target.value.trim());
                    }}
                  />
                  <datalist id="chat-model-options">
                    {(SUGGESTED_MODELS[configured.provider] ?? []).map((name) => <option key={name} value={name} />)}
                  </datalist>
                </>
              )}
            </div>
          )}
        </header>
        {model?.problem && <div className="banner banner-warning" role="alert" data-testid="model-problem">{model.problem}</div>}
        <p className="lead">{offline ? t("chat.intro") : t("chat.intro.model")}</p>
        {chosen.length >= 2 && (
          <div className="actions">
            <button type="button" data-testid="compare-selected" onClick={() => setComparing((on) => !on)}>
              {comparing ? t("chat.compare.hide") : t("chat.compare.show", { count: chosen.length })}
            </button>
          </div>
        )}
        {comparing && chosen.length >= 2 && <ComparisonCard comparison={compareEstimates(chosen)} />}
        <ol className="exchanges" aria-live="polite">
          {exchanges.map((exchange, index) => (
            <li key={index} className="exchange">
              {exchange.question !== "" && <p className="question">{exchange.question}</p>}
              {exchange.steps.map((step, stepIndex) => {
                if (step.kind === "text") return <Markdown key={stepIndex} text={step.text} />;
                if (step.kind === "notice") return <p key={stepIndex} className="banner banner-info" role="status">{t.maybe(`chat.notice.${step.code}`) ?? step.message}</p>;
                const estimate = estimateOf(step.output);
                return (
                  <ToolCard
                    key={stepIndex}
                    step={step}
                    onAnswer={(approved) => answer(step.call.id, approved)}
                    selected={estimate !== null && estimate.id in selected}
                    onSelect={estimate ? (on) => toggle(estimate, on) : undefined}
                  />
                );
              })}
              {!exchange.done && exchange.steps.length === 0 && <p className="muted">{offline ? t("chat.estimating") : t("chat.thinking")}</p>}
              {exchange.error !== null && <div className="banner banner-error" role="alert">{exchange.error}</div>}
              {exchange.stopped && <p className="muted" data-testid="stopped">{t("chat.stopped")}</p>}
              {exchange.estimate !== null && (
                <EstimateCard saved={exchange.estimate} selected={exchange.estimate.id in selected} onSelect={(on) => exchange.estimate && toggle(exchange.estimate, on)} />
              )}
              {exchange.usage !== null && exchange.usage.inputTokens + exchange.usage.outputTokens > 0 && (
                <p className="muted usage">{t("chat.usage", { input: exchange.usage.inputTokens, output: exchange.usage.outputTokens })}</p>
              )}
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
          {busy && !offline ? (
            <button type="button" id="chat-stop" onClick={() => void backend.chatStop(session)}>{t("chat.stop")}</button>
          ) : (
            <button type="submit" id="chat-send" className="primary" disabled={busy || draft.trim() === ""}>
              {busy ? t("chat.estimating") : t("chat.send")}
            </button>
          )}
        </form>
      </div>
    </section>
  );
}
