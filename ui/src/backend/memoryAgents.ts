// The in-memory backend's remote agents: `[agents.NAME]` kept in a list and checked as the
// config crate checks them (the same messages and keys), tests that answer by address, and
// scripted turns that stream like `agentdesk serve` does, so component tests see the picker,
// streaming, errors and the Connections section without a Tauri host.
//
// Addresses that mean something here: a URL containing "down" is not reachable; an ARN whose
// runtime id contains "denied" is refused with AWS's AccessDeniedException message.
import type { Backend, RemoteEvent } from ".";
import type { ApiError, ChatTurn } from "../bindings/Api";
import type { AgentCheck, RemoteAgentView } from "../bindings/Agents";
import type { PastExchange } from "../bindings/Agent";
import type { SavedEstimate } from "../bindings/Estimate";
import type { AgentSettings } from "../bindings/Settings";

type AgentMethods = Pick<Backend, "agentsList" | "agentsAdd" | "agentsRemove" | "agentsTest" | "agentsSend" | "agentsConversation">;

/** A scripted remote turn: the items it streams in order, or the failure it ends with. */
export type RemoteScript = RemoteEvent[] | { fails: ApiError };

/** What the fake needs from the rest of the in-memory backend. */
export interface FakeAgentHooks {
  /** Keeps a question in the conversation, as the memory store does; returns its exchange. */
  remember(sessionId: string, question: string): PastExchange;
  /** Registers what chatStop ends (null when nothing runs). */
  setStop(stop: (() => void) | null): void;
  /** The agents in the config changed (the backend announces settings-changed). */
  changed(agents: Record<string, AgentSettings>): void;
  /** The estimate a turn ends with by default. */
  estimate(message: string): SavedEstimate;
}

export interface FakeAgents extends AgentMethods {
  agents: RemoteAgentView[];
  /** The turns agentsSend plays, one per message; without one, text then an estimate. */
  turns: RemoteScript[];
  /** Every agentsSend: [agent, sessionId, message]. */
  sent: [string, string, string][];
  /** Which agent each conversation talked to last (agentsConversation reads it). */
  conversations: Record<string, string>;
}

const ARN = /^arn:aws[a-z-]*:bedrock-agentcore:([a-z0-9-]+):(\d{12}):runtime\/([A-Za-z0-9_-]+)$/;

