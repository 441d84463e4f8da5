import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend } from "../backend/memory";

/** The Status page with its Prices section listed. */
async function pricesShown(backend = memoryBackend()) {
  render(<App backend={backend} initialPage="status" />);
  await screen.findByRole("button", { name: "Update prices" });
  return backend;
}

describe("the prices section", () => {
  it("lists the catalogs in use and offers every region and service", async () => {
    await pricesShown();
    const bundled = screen.getByText("aws-hand-compiled.tsv").closest("tr");
    expect(bundled?.textContent).toContain("Bundled");
    expect(bundled?.textContent).toContain("2026-11-25");
    const built = screen.getByText("AmazonEC2-us-east-1.tsv").closest("tr");
    expect(built?.textContent).toContain("Built here");
    expect(built?.textContent).toContain("2026-12-01");
    expect(built?.textContent).toContain("12");
    const region = screen.getByLabelText("Region") as HTMLSelectElement;
    expect(region.value).toBe("us-east-1");
    expect(within(region).getByRole("option", { name: "eu-central-1 — Europe (Frankfurt)" })).toBeTruthy();
    const services = screen.getAllByRole("checkbox") as HTMLInputElement[];
    expect(services.map((box) => box.checked)).toEqual([true, true, true]);
  });

  it("shows the region names in Japanese", async () => {
    render(<App backend={memoryBackend({ locale: "ja" })} initialPage="status" />);
    expect(await screen.findByRole("option", { name: "ap-northeast-1 — アジアパシフィック (東京)" })).toBeTruthy();
  });

  it("shows progress per file while running, with the button disabled, then each outcome", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    let release = () => {};
    backend.prices.hold = new Promise((resolve) => (release = resolve));
    backend.prices.progress = [
      { kind: "downloading", offer: "AmazonEC2", region: "eu-central-1", done: 1 << 20, total: 4 << 20 },
      { kind: "reading", offer: "AmazonEC2", region: "eu-central-1" },
      { kind: "downloading", offer: "AmazonRDS", region: "eu-central-1", done: 512 * 1024, total: 2 << 20 },
    ];
    backend.prices.outcomes = [
      { status: "written", offer: "AmazonEC2", region: "eu-central-1", rows: 1234, date: "2026-12-01" },
      { status: "up_to_date", offer: "AmazonRDS", region: "eu-central-1", version: "20261201120000" },
      { status: "failed", offer: "AmazonS3", region: "eu-central-1", message: "AmazonS3 has no offer file for eu-central-1" },
    ];
    await pricesShown(backend);
    await user.selectOptions(screen.getByLabelText("Region"), "eu-central-1");
    await user.click(screen.getByRole("checkbox", { name: /rds/ }));
    await user.click(screen.getByRole("checkbox", { name: /rds/ }));
    await user.click(screen.getByRole("button", { name: "Update prices" }));

    const running = await screen.findByRole("button", { name: "Updating…" });
    expect((running as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("AmazonEC2 eu-central-1: reading the prices")).toBeTruthy();
    expect(screen.getByText("AmazonRDS eu-central-1: downloading, 25% of 2.0 MB")).toBeTruthy();
    expect(backend.prices.updates).toEqual([[["eu-central-1"], ["AmazonEC2", "AmazonRDS", "AmazonS3"]]]);

    release();
    const button = await screen.findByRole("button", { name: "Update prices" });
    expect((button as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByText("AmazonEC2 eu-central-1: wrote 1234 prices dated 2026-12-01")).toBeTruthy();
    expect(screen.getByText("AmazonRDS eu-central-1: up to date")).toBeTruthy();
    const failed = screen.getByText(/AmazonS3 eu-central-1: failed/).closest("li");
    expect(failed?.dataset.status).toBe("failed");
    expect(failed?.textContent).toContain("AmazonS3 has no offer file for eu-central-1");
  });

  it("says why when the Price List cannot be read at all", async () => {
    const user = userEvent.setup();
    const backend = memoryBackend();
    backend.prices.outcomes = { code: "prices", message: "cannot fetch https://pricing.example/offers/v1.0/aws/index.json", key: null };
    await pricesShown(backend);
    await user.click(screen.getByRole("button", { name: "Update prices" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "The prices could not be updated: cannot fetch https://pricing.example/offers/v1.0/aws/index.json",
    );
    await waitFor(() => expect((screen.getByRole("button", { name: "Update prices" }) as HTMLButtonElement).disabled).toBe(false));
  });

  it("refuses to update with no service picked", async () => {
    const user = userEvent.setup();
    await pricesShown();
    for (const box of screen.getAllByRole("checkbox")) await user.click(box);
    expect((screen.getByRole("button", { name: "Update prices" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Pick at least one service.")).toBeTruthy();
  });
});
