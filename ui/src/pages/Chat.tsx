import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent } from "react";
import type { Backend } from "../backend";
import type { ChatModel } from "../bindings/Api";
import type { ModelProvider } from "../bindings/Settings";
import { ComparisonCard, EstimateCard, compareEstimates, type SaveFile } from "../components/EstimateCard";
import { Markdown } from "../components/Markdown";
import { ToolCard, estimateOf } from "../components/ToolCard";
import { withCode } from "../components/withCode";
import { messageOf } from "../errors";
import { useT, type Translate } from "../i18n";
import { MODEL_FAILURES, chatStoreFor, type Exchange, type Failure } from "../stores/chat";
import type { PageId } from "../pages";
import { ChatConversations } from "./ChatConversations";
import { tracesStoreFor } from "./traces/store";
import { EMPTY_FILTER } from "./traces/types";
import { ChatAgentPicker } from "./ChatAgentPicker";
import "./Chat.css";

export { byService, toCsv, unitUsd } from "../components/EstimateCard";
export { applyEvent } from "../stores/chat";

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

/** Providers by the names people know them by (the same in English and Japanese). */
const PROVIDER_NAMES: Partial<Record<ModelProvider, string>> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  bedrock: "Amazon Bedrock",
  ollama: "Ollama",
  lmstudio: "LM Studio",
};

/** Distance from the end under which the list counts as at its end (and follows new text). */
const END_SLACK_PX = 40;

function atEnd(element: HTMLElement): boolean {
  return element.scrollHeight - element.scrollTop - element.clientHeight < END_SLACK_PX;
}

/**
 * Why the model did not answer, in plain words, what to do about it, and (when a model
 * could not answer at all) the offline estimator instead, for the same message.
 */
function FailureNotice({ failure, model, t, onFallback }: { failure: Failure; model: ChatModel | null; t: Translate; onFallback?: () => void }) {
  const provider = model?.provider ?? "none";
  const params = { provider: PROVIDER_NAMES[provider] ?? t("chat.failure.server"), model: model?.model ?? "" };
  const reason = t.maybe(`chat.failure.${failure.code}`, params);
  const fix = t.maybe(`chat.fix.${failure.code}.${provider}`, params) ?? t.maybe(`chat.fix.${failure.code}`, params);
  const network = ["model_not_running", "model_unreachable", "model_bad_url", "model_bad_key", "model_missing"].includes(failure.code);
  return (
    <div className="banner banner-error chat-failure" role="alert" data-testid="chat-failure" data-code={failure.code}>
      <p className="chat-failure-reason">{reason ?? failure.message}</p>
      {reason !== undefined && !network && <p className="chat-failure-message">{failure.message}</p>}
      {fix !== undefined && <p className="chat-failure-fix" data-testid="chat-failure-fix">{withCode(fix)}</p>}
      {network && (
        <details className="chat-failure-details">
          <summary>{t("chat.failure.details")}</summary>
          <code>{failure.message}</code>
        </details>
      )}
      {onFallback && (
        <div className="actions">
          <button type="button" className="primary" data-testid="chat-fallback" onClick={onFallback}>
            {t("chat.fallback")}
          </button>
        </div>
      )}
    </div>
  );
}

