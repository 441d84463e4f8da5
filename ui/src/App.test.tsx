import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { defaultSettings, memoryBackend } from "./backend/memory";
import type { Report } from "./bindings/Doctor";
import type { Settings } from "./bindings/Settings";
import { en } from "./i18n/en";
import { ja } from "./i18n/ja";

describe("the app shell", () => {
  it("lists every page and opens each from the sidebar", async () => {
    render(<App backend={memoryBackend()} />);
    const nav = await screen.findByRole("navigation", { name: "Pages" });
    const names = within(nav).getAllByRole("button").map((b) => b.textContent);
    expect(names).toEqual(["Chat", "Sandbox", "Connections", "Memory", "Traces", "Settings", "Status"]);
    expect(screen.getByRole("heading", { level: 1, name: "Chat" })).toBeTruthy();
    expect(screen.getByTestId("offline-badge").textContent).toBe("Offline estimator");
    await userEvent.setup().click(within(nav).getByRole("button", { name: "Traces" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Traces" })).toBeTruthy();
    expect(await screen.findByText("No traces yet. Send a message on the Chat page and its trace appears here.")).toBeTruthy();
  });

  it("moves through the sidebar with arrow keys and opens a page with Enter", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} />);
    const chat = await screen.findByRole("button", { name: "Chat" });
    chat.focus();
    await user.keyboard("{ArrowUp}");
    expect(document.activeElement?.textContent).toBe("Status");
    await user.keyboard("{Enter}");
    const heading = await screen.findByRole("heading", { level: 1, name: "Status" });
    expect(document.activeElement).toBe(heading);
  });

  it("opens pages with Ctrl+number", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} />);
    await screen.findByRole("navigation");
    await user.keyboard("{Control>}6{/Control}");
    expect(await screen.findByRole("heading", { level: 1, name: "Settings" })).toBeTruthy();
  });

  it("follows a Japanese OS locale when the language follows the system", async () => {
    render(<App backend={memoryBackend({ locale: "ja-JP" })} />);
    expect(await screen.findByRole("button", { name: "設定" })).toBeTruthy();
    await waitFor(() => expect(document.documentElement.lang).toBe("ja"));
  });

  it("applies the theme setting to the document", async () => {
    const settings = { ...defaultSettings(), ui: { ...defaultSettings().ui, language: "en" as const, theme: "dark" as const } };
    render(<App backend={memoryBackend({ settings })} />);
    await screen.findByRole("navigation");
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
  });
});

