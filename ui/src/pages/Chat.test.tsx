import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { defaultSettings, memoryBackend, sampleEstimate, type MemoryBackend } from "../backend/memory";
import { parseBlocks, Markdown } from "../components/Markdown";
import { byService, toCsv, unitUsd } from "./Chat";

// The open conversation and drafts survive a reload through sessionStorage: not between tests.
beforeEach(() => sessionStorage.clear());

/** The exchanges of the open conversation (the conversation list repeats questions as titles). */
const exchanges = () => document.querySelector<HTMLElement>("ol.exchanges")!;

describe("the chat page, offline", () => {
  it("answers with a table, a chart by service and the assumptions", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    await user.type(await screen.findByLabelText("Your message"), "パン屋のWebサイトをHTMLでなるべく安く作りたい");
    await user.click(screen.getByRole("button", { name: "Send" }));
    const table = await screen.findByTestId("estimate-table");
    expect(within(table).getAllByRole("row")).toHaveLength(5);
    expect(within(table).getByText("$1.67")).toBeTruthy();
    const chart = screen.getByRole("img", { name: "Monthly cost by service" });
    expect(chart.querySelectorAll("rect")).toHaveLength(3);
    expect(screen.getByText("静的サイトを S3 + CloudFront で配信すると仮定しています。")).toBeTruthy();
    expect(within(exchanges()).getByText("パン屋のWebサイトをHTMLでなるべく安く作りたい")).toBeTruthy();
    await user.click(screen.getByText("The calculation (Python)"));
    expect(screen.getByTestId("calculation-script").textContent).toBe("print(1.67)");
  });

  it("sends with Ctrl+Enter and reads in Japanese", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend({ locale: "ja-JP" })} initialPage="chat" />);
    expect(await screen.findByText("オフライン見積もり")).toBeTruthy();
    await user.type(screen.getByLabelText("メッセージ"), "2 t3.medium");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect((await screen.findByTestId("estimate-headline")).textContent).toBe("ap-northeast-1 (アジアパシフィック (東京)) で月額 $1.67(3 項目)。");
    expect(screen.getByTestId("price-sources").textContent).toBe("価格: AgentDesk hand-compiled list prices (2026-11-25)。AWS の定価は変わります。利用前に確認してください。");
    expect(screen.getByTestId("calculated-in").textContent).toBe("計算は Python サンドボックスで実行しました。");
  });

  it("charts and exports what the estimate holds", () => {
    const estimate = sampleEstimate("x").estimate;
    expect(byService(estimate).map(([service]) => service)).toEqual(["cloudfront", "route53", "s3"]);
    const csv = toCsv(estimate).split("\n");
    expect(csv[0]).toBe("service,resource,quantity,unit,unit_price_usd,monthly_usd,price_source,price_date");
    expect(csv[1]).toBe("cloudfront,transfer-out,10,GB,0.114,1.140000,AgentDesk hand-compiled list prices,2026-11-25");
    expect(csv[4]).toBe("total,,,,,1.67,,");
    expect([unitUsd(0.023), unitUsd(0.0416), unitUsd(0.5), unitUsd(0.0000166667)]).toEqual(["$0.023", "$0.0416", "$0.50", "$0.0000166667"]);
  });
});

function withModel(): MemoryBackend {
  const backend = memoryBackend();
  backend.model = { provider: "openai", model: "gpt-4o-mini", problem: null, keySource: "keyring" };
  return backend;
}

const python = { id: "call_py", name: "execute_python", arguments: { code: "print(730 * 0.0416)" } };