/** The config crate's checks, first problem first, keyed by the field they name. */
function problemOf(name: string, settings: AgentSettings): ApiError | null {
  const refuse = (key: string, message: string): ApiError => ({ code: "invalid_value", message: `${key}: ${message}`, key });
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return refuse(`agents.${name}`, "an agent's name uses letters, digits, '-' and '_'");
  const url = settings.url.trim();
  const arn = settings.arn.trim();
  if (url === "" && arn === "") return refuse(`agents.${name}`, "give either url (an agent serving /invocations) or arn (an AgentCore agent runtime)");
  if (url !== "" && arn !== "") return refuse(`agents.${name}`, "url and arn are exclusive: keep url for an agent you reach directly, arn for one deployed on AgentCore");
  if (url !== "") {
    if (!/^https?:\/\//.test(url)) return refuse(`agents.${name}.url`, `"${url}" must start with http:// or https://`);
    if (url.startsWith("http://") && !/^http:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(url)) {
      return refuse(`agents.${name}.url`, `"${url}" must use https:// (http:// only on 127.0.0.1 or localhost), or prompts and answers travel in the clear`);
    }
    if (settings.region !== "" || settings.endpoint !== "") return refuse(`agents.${name}`, "region and endpoint are for arn agents; a url agent is called at its url");
    return null;
  }
  const parsed = ARN.exec(arn);
  if (!parsed) return refuse(`agents.${name}.arn`, `"${arn}" is not an agent runtime ARN; it looks like arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234`);
  if (settings.region !== "" && settings.region !== parsed[1]) {
    return refuse(`agents.${name}.region`, `"${settings.region}" differs from the ARN's region "${parsed[1]}"; leave region out to use the ARN's`);
  }
  return null;
}

const regionOf = (settings: AgentSettings) => settings.region || (ARN.exec(settings.arn)?.[1] ?? "");

export function fakeAgents(hooks: FakeAgentHooks): FakeAgents {
  const find = (name: string): RemoteAgentView => {
    const found = fake.agents.find((agent) => agent.name === name);
    if (!found) throw { code: "not_found", message: `no agent named "${name}": add it on the Connections page`, key: null } satisfies ApiError;
    return found;
  };
  const announce = () => hooks.changed(Object.fromEntries(fake.agents.map((agent) => [agent.name, agent.settings])));
  const unreachable = (agent: RemoteAgentView): ApiError | null =>
    agent.settings.url.includes("down")
      ? { code: "agent_unreachable", message: `agent ${agent.name}: cannot reach ${agent.settings.url}/invocations: connection refused. Is it running, and is the address right?`, key: null }
      : agent.settings.arn.includes("denied")
        ? { code: "agent_denied", message: `agent ${agent.name}: access denied (HTTP 403): User: arn:aws:iam::123456789012:user/ann is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime. Check that your credentials may invoke this runtime`, key: null }
        : null;

  const fake: FakeAgents = {
    agents: [],
    turns: [],
    sent: [],
    conversations: {},
    agentsList: async () => fake.agents,
    agentsAdd: async (name, settings) => {
      const trimmed = name.trim();
      const problem = problemOf(trimmed, settings);
      if (problem) throw problem;
      const view: RemoteAgentView = { name: trimmed, settings, region: regionOf(settings) };
      fake.agents = [...fake.agents.filter((agent) => agent.name !== trimmed), view].sort((a, b) => a.name.localeCompare(b.name));
      announce();
      return fake.agents;
    },
    agentsRemove: async (name) => {
      find(name);
      fake.agents = fake.agents.filter((agent) => agent.name !== name);
      announce();
      return fake.agents;
    },
    agentsTest: async (name): Promise<AgentCheck> => {
      const agent = find(name);
      const failure = unreachable(agent);
      if (failure) throw failure;
      return agent.settings.url !== "" ? { status: "Healthy", answer: null, elapsedMs: 3 } : { status: null, answer: "Hello! I estimate AWS costs.", elapsedMs: 850 };
    },
    agentsSend: async (agentName, sessionId, message, onEvent): Promise<ChatTurn> => {
      const agent = find(agentName);
      fake.sent.push([agentName, sessionId, message]);
      fake.conversations[sessionId] = agentName;
      const past = hooks.remember(sessionId, message);
      const failure = unreachable(agent);
      if (failure) throw failure;
      const estimate = hooks.estimate(message);
      const turn = fake.turns.shift() ?? [
        // As `agentdesk serve` answers without a model: the report as text, then the estimate.
        { kind: "text", text: estimate.estimate.report_markdown },
        // As `agentdesk serve` sends it: the saved estimate's id beside the estimate itself.
        { kind: "estimate", id: estimate.id, estimate: estimate.estimate },
      ];
      const stopped = new Promise<"stopped">((resolve) => hooks.setStop(() => resolve("stopped")));
      let text = "";
      for (const event of Array.isArray(turn) ? turn : []) {
        if (event.kind === "text") {
          text += event.text;
          past.steps = [{ kind: "text", text }];
        }
        onEvent(event);
        // One item a tick, so a test can press Stop part-way.
        if ((await Promise.race([new Promise((resolve) => setTimeout(resolve, 0)), stopped])) === "stopped") {
          hooks.setStop(null);
          return { text: "", steps: 1, usage: { inputTokens: 0, outputTokens: 0 }, stopped: true, hitStepLimit: false };
        }
      }
      hooks.setStop(null);
      if (!Array.isArray(turn)) throw turn.fails;
      return { text, steps: 1, usage: { inputTokens: 0, outputTokens: 0 }, stopped: false, hitStepLimit: false };
    },
    agentsConversation: async (sessionId) => fake.conversations[sessionId] ?? null,
  };
  return fake;
}
