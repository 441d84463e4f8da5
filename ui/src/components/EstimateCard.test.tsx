import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { nothingPricedEstimate, sampleEstimate } from "../backend/memory";
import type { SavedEstimate } from "../bindings/Estimate";
import { I18nProvider, type Locale } from "../i18n";
import { EstimateCard, toCsv } from "./EstimateCard";

function show(saved: SavedEstimate, locale: Locale = "en") {
  return render(
    <I18nProvider locale={locale}>
      <EstimateCard saved={saved} onSelect={() => {}} />
    </I18nProvider>,
  );
}

describe("the estimate card", () => {
  it("shows the guidance, not $0.00, when nothing was priced", () => {
    const { container } = show(nothingPricedEstimate("RDS MySQL db.m5.xlarge in us-east-1"));
    expect(screen.getByTestId("estimate-headline").textContent).toBe(
      "Nothing could be priced in us-east-1 (US East (N. Virginia)). Not priced: rds mysql db.m5.xlarge in us-east-1.",
    );
    expect(container.textContent).not.toContain("$0.00");
    expect(screen.queryByTestId("estimate-table")).toBeNull();
    expect(screen.queryByTestId("estimate-chart")).toBeNull();
    expect(screen.queryByRole("button", { name: "Export CSV" })).toBeNull();
    expect(screen.queryByTestId("compare-toggle")).toBeNull();
    const guidance = screen.getByTestId("nothing-priced");
    expect(guidance.textContent).toContain("Name the services and their sizes, for example:");
    expect(within(guidance).getByText("an ALB, 2 EC2 t3.medium and RDS MySQL in us-east-1")).toBeTruthy();
    expect(within(guidance).getByText("東京リージョンでt3.smallを1台、24時間稼働させたい")).toBeTruthy();
    // Nothing was calculated, so nothing is said about where.
    expect(screen.queryByTestId("calculated-in")).toBeNull();
  });

  it("lists what was not priced with its reason and alternatives", () => {
    show(nothingPricedEstimate("RDS MySQL db.m5.xlarge in us-east-1"));
    const entries = screen.getAllByTestId("not-priced-entry");
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry.querySelector("strong")?.textContent).toBe("rds mysql db.m5.xlarge in us-east-1");
    expect(entry.textContent).toContain("db.m5.xlarge is not in the offline catalog for us-east-1");
    expect(entry.querySelector("code")?.textContent).toBe("agentdesk prices update");
    const alternatives = within(within(entry).getByTestId("alternatives")).getAllByRole("listitem").map((li) => li.textContent);
    expect(alternatives).toEqual([
      "db.m5.large in us-east-1: $0.171/instance-hour (about $124.83 a month)",
      "db.r6g.large in us-east-1: $0.226/instance-hour (about $164.98 a month)",
    ]);
  });

  it("says where the arithmetic ran, and never that the sandbox is missing unless the estimate says so", () => {
    const host = sampleEstimate("x");
    host.estimate.calculated_in = "host";
    host.estimate.calculation_note = null;
    const { container, unmount } = show(host);
    expect(screen.getByTestId("calculated-in").textContent).toBe("Calculated on this machine.");
    expect(container.textContent).not.toMatch(/not installed/);
    unmount();

    host.estimate.calculation_note = "the Python sandbox is not installed: `agentdesk sandbox install python`";
    show(host);
    expect(screen.getByTestId("calculated-in").textContent).toBe(
      "Calculated on this machine: the Python sandbox is not installed: agentdesk sandbox install python",
    );
    expect(screen.getByTestId("calculated-in").querySelector("code")?.textContent).toBe("agentdesk sandbox install python");
  });

  it("names the remote interpreter the arithmetic ran on, and why the local sandbox stood in for it", () => {
    const remote = sampleEstimate("x");
    remote.estimate.calculated_in = "interpreter";
    remote.estimate.calculation_note = "cloud";
    const { unmount } = show(remote);
    expect(screen.getByTestId("calculated-in").textContent).toBe("Calculated on the remote code interpreter cloud.");
    unmount();
    remote.estimate.calculated_in = "sandbox";
    remote.estimate.calculation_note = "interpreter cloud cannot be reached";
    show(remote);
    expect(screen.getByTestId("calculated-in").textContent).toBe("Calculated in the local Python sandbox: interpreter cloud cannot be reached");
  });

  it("names every price source with its date, warns about the region, and reads in Japanese", () => {
    const saved = sampleEstimate("x");
    saved.estimate.items[0]!.price_source = "sparecores-data 0.1.0";
    saved.estimate.items[0]!.price_date = "2024-02-21";
    saved.estimate.price_sources = [
      { name: "sparecores-data 0.1.0", date: "2024-02-21" },
      { name: "AgentDesk hand-compiled list prices", date: "2026-11-25" },
    ];
    saved.estimate.region_note = "“Atlantis” is not an AWS region AgentDesk knows: priced in us-east-1, the default region, instead.";
    show(saved);
    expect(screen.getByTestId("price-sources").textContent).toBe(
      "Prices: sparecores-data 0.1.0 (2024-02-21); AgentDesk hand-compiled list prices (2026-11-25). AWS list prices change; check them before relying on them.",
    );
    expect(screen.getByTestId("calculated-in").textContent).toBe("Calculated in the Python sandbox.");
    expect(screen.getByRole("note").textContent).toContain("“Atlantis” is not an AWS region AgentDesk knows");
    expect(toCsv(saved.estimate).split("\n")[1]).toBe("cloudfront,transfer-out,10,GB,0.114,1.140000,sparecores-data 0.1.0,2024-02-21");
  });

  it("gives the guidance in Japanese", () => {
    const saved = nothingPricedEstimate("謎のサービス");
    saved.estimate.not_priced = [{ asked: "謎のサービス", reason: "説明から AWS のリソースを読み取れませんでした", alternatives: [] }];
    const { container } = show(saved, "ja");
    expect(screen.getByRole("heading", { level: 3 }).textContent).toBe("見積もりに含めていないもの");
    expect(screen.getByTestId("nothing-priced").textContent).toContain("サービスとサイズを書いてください。例:");
    expect(screen.queryByTestId("alternatives")).toBeNull();
    expect(container.textContent).not.toContain("$0.00");
  });
});