describe("the chat page, with a model", () => {
  it("streams the answer once, asks before running Python, and shows the estimate the tool saved", async () => {
    const user = userEvent.setup();
    const backend = withModel();
    backend.turns.push([
      { kind: "text", text: "I'll " },
      { kind: "text", text: "calculate." },
      { kind: "toolRequested", call: python, approval: "ask" },
      { kind: "toolFinished", callId: "call_py", output: { content: "30.368\n", isError: false }, elapsedMs: 42 },
      { kind: "toolRequested", call: { id: "call_est", name: "estimate_costs", arguments: { description: "bakery" } }, approval: "allow" },
      { kind: "toolFinished", callId: "call_est", output: { content: "saved", isError: false, structuredContent: sampleEstimate("bakery") }, elapsedMs: 120 },
      { kind: "text", text: "| Service | Monthly |\n|---|---|\n| EC2 | $30.37 |\n" },
    ]);
    render(<App backend={backend} initialPage="chat" />);
    expect(await screen.findByTestId("model-badge")).toHaveProperty("textContent", "gpt-4o-mini");
    await user.type(screen.getByLabelText("Your message"), "one t3.medium");
    await user.click(screen.getByRole("button", { name: "Send" }));

    const card = await screen.findByRole("article", { name: "Tool call execute_python" });
    expect(card.dataset.state).toBe("asking");
    expect(within(card).getByText("print(730 * 0.0416)")).toBeTruthy();
    expect(screen.getByText("I'll calculate.")).toBeTruthy();
    await user.click(within(card).getByRole("button", { name: "Run" }));
    await waitFor(() => expect(card.dataset.state).toBe("done"));
    expect(backend.approvals).toEqual([["call_py", true]]);
    expect(within(card).getByTestId("tool-output").textContent).toBe("30.368\n");
    expect(within(card).getByText("42 ms")).toBeTruthy();
    expect(await screen.findByTestId("estimate-table")).toBeTruthy();
    const answerTable = await screen.findByRole("cell", { name: "$30.37" });
    expect(answerTable.className).toBe("number");
    expect(await screen.findByText("120 tokens in, 30 out")).toBeTruthy();
  });

  it("tells the model when the user declines, and Stop ends a waiting turn", async () => {
    const user = userEvent.setup();
    const backend = withModel();
    backend.turns.push([{ kind: "toolRequested", call: python, approval: "ask" }]);
    backend.turns.push([{ kind: "toolRequested", call: { ...python, id: "call_2" }, approval: "ask" }]);
    render(<App backend={backend} initialPage="chat" />);
    await user.type(await screen.findByLabelText("Your message"), "first");
    await user.click(screen.getByRole("button", { name: "Send" }));
    const first = await screen.findByRole("article", { name: "Tool call execute_python" });
    await user.click(within(first).getByRole("button", { name: "Don't run" }));
    await waitFor(() => expect(first.dataset.state).toBe("refused"));
    expect(backend.approvals).toEqual([["call_py", false]]);

    await user.type(screen.getByLabelText("Your message"), "second");
    await user.click(await screen.findByRole("button", { name: "Send" }));
    await waitFor(() => expect(screen.getAllByRole("article", { name: "Tool call execute_python" })).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByTestId("stopped")).toBeTruthy();
  });

  it("shows why a configured model cannot answer", async () => {
    const backend = memoryBackend();
    backend.model = { provider: "openai", model: "", problem: "openai needs an API key", keySource: null };
    render(<App backend={backend} initialPage="chat" />);
    expect((await screen.findByTestId("model-problem")).textContent).toContain("needs an API key");
  });
});

describe("comparing estimates", () => {
  it("puts two selected estimates side by side per service", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    for (const message of ["one", "two"]) {
      await user.type(await screen.findByLabelText("Your message"), message);
      await user.click(screen.getByRole("button", { name: "Send" }));
      await waitFor(() => expect(screen.getAllByTestId("estimate-table").length).toBeGreaterThan(0));
    }
    await waitFor(() => expect(screen.getAllByTestId("compare-toggle")).toHaveLength(2));
    expect(screen.queryByTestId("compare-selected")).toBeNull();
    for (const toggle of screen.getAllByTestId("compare-toggle")) await user.click(toggle);
    await user.click(screen.getByRole("button", { name: "Compare 2 estimates" }));
    const table = await screen.findByTestId("comparison-table");
    const rows = within(table).getAllByRole("row");
    // The header, three services, the totals.
    expect(rows).toHaveLength(5);
    expect(within(rows[4]!).getAllByText("$1.67")).toHaveLength(2);
    expect(screen.getByRole("img", { name: "Monthly cost by service in each estimate" }).querySelectorAll("rect")).toHaveLength(6);
  });
});

