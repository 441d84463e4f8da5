import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { sampleRegions } from "../backend/memory";
import { I18nProvider } from "../i18n";
import { filterRegions, RegionPicker } from "./RegionPicker";

function Harness({ locale = "en" as "en" | "ja", start = "us-east-1" }) {
  const [region, setRegion] = useState(start);
  return (
    <I18nProvider locale={locale}>
      <label htmlFor="region">Default region</label>
      <RegionPicker id="region" regions={sampleRegions()} value={region} onChange={setRegion} />
      <output data-testid="chosen">{region}</output>
    </I18nProvider>
  );
}

const codes = (query: string) => filterRegions(sampleRegions(), query).map((region) => region.code);

describe("the region picker", () => {
  it("finds a region by city, Japanese name, code or full-width text", () => {
    expect(codes("tokyo")).toEqual(["ap-northeast-1"]);
    expect(codes("東京")).toEqual(["ap-northeast-1"]);
    expect(codes("Frankfurt")).toEqual(["eu-central-1"]);
    expect(codes("eu-central-1")).toEqual(["eu-central-1"]);
    expect(codes("ＴＯＫＹＯ")).toEqual(["ap-northeast-1"]);
    expect(codes("asia pacific")).toEqual(["ap-northeast-1", "ap-northeast-3"]);
    // An exact code comes before regions that merely contain it.
    expect(codes("ap-northeast-3")[0]).toBe("ap-northeast-3");
    expect(codes("nowhere")).toEqual([]);
    expect(codes("")).toHaveLength(4);
  });

  it("is a combobox: typing filters, arrows move, Enter picks, Escape puts the choice back", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const input = screen.getByRole("combobox", { name: "Default region" });
    expect((input as HTMLInputElement).value).toBe("US East (N. Virginia) · us-east-1");
    expect(input.getAttribute("aria-expanded")).toBe("false");

    await user.click(input);
    await user.keyboard("{Control>}a{/Control}asia");
    expect(input.getAttribute("aria-expanded")).toBe("true");
    const list = screen.getByRole("listbox");
    expect(within(list).getAllByRole("option").map((option) => option.dataset.code)).toEqual(["ap-northeast-1", "ap-northeast-3"]);
    expect(input.getAttribute("aria-activedescendant")).toBe("region-option-0");
    // The one without catalogued prices says so.
    const osaka = within(list).getAllByRole("option")[1]!;
    expect(osaka.textContent).toContain("no prices");
    await user.keyboard("{ArrowDown}");
    expect(input.getAttribute("aria-activedescendant")).toBe("region-option-1");
    await user.keyboard("{ArrowUp}{Enter}");
    expect(screen.getByTestId("chosen").textContent).toBe("ap-northeast-1");
    expect(input.getAttribute("aria-expanded")).toBe("false");
    expect((input as HTMLInputElement).value).toBe("Asia Pacific (Tokyo) · ap-northeast-1");

    await user.keyboard("{Control>}a{/Control}frank{Escape}");
    expect(screen.getByTestId("chosen").textContent).toBe("ap-northeast-1");
    expect((input as HTMLInputElement).value).toBe("Asia Pacific (Tokyo) · ap-northeast-1");

    await user.keyboard("{Control>}a{/Control}zzz");
    expect(screen.getByText(/No region matches “zzz”/)).toBeTruthy();
    expect(screen.queryAllByRole("option")).toHaveLength(0);
  });

  it("picks by click, in Japanese, and warns when the region has no prices", async () => {
    const user = userEvent.setup();
    render(<Harness locale="ja" />);
    const input = screen.getByRole("combobox");
    await user.click(input);
    await user.keyboard("{Control>}a{/Control}大阪");
    await user.click(screen.getByRole("option", { name: /アジアパシフィック \(大阪\)/ }));
    expect(screen.getByTestId("chosen").textContent).toBe("ap-northeast-3");
    expect(screen.getByTestId("region-unpriced-note").textContent).toContain("アジアパシフィック (大阪) の価格はまだカタログにありません");
  });
});
