// The Chat page's list of conversations: New chat, a search over titles and messages, and
// per conversation Rename (inline: Enter saves, Escape cancels) and Delete (after a
// confirmation that says what stays).
import { useRef, useState, type KeyboardEvent } from "react";
import type { Session } from "../bindings/Memory";
import { useT } from "../i18n";
import type { ChatState, ChatStore } from "../stores/chat";

function PencilIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M11.5 2.5l2 2-8 8H3.5v-2z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
    </svg>
  );
}

function TrashIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
    </svg>
  );
}

export function ChatConversations({ store, state, onOpened }: { store: ChatStore; state: ChatState; onOpened: () => void }) {
  const t = useT();
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  // Escape cancels; the blur that follows must not save.
  const cancelled = useRef(false);
  const list = state.found ?? state.conversations;
  const titleOf = (session: Session) => session.title || t("chat.untitled");

  const focusRow = (sessionId: string) =>
    requestAnimationFrame(() =>
      [...document.querySelectorAll<HTMLElement>(".conversations li[data-session-id]")]
        .find((row) => row.dataset.sessionId === sessionId)
        ?.querySelector<HTMLElement>(".conversation")
        ?.focus(),
    );

  const finishRename = async (session: Session, title: string) => {
    setEditing(null);
    if (cancelled.current) {
      cancelled.current = false;
    } else if (title.trim() !== "" && title.trim() !== session.title) {
      await store.rename(session.sessionId, title);
    }
    focusRow(session.sessionId);
  };

  const onRenameKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    if (event.key === "Enter") {
      event.preventDefault();
      event.currentTarget.blur();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelled.current = true;
      event.currentTarget.blur();
    }
  };

  const remove = async (session: Session) => {
    setConfirming(null);
    if (await store.remove(session.sessionId)) onOpened();
    else focusRow(session.sessionId);
  };

  return (
    <aside className="conversations" aria-label={t("chat.conversations")}>
      <button
        type="button"
        id="chat-new"
        title={t("chat.newShortcut")}
        aria-keyshortcuts="Control+N"
        onClick={() => {
          store.startNew();
          onOpened();
        }}
      >
        {t("chat.new")}
      </button>
      <input
        type="search"
        id="chat-search"
        className="conversation-search"
        aria-label={t("chat.search")}
        placeholder={t("chat.search")}
        value={state.query}
        onChange={(event) => void store.search(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape" && state.query !== "") {
            event.preventDefault();
            void store.search("");
          }
        }}
      />
      {state.listError !== null && <p className="banner banner-error conversation-error" role="alert">{state.listError}</p>}
      {list.length === 0 && (
        <p className="muted conversation-empty" data-testid="conversations-empty">
          {state.found !== null ? t("chat.search.none", { query: state.query.trim() }) : t("chat.list.empty")}
        </p>
      )}
      <ul>
        {list.map((session) => {
          const current = session.sessionId === state.openId;
          const title = titleOf(session);
          return (
            <li key={`${session.actorId}/${session.sessionId}`} data-session-id={session.sessionId} className={current ? "current" : undefined}>
              {editing === session.sessionId ? (
                <input
                  className="conversation-rename"
                  aria-label={t("chat.rename.input")}
                  title={t("chat.rename.input")}
                  defaultValue={session.title ?? ""}
                  maxLength={200}
                  autoFocus
                  onFocus={(event) => event.currentTarget.select()}
                  onKeyDown={onRenameKey}
                  onBlur={(event) => void finishRename(session, event.currentTarget.value)}
                />
              ) : confirming === session.sessionId ? (
                <div className="conversation-confirm" role="group" aria-label={t("chat.delete.label", { title })}>
                  <p>{t("chat.delete.confirm", { title })}</p>
                  <div className="actions">
                    <button type="button" className="danger" data-testid="delete-confirm" onClick={() => void remove(session)}>
                      {t("chat.delete.yes")}
                    </button>
                    <button
                      type="button"
                      data-testid="delete-cancel"
                      autoFocus
                      onClick={() => {
                        setConfirming(null);
                        focusRow(session.sessionId);
                      }}
                      onKeyDown={(event) => {
                        if (event.key === "Escape") {
                          setConfirming(null);
                          focusRow(session.sessionId);
                        }
                      }}
                    >
                      {t("chat.delete.no")}
                    </button>
                  </div>
                </div>
              ) : (
                <>
                  <button
                    type="button"
                    className={current ? "conversation current" : "conversation"}
                    aria-current={current ? "true" : undefined}
                    onClick={() => {
                      void store.open(session.sessionId);
                      onOpened();
                    }}
                    onKeyDown={(event) => {
                      if (event.key === "F2") {
                        event.preventDefault();
                        setEditing(session.sessionId);
                      }
                    }}
                    title={title}
                  >
                    {title}
                  </button>
                  <span className="conversation-actions">
                    <button
                      type="button"
                      className="icon-button"
                      data-testid="conversation-rename"
                      aria-label={t("chat.rename.label", { title })}
                      title={t("chat.rename")}
                      onClick={() => {
                        cancelled.current = false;
                        setEditing(session.sessionId);
                      }}
                    >
                      <PencilIcon />
                    </button>
                    <button
                      type="button"
                      className="icon-button"
                      data-testid="conversation-delete"
                      aria-label={t("chat.delete.label", { title })}
                      title={t("chat.delete")}
                      disabled={state.threads[session.sessionId]?.busy ?? false}
                      onClick={() => setConfirming(session.sessionId)}
                    >
                      <TrashIcon />
                    </button>
                  </span>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