/** The chat: with the configured model (streamed, tools approved here), or offline. */
export function ChatPage({ backend, onOpenPage }: { backend: Backend; onOpenPage: (page: PageId) => void }) {
  const t = useT();
  const store = chatStoreFor(backend);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  // Why an answer's trace could not be opened, by conversation and exchange.
  const [traceNotes, setTraceNotes] = useState<Readonly<Record<string, string>>>({});
  const input = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLOListElement>(null);
  // Whether the exchanges follow new text (the user is at the end, not reading further up).
  const following = useRef(true);

  const sessionId = state.openId;
  const thread = state.threads[sessionId];
  const exchanges = thread?.exchanges ?? [];
  const busy = thread?.busy ?? false;
  const draft = state.drafts[sessionId] ?? "";
  const model = state.model;
  // The remote agent answering this conversation; null for this computer's agent.
  const agent = state.agentOf[sessionId] ?? null;
  const agentNames = Object.keys(state.view?.effective.agents ?? {});
  const offline = agent === null && (model === null || model.provider === "none");
  const sendWith = state.view?.settings.ui.sendWith ?? "enter";
  const chosen = Object.values(state.selected);
  // Looked up at each export, so a backend that changes its saveFile (tests) is followed.
  const save: SaveFile = (name, contents, filter) => backend.saveFile(name, contents, filter);

  // The answer's trace, opened on the Traces page with nothing else narrowing it.
  const openTrace = async (index: number) => {
    const note = (text: string) => setTraceNotes((notes) => ({ ...notes, [`${sessionId}/${index}`]: text }));
    let traceId: string | null;
    try {
      traceId = await store.traceOf(sessionId, index);
    } catch (error) {
      // The conversation could not be read: say why, not that no trace was kept.
      note(messageOf(error));
      return;
    }
    if (traceId === null) {
      note(t("chat.noTrace"));
      return;
    }
    tracesStoreFor(backend).update({ filter: EMPTY_FILTER, selectedSession: "", selectedTrace: traceId, selectedSpan: null, waterfallScroll: 0, openedFromChatAt: Date.now() });
    onOpenPage("traces");
  };

  // Back on the page, or in another conversation: where it was scrolled to, else its end.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const position = store.scrollOf(sessionId);
    following.current = position === undefined || position.atEnd;
    element.scrollTop = following.current ? element.scrollHeight : position?.top ?? 0;
    // Leaving it: where it is now (a scroll event may not have reported the last move yet).
    return () => {
      if (element.isConnected) store.rememberScroll(sessionId, { top: element.scrollTop, atEnd: atEnd(element) });
    };
  }, [store, sessionId]);

  // New text while at the end stays in view.
  useLayoutEffect(() => {
    const element = list.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [exchanges]);

  // Back on the page: the model may have changed meanwhile (an API key stored in Settings).
  useEffect(() => {
    void store.refreshModel();
  }, [store]);

  // Back on the page with a draft: the cursor goes after it, to go on typing.
  useEffect(() => {
    const box = input.current;
    if (box) box.setSelectionRange(box.value.length, box.value.length);
  }, []);

  // Ctrl+N starts a new chat from anywhere on the page.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || event.key.toLowerCase() !== "n") return;
      event.preventDefault();
      store.startNew();
      input.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store]);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const sending = store.send();
    input.current?.focus();
    await sending;
  };

  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== "Enter") return;
    // Enter that confirms a Japanese (IME) conversion is not a send.
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    const withModifier = event.ctrlKey || event.metaKey;
    const sends = sendWith === "ctrl-enter" ? withModifier : !event.shiftKey && !event.altKey;
    if (sends) {
      event.preventDefault();
      void send();
    }
  };

  const configured = state.view?.settings.model;
  const renderExchange = (exchange: Exchange, index: number) => (
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
            onAnswer={(approved) => store.approve(sessionId, step.call.id, approved)}
            selected={estimate !== null && estimate.id in state.selected}
            onSelect={estimate ? (on) => store.toggleSelected(estimate, on) : undefined}
            save={save}
          />
        );
      })}
      {!exchange.done && exchange.steps.length === 0 && <p className="muted">{exchange.offline ? t("chat.estimating") : t("chat.thinking")}</p>}
      {exchange.error !== null && (
        <FailureNotice
          failure={exchange.error}
          model={model}
          t={t}
          onFallback={MODEL_FAILURES.includes(exchange.error.code) && !exchange.offline && !busy ? () => void store.answerOffline(sessionId, index) : undefined}
        />
      )}
      {exchange.stopped && <p className="muted" data-testid="stopped">{t("chat.stopped")}</p>}
      {exchange.estimate !== null && (
        <EstimateCard
          saved={exchange.estimate}
          selected={exchange.estimate.id in state.selected}
          onSelect={(on) => exchange.estimate && store.toggleSelected(exchange.estimate, on)}
          save={save}
        />
      )}
      {exchange.done && !exchange.stopped && exchange.error === null && (
        <p className="muted exchange-footer">
          {exchange.usage !== null && exchange.usage.inputTokens + exchange.usage.outputTokens > 0 && (
            <span className="usage">{t("chat.usage", { input: exchange.usage.inputTokens, output: exchange.usage.outputTokens })}</span>
          )}
          <button type="button" className="link" data-testid="open-trace" title={t("chat.openTrace.title")} onClick={() => void openTrace(index)}>
            {t("chat.openTrace")}
          </button>
          {traceNotes[`${sessionId}/${index}`] !== undefined && <span role="status">{traceNotes[`${sessionId}/${index}`]}</span>}
        </p>
      )}
    </li>
  );

  return (
    <section className="page chat-page" aria-labelledby="page-title">
      <ChatConversations store={store} state={state} onOpened={() => input.current?.focus()} />
      <div className="chat-main" data-session-id={sessionId}>
        <header className="page-header">
          <h1 id="page-title" tabIndex={-1}>{t("nav.chat")}</h1>
          <ChatAgentPicker agents={agentNames} current={agent} disabled={busy} onPick={(picked) => store.pickAgent(picked)} />
          {agent !== null ? null : offline ? (
            <span className="badge badge-muted" data-testid="offline-badge" title={t("chat.offline.help")}>{t("chat.offline")}</span>
          ) : (
            // No badge while no model can answer: the problem says why.
            model?.model && <span className="badge" data-testid="model-badge">{model.model}</span>
          )}
          {configured && agent === null && (
            <div className="model-picker">
              <label htmlFor="chat-provider" className="visually-hidden">{t("chat.provider")}</label>
              <select id="chat-provider" value={configured.provider} disabled={busy} onChange={(event) => void store.pickModel(event.target.value as ModelProvider, "")}>
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
                      if (event.target.value.trim() !== configured.name) void store.pickModel(configured.provider, event.target.value.trim());
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
        {model?.problem && agent === null && <div className="banner banner-warning" role="alert" data-testid="model-problem">{model.problem}</div>}
        <p className="lead">{agent !== null ? t("agents.chat.intro", { agent }) : offline ? t("chat.intro") : t("chat.intro.model")}</p>
        {chosen.length >= 2 && (
          <div className="actions">
            <button type="button" data-testid="compare-selected" onClick={() => store.setComparing(!state.comparing)}>
              {state.comparing ? t("chat.compare.hide") : t("chat.compare.show", { count: chosen.length })}
            </button>
          </div>
        )}
        {state.comparing && chosen.length >= 2 && <ComparisonCard comparison={compareEstimates(chosen)} />}
        {thread?.status === "loading" && <p className="muted" role="status" data-testid="chat-loading">{t("chat.loading")}</p>}
        {thread?.status === "failed" && <div className="banner banner-error" role="alert">{t("chat.loadFailed", { message: thread.loadError ?? "" })}</div>}
        <ol
          className="exchanges"
          ref={list}
          aria-live="polite"
          onScroll={(event) => {
            following.current = atEnd(event.currentTarget);
            store.rememberScroll(sessionId, { top: event.currentTarget.scrollTop, atEnd: following.current });
          }}
        >
          {exchanges.map(renderExchange)}
        </ol>
        <form className="composer" onSubmit={(event) => void send(event)}>
          <label htmlFor="chat-input" className="visually-hidden">{t("chat.inputLabel")}</label>
          <textarea
            id="chat-input"
            ref={input}
            rows={3}
            value={draft}
            // The first thing a person does here is type: the cursor starts in the box.
            autoFocus
            // Coming back to Chat, App puts the cursor here rather than on the heading.
            data-page-focus
            placeholder={t("chat.placeholder")}
            aria-describedby="chat-send-hint"
            data-send-with={sendWith}
            onChange={(event) => store.setDraft(event.target.value)}
            onKeyDown={onKey}
          />
          {busy && !offline ? (
            <button type="button" id="chat-stop" onClick={() => store.stop(sessionId)}>{t("chat.stop")}</button>
          ) : (
            <button type="submit" id="chat-send" className="primary" disabled={busy || draft.trim() === ""}>
              {busy ? t("chat.estimating") : t("chat.send")}
            </button>
          )}
          <p id="chat-send-hint" className="muted chat-send-hint">{t(`chat.hint.${sendWith}`)}</p>
        </form>
      </div>
    </section>
  );
}
