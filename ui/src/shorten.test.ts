import { describe, expect, it } from "vitest";
import { shorten } from "./shorten";

describe("shorten", () => {
  it("leaves text within the limit alone", () => {
    expect(shorten("Fact: we run a small bakery", 40)).toEqual({ text: "Fact: we run a small bakery", cut: false });
  });

  it("cuts English at the end of a word, never inside one", () => {
    const text = "Topic: a web application with an ALB and two t3.medium instances. Last answer: about $120 a month";
    const { text: short, cut } = shorten(text, 60);
    expect(cut).toBe(true);
    expect(short).toBe("Topic: a web application with an ALB and two t3.medium…");
    expect(text.startsWith(short.slice(0, -1))).toBe(true);
  });

  it("cuts Japanese between words or characters, and never splits a surrogate pair or an emoji", () => {
    const text = "話題: パン屋のWebサイトをHTMLでなるべく安く作りたい（2 回の質問）。最後の回答: S3 の静的ホスティングなら月数百円です。";
    const { text: short, cut } = shorten(text, 30, "ja");
    expect(cut).toBe(true);
    expect(short.endsWith("…")).toBe(true);
    expect(Array.from(short).length).toBeLessThanOrEqual(31);
    expect(text.startsWith(short.slice(0, -1))).toBe(true);

    const rare = "𠮷野家の牛丼を𠮷野家で食べる計画";
    for (let limit = 1; limit < Array.from(rare).length; limit += 1) {
      const cutRare = shorten(rare, limit, "ja").text.slice(0, -1);
      expect(rare.startsWith(cutRare)).toBe(true);
      // A lone high surrogate at the end would be half of 𠮷.
      expect(/[\uD800-\uDBFF]$/.test(cutRare)).toBe(false);
    }
    const family = "家族👨‍👩‍👧‍👦で京都旅行";
    expect(shorten(family, 3, "ja").text).toBe("家族👨‍👩‍👧‍👦…");
  });

  it("cuts one very long word at a character rather than dropping it", () => {
    const url = "https://example.com/a/very/long/path/that/goes/on/and/on/and/on";
    const { text } = shorten(`See ${url}`, 30);
    expect(text).toBe(`See ${url.slice(0, 26)}…`);
  });
});
