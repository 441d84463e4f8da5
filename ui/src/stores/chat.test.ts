import { beforeEach, describe, expect, it, vi } from "vitest";
import { memoryBackend, type MemoryBackend } from "../backend/memory";
import { DRAFTS_KEY, OPEN_KEY, chatStoreFor, createChatStore, type ChatStore } from "./chat";

function withModel(): MemoryBackend {
  const backend = memoryBackend();
  backend.model = { provider: "ollama", model: "qwen2.5:7b", problem: null, keySource: null };
  return backend;
}

/** A store whose model and settings have arrived, as the page sees it after start-up. */
async function ready(backend: MemoryBackend): Promise<ChatStore> {
  const store = createChatStore(backend);
  await vi.waitFor(() => {
    expect(store.getState().model).not.toBeNull();
    expect(store.getState().view).not.toBeNull();
  });
  return store;
}

const python = { id: "call_py", name: "execute_python", arguments: { code: "print(1)" } };

beforeEach(() => sessionStorage.clear());

describe("the chat store", () => {
  it("is one per backend, so the page finds its state again after a page switch", () => {
    const backend = memoryBackend();
    const store = chatStoreFor(backend);
    store.setDraft("half a question");
    expect(chatStoreFor(backend)).toBe(store);
    expect(chatStoreFor(backend).getState().drafts[store.getState().openId]).toBe("half a question");
    expect(chatStoreFor(memoryBackend())).not.toBe(store);
  });

  it("keeps a draft per conversation", async () => {
    const store = await ready(memoryBackend());
    const first = store.getState().openId;
    store.setDraft("for the first");
    store.startNew();
    const second = store.getState().openId;
    expect(second).not.toBe(first);
    expect(store.getState().drafts[second]).toBeUndefined();
    store.setDraft("for the second");
    await store.open(first);
    expect(store.getState().drafts).toEqual({ [first]: "for the first", [second]: "for the second" });
  });

  it("keeps filling in a turn while another conversation is open", async () => {
    const backend = withModel();
    backend.turns.push([
      { kind: "text", text: "Calculating." },
      { kind: "toolRequested", call: python, approval: "ask" },
      { kind: "toolFinished", callId: "call_py", output: { content: "1\n", isError: false }, elapsedMs: 5 },
      { kind: "text", text: "Done: **1**." },
    ]);
    const store = await ready(backend);
    const asked = store.getState().openId;
    store.setDraft("compute one");
    const sending = store.send();
    await vi.waitFor(() => expect(store.getState().threads[asked]?.exchanges[0]?.steps).toHaveLength(2));
    expect(store.getState().threads[asked]?.busy).toBe(true);

    store.startNew();
    const other = store.getState().openId;
    store.approve(asked, "call_py", true);
    await sending;
    const thread = store.getState().threads[asked]!;
    expect(thread.busy).toBe(false);
    expect(thread.exchanges[0]!.done).toBe(true);
    expect(thread.exchanges[0]!.steps.map((step) => step.kind)).toEqual(["text", "tool", "text"]);
    expect(store.getState().openId).toBe(other);
    expect(store.getState().threads[other]!.exchanges).toEqual([]);
    expect(store.getState().conversations.map((session) => session.sessionId)).toContain(asked);
  });

  it("opens the same conversation again after a reload, read from the backend", async () => {
    const backend = memoryBackend();
    const before = await ready(backend);
    const sessionId = before.getState().openId;
    before.setDraft("a static site");
    await before.send();
    before.setDraft("and a second question, not sent");
    expect(sessionStorage.getItem(OPEN_KEY)).toBe(JSON.stringify(sessionId));

    // A reload: the page's memory is gone, sessionStorage and the backend's data are not.
    const after = createChatStore(backend);
    expect(after.getState().openId).toBe(sessionId);
    await vi.waitFor(() => expect(after.getState().threads[sessionId]?.status).toBe("ready"));
    const [exchange] = after.getState().threads[sessionId]!.exchanges;
    expect(exchange!.question).toBe("a static site");
    expect(exchange!.estimate?.estimate.monthly_total).toBe(1.67);
    expect(after.getState().drafts[sessionId]).toBe("and a second question, not sent");
    expect(JSON.parse(sessionStorage.getItem(DRAFTS_KEY)!)).toEqual({ [sessionId]: "and a second question, not sent" });
  });

  it("finds conversations by title and text, and only the newest search counts", async () => {
    const backend = memoryBackend();
    const store = await ready(backend);
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const search = backend.memorySessionsSearch;
    backend.memorySessionsSearch = async (query) => {
      if (query === "パ") await slow;
      return search(query);
    };
    const stale = store.search("パ");
    await store.search("静的ホスティング");
    release();
    await stale;
    expect(store.getState().found?.map((session) => session.sessionId)).toEqual(["bakery"]);
    await store.search("nothing like this");
    expect(store.getState().found).toEqual([]);
    await store.search("  ");
    expect(store.getState().found).toBeNull();
  });

  it("renames at once and puts the old title back when the backend refuses", async () => {
    const backend = memoryBackend();
    const store = await ready(backend);
    await vi.waitFor(() => expect(store.getState().conversations).toHaveLength(1));
    expect(await store.rename("bakery", "  Bakery site  ")).toBe(true);
    expect(store.getState().conversations[0]!.title).toBe("Bakery site");
    expect(backend.memory.sessions[0]!.title).toBe("Bakery site");

    backend.memorySessionRename = async () => {
      throw { code: "invalid_value", message: "a session title is one line of at most 200 characters", key: null };
    };
    expect(await store.rename("bakery", "x".repeat(300))).toBe(false);
    expect(store.getState().conversations[0]!.title).toBe("Bakery site");
    expect(store.getState().listError).toContain("at most 200 characters");
  });

  it("deletes a conversation, and a new one opens when it was open", async () => {
    const backend = memoryBackend();
    const store = await ready(backend);
    await store.open("bakery");
    expect(store.getState().threads.bakery!.exchanges).toHaveLength(1);
    expect(await store.remove("bakery")).toBe(true);
    expect(store.getState().conversations).toEqual([]);
    expect(store.getState().threads.bakery).toBeUndefined();
    expect(store.getState().openId).not.toBe("bakery");
    expect(backend.memory.sessions).toEqual([]);
  });

  it("answers a message the model could not with the offline estimator, asked once", async () => {
    const backend = withModel();
    backend.turns.push({
      fails: { code: "model_not_running", message: "cannot reach ollama: error sending request: Connection refused", key: "model.base_url" },
    });
    const store = await ready(backend);
    const sessionId = store.getState().openId;
    store.setDraft("a static site in Tokyo");
    await store.send();
    const failed = store.getState().threads[sessionId]!.exchanges[0]!;
    expect(failed.error?.code).toBe("model_not_running");
    expect(failed.done).toBe(true);

    await store.answerOffline(sessionId, 0);
    const answered = store.getState().threads[sessionId]!.exchanges;
    expect(answered).toHaveLength(1);
    expect(answered[0]!.error).toBeNull();
    expect(answered[0]!.estimate?.description).toBe("a static site in Tokyo");
    expect(backend.histories[sessionId]!.map((exchange) => exchange.question)).toEqual(["a static site in Tokyo"]);
  });
});
