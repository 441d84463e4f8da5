import { describe, expect, it } from "vitest";
import { memoryBackend } from "../backend/memory";
import { createSandboxStore, installEstimate, STORAGE_KEY, type SandboxStore } from "./sandbox";

/** sessionStorage as a reload sees it: the same object handed to the next store. */
function storage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    items,
  };
}

async function runCode(store: SandboxStore, code: string) {
  store.setCode(code);
  await store.run();
  const runs = store.getState().runs;
  return runs[runs.length - 1]?.result.structuredContent;
}

/** Waits for the store to reach a state (a run starting), with a deadline. */
async function until(store: SandboxStore, condition: () => boolean) {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never reached: ${JSON.stringify(store.getState().running)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the sandbox store", () => {
  it("keeps one session whose variables last from run to run", async () => {
    const backend = memoryBackend();
    const store = createSandboxStore(backend, storage());
    await store.attach();
    await runCode(store, "y = 2");
    expect((await runCode(store, "print(y)"))?.stdout).toBe("2\n");
    expect(backend.sandbox.sessions).toHaveLength(1);
    expect(store.getState().runs.map((run) => run.code)).toEqual(["y = 2", "print(y)"]);
  });

  it("reattaches to its session after a reload, with the code and the runs", async () => {
    const backend = memoryBackend();
    const kept = storage();
    const before = createSandboxStore(backend, kept);
    await before.attach();
    await runCode(before, "y = 2");
    before.setCode("print(y)");

    const after = createSandboxStore(backend, kept);
    expect(after.getState().code).toBe("print(y)");
    expect(after.getState().runs.map((run) => run.code)).toEqual(["y = 2"]);
    await after.attach();
    const session = before.getState().session?.sessionId;
    expect(after.getState().session?.sessionId).toBe(session);
    expect(after.getState().notice).toEqual({ kind: "reattached", sessionId: session });
    expect(after.getState().files.length).toBe(1);
    expect((await runCode(after, "print(y)"))?.stdout).toBe("2\n");
  });

  it("says plainly when the session ended while the window was away, and starts a new one", async () => {
    const backend = memoryBackend();
    const kept = storage();
    const before = createSandboxStore(backend, kept);
    await before.attach();
    await runCode(before, "y = 2");
    const ended = before.getState().session?.sessionId ?? "";
    backend.sandbox.endSession(ended, "idle");

    const after = createSandboxStore(backend, kept);
    await after.attach();
    expect(after.getState().session).toBeNull();
    expect(after.getState().notice).toEqual({ kind: "ended", sessionId: ended, reason: "idle", restarted: false });
    const rerun = await runCode(after, "print(y)");
    expect(rerun?.stderr).toContain("NameError");
    expect(after.getState().session?.sessionId).not.toBe(ended);
  });

  it("runs in a new session, and says so, when the session ended with the page open", async () => {
    const backend = memoryBackend();
    const store = createSandboxStore(backend, storage());
    await store.attach();
    await runCode(store, "y = 2");
    const ended = store.getState().session?.sessionId ?? "";
    backend.sandbox.endSession(ended, "idle");
    const rerun = await runCode(store, "print('again')");
    expect(rerun?.stdout).toBe("again\n");
    expect(store.getState().notice).toEqual({ kind: "ended", sessionId: ended, reason: "idle", restarted: true });
    expect(store.getState().problem).toBeNull();
  });

  it("notices on a later visit that the session ended meanwhile", async () => {
    const backend = memoryBackend();
    const store = createSandboxStore(backend, storage());
    await store.attach();
    await runCode(store, "y = 2");
    const ended = store.getState().session?.sessionId ?? "";
    backend.sandbox.endSession(ended, "timeout");
    await store.attach();
    expect(store.getState().notice).toMatchObject({ kind: "ended", reason: "timeout" });
    expect(store.getState().runs).toHaveLength(1);
  });

  it("stops an endless cell, says so, and the session takes the next run", async () => {
    const backend = memoryBackend();
    const store = createSandboxStore(backend, storage());
    await store.attach();
    store.setCode("while True: pass");
    const running = store.run();
    await until(store, () => store.getState().session !== null && store.getState().running !== null);
    await store.stop();
    await running;
    const stopped = store.getState().runs[0]?.result.structuredContent;
    expect(stopped?.stopped).toBe(true);
    expect(stopped?.exitCode).toBe(130);
    expect(store.getState().running).toBeNull();
    expect((await runCode(store, "print('next')"))?.stdout).toBe("next\n");
    expect(backend.sandbox.sessions).toHaveLength(1);
  });

  it("ends the old session on New session and clears the page", async () => {
    const backend = memoryBackend();
    const kept = storage();
    const store = createSandboxStore(backend, kept);
    await store.attach();
    await runCode(store, "y = 2");
    const old = store.getState().session?.sessionId;
    await store.newSession();
    expect(store.getState().runs).toEqual([]);
    expect(store.getState().session).toBeNull();
    expect(backend.sandbox.sessions.find((s) => s.sessionId === old)).toMatchObject({ status: "TERMINATED", ended: "stopped" });
    expect(JSON.parse(kept.items.get(STORAGE_KEY) ?? "{}").sessionId).toBeNull();
    expect((await runCode(store, "print(y)"))?.stderr).toContain("NameError");
  });

  it("ends a session of another runtime before starting one of the new runtime", async () => {
    const backend = memoryBackend();
    backend.sandbox.runtimes.forEach((r) => (r.installed = true));
    const store = createSandboxStore(backend, storage());
    await store.attach();
    await runCode(store, "y = 2");
    store.setRuntime("python-scientific");
    await runCode(store, "print('x')");
    expect(backend.sandbox.sessions.map((s) => [s.runtime, s.status])).toEqual([
      ["python-scientific", "READY"],
      ["python", "TERMINATED"],
    ]);
  });

  it("saves a file through the save dialog and says where it went", async () => {
    const backend = memoryBackend();
    const store = createSandboxStore(backend, storage());
    await store.attach();
    await runCode(store, "print('x')");
    await store.download("notes.txt");
    expect(backend.saves).toEqual([{ suggestedName: "notes.txt", contentsBase64: btoa("notes"), filter: { name: "TXT", extensions: ["txt"] } }]);
    expect(store.getState().notice).toEqual({ kind: "saved", name: "notes.txt", path: "/home/user/Documents/saved/notes.txt" });
    store.dismissNotice();
    backend.saveTo = null;
    await store.download("notes.txt");
    expect(store.getState().notice).toBeNull();
  });

  it("keeps what it shows for a reload small: no images", async () => {
    const kept = storage();
    const store = createSandboxStore(memoryBackend(), kept);
    await store.attach();
    await runCode(store, "print('x')");
    const stored = JSON.parse(kept.items.get(STORAGE_KEY) ?? "{}");
    expect(stored.runs[0].result.content.every((c: { type: string }) => c.type !== "image")).toBe(true);
  });
});

