import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend } from "../backend/memory";
import { tokenize } from "../components/CodeEditor";

/** The page asks the backend for its runtimes first; tests start once they are listed. */
async function runtimesListed() {
  await screen.findByRole("option", { name: /^python-scientific/ });
}

// The page keeps its session and code in sessionStorage for a reload: each test starts clean.
beforeEach(() => sessionStorage.clear());

describe("the sandbox page", () => {
  it("runs the editor's code with Ctrl+Enter and shows the output and exit code", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    const editor = await screen.findByLabelText("Python code");
    await user.clear(editor);
    await user.type(editor, "print('hello')");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(await screen.findByText("hello")).toBeTruthy();
    expect(backend.calls[0]).toEqual({ name: "executeCode", arguments: { code: "print('hello')", language: "python" } });
    expect(screen.getByText(/exit code 0/)).toBeTruthy();
    await waitFor(() => expect(screen.getByText("notes.txt")).toBeTruthy());
  });

  it("marks a failed run and shows the traceback", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="sandbox" />);
    await runtimesListed();
    const editor = await screen.findByLabelText("Python code");
    await user.clear(editor);
    await user.type(editor, "raise ValueError('boom')");
    await user.click(screen.getByRole("button", { name: "Run" }));
    const run = (await screen.findByText(/ValueError: boom/)).closest("li");
    expect(run?.dataset.status).toBe("error");
  });

  it("offers to install a runtime that is missing", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="sandbox" />);
    await runtimesListed();
    await user.selectOptions(screen.getByLabelText("Runtime"), "python-scientific");
    expect(screen.getByTestId("runtime-missing").textContent).toContain("python-scientific runtime is not installed");
    expect((screen.getByRole("button", { name: "Run" }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole("button", { name: "Install" }));
    await waitFor(() => expect(screen.queryByTestId("runtime-missing")).toBeNull());
  });
});

describe("the sandbox page across pages", () => {
  it("keeps the code, the output and the session's variables when the user leaves and comes back", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    const editor = await screen.findByLabelText("Python code");
    await user.clear(editor);
    await user.type(editor, "y = 2");
    await user.click(screen.getByRole("button", { name: "Run" }));
    await waitFor(() => expect(document.querySelectorAll("li.run[data-status='ok']")).toHaveLength(1));
    await user.clear(editor);
    await user.type(editor, "print(y)");

    await user.click(screen.getByRole("button", { name: /^Status/ }));
    await screen.findByRole("heading", { level: 1, name: "Status" });
    await user.click(screen.getByRole("button", { name: /^Sandbox/ }));
    await runtimesListed();

    expect((screen.getByLabelText("Python code") as HTMLTextAreaElement).value).toBe("print(y)");
    expect(document.querySelectorAll("li.run")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Run" }));
    const printed = await screen.findByText("2");
    expect(printed.closest("li")?.dataset.status).toBe("ok");
    expect(backend.sandbox.sessions).toHaveLength(1);
  });

  it("has a Stop button while a cell runs, and shows that it stopped", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="sandbox" />);
    await runtimesListed();
    const editor = await screen.findByLabelText("Python code");
    await user.clear(editor);
    await user.type(editor, "while True: pass");
    await user.click(screen.getByRole("button", { name: "Run" }));
    await user.click(await screen.findByRole("button", { name: "Stop" }));
    expect((await screen.findByTestId("run-stopped")).textContent).toContain("Stopped after 0.0 s");
    expect(document.querySelector("li.run")?.getAttribute("data-status")).toBe("stopped");
    expect(screen.queryByRole("button", { name: "Stop" })).toBeNull();
  });

  it("saves a session file through the save dialog and names where it went", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    await user.click(screen.getByRole("button", { name: "Run" }));
    const file = await screen.findByText("notes.txt");
    await user.click(within(file.closest("li") as HTMLElement).getByRole("button", { name: "Download" }));
    await waitFor(() => expect(document.querySelector("[data-notice='saved']")?.textContent).toContain("Saved notes.txt to /home/user/Documents/saved/notes.txt"));
    expect(backend.saves[0]?.suggestedName).toBe("notes.txt");
  });
});