describe("markdown from a model", () => {
  it("renders tables, lists and code blocks as elements, never as HTML", () => {
    const text = "## Total\n- EC2 **$30.37**\n\n```python\nprint(1)\n```\n\n<img src=x onerror=alert(1)>";
    const blocks = parseBlocks(text);
    expect(blocks.map((block) => block.kind)).toEqual(["heading", "list", "code", "paragraph"]);
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("strong")?.textContent).toBe("$30.37");
    expect(container.querySelector("pre code")?.textContent).toBe("print(1)");
  });

  it("keeps an unfinished code fence open while the answer streams", () => {
    expect(parseBlocks("```\nx = 1")).toEqual([{ kind: "code", language: "", text: "x = 1" }]);
  });
});

describe("sending", () => {
  it("starts with the cursor in the message box; Enter sends and Shift+Enter adds a line", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    const box = await screen.findByLabelText<HTMLTextAreaElement>("Your message");
    expect(document.activeElement).toBe(box);
    expect(screen.getByText("Enter sends · Shift+Enter adds a line")).toBeTruthy();
    await user.keyboard("one t3.medium{Shift>}{Enter}{/Shift}in Tokyo");
    expect(box.value).toBe("one t3.medium\nin Tokyo");
    expect(screen.queryByTestId("estimate-table")).toBeNull();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("estimate-table")).toBeTruthy();
    expect(box.value).toBe("");
    expect(within(exchanges()).getByText((text) => text.startsWith("one t3.medium")).textContent).toBe("one t3.medium\nin Tokyo");
  });

  it("does not send on the Enter that confirms a Japanese conversion", async () => {
    render(<App backend={memoryBackend({ locale: "ja-JP" })} initialPage="chat" />);
    const box = await screen.findByLabelText<HTMLTextAreaElement>("メッセージ");
    fireEvent.change(box, { target: { value: "東京" } });
    fireEvent.keyDown(box, { key: "Enter", isComposing: true });
    fireEvent.keyDown(box, { key: "Enter", keyCode: 229 });
    expect(box.value).toBe("東京");
    expect(exchanges().children).toHaveLength(0);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(await screen.findByTestId("estimate-table")).toBeTruthy();
  });

  it("sends with Ctrl+Enter only, when the setting says so", async () => {
    const user = userEvent.setup();
    const settings = defaultSettings();
    settings.ui.sendWith = "ctrl-enter";
    render(<App backend={memoryBackend({ settings })} initialPage="chat" />);
    const box = await screen.findByLabelText<HTMLTextAreaElement>("Your message");
    await screen.findByText("Ctrl+Enter sends · Enter adds a line");
    await user.type(box, "a static site{Enter}in Tokyo");
    expect(box.value).toBe("a static site\nin Tokyo");
    expect(exchanges().children).toHaveLength(0);
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(await screen.findByTestId("estimate-table")).toBeTruthy();
  });
});

describe("the send key setting", () => {
  it("is chosen on the Settings page and followed by the chat", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    await user.selectOptions(await screen.findByLabelText("Send a chat message with"), "Ctrl+Enter (Enter adds a line)");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved.at(-1)?.ui.sendWith).toBe("ctrl-enter"));
    await user.click(screen.getByRole("button", { name: "Chat" }));
    const box = await screen.findByLabelText<HTMLTextAreaElement>("Your message");
    expect(screen.getByText("Ctrl+Enter sends · Enter adds a line")).toBeTruthy();
    await user.type(box, "a static site{Enter}");
    expect(box.value).toBe("a static site\n");
  });
});

