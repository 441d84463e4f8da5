import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend, type MemoryBackend } from "../backend/memory";
import { OPEN_KEY } from "../stores/chat";

// The open conversation, drafts and picked agents survive a reload through sessionStorage: not between tests.
beforeEach(() => sessionStorage.clear());

const SLOW_MACHINE_LIMIT = 30_000;
const DENIED_ARN = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/denied_agent-AbCdEf1234";

/** The exchanges of the open conversation. */
const exchanges = () => document.querySelector<HTMLElement>("ol.exchanges")!;

function agentItem(name: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`li[data-agent='${name}']`);
  if (!found) throw new Error(`no agent ${name} on the page`);
  return found;
}

async function withAgents(...agents: [string, string][]): Promise<MemoryBackend> {
  const backend = memoryBackend();
  for (const [name, url] of agents) {
    await backend.agentsAdd(name, { url, arn: "", region: "", endpoint: "", auth: "", timeout_seconds: 0 });
  }
  return backend;
}

describe("the Connections page's remote agents", () => {
  it("adds an agent, showing a refused field's message beside it, tests it and removes it", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="connections" />);
    expect(await screen.findByTestId("agents-none")).toBeTruthy();
    await user.type(screen.getByLabelText("Agent name"), "cost");
    await user.type(screen.getByLabelText("Agent URL"), "http://agents.example:8080");
    await user.click(screen.getByTestId("agent-add"));
    // The config crate's words, beside the URL field, without the key it names.
    const refused = await screen.findByTestId("agent-url-error");
    expect(refused.textContent).toBe(`"http://agents.example:8080" must use https:// (http:// only on 127.0.0.1 or localhost), or prompts and answers travel in the clear`);
    expect(screen.getByLabelText("Agent URL").getAttribute("aria-invalid")).toBe("true");
    await user.clear(screen.getByLabelText("Agent URL"));
    await user.type(screen.getByLabelText("Agent URL"), "http://127.0.0.1:8080");
    await user.click(screen.getByTestId("agent-add"));
    await waitFor(() => expect(agentItem("cost")).toBeTruthy());
    expect(screen.queryByTestId("agent-url-error")).toBeNull();
    expect(within(agentItem("cost")).getByText("http://127.0.0.1:8080")).toBeTruthy();
    expect(backend.view.settings.agents.cost?.url).toBe("http://127.0.0.1:8080");

    await user.click(within(agentItem("cost")).getByTestId("agent-test"));
    expect((await within(agentItem("cost")).findByTestId("agent-check")).textContent).toContain("Healthy");

    await user.click(within(agentItem("cost")).getByTestId("agent-remove"));
    await user.click(within(agentItem("cost")).getByTestId("agent-remove-confirm"));
    await waitFor(() => expect(document.querySelector("li[data-agent='cost']")).toBeNull());
    expect(backend.remote.agents).toEqual([]);
  }, SLOW_MACHINE_LIMIT);

  it("adds an AgentCore agent by ARN and names AWS's refusal, in Japanese too", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend({ locale: "ja-JP" });
    render(<App backend={backend} initialPage="connections" />);
    await user.type(await screen.findByLabelText("エージェント名"), "deployed");
    await user.click(screen.getByLabelText("AgentCore 上 (ARN)"));
    await user.type(screen.getByLabelText("エージェントランタイムの ARN"), "arn:aws:lambda:us-west-2:123456789012:function/x");
    await user.click(screen.getByTestId("agent-add"));
    expect((await screen.findByTestId("agent-arn-error")).textContent).toContain("is not an agent runtime ARN");
    await user.clear(screen.getByLabelText("エージェントランタイムの ARN"));
    await user.type(screen.getByLabelText("エージェントランタイムの ARN"), DENIED_ARN);
    await user.type(screen.getByLabelText("リージョン (省略可)"), "eu-west-1");
    await user.click(screen.getByTestId("agent-add"));
    expect((await screen.findByTestId("agent-region-error")).textContent).toContain(`differs from the ARN's region "us-west-2"`);
    await user.clear(screen.getByLabelText("リージョン (省略可)"));
    await user.click(screen.getByTestId("agent-add"));
    await waitFor(() => expect(agentItem("deployed")).toBeTruthy());
    expect(agentItem("deployed").querySelector(".agent-target")?.textContent).toBe(`${DENIED_ARN} · us-west-2`);

    await user.click(within(agentItem("deployed")).getByTestId("agent-test"));
    const failure = await within(agentItem("deployed")).findByTestId("agent-failure");
    expect(failure.dataset.code).toBe("agent_denied");
    expect(failure.textContent).toContain("アクセスが拒否されました (HTTP 403)");
    expect(failure.textContent).toContain("is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime");
  }, SLOW_MACHINE_LIMIT);
});