describe("the settings page", () => {
  it("saves an edited value and switches language when Japanese is saved", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    await user.selectOptions(await screen.findByLabelText("Language"), "ja");
    await user.click(screen.getByRole("radio", { name: "Dark" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(backend.saved[0]?.ui).toEqual({ language: "ja", theme: "dark", sendWith: "enter" });
    expect(await screen.findByRole("heading", { level: 1, name: "設定" })).toBeTruthy();
  });

  it("refuses an out-of-range number with a message at the field and does not save", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    const input = await screen.findByLabelText("Daily log files kept");
    await user.clear(input);
    await user.type(input, "0");
    expect((await screen.findByRole("alert")).textContent).toBe("Enter a whole number from 1 to 365.");
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    expect(backend.saved).toHaveLength(0);
  });

  it("saves when memories are extracted, refusing a value out of range", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    const turns = await screen.findByLabelText("Extract memories after");
    await user.clear(turns);
    await user.type(turns, "500");
    expect((await screen.findByRole("alert")).textContent).toBe("Enter a whole number from 1 to 100.");
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    await user.clear(turns);
    await user.type(turns, "6");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(backend.saved[0]?.memory).toEqual({ extractAfterTurns: 6, extractIdleSeconds: 300 });
  });

  it("keeps message content out of traces until it is switched on, and saves the retention and the OTLP receiver", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    const capture = (await screen.findByLabelText("Keep prompts, answers and tool arguments in traces")) as HTMLInputElement;
    expect(capture.checked).toBe(false);
    await user.click(capture);
    await user.selectOptions(screen.getByLabelText("Keep traces for"), "7");
    await user.selectOptions(screen.getByLabelText("Most space for traces"), "1000");
    await user.type(screen.getByLabelText("Also send traces to (OTLP)"), "http://localhost:4317");
    await user.selectOptions(screen.getByLabelText("OTLP protocol"), "grpc");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(backend.saved[0]?.telemetry).toEqual({
      captureContent: true,
      retentionDays: 7,
      maxMegabytes: 1000,
      otlpEndpoint: "http://localhost:4317",
      otlpProtocol: "grpc",
    });
  });

  it("chooses a model provider, showing its fields only when one is chosen", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    const provider = await screen.findByLabelText("Provider");
    expect(screen.queryByLabelText("Model")).toBeNull();
    await user.selectOptions(provider, "ollama");
    await user.type(screen.getByLabelText("Model"), "qwen2.5:7b");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(backend.saved[0]?.model).toEqual({ provider: "ollama", name: "qwen2.5:7b", baseUrl: "", awsRegion: "", awsProfile: "" });
  });

  it("keeps an API key in the keyring, not in the settings, and shows Bedrock's own fields", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    await user.selectOptions(await screen.findByLabelText("Provider"), "openai");
    await user.type(screen.getByLabelText("API key"), "sk-typed-key");
    await user.click(screen.getByRole("button", { name: "Save key" }));
    expect(await screen.findByText("Saved in the keyring.")).toBeTruthy();
    expect(backend.keys).toEqual({ openai: "sk-typed-key" });
    expect((screen.getByLabelText("API key") as HTMLInputElement).value).toBe("");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(JSON.stringify(backend.saved[0])).not.toContain("sk-typed-key");

    await user.selectOptions(screen.getByLabelText("Provider"), "bedrock");
    expect(screen.queryByLabelText("API key")).toBeNull();
    await user.type(screen.getByLabelText("AWS profile"), "work");
    await user.selectOptions(screen.getByLabelText("Running Python in the sandbox"), "allow");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(2));
    expect(backend.saved[1]?.model.awsProfile).toBe("work");
    expect(backend.saved[1]?.tools).toEqual({ executePython: "allow", interpreter: "", interpreterFallbackToLocal: false });
  });

  it("moves the agent's Python to a configured remote interpreter, and says when a chosen one is gone", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    const withInterpreters = (settings: Settings) => {
      backend.view = { ...backend.view, settings, effective: settings };
    };
    withInterpreters({
      ...backend.view.settings,
      interpreters: { desk: { region: "", identifier: "", endpoint: "http://127.0.0.1:8080", auth: "", session_timeout_seconds: 0, timeout_seconds: 0 } },
    });
    render(<App backend={backend} initialPage="settings" />);
    const picker = (await screen.findByLabelText("Run Python on")) as HTMLSelectElement;
    expect([...picker.options].map((option) => option.text)).toEqual(["This computer (local sandbox)", "desk"]);
    await user.selectOptions(picker, "desk");
    await user.click(screen.getByLabelText("Run locally when the remote interpreter cannot be reached"));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.saved).toHaveLength(1));
    expect(backend.saved[0]?.tools).toEqual({ executePython: "ask", interpreter: "desk", interpreterFallbackToLocal: true });

    withInterpreters({ ...backend.view.settings, interpreters: {}, tools: { ...backend.view.settings.tools, interpreter: "gone" } });
    cleanup();
    render(<App backend={backend} initialPage="settings" />);
    const again = (await screen.findByLabelText("Run Python on")) as HTMLSelectElement;
    expect(again.selectedOptions[0]?.text).toBe("gone (not in the config file)");
  });

  it("signs in to a provider and shows who, then signs out", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    const needsSignIn = { provider: "corp", kind: "oauth", flow: "code", state: "needs-sign-in" as const, signedInAs: null, scopes: [], expiresIn: null, refreshable: false, error: null, persisted: true };
    backend.auth = { providers: [needsSignIn], settings: {}, secretsStored: [], vaultProblem: null };
    render(<App backend={backend} initialPage="settings" />);
    expect(await screen.findByText("Needs sign-in")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Signed in as ann@example.com · token renews in 60 min")).toBeTruthy();
    expect((await screen.findByTestId("account-menu")).textContent).toContain("ann@example.com");
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByText("Needs sign-in")).toBeTruthy();
  });

  it("stores a machine-to-machine client secret in the keyring", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    const m2m = { provider: "gateway", kind: "oauth", flow: "client-credentials", state: "needs-sign-in" as const, signedInAs: null, scopes: [], expiresIn: null, refreshable: false, error: null, persisted: true };
    backend.auth = { providers: [m2m], settings: {}, secretsStored: [], vaultProblem: null };
    render(<App backend={backend} initialPage="settings" />);
    await user.type(await screen.findByLabelText("Client secret"), "s3cr3t");
    await user.click(screen.getAllByRole("button", { name: "Save key" })[0]!);
    expect(await screen.findByText("Saved in the keyring.")).toBeTruthy();
    expect(backend.keys).toEqual({ gateway: "s3cr3t" });
  });

  it("says plainly when tokens cannot be kept", async () => {
    const backend = memoryBackend();
    backend.auth = { providers: [], settings: {}, secretsStored: [], vaultProblem: "the Secret Service keyring is not usable" };
    render(<App backend={backend} initialPage="settings" />);
    expect((await screen.findByText(/Tokens are not kept between runs/)).textContent).toContain("Secret Service");
  });

  it("shows the config file's problems with file, line and key", async () => {
    const backend = memoryBackend();
    backend.view = {
      ...backend.view,
      problems: [
        {
          source: { kind: "file", path: "/c/config.toml", line: 3 },
          key: "ui.theme",
          message: "`blue` is not valid: expected one of system, light, dark",
        },
      ],
    };
    render(<App backend={backend} initialPage="settings" />);
    const banner = await screen.findByTestId("config-problems");
    expect(banner.textContent).toContain("/c/config.toml:3 ui.theme — `blue` is not valid");
  });
});