describe("the page's state", () => {
  it("is all still there after visiting another page, even a turn that finished meanwhile", async () => {
    const user = userEvent.setup();
    const backend = withModel();
    backend.turns.push([
      { kind: "text", text: "Before the tool. " },
      { kind: "toolRequested", call: python, approval: "ask" },
      { kind: "toolFinished", callId: "call_py", output: { content: "30.368\n", isError: false }, elapsedMs: 42 },
      { kind: "text", text: "After it: **$30.37**." },
    ]);
    render(<App backend={backend} initialPage="chat" />);
    await user.type(await screen.findByLabelText("Your message"), "one t3.medium");
    await user.keyboard("{Enter}");
    await screen.findByRole("article", { name: "Tool call execute_python" });
    await user.type(screen.getByLabelText("Your message"), "a draft, not sent");

    await user.click(screen.getByRole("button", { name: "Status" }));
    await screen.findByRole("heading", { level: 1, name: "Status" });
    expect(screen.queryByLabelText("Your message")).toBeNull();
    // Approved while away (as another window or a test would): the turn goes on without the page.
    await backend.chatApprove("any", "call_py", true);

    await user.click(screen.getByRole("button", { name: "Chat" }));
    const box = await screen.findByLabelText<HTMLTextAreaElement>("Your message");
    expect(box.value).toBe("a draft, not sent");
    // Regression: focus went to the page heading; it belongs in the message box.
    await waitFor(() => expect(document.activeElement).toBe(box));
    await user.keyboard("!");
    expect(box.value).toBe("a draft, not sent!");
    await user.keyboard("{Control>}4{/Control}");
    await screen.findByRole("heading", { level: 1, name: "Memory" });
    await user.keyboard("{Control>}1{/Control}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Your message")));
    expect(within(exchanges()).getByText("one t3.medium")).toBeTruthy();
    expect(await within(exchanges()).findByText("$30.37")).toBeTruthy();
    expect(within(exchanges()).getByTestId("tool-output").textContent).toBe("30.368\n");
  });

  it("Ctrl+N starts a new chat with its own empty draft", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    const box = await screen.findByLabelText<HTMLTextAreaElement>("Your message");
    await user.type(box, "a static site{Enter}");
    await screen.findByTestId("estimate-table");
    await user.type(box, "draft for the first chat");
    await user.keyboard("{Control>}n{/Control}");
    await waitFor(() => expect(exchanges().children).toHaveLength(0));
    expect(box.value).toBe("");
    expect(document.activeElement).toBe(box);
    await user.click(within(screen.getByRole("complementary", { name: "Conversations" })).getByRole("button", { name: "a static site" }));
    expect(await within(exchanges()).findByTestId("estimate-table")).toBeTruthy();
    expect(box.value).toBe("draft for the first chat");
  });
});