describe("the install estimate", () => {
  const base = { runtime: "python-scientific" as const, stageStartedAt: 0, stageStartDone: 0 };

  it("gives size, percentage and time left from the download's pace", () => {
    const estimate = installEstimate({ ...base, progress: { stage: "downloading", done: 25 << 20, total: 100 << 20 }, at: 5000 });
    expect(estimate).toEqual({ stage: "downloading", done: 25 << 20, total: 100 << 20, percent: 25, secondsLeft: 15 });
  });

  it("extrapolates compile time from the functions compiled so far, from this stage's start", () => {
    const estimate = installEstimate({ ...base, stageStartDone: 0, progress: { stage: "compiling", done: 34_272, total: 137_088 }, at: 12_000 });
    expect(estimate.percent).toBe(25);
    expect(estimate.secondsLeft).toBe(36);
  });

  it("says nothing of time left until the stage has run a little", () => {
    const early = installEstimate({ ...base, progress: { stage: "compiling", done: 10, total: 1000 }, at: 500 });
    expect(early.percent).toBe(1);
    expect(early.secondsLeft).toBeNull();
    const unknownSize = installEstimate({ ...base, progress: { stage: "downloading", done: 10, total: null }, at: 5000 });
    expect(unknownSize.percent).toBeNull();
    expect(unknownSize.secondsLeft).toBeNull();
  });
});
