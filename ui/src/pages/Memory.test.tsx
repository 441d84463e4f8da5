import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend } from "../backend/memory";

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
});