describe("conversations", () => {
  const list = () => within(screen.getByRole("complementary", { name: "Conversations" }));
  const started = () => screen.findByLabelText("Your message");

  it("renames inline: Enter saves, Escape cancels", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="chat" />);
    await started();
    await user.click(await list().findByRole("button", { name: "Rename “パン屋のWebサイト”" }));
    const title = list().getByRole("textbox", { name: "New title (Enter saves, Escape cancels)" });
    expect(document.activeElement).toBe(title);
    await user.clear(title);
    await user.type(title, "Bakery{Escape}");
    expect(list().getByRole("button", { name: "パン屋のWebサイト" })).toBeTruthy();
    expect(backend.memory.sessions[0]!.title).toBe("パン屋のWebサイト");

    await user.click(list().getByRole("button", { name: "Rename “パン屋のWebサイト”" }));
    await user.keyboard("{Control>}a{/Control}Bakery site{Enter}");
    expect(await list().findByRole("button", { name: "Bakery site" })).toBeTruthy();
    expect(backend.memory.sessions[0]!.title).toBe("Bakery site");
  });

  it("deletes after a confirmation that says what stays", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="chat" />);
    await started();
    await user.click(await list().findByRole("button", { name: "パン屋のWebサイト" }));
    expect(await within(exchanges()).findByText("S3 の静的ホスティングなら月数百円です。")).toBeTruthy();
    await user.click(list().getByRole("button", { name: "Delete “パン屋のWebサイト”" }));
    const confirm = list().getByRole("group", { name: "Delete “パン屋のWebサイト”" });
    expect(confirm.textContent).toContain("What was remembered about you from it stays on the Memory page.");
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(backend.memory.sessions).toHaveLength(1);

    await user.click(list().getByRole("button", { name: "Delete “パン屋のWebサイト”" }));
    await user.click(list().getByTestId("delete-confirm"));
    expect(await list().findByTestId("conversations-empty")).toBeTruthy();
    expect(backend.memory.sessions).toEqual([]);
    expect(exchanges().children).toHaveLength(0);
    expect(document.activeElement).toBe(screen.getByLabelText("Your message"));
  });

  it("finds conversations by their text, in Japanese too", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    const box = await screen.findByLabelText("Your message");
    await user.type(box, "A web app with an ALB{Enter}");
    await waitFor(() => expect(list().getAllByRole("listitem")).toHaveLength(2));
    const search = list().getByRole("searchbox", { name: "Search conversations" });
    await user.type(search, "静的ホスティング");
    await waitFor(() => expect(list().getAllByRole("listitem")).toHaveLength(1));
    expect(list().getByRole("button", { name: "パン屋のWebサイト" })).toBeTruthy();
    await user.clear(search);
    await user.type(search, "alb");
    await waitFor(() => expect(list().getByRole("button", { name: "A web app with an ALB" })).toBeTruthy());
    expect(list().getAllByRole("listitem")).toHaveLength(1);
    await user.clear(search);
    await user.type(search, "no such words");
    expect((await list().findByTestId("conversations-empty")).textContent).toBe("No conversation contains “no such words”.");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(list().getAllByRole("listitem")).toHaveLength(2));
  });

  it("shows a reopened conversation as it was live: Markdown, tool cards, the estimate card", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.memory.sessions = [{ actorId: "local-user", sessionId: "past", title: "Two instances", createdAt: "2026-11-25T09:00:00Z", lastActiveAt: "2026-11-25T09:00:00Z", eventCount: 6 }];
    backend.histories.past = [
      {
        question: "Two instances?",
        steps: [
          { kind: "text", text: "I'll estimate it." },
          { kind: "tool", call: { id: "c1", name: "estimate_costs", arguments: { description: "two t3.medium" } }, state: "done", output: { content: "saved", isError: false, structuredContent: sampleEstimate("two t3.medium") }, elapsedMs: 120, reason: null },
          { kind: "tool", call: python, state: "refused", output: null, elapsedMs: null, reason: "the user declined to run execute_python" },
          { kind: "text", text: "## Total\n| Service | Monthly |\n|---|---|\n| EC2 | $60.74 |\n" },
        ],
        estimate: null,
        usage: { inputTokens: 300, outputTokens: 40 },
        traceId: null,
      },
      { question: "And offline?", steps: [], estimate: sampleEstimate("And offline?"), usage: null, traceId: null },
    ];
    render(<App backend={backend} initialPage="chat" />);
    await started();
    await user.click(await list().findByRole("button", { name: "Two instances" }));
    const tool = await screen.findByRole("article", { name: "Tool call estimate_costs" });
    expect(tool.dataset.state).toBe("done");
    expect(within(tool).getByText("120 ms")).toBeTruthy();
    expect(within(tool).getByTestId("estimate-table")).toBeTruthy();
    expect(within(tool).getByTestId("estimate-chart").querySelectorAll("rect")).toHaveLength(3);
    expect(within(tool).getByRole("button", { name: "Export CSV" })).toBeTruthy();
    const refused = screen.getByRole("article", { name: "Tool call execute_python" });
    expect(refused.dataset.state).toBe("refused");
    expect(within(refused).getByText("the user declined to run execute_python")).toBeTruthy();
    expect(within(exchanges()).getByRole("heading", { name: "Total" })).toBeTruthy();
    expect(within(exchanges()).getByRole("cell", { name: "$60.74" })).toBeTruthy();
    expect(screen.getByText("300 tokens in, 40 out")).toBeTruthy();
    expect(screen.getAllByTestId("estimate-table")).toHaveLength(2);
    expect(screen.getAllByTestId("compare-toggle")).toHaveLength(2);
  });
});

