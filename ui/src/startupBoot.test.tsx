import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { memoryBackend } from "./backend/memory";
import { resetBootForTests } from "./startup";

describe("start-up with the shell's boot facts", () => {
  afterEach(() => {
    delete window.__AGENTDESK_BOOT__;
    sessionStorage.clear();
    resetBootForTests();
  });

  it("draws the Chat page in the first render, without waiting for the backend", async () => {
    const backend = memoryBackend();
    window.__AGENTDESK_BOOT__ = { info: await backend.appInfo(), view: await backend.loadSettings() };
    sessionStorage.clear();
    resetBootForTests();
    const appInfo = vi.spyOn(backend, "appInfo");
    render(<App backend={backend} />);
    // No splash first: the heading is there as soon as render returns.
    expect(screen.queryByRole("status", { name: "Loading…" })).toBeNull();
    expect(screen.getByRole("heading", { level: 1, name: "Chat" })).toBeTruthy();
    expect(appInfo).not.toHaveBeenCalled();
  });

  it("without them, shows the splash until the backend answers", async () => {
    render(<App backend={memoryBackend()} />);
    expect(screen.queryByRole("heading", { level: 1, name: "Chat" })).toBeNull();
    expect(await screen.findByRole("heading", { level: 1, name: "Chat" })).toBeTruthy();
  });
});