describe("a remote code interpreter on the sandbox page", () => {
  it("is picked with its status, keeps its own session there and across pages, and New session stops it", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.interpreters.add("lab", "http://127.0.0.1:8080");
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    const option = await screen.findByRole("option", { name: "lab — reachable, 12 ms round trip" });
    await user.selectOptions(screen.getByLabelText("Runtime"), option);
    const line = await screen.findByTestId("interpreter-status");
    expect(line.dataset.state).toBe("reachable");
    expect(line.textContent).toContain("http://127.0.0.1:8080");

    const editor = await screen.findByLabelText("Python code");
    await user.clear(editor);
    await user.type(editor, "y = 42");
    await user.click(screen.getByRole("button", { name: "Run" }));
    await waitFor(() => expect(document.querySelectorAll("li.run[data-status='ok']")).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: /^Status/ }));
    await screen.findByRole("heading", { level: 1, name: "Status" });
    await user.click(screen.getByRole("button", { name: /^Sandbox/ }));
    await runtimesListed();
    expect((screen.getByLabelText("Runtime") as HTMLSelectElement).value).toBe("remote:lab");
    await user.clear(screen.getByLabelText("Python code"));
    await user.type(screen.getByLabelText("Python code"), "print(y)");
    await user.click(screen.getByRole("button", { name: "Run" }));
    expect((await screen.findByText("42")).closest("li")?.dataset.status).toBe("ok");

    const server = backend.interpreters.servers.lab!;
    expect(server.sessions.filter((s) => s.status === "READY")).toHaveLength(1);
    expect(backend.sandbox.sessions, "nothing ran in the local sandbox").toHaveLength(0);
    expect(backend.interpreters.calls.lab?.map((call) => call.name)).toContain("executeCode");
    expect(document.querySelector(".session-id")?.getAttribute("data-interpreter")).toBe("lab");

    await user.click(screen.getByRole("button", { name: "New session" }));
    await waitFor(() => expect(server.sessions.filter((s) => s.status === "READY")).toHaveLength(0));
  });

  it("says why an interpreter cannot be used, in English and Japanese, and the run says so", async () => {
    const unreachable = { reachable: false, roundTripMs: null, code: "unreachable", message: "the code interpreter \"cloud\" cannot be reached at http://127.0.0.1:9: connection refused" };
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.interpreters.add("cloud", "http://127.0.0.1:9", unreachable);
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    await user.selectOptions(screen.getByLabelText("Runtime"), await screen.findByRole("option", { name: "cloud — cannot be reached" }));
    const line = await screen.findByTestId("interpreter-status");
    expect(line.dataset.state).toBe("unreachable");
    expect(line.textContent).toContain("connection refused");
    await user.click(screen.getByRole("button", { name: "Run" }));
    expect((await screen.findByRole("alert")).textContent).toContain("cannot be reached");
    expect(backend.sandbox.sessions, "it did not run locally instead").toHaveLength(0);
    cleanup();

    const japanese = memoryBackend({ locale: "ja" });
    japanese.interpreters.add("cloud", "http://127.0.0.1:9", unreachable);
    render(<App backend={japanese} initialPage="sandbox" />);
    expect(await screen.findByRole("option", { name: "cloud — 接続できません" })).toBeTruthy();
  });
});

describe("the sandbox on the Status page", () => {
  it("shows the live sessions and their memory", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="sandbox" />);
    await runtimesListed();
    await user.click(screen.getByRole("button", { name: "Run" }));
    await waitFor(() => expect(backend.sandbox.sessions).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: /^Status/ }));
    const section = await screen.findByTestId("sandbox-usage");
    await waitFor(() => expect(within(section).getByTestId("sandbox-memory-total").textContent).toContain("24.0 MB in 2 interpreters"));
    expect(section.textContent).toContain("of which 12.0 MB in 1 spare interpreters");
    expect(section.textContent).toContain("sandbox page");
    expect(section.textContent).toContain("after 15 min unused");
  });
});

describe("the sandbox's idle time in Settings", () => {
  it("is chosen from a list and saved as sandbox.idleMinutes", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    const select = await screen.findByLabelText("End a session after it goes unused for");
    expect((select as HTMLSelectElement).value).toBe("15");
    await user.selectOptions(select, "60");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved.at(-1)?.sandbox).toEqual({ idleMinutes: 60, indexUrl: "" }));
  });
});

describe("the code editor's highlighting", () => {
  it("colours keywords, strings, comments and numbers and keeps every character", () => {
    const code = "def f(x):  # note\n    return 'a' + str(42)";
    const tokens = tokenize(code);
    expect(tokens.map((t) => t.text).join("")).toBe(code);
    const kinds = Object.fromEntries(tokens.filter((t) => t.kind !== "plain").map((t) => [t.text, t.kind]));
    expect(kinds).toMatchObject({ def: "keyword", return: "keyword", "# note": "comment", "'a'": "string", "42": "number", str: "builtin" });
  });
});
