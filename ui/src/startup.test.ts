import { describe, expect, it, vi } from "vitest";
import { defaultSettings } from "./backend/memory";
import type { SettingsView } from "./bindings/Api";
import { resetBootForTests, startupStep, takeBoot, whenInteractive } from "./startup";

/** Runs the frames requested so far (and those they request). */
async function frames() {
  for (let i = 0; i < 3; i += 1) await new Promise((done) => requestAnimationFrame(() => done(null)));
}

describe("whenInteractive", () => {
  it("reports once, after the message box gets focus and is drawn", async () => {
    document.body.innerHTML = `<button id="other">x</button><textarea id="chat-input"></textarea>`;
    const report = vi.fn();
    whenInteractive(report);
    startupStep("script");
    document.getElementById("other")?.focus();
    await frames();
    expect(report).not.toHaveBeenCalled();

    document.getElementById("chat-input")?.focus();
    expect(report).not.toHaveBeenCalled();
    await frames();
    expect(report).toHaveBeenCalledTimes(1);
    expect(report.mock.calls[0]?.[0].pageMs).toBeGreaterThan(0);
    expect(report.mock.calls[0]?.[0].steps.map((step: { name: string }) => step.name)).toContain("script");

    document.getElementById("other")?.focus();
    document.getElementById("chat-input")?.focus();
    await frames();
    expect(report).toHaveBeenCalledTimes(1);
  });

  it("reports a message box that had focus before it started waiting", async () => {
    document.body.innerHTML = `<textarea id="chat-input"></textarea>`;
    document.getElementById("chat-input")?.focus();
    const report = vi.fn();
    whenInteractive(report);
    await frames();
    expect(report).toHaveBeenCalledTimes(1);
  });
});

describe("takeBoot", () => {
  const view = { settings: defaultSettings(), effective: defaultSettings() } as unknown as SettingsView;

  it("gives the shell's facts on the first load of the window's session only", () => {
    sessionStorage.clear();
    resetBootForTests();
    window.__AGENTDESK_BOOT__ = { info: { version: "1.0.0", locale: "ja-JP" }, view };
    expect(takeBoot()?.info.locale).toBe("ja-JP");
    expect(takeBoot()?.info.locale).toBe("ja-JP");

    // A reload: the same session, so the settings may have changed since the shell started.
    resetBootForTests();
    expect(takeBoot()).toBeNull();
    delete window.__AGENTDESK_BOOT__;
  });

  it("is nothing outside the desktop shell", () => {
    sessionStorage.clear();
    resetBootForTests();
    expect(takeBoot()).toBeNull();
  });
});