describe("the Chat page's agent picker", () => {
  it("streams a remote agent's answer and estimate into the chat, and keeps the choice per conversation", async () => {
    const user = userEvent.setup();
    const backend = await withAgents(["cost", "http://127.0.0.1:8080"]);
    render(<App backend={backend} initialPage="chat" />);
    const picker = await screen.findByLabelText<HTMLSelectElement>("Agent");
    expect([...picker.options].map((option) => option.textContent)).toEqual(["AgentDesk (this computer)", "cost"]);
    await user.selectOptions(picker, "cost");
    expect(screen.getByText(/You are chatting with the remote agent cost/)).toBeTruthy();
    expect(screen.queryByTestId("offline-badge")).toBeNull();

    await user.type(screen.getByLabelText("Your message"), "a static site in Tokyo");
    await user.keyboard("{Enter}");
    const table = await within(exchanges()).findByTestId("estimate-table");
    expect(within(table).getByText("$1.67")).toBeTruthy();
    expect(within(exchanges()).getByTestId("estimate-headline").textContent).toContain("で月額 $1.67");
    // The streamed report is what the card shows: it is not shown twice.
    expect(exchanges().querySelectorAll(".markdown")).toHaveLength(0);
    const [[agent, sessionId, message]] = backend.remote.sent as [[string, string, string]];
    expect([agent, message]).toEqual(["cost", "a static site in Tokyo"]);
    // The conversation's id is its runtime session id: AgentCore wants 33 characters or more.
    expect(sessionId.length).toBeGreaterThanOrEqual(33);

    // Away and back: the conversation and its agent are still there.
    await user.click(screen.getByRole("button", { name: "Status" }));
    await screen.findByRole("heading", { level: 1, name: "Status" });
    await user.click(screen.getByRole("button", { name: "Chat" }));
    expect((await screen.findByLabelText<HTMLSelectElement>("Agent")).value).toBe("cost");
    expect(within(exchanges()).getByTestId("estimate-table")).toBeTruthy();

    // The next message goes to the same agent in the same session.
    await user.type(screen.getByLabelText("Your message"), "and in Osaka?");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(backend.remote.sent).toHaveLength(2));
    expect(backend.remote.sent[1]).toEqual(["cost", sessionId, "and in Osaka?"]);

    // Another conversation talks to this computer's agent (the offline estimator here).
    await user.keyboard("{Control>}n{/Control}");
    expect(screen.getByLabelText<HTMLSelectElement>("Agent").value).toBe("cost");
    await user.selectOptions(screen.getByLabelText("Agent"), "");
    expect(await screen.findByTestId("offline-badge")).toBeTruthy();
    await user.type(screen.getByLabelText("Your message"), "two t3.medium");
    await user.keyboard("{Enter}");
    await within(exchanges()).findByTestId("estimate-table");
    expect(backend.remote.sent).toHaveLength(2);
  }, SLOW_MACHINE_LIMIT);

  it("is reached with Tab right after the page's title and named for screen readers", async () => {
    const user = userEvent.setup();
    const backend = await withAgents(["cost", "http://127.0.0.1:8080"], ["other", "http://127.0.0.1:9090"]);
    render(<App backend={backend} initialPage="chat" />);
    const picker = await screen.findByRole<HTMLSelectElement>("combobox", { name: "Agent" });
    screen.getByRole("heading", { level: 1, name: "Chat" }).focus();
    await user.tab();
    expect(document.activeElement).toBe(picker);
    await user.selectOptions(picker, "other");
    expect(picker.value).toBe("other");
  });

  it("comes back with the conversation's agent after a restart", async () => {
    const backend = await withAgents(["cost", "http://127.0.0.1:8080"]);
    const sessionId = "desktop-1764690000000-abcdefabcdef";
    backend.remote.conversations[sessionId] = "cost";
    backend.histories[sessionId] = [{ question: "a static site", steps: [{ kind: "text", text: "About **$1.67** a month." }], estimate: null, usage: null, traceId: null }];
    sessionStorage.setItem(OPEN_KEY, JSON.stringify(sessionId));
    render(<App backend={backend} initialPage="chat" />);
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>("Agent").value).toBe("cost"));
    expect(await within(exchanges()).findByText("$1.67")).toBeTruthy();
  });

  it("continues a conversation begun before remote agents in a new one when an agent is picked", async () => {
    const user = userEvent.setup();
    const backend = await withAgents(["cost", "http://127.0.0.1:8080"]);
    // A conversation id from an earlier version: too short to be a runtime session id.
    const old = "desktop-1764690000000-abc123";
    backend.histories[old] = [{ question: "two t3.medium", steps: [{ kind: "text", text: "About $60 a month." }], estimate: null, usage: null, traceId: null }];
    sessionStorage.setItem(OPEN_KEY, JSON.stringify(old));
    render(<App backend={backend} initialPage="chat" />);
    await screen.findByText("About $60 a month.");
    await user.selectOptions(screen.getByLabelText("Agent"), "cost");
    await waitFor(() => expect(exchanges().children).toHaveLength(0));
    const fresh = document.querySelector<HTMLElement>(".chat-main")?.dataset.sessionId ?? "";
    expect(fresh).not.toBe(old);
    expect(fresh.length).toBeGreaterThanOrEqual(33);
    expect(screen.getByLabelText<HTMLSelectElement>("Agent").value).toBe("cost");
  });

  it("names an agent that cannot be reached and what to do, in English and Japanese", async () => {
    for (const locale of ["en-US", "ja-JP"]) {
      sessionStorage.clear();
      const user = userEvent.setup();
      const backend = memoryBackend({ locale });
      await backend.agentsAdd("gone", { url: "http://127.0.0.1:1/down", arn: "", region: "", endpoint: "", auth: "", timeout_seconds: 0 });
      const { unmount } = render(<App backend={backend} initialPage="chat" />);
      const label = locale === "ja-JP" ? "エージェント" : "Agent";
      await user.selectOptions(await screen.findByLabelText(label), "gone");
      await user.type(screen.getByLabelText(locale === "ja-JP" ? "メッセージ" : "Your message"), "hello");
      await user.keyboard("{Enter}");
      const failure = await screen.findByTestId("chat-failure");
      expect(failure.dataset.code).toBe("agent_unreachable");
      const reason = locale === "ja-JP" ? "リモートエージェントに接続できません" : "The remote agent cannot be reached";
      expect(failure.textContent).toContain(reason);
      expect(failure.textContent).toContain("cannot reach http://127.0.0.1:1/down/invocations");
      expect(screen.getByTestId("chat-failure-fix").textContent).toContain("agentdesk serve");
      // The offline estimator is for a model that failed, not for another agent.
      expect(screen.queryByTestId("chat-fallback")).toBeNull();
      unmount();
    }
  }, SLOW_MACHINE_LIMIT);

  it("stops a streaming answer with Stop", async () => {
    const user = userEvent.setup();
    const backend = await withAgents(["cost", "http://127.0.0.1:8080"]);
    backend.remote.turns.push(Array.from({ length: 200 }, (_, index) => ({ kind: "text" as const, text: `part ${index} ` })));
    render(<App backend={backend} initialPage="chat" />);
    await user.selectOptions(await screen.findByLabelText("Agent"), "cost");
    await user.type(screen.getByLabelText("Your message"), "a long answer");
    await user.keyboard("{Enter}");
    await within(exchanges()).findByText(/part 0/);
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByTestId("stopped")).toBeTruthy();
    expect(exchanges().textContent).not.toContain("part 199");
  }, SLOW_MACHINE_LIMIT);
});
