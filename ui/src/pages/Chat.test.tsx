import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { memoryBackend, sampleEstimate } from "../backend/memory";
import { byService, toCsv, unitUsd } from "./Chat";

describe("the chat page, offline", () => {
  it("answers with a table, a chart by service and the assumptions", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend()} initialPage="chat" />);
    await user.type(await screen.findByLabelText("Your message"), "パン屋のWebサイトをHTMLでなるべく安く作りたい");
    await user.click(screen.getByRole("button", { name: "Send" }));
    const table = await screen.findByTestId("estimate-table");
    expect(within(table).getAllByRole("row")).toHaveLength(5);
    expect(within(table).getByText("$1.67")).toBeTruthy();
    const chart = screen.getByRole("img", { name: "Monthly cost by service" });
    expect(chart.querySelectorAll("rect")).toHaveLength(3);
    expect(screen.getByText("静的サイトを S3 + CloudFront で配信すると仮定しています。")).toBeTruthy();
    expect(screen.getByText("パン屋のWebサイトをHTMLでなるべく安く作りたい")).toBeTruthy();
  });

  it("sends with Ctrl+Enter and reads in Japanese", async () => {
    const user = userEvent.setup();
    render(<App backend={memoryBackend({ locale: "ja-JP" })} initialPage="chat" />);
    expect(await screen.findByText("オフライン見積もり")).toBeTruthy();
    await user.type(screen.getByLabelText("メッセージ"), "2 t3.medium");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(await screen.findByText("ap-northeast-1: 月額 $1.67")).toBeTruthy();
  });

  it("charts and exports what the estimate holds", () => {
    const estimate = sampleEstimate("x").estimate;
    expect(byService(estimate).map(([service]) => service)).toEqual(["cloudfront", "route53", "s3"]);
    const csv = toCsv(estimate).split("\n");
    expect(csv[0]).toBe("service,resource,quantity,unit,unit_price_usd,monthly_usd");
    expect(csv[1]).toBe("cloudfront,transfer-out,10,GB,0.114,1.140000");
    expect(csv[4]).toBe("total,,,,,1.67");
    expect([unitUsd(0.023), unitUsd(0.0416), unitUsd(0.5), unitUsd(0.0000166667)]).toEqual(["$0.023", "$0.0416", "$0.50", "$0.0000166667"]);
  });
});
