import { describe, expect, it, vi } from "vitest";
import { startupStep, whenInteractive } from "./startup";

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
