import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

/** How long one of these many-step tests may take: on a busy 2-core machine they ran over 5 s. */
const SLOW_MACHINE_LIMIT = 30_000;
import { App } from "../App";
import { memoryBackend } from "../backend/memory";

function provider(name: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`li[data-provider='${name}']`);
  if (!found) throw new Error(`no provider ${name} on the page`);
  return found;
}

function form(): HTMLElement {
  const found = document.querySelector<HTMLElement>("[data-testid='provider-form']");
  if (!found) throw new Error("no provider form");
  return found;
}

describe("the provider form", () => {
  it("checks the issuer's discovery, names a wrong issuer, and saves the provider with its secret kept out of sight", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    await user.click(await screen.findByTestId("provider-add"));
    const add = within(form());
    await user.type(add.getByLabelText("Name"), "corp");
    await user.type(add.getByLabelText("Issuer URL"), "https://wrong.example");
    await user.type(add.getByLabelText("Client ID"), "agentdesk");

    // A wrong issuer: what is wrong, where it looked, what to do.
    await user.click(add.getByTestId("provider-check"));
    const wrong = await add.findByTestId("discovery-result");
    expect(wrong.dataset.usable).toBe("false");
    expect(within(wrong).getByRole("alert").textContent).toContain("publishes no discovery document");
    expect(within(wrong).getByRole("alert").textContent).toContain("Check the issuer URL");
    expect(wrong.textContent).toContain("https://wrong.example/.well-known/openid-configuration");
    expect(wrong.textContent).toContain("HTTP 404");

    // Another issuer: the old result goes, the new one names the document and endpoints.
    await user.clear(add.getByLabelText("Issuer URL"));
    await user.type(add.getByLabelText("Issuer URL"), "https://idp.example/");
    expect(add.queryByTestId("discovery-result")).toBeNull();
    await user.click(add.getByTestId("provider-check"));
    const found = await add.findByTestId("discovery-result");
    expect(found.dataset.usable).toBe("true");
    expect(add.getByTestId("discovery-summary").textContent).toBe(
      "Found the discovery document at https://idp.example/.well-known/openid-configuration. Sign-in can be tried with these settings.",
    );
    expect(found.textContent).toContain("https://idp.example/token");

    await user.selectOptions(add.getByLabelText("How to sign in"), "client-credentials");
    await user.type(add.getByLabelText("Client secret"), "m2m-secret");
    await user.click(add.getByTestId("provider-save"));
    await waitFor(() => expect(document.querySelector("[data-testid='provider-form']")).toBeNull());
    expect(screen.getByTestId("accounts-done").textContent).toBe("Saved corp.");
    expect(backend.keys.corp).toBe("m2m-secret");
    expect(backend.auth.settings.corp).toMatchObject({ issuer: "https://idp.example/", client_id: "agentdesk", flow: "client-credentials", scopes: ["openid", "email", "offline_access"] });
    expect(provider("corp").dataset.state).toBe("needs-sign-in");
    // The secret is stored, and nowhere on the page.
    expect(within(provider("corp")).getByText("Stored in the OS keyring.")).toBeTruthy();
    expect(document.body.textContent).not.toContain("m2m-secret");
  }, SLOW_MACHINE_LIMIT);

  it("edits a provider from its saved settings, keeping its secret, and removes it after confirming", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    await backend.authSaveProvider(
      "corp",
      {
        kind: "oauth", issuer: "https://idp.example/", authorization_endpoint: "", token_endpoint: "", device_authorization_endpoint: "",
        revocation_endpoint: "", client_id: "agentdesk", scopes: ["openid"], resource: "", audience: "", flow: "client-credentials",
      },
      "m2m-secret",
    );
    render(<App backend={backend} initialPage="settings" />);
    await screen.findByText("corp");
    expect(within(provider("corp")).getByText("Stored in the OS keyring.")).toBeTruthy();

    // Edit: the form starts from the saved settings; the name stays.
    await user.click(within(provider("corp")).getByTestId("provider-edit"));
    const edit = within(form());
    expect(edit.queryByLabelText("Name")).toBeNull();
    expect((edit.getByLabelText("Client ID") as HTMLInputElement).value).toBe("agentdesk");
    expect((edit.getByLabelText("Client secret") as HTMLInputElement).value).toBe("");
    await user.clear(edit.getByLabelText("Scopes"));
    await user.type(edit.getByLabelText("Scopes"), "gateway");
    await user.click(edit.getByTestId("provider-save"));
    await waitFor(() => expect(backend.auth.settings.corp?.scopes).toEqual(["gateway"]));
    expect(backend.keys.corp).toBe("m2m-secret");

    // Remove, after confirming.
    await user.click(within(provider("corp")).getByTestId("provider-remove"));
    expect(backend.auth.providers).toHaveLength(1);
    await user.click(within(provider("corp")).getByTestId("provider-remove-confirm"));
    await waitFor(() => expect(document.querySelector("li[data-provider='corp']")).toBeNull());
    expect(backend.auth.providers).toHaveLength(0);
    expect(backend.keys.corp).toBeUndefined();
    expect(screen.getByTestId("accounts-done").textContent).toBe("Removed corp, its tokens and its secrets.");
  }, SLOW_MACHINE_LIMIT);

  it("adds an API-key provider and names a refused name", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    render(<App backend={backend} initialPage="settings" />);
    await user.click(await screen.findByTestId("provider-add"));
    const add = within(form());
    await user.click(add.getByLabelText("API key", { selector: "input[type='radio']" }));
    expect(add.queryByLabelText("Issuer URL")).toBeNull();
    await user.type(add.getByLabelText("Name"), "bad name");
    await user.type(add.getByLabelText("API key", { selector: "input:not([type='radio'])" }), "sk-123");
    await user.click(add.getByTestId("provider-save"));
    expect((await add.findByTestId("provider-error")).textContent).toContain("use letters, digits, '-' and '_'");
    await user.clear(add.getByLabelText("Name"));
    await user.type(add.getByLabelText("Name"), "openai");
    await user.click(add.getByTestId("provider-save"));
    await waitFor(() => expect(provider("openai").dataset.state).toBe("key-stored"));
    expect(backend.keys.openai).toBe("sk-123");
    expect(backend.auth.settings.openai?.kind).toBe("api-key");
  }, SLOW_MACHINE_LIMIT);

  it("reads in Japanese", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend({ locale: "ja-JP" });
    render(<App backend={backend} initialPage="settings" />);
    await user.click(await screen.findByTestId("provider-add"));
    const add = within(form());
    await user.type(add.getByLabelText("発行者 (Issuer) の URL"), "https://nowhere.example");
    await user.type(add.getByLabelText("クライアント ID"), "app");
    await user.click(add.getByRole("button", { name: "確認" }));
    expect((await add.findByRole("alert")).textContent).toContain("ディスカバリー文書がありません");
  }, SLOW_MACHINE_LIMIT);
});
