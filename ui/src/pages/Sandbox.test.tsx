import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend } from "../backend/memory";
import { tokenize } from "../components/CodeEditor";

/** The page asks the backend for its runtimes first; tests start once they are listed. */
async function runtimesListed() {
  await screen.findByRole("option", { name: /^python-scientific/ });
}

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

describe("the code editor's highlighting", () => {
  it("colours keywords, strings, comments and numbers and keeps every character", () => {
    const code = "def f(x):  # note\n    return 'a' + str(42)";
    const tokens = tokenize(code);
    expect(tokens.map((t) => t.text).join("")).toBe(code);
    const kinds = Object.fromEntries(tokens.filter((t) => t.kind !== "plain").map((t) => [t.text, t.kind]));
    expect(kinds).toMatchObject({ def: "keyword", return: "keyword", "# note": "comment", "'a'": "string", "42": "number", str: "builtin" });
  });
});
