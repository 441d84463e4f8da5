import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

/** How long one of these many-step tests may take: on a busy 2-core machine they ran over 5 s. */
const SLOW_MACHINE_LIMIT = 30_000;
import { App } from "../App";
import { memoryBackend } from "../backend/memory";

function server(name: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`li[data-server='${name}']`);
  if (!found) throw new Error(`no server ${name} on the page`);
  return found;
}

describe("the connections page", () => {
  it("adds a server, lists its tools and calls one from a form built from its schema", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="connections" />);
    await screen.findByText(/No MCP servers yet/);
    await user.type(screen.getByLabelText("Name"), "everything");
    await user.type(screen.getByLabelText("URL"), "http://127.0.0.1:3001/mcp");
    await user.click(screen.getByTestId("mcp-add"));
    await waitFor(() => expect(server("everything").dataset.state).toBe("connected"));
    expect(within(server("everything")).getByText("2 tools")).toBeTruthy();
    // A server that goes away while the page is open says so without anyone asking.
    backend.mcpHappened("everything", { state: "failed", error: "everything: the connection closed" });
    await waitFor(() => expect(server("everything").dataset.state).toBe("failed"));
    expect(within(server("everything")).getByTestId("server-error").textContent).toContain("connection closed");
    backend.mcpHappened("everything", { state: "connected", error: null });
    await waitFor(() => expect(server("everything").dataset.state).toBe("connected"));

    await user.click(within(server("everything")).getByTestId("server-tools"));
    await user.click(await screen.findByRole("button", { name: "get-sum" }));
    const form = document.querySelector<HTMLFormElement>("form[data-tool='get-sum']");
    if (!form) throw new Error("no form for get-sum");
    // Fields follow the schema: numbers are checked before anything is sent.
    await user.type(within(form).getByLabelText(/^a/), "two");
    await user.type(within(form).getByLabelText(/^b/), "3");
    await user.click(within(form).getByTestId("tool-call"));
    expect(within(form).getByRole("alert").textContent).toBe("Enter a number.");
    await user.clear(within(form).getByLabelText(/^a/));
    await user.type(within(form).getByLabelText(/^a/), "2");
    await user.click(within(form).getByTestId("tool-call"));
    const result = await within(form).findByTestId("tool-result");
    expect(result.textContent).toContain("The sum of 2 and 3 is 5.");
    expect(result.textContent).toContain('"result": 5');
  }, SLOW_MACHINE_LIMIT);

  it("signs in to a server that asks, showing where to finish, and removes it after confirming", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    await backend.mcpAdd("gateway", {
      command: "", args: [], env: {}, secret_env: [], cwd: "", url: "https://gw.example/login/mcp", headers: {},
      secret_headers: [], auth: "", oauth_client_id: "", timeout_seconds: 0, enabled: true,
    });
    render(<App backend={backend} initialPage="connections" />);
    await waitFor(() => expect(server("gateway").dataset.state).toBe("needs-sign-in"));
    expect(within(server("gateway")).getByTestId("server-error").textContent).toContain("agentdesk mcp login gateway");
    await user.click(within(server("gateway")).getByTestId("server-sign-in"));
    await waitFor(() => expect(server("gateway").dataset.state).toBe("connected"));

    await user.click(within(server("gateway")).getByTestId("server-remove"));
    expect(backend.mcp).toHaveLength(1);
    await user.click(within(server("gateway")).getByTestId("server-remove-confirm"));
    await waitFor(() => expect(document.querySelector("li[data-server='gateway']")).toBeNull());
    expect(backend.mcp).toHaveLength(0);
  }, SLOW_MACHINE_LIMIT);

  it("names the problem when a server cannot be added", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="connections" />);
    await user.type(await screen.findByLabelText("Name"), "bad name");
    await user.type(screen.getByLabelText("URL"), "https://x.example/mcp");
    await user.click(screen.getByTestId("mcp-add"));
    expect((await screen.findByRole("alert")).textContent).toContain("a server's name uses letters, digits");
  }, SLOW_MACHINE_LIMIT);
  it("keeps a secret header's value in the keyring, masked while typed and gone from the form once added", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="connections" />);
    await user.type(await screen.findByLabelText("Name"), "tools");
    await user.type(screen.getByLabelText("URL"), "https://tools.example/mcp");
    await user.click(screen.getByTestId("mcp-secret-add"));
    // The first header is the usual one; it can be renamed.
    const header = screen.getByLabelText("Header") as HTMLInputElement;
    expect(header.value).toBe("Authorization");
    await user.clear(header);
    await user.type(header, "X-API-Key");
    const value = screen.getByLabelText("Value of X-API-Key") as HTMLInputElement;
    expect(value.type).toBe("password");
    await user.type(value, "sk-typed-1234");
    // An empty second row is refused by name, and nothing is saved.
    await user.click(screen.getByTestId("mcp-secret-add"));
    await user.type(screen.getAllByLabelText("Header")[1]!, "X-Other");
    await user.click(screen.getByTestId("mcp-add"));
    expect((await screen.findByRole("alert")).textContent).toContain("X-Other has no value");
    expect(backend.keys).toEqual({});
    await user.click(screen.getAllByRole("button", { name: "Remove" })[1]!);

    await user.click(screen.getByTestId("mcp-add"));
    await waitFor(() => expect(server("tools")).toBeTruthy());
    expect(backend.keys["mcp.tools.header.x-api-key"]).toBe("sk-typed-1234");
    expect(screen.queryByLabelText(/^Value of/)).toBeNull();
    expect(document.body.textContent).not.toContain("sk-typed-1234");

    // A local server gets secret variables instead.
    await user.click(screen.getByLabelText(/Local/));
    await user.click(screen.getByRole("button", { name: "Add a secret variable" }));
    expect(screen.getByLabelText("Variable")).toBeTruthy();
  }, SLOW_MACHINE_LIMIT);

  it("previews Claude Desktop's servers, says why one is skipped, and imports the rest", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="connections" />);
    await user.click(await screen.findByTestId("import-open"));
    const items = await screen.findByTestId("import-items");
    expect((screen.getByLabelText("Config file") as HTMLInputElement).value).toBe("/home/user/.config/Claude/claude_desktop_config.json");
    expect(screen.getByTestId("import-summary").textContent).toContain("1 to add, 1 to skip");
    const github = within(items).getByText("github").closest("li")!;
    expect(github.dataset.action).toBe("add");
    expect(github.textContent).toContain("GITHUB_PERSONAL_ACCESS_TOKEN: kept in the OS keyring");
    const broken = within(items).getByText("broken").closest("li")!;
    expect(broken.textContent).toContain("Skipped: cannot be used");
    expect(broken.textContent).toContain("expected a sequence");
    expect(backend.mcp).toHaveLength(0);

    await user.click(screen.getByTestId("import-run"));
    await waitFor(() => expect(server("github")).toBeTruthy());
    expect(screen.getByTestId("import-summary").textContent).toBe("Imported 1; skipped 1.");
    expect(within(screen.getByTestId("import-items")).getByText("github").closest("li")!.textContent).toContain("moved to the OS keyring");

    // Looked at again, the imported server is already here.
    await user.click(screen.getByTestId("import-preview"));
    await waitFor(() => expect(document.querySelector("li[data-import='github']")?.getAttribute("data-action")).toBe("already-configured"));
    expect(screen.getByTestId("import-run").hasAttribute("disabled")).toBe(true);
  }, SLOW_MACHINE_LIMIT);

  it("picks the file to import with the OS's Open dialog", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    const elsewhere = "/home/user/backup/claude_desktop_config.json";
    backend.claude = { ...backend.claude!, path: elsewhere };
    render(<App backend={backend} initialPage="connections" />);
    await user.click(await screen.findByTestId("import-open"));
    await screen.findByTestId("import-missing");
    await user.click(screen.getByRole("button", { name: "Choose file…" }));
    expect(screen.getByTestId("import-missing")).toBeTruthy(); // cancelled: nothing changes
    backend.importPick = elsewhere;
    await user.click(screen.getByRole("button", { name: "Choose file…" }));
    const items = await screen.findByTestId("import-items");
    expect((screen.getByLabelText("Config file") as HTMLInputElement).value).toBe(elsewhere);
    expect(within(items).getByText("github")).toBeTruthy();
    await user.click(screen.getByTestId("import-run"));
    await waitFor(() => expect(server("github")).toBeTruthy());
  }, SLOW_MACHINE_LIMIT);

  it("says where it looked when there is no Claude Desktop config, and refuses a path that is not JSON", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.claude = null;
    render(<App backend={backend} initialPage="connections" />);
    await user.click(await screen.findByTestId("import-open"));
    expect((await screen.findByTestId("import-missing")).textContent).toContain("There is no file at /home/user/.config/Claude/claude_desktop_config.json");
    const path = screen.getByLabelText("Config file");
    await user.clear(path);
    await user.type(path, "/home/user/notes.txt{Enter}");
    expect((await screen.findByTestId("import-error")).textContent).toContain("is not a .json file");
  }, SLOW_MACHINE_LIMIT);
});
