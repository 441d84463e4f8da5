import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "../i18n";
import { SecretField } from "./SecretField";

/** A field whose Save empties it and marks the secret stored, as the app's callers do. */
function Harness({ locale = "en" as "en" | "ja" }) {
  const [value, setValue] = useState("");
  const [stored, setStored] = useState<string[]>([]);
  const save = () => {
    setStored((all) => [...all, value]);
    setValue("");
  };
  return (
    <I18nProvider locale={locale}>
      <SecretField id="key" label="API key" value={value} onChange={setValue} stored={stored.length > 0} onEnter={save}>
        <button type="button" onClick={save}>Save</button>
      </SecretField>
      <output data-testid="kept">{stored.length}</output>
    </I18nProvider>
  );
}

describe("the secret field", () => {
  it("is masked, shows what was pasted on request, and is emptied and masked again once stored", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const input = screen.getByLabelText<HTMLInputElement>("API key");
    expect(input.type).toBe("password");
    expect(input.autocomplete).toBe("off");
    expect(input.getAttribute("spellcheck")).toBe("false");

    input.focus();
    await user.paste("sk-live-0123456789");
    expect(input.value).toBe("sk-live-0123456789");

    const toggle = screen.getByRole("button", { name: "Show API key" });
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    expect(toggle.getAttribute("aria-controls")).toBe("key");
    await user.click(toggle);
    expect(input.type).toBe("text");
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    await user.click(toggle);
    expect(input.type).toBe("password");
    await user.click(toggle);

    // Saving empties the field, masks it again and says where the secret went, without it.
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByTestId("kept").textContent).toBe("1");
    expect(input.value).toBe("");
    expect(input.type).toBe("password");
    expect(input.placeholder).toContain("Stored in the OS keyring");
    expect(screen.getByText("Stored in the OS keyring.")).toBeTruthy();
    expect(document.body.textContent).not.toContain("sk-live-0123456789");
    expect(input.getAttribute("aria-describedby")).toBe("key-stored");
  });

  it("saves on Enter, and is labelled in Japanese", async () => {
    const user = userEvent.setup();
    render(<Harness locale="ja" />);
    await user.type(screen.getByLabelText("API key"), "abc{Enter}");
    expect(screen.getByTestId("kept").textContent).toBe("1");
    expect(screen.getByRole("button", { name: "API keyを表示" })).toBeTruthy();
    expect(screen.getByText("OS のキーリングに保存済みです。")).toBeTruthy();
  });
});
