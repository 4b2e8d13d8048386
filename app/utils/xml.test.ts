import { describe, expect, it } from "vitest";
import { badgeSvg } from "../services/badge.server";
import { escapeXml } from "./xml";

describe("escapeXml", () => {
  it("escapes the five XML specials and drops what XML 1.0 cannot hold", () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
    expect(escapeXml("a\u0000b\u0007c\u000bd\ufffee\ud800f")).toBe("abcdef");
    // Tabs, newlines, astral characters and Kazakh letters stay.
    expect(escapeXml("\tҚазақ\n😀")).toBe("\tҚазақ\n😀");
  });
});

describe("badgeSvg", () => {
  it("keeps a long title to 60 graphemes with an ellipsis, escaped in the text, the title and the label", () => {
    const svg = badgeSvg({ title: `${"Ұ".repeat(70)} <&>`, count: "5 қолтаңба", lang: "kk", rtl: false });
    expect(svg).not.toMatch(/<&>/);
    expect(svg).toContain(`${"Ұ".repeat(59)}…`);
    const short = badgeSvg({ title: `A "quoted" <title> & more`, count: "1 signature", lang: "en", rtl: false });
    expect(short.match(/A &quot;quoted&quot; &lt;title&gt; &amp; more/g)).toHaveLength(3);
  });
});