describe("an answer's trace", () => {
  const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  const list = () => within(screen.getByRole("complementary", { name: "Conversations" }));

  it("opens on the Traces page from the answer, and an answer without one says so", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.memory.sessions = [{ actorId: "local-user", sessionId: "traced", title: "Two instances", createdAt: "2026-11-25T09:00:00Z", lastActiveAt: "2026-11-25T09:00:00Z", eventCount: 4 }];
    backend.histories.traced = [
      { question: "Two instances?", steps: [{ kind: "text", text: "About $60 a month." }], estimate: null, usage: null, traceId: TRACE_ID },
      { question: "Before traces?", steps: [{ kind: "text", text: "About $30 a month." }], estimate: null, usage: null, traceId: null },
    ];
    const summary = { traceId: TRACE_ID, sessionId: "traced", rootName: "invoke_agent cost-estimator", startNs: 1, endNs: 2_000_001, spanCount: 1, errorCount: 0, inputTokens: 0, outputTokens: 0, models: [], costUsd: null, costNote: null };
    const root = { spanId: "a000000000000001", parentSpanId: null, name: "invoke_agent cost-estimator", kind: "internal", startNs: 1, endNs: 2_000_001, status: "unset", statusMessage: null, attributes: {}, events: [], inputTokens: null, outputTokens: null, costUsd: null };
    backend.traces = [{ summary, spans: [root], costNote: null }];
    render(<App backend={backend} initialPage="chat" />);
    await screen.findByLabelText("Your message");
    await user.click(await list().findByRole("button", { name: "Two instances" }));
    await within(exchanges()).findByText("About $30 a month.");

    const [traced, untraced] = within(exchanges()).getAllByRole("button", { name: "Trace" });
    await user.click(untraced!);
    expect(await within(exchanges()).findByText(/No trace was kept for this answer/)).toBeTruthy();
    await user.click(traced!);
    expect(await screen.findByRole("heading", { level: 1, name: "Traces" })).toBeTruthy();
    expect(await screen.findByRole("heading", { level: 2, name: "invoke_agent cost-estimator" })).toBeTruthy();
    expect(screen.getByTestId("trace-totals")).toBeTruthy();
  });
});

describe("a model that cannot be reached", () => {
  function unreachable(locale?: string): MemoryBackend {
    const backend = memoryBackend({ locale });
    backend.model = { provider: "ollama", model: "qwen2.5:7b", problem: null, keySource: null };
    backend.turns.push({
      fails: {
        code: "model_not_running",
        message: "cannot reach ollama: error sending request for url (http://127.0.0.1:11434/v1/chat/completions): client error (Connect): tcp connect error: Connection refused (os error 111)",
        key: "model.base_url",
      },
    });
    return backend;
  }

  it("says why and how to fix it, and the offline estimator answers the same message", async () => {
    const user = userEvent.setup();
    const backend = unreachable();
    render(<App backend={backend} initialPage="chat" />);
    await screen.findByTestId("model-badge");
    await user.type(screen.getByLabelText("Your message"), "a static site{Enter}");
    const failure = await screen.findByTestId("chat-failure");
    expect(within(failure).getByText("Nothing answers at Ollama's address: the server is not running, or the base URL names the wrong port.")).toBeTruthy();
    expect(within(failure).getByTestId("chat-failure-fix").textContent).toBe("Start Ollama with ollama serve (or open the Ollama app), then send again.");
    expect(within(failure).getByText("ollama serve").tagName).toBe("CODE");
    expect(failure.textContent).toContain("Connection refused");
    await user.click(within(failure).getByRole("button", { name: "Answer with the offline estimator" }));
    expect(await within(exchanges()).findByTestId("estimate-table")).toBeTruthy();
    expect(screen.queryByTestId("chat-failure")).toBeNull();
    expect(exchanges().children).toHaveLength(1);
    expect(Object.values(backend.histories)[0]!.map((exchange) => exchange.question)).toEqual(["a static site"]);
  });

  it("shows a reopened conversation's failed turn as its error notice, not as an empty answer", async () => {
    const user = userEvent.setup();
    const backend = unreachable();
    backend.memory.sessions = [{ actorId: "local-user", sessionId: "failed", title: "A static site", createdAt: "2026-11-25T09:00:00Z", lastActiveAt: "2026-11-25T09:00:00Z", eventCount: 2 }];
    backend.histories.failed = [
      {
        question: "A static site",
        steps: [{ kind: "notice", message: "cannot reach ollama: Connection refused", code: "failed:model_not_running" }],
        estimate: null,
        usage: null,
        traceId: null,
      },
    ];
    render(<App backend={backend} initialPage="chat" />);
    await screen.findByLabelText("Your message");
    const list = within(screen.getByRole("complementary", { name: "Conversations" }));
    await user.click(await list.findByRole("button", { name: "A static site" }));
    const failure = await screen.findByTestId("chat-failure");
    expect(failure.dataset.code).toBe("model_not_running");
    expect(within(failure).getByText("Nothing answers at Ollama's address: the server is not running, or the base URL names the wrong port.")).toBeTruthy();
    expect(failure.textContent).toContain("Connection refused");
    expect(within(exchanges()).queryByRole("status")).toBeNull();
    await user.click(within(failure).getByRole("button", { name: "Answer with the offline estimator" }));
    expect(await within(exchanges()).findByTestId("estimate-table")).toBeTruthy();
  });

  it("says it in Japanese", async () => {
    const user = userEvent.setup();
    render(<App backend={unreachable("ja-JP")} initialPage="chat" />);
    await screen.findByTestId("model-badge");
    await user.type(screen.getByLabelText("メッセージ"), "静的サイト{Enter}");
    const failure = await screen.findByTestId("chat-failure");
    expect(within(failure).getByText("Ollama のアドレスで応答がありません。サーバーが起動していないか、ベース URL のポートが違います。")).toBeTruthy();
    expect(within(failure).getByTestId("chat-failure-fix").textContent).toBe("ollama serve で Ollama を起動するか Ollama アプリを開いてから、もう一度送信してください。");
    expect(within(failure).getByRole("button", { name: "オフライン見積もりで回答する" })).toBeTruthy();
  });

  it("names a refused key and a wrong base URL with their fixes", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.model = { provider: "openai", model: "gpt-4o-mini", problem: null, keySource: "keyring" };
    backend.turns.push({ fails: { code: "model_bad_key", message: "openai refused the credentials (HTTP 401): Incorrect API key provided", key: null } });
    backend.turns.push({ fails: { code: "model_bad_url", message: "openai's base URL answered HTTP 404 with no API error", key: "model.base_url" } });
    render(<App backend={backend} initialPage="chat" />);
    await screen.findByTestId("model-badge");
    await user.type(screen.getByLabelText("Your message"), "first{Enter}");
    const bad = await screen.findByTestId("chat-failure");
    expect(within(bad).getByText("OpenAI refused the API key.")).toBeTruthy();
    expect(within(bad).getByTestId("chat-failure-fix").textContent).toBe("Store a valid API key in Settings (Model, API key).");
    await user.type(screen.getByLabelText("Your message"), "second{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("chat-failure")).toHaveLength(2));
    const url = screen.getAllByTestId("chat-failure")[1]!;
    expect(url.dataset.code).toBe("model_bad_url");
    expect(within(url).getByTestId("chat-failure-fix").textContent).toContain("Check the base URL in Settings");
  });
});

