import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend, sampleMemory } from "../backend/memory";

describe("the memory page", () => {
  it("groups records by strategy and shows where each came from", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="memory" />);
    const preferences = await screen.findByRole("region", { name: "Preferences" });
    expect(within(preferences).getByText(/なるべく安く/)).toBeTruthy();
    expect(screen.getByRole("region", { name: "Facts" })).toBeTruthy();
    await user.click(within(preferences).getByRole("button", { name: "from 1 event" }));
    expect(await within(preferences).findByText("パン屋のWebサイトをHTMLでなるべく安く作りたい")).toBeTruthy();
  });

  it("shows a conversation's events in order when it is chosen", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="memory" />);
    await user.click(await screen.findByRole("button", { name: /パン屋のWebサイト/ }));
    const events = await screen.findByRole("list", { name: "Events" });
    const texts = within(events).getAllByRole("listitem").map((item) => item.textContent);
    expect(texts[0]).toContain("You パン屋のWebサイト");
    expect(texts[1]).toContain("Agent S3 の静的ホスティング");
  });

  it("edits a record, and deletes one only after confirmation", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="memory" />);
    const facts = await screen.findByRole("region", { name: "Facts" });
    await user.click(within(facts).getByRole("button", { name: "Edit" }));
    const text = within(facts).getByLabelText("Memory text");
    await user.clear(text);
    await user.type(text, "Fact: we run two bakeries");
    await user.click(within(facts).getByRole("button", { name: "Save" }));
    expect(await within(facts).findByText("Fact: we run two bakeries")).toBeTruthy();
    expect(backend.memory.records.find((r) => r.memoryRecordId === "mr-2")?.content.text).toBe("Fact: we run two bakeries");

    await user.click(within(facts).getByRole("button", { name: "Delete" }));
    expect(backend.memory.records).toHaveLength(2);
    await user.click(within(facts).getByRole("button", { name: "Delete for good" }));
    expect(screen.queryByRole("region", { name: "Facts" })).toBeNull();
    expect(backend.memory.records.map((r) => r.memoryRecordId)).toEqual(["mr-1"]);
  });

  it("searches and says when nothing matches", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="memory" />);
    const search = await screen.findByRole("searchbox");
    await user.type(search, "bakery{Enter}");
    expect(await screen.findByText("Fact: we run a small bakery")).toBeTruthy();
    expect(screen.queryByText(/なるべく安く/)).toBeNull();
    expect(screen.getByText("match 100%")).toBeTruthy();
    await user.clear(search);
    await user.type(search, "kubernetes{Enter}");
    expect(await screen.findByText("No memory matches “kubernetes”.")).toBeTruthy();
  });

  it("reports pending extraction and runs it on request, in Japanese too", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend({ locale: "ja-JP" })} initialPage="memory" />);
    expect(await screen.findByText(/1 件の会話で 2 件のイベントが抽出待ちです/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "今すぐ抽出" }));
    expect(await screen.findByText(/新しいイベント 2 件を読みました/)).toBeTruthy();
    expect(await screen.findByText(/抽出は最新です/)).toBeTruthy();
  });

  it("renders a conversation's Markdown: headings and tables, no pipes or hashes", async () => {
    const user = userEvent.setup();
    const memory = sampleMemory();
    const answer = memory.events[1];
    if (answer === undefined) throw new Error("the sample has an answer");
    answer.payload = [
      {
        conversational: {
          role: "ASSISTANT",
          content: { text: "### Monthly estimate\n\n| Service | Monthly |\n|---|---|\n| EC2 | $60.74 |\n| **Total** | $60.74 |" },
        },
      },
    ];
    render(<App backend={memoryBackend({ memory })} initialPage="memory" />);
    await user.click(await screen.findByRole("button", { name: /パン屋のWebサイト/ }));
    const events = await screen.findByRole("list", { name: "Events" });
    expect(within(events).getByRole("heading", { name: "Monthly estimate" })).toBeTruthy();
    const table = within(events).getByRole("table");
    expect(within(table).getByRole("columnheader", { name: "Monthly" })).toBeTruthy();
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(events.textContent).not.toMatch(/###|\|/);
  });

  it("says in words what the agent kept beside its messages, with the JSON a click away", async () => {
    const user = userEvent.setup();
    const memory = sampleMemory();
    const answer = memory.events[1];
    if (answer === undefined) throw new Error("the sample has an answer");
    answer.payload = [
      { blob: { assistantText: "Let me price that." } },
      { blob: { toolCall: { toolCallId: "c1", toolName: "estimate_costs", arguments: { description: "2 t3.small" } } } },
      { blob: { savedEstimate: { id: "est-1", description: "2 t3.small", created_ms: 0, estimate: { headline: "Priced 1 of 1 items.", monthly_total: 30.37 } } } },
    ];
    render(<App backend={memoryBackend({ memory })} initialPage="memory" />);
    await user.click(await screen.findByRole("button", { name: /パン屋のWebサイト/ }));
    const events = await screen.findByRole("list", { name: "Events" });
    expect(within(events).getByText("Let me price that.")).toBeTruthy();
    expect(within(events).getByText("Called the tool estimate_costs")).toBeTruthy();
    const estimate = within(events).getByText(/Estimate: \$30\.37 a month\. Priced 1 of 1 items\./);
    expect(events.textContent).not.toMatch(/"assistantText"/);
    const details = estimate.closest("details");
    if (details === null) throw new Error("the estimate's data is in a details element");
    expect(details.open).toBe(false);
    await user.click(estimate);
    expect(details.open).toBe(true);
    expect(details.textContent).toContain('"monthly_total": 30.37');
  });

  it("shortens a long memory at a word, and shows it whole on request", async () => {
    const user = userEvent.setup();
    const memory = sampleMemory();
    const words = Array.from({ length: 60 }, (_, index) => `word${index}`).join(" ");
    const fact = memory.records[1];
    if (fact === undefined) throw new Error("the sample has a fact");
    fact.content.text = `Fact: ${words}`;
    render(<App backend={memoryBackend({ memory })} initialPage="memory" />);
    const facts = await screen.findByRole("region", { name: "Facts" });
    const text = facts.querySelector(".record-text");
    const shown = text?.firstChild?.textContent ?? "";
    expect(shown.endsWith("…")).toBe(true);
    // Cut after a whole word: what is shown, less the ellipsis, ends with a complete "wordN".
    expect(/ word\d+…$/.test(shown)).toBe(true);
    expect(fact.content.text.startsWith(`${shown.slice(0, -1)} `)).toBe(true);
    const more = within(facts).getByRole("button", { name: "Show all" });
    expect(more.getAttribute("aria-expanded")).toBe("false");
    await user.click(more);
    expect(text?.firstChild?.textContent).toBe(fact.content.text);
    expect(within(facts).getByRole("button", { name: "Show less" }).getAttribute("aria-expanded")).toBe("true");
  });

  it("shortens a long Japanese memory between characters, in Japanese", async () => {
    const memory = sampleMemory();
    const preference = memory.records[0];
    if (preference === undefined) throw new Error("the sample has a preference");
    preference.content.text = `コスト重視: ${"東京リージョンで𠮷野家のサイトを安く動かしたい。".repeat(12)}`;
    render(<App backend={memoryBackend({ memory, locale: "ja-JP" })} initialPage="memory" />);
    const preferences = await screen.findByRole("region", { name: "好み" });
    const shown = preferences.querySelector(".record-text")?.firstChild?.textContent ?? "";
    expect(shown.endsWith("…")).toBe(true);
    expect(preference.content.text.startsWith(shown.slice(0, -1))).toBe(true);
    expect(/[\uD800-\uDBFF]…$/.test(shown)).toBe(false);
    expect(within(preferences).getByRole("button", { name: "すべて表示" })).toBeTruthy();
  });
});
