// The in-memory backend's remote code interpreters: each one named in the config runs its
// sessions in a fake sandbox of its own (the same stand-in for Python as the local one), so
// component tests can pick a remote interpreter, see its status and keep state there.
import type { Backend } from ".";
import type { InterpreterStatus, InterpreterView } from "../bindings/Interpreters";
import type { ToolCall } from "../bindings/Sandbox";
import { fakeSandbox, type FakeSandbox } from "./memorySandbox";

type InterpreterMethods = Pick<
  Backend,
  "interpretersList" | "interpretersProbe" | "interpreterStart" | "interpreterSession" | "interpreterInvoke" | "interpreterStop"
>;

export interface FakeInterpreters extends InterpreterMethods {
  /** The configured interpreters, as interpretersList answers. */
  interpreters: InterpreterView[];
  /** What each probe answers, by name. */
  statuses: Record<string, InterpreterStatus>;
  /** Where each interpreter runs its sessions, by name. */
  servers: Record<string, FakeSandbox>;
  /** Tool calls each interpreter received, by name. */
  calls: Record<string, ToolCall[]>;
  /** Adds an interpreter; it answers in 12 ms unless `status` says otherwise. */
  add(name: string, location: string, status?: Partial<InterpreterStatus>): void;
}

export function fakeInterpreters(): FakeInterpreters {
  const server = (name: string): FakeSandbox => {
    const found = fake.servers[name];
    if (!found) throw { code: "not_found", message: `no interpreter named "${name}"`, key: "interpreters" };
    return found;
  };
  const reachable = (name: string) => {
    const status = fake.statuses[name];
    if (status && !status.reachable) throw { code: "sandbox", message: status.message ?? `${name} cannot be reached`, key: `interpreters.${name}` };
  };
  const fake: FakeInterpreters = {
    interpreters: [],
    statuses: {},
    servers: {},
    calls: {},
    add(name, location, status = {}) {
      fake.interpreters = [...fake.interpreters, { name, location }];
      fake.statuses[name] = { name, reachable: true, roundTripMs: 12, code: null, message: null, ...status };
      fake.calls[name] = [];
      fake.servers[name] = fakeSandbox(fake.calls[name]);
    },
    interpretersList: async () => fake.interpreters,
    interpretersProbe: async (name) => {
      server(name);
      return fake.statuses[name]!;
    },
    interpreterStart: async (name) => {
      reachable(name);
      const started = await server(name).sandboxStart("python");
      return started.sessionId.replace("local-test", `${name}-session`);
    },
    interpreterSession: async (name, sessionId) => {
      const found = server(name).sessions.find((s) => s.sessionId === localId(name, sessionId));
      return found?.status ?? "TERMINATED";
    },
    interpreterInvoke: async (name, sessionId, call, onOutput) => {
      reachable(name);
      return server(name).sandboxInvoke(localId(name, sessionId), call, undefined, onOutput);
    },
    interpreterStop: async (name, sessionId) => {
      await server(name).sandboxStop(localId(name, sessionId));
    },
  };
  return fake;
}

/** The fake server's own id of a session id it handed out. */
function localId(name: string, sessionId: string): string {
  return sessionId.replace(`${name}-session`, "local-test");
}