describe("the status page", () => {
  const report: Report = {
    checks: [
      { id: "data_dir", status: "ok", code: "writable", params: { path: "/d" }, summary: "/d is writable", fix: null },
      {
        id: "keyring",
        status: "error",
        code: "unusable",
        params: { backend: "Secret Service", error: "no bus" },
        summary: "the Secret Service keyring is not usable: no bus",
        fix: "Start a provider",
      },
      { id: "future", status: "warning", code: "new", params: {}, summary: "English from the doctor", fix: "Do this" },
    ],
    versions: [{ name: "agentdesk", value: "0.1.0" }],
  };

  it("shows each check's result and fix, translated, with the doctor's English as fallback", async () => {
    render(<App backend={memoryBackend({ report })} initialPage="status" />);
    const keyring = await screen.findByText("OS keyring");
    const row = keyring.closest("tr");
    expect(row?.dataset.status).toBe("error");
    expect(row?.textContent).toContain("The Secret Service keyring cannot store secrets: no bus");
    expect(row?.textContent).toContain("Fix: Start and unlock a Secret Service provider");
    expect(screen.getByText("English from the doctor")).toBeTruthy();
    expect(screen.getByText("Fix: Do this")).toBeTruthy();
  });

  it("reads in Japanese", async () => {
    render(<App backend={memoryBackend({ report, locale: "ja" })} initialPage="status" />);
    expect(await screen.findByText("データフォルダー")).toBeTruthy();
    expect(screen.getByText("/d に書き込めます。")).toBeTruthy();
  });
});

describe("the catalogs", () => {
  it("use the same placeholders in English and Japanese", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ja[key]), key).toEqual(placeholders(en[key]));
    }
  });
});
