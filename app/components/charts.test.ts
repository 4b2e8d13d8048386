import { describe, expect, it } from "vitest";
import { shortLabel } from "./charts";

describe("shortLabel (a place's label beside its bar)", () => {
  it("keeps a label of 26 characters or fewer as it is", () => {
    expect(shortLabel("Almaty, Kazakhstan")).toBe("Almaty, Kazakhstan");
    expect(shortLabel("a".repeat(26))).toBe("a".repeat(26));
  });

  it("cuts a longer one after 25 characters, with an ellipsis", () => {
    expect(shortLabel("Thessaloniki-Kalamaria-Pylaia, Greece")).toBe("Thessaloniki-Kalamaria-Py…");
  });

  it("never splits a character outside the BMP (the old cut by UTF-16 units left half of one)", () => {
    const label = `${"a".repeat(24)}𠜎𠜱𠝹 City`;
    const short = shortLabel(label);
    expect(short).toBe(`${"a".repeat(24)}𠜎…`);
    // No lone surrogate left once the pairs are taken out.
    expect(short.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "")).not.toMatch(/[\uD800-\uDFFF]/);
  });

  it("never separates a letter from its combining marks: the whole cluster goes", () => {
    const tower = "Z\u0338\u0322\u031b\u0300";
    const short = shortLabel(`${"b".repeat(24)}${tower} Test, Astana`);
    expect(short).toBe(`${"b".repeat(24)}…`);
  });
});