describe("exporting an estimate", () => {
  it("goes through the save dialog and says where the file went, or why not", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="chat" />);
    await user.type(await screen.findByLabelText("Your message"), "パン屋{Enter}");
    const card = (await screen.findByTestId("estimate-table")).closest("article")!;
    await user.click(within(card).getByRole("button", { name: "Export CSV" }));
    expect((await within(card).findByTestId("export-result")).textContent).toBe("Saved to /home/user/Documents/saved/est-0000000000000001.csv");
    const [csv] = backend.saves;
    expect(csv!.suggestedName).toBe("est-0000000000000001.csv");
    expect(csv!.filter).toEqual({ name: "CSV", extensions: ["csv"] });
    const text = new TextDecoder().decode(Uint8Array.from(atob(csv!.contentsBase64), (c) => c.charCodeAt(0)));
    expect(text.split("\n")[0]).toBe("service,resource,quantity,unit,unit_price_usd,monthly_usd,price_source,price_date");

    await user.click(within(card).getByRole("button", { name: "Export Markdown" }));
    await waitFor(() => expect(backend.saves).toHaveLength(2));
    const markdown = backend.saves[1]!;
    expect(markdown.filter).toEqual({ name: "Markdown", extensions: ["md"] });
    expect(new TextDecoder().decode(Uint8Array.from(atob(markdown.contentsBase64), (c) => c.charCodeAt(0)))).toBe("## AWS 料金の見積もり (ap-northeast-1)\n");

    backend.saveTo = null;
    await user.click(within(card).getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(within(card).queryByTestId("export-result")).toBeNull());

    backend.saveFile = async () => {
      throw { code: "io", message: "cannot write /read-only/est.csv: permission denied", key: null };
    };
    await user.click(within(card).getByRole("button", { name: "Export CSV" }));
    expect((await within(card).findByRole("alert")).textContent).toBe("Could not save the file: cannot write /read-only/est.csv: permission denied");
  });
});
