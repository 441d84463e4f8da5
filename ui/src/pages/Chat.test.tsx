import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend, sampleEstimate, type MemoryBackend } from "../backend/memory";
import { parseBlocks, Markdown } from "../components/Markdown";
import { byService, toCsv, unitUsd } from "./Chat";

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
    expect(screen.getByText("パン屋のWebサイトをHTMLでなるべく安く作りたい")).toBeTruthy();
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
