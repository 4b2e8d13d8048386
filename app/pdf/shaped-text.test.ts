import bidiFactory from "bidi-js";
import { describe, expect, it } from "vitest";
import { mirroredCharacters } from "./shaped-text.server";
import { rawColorOf } from "./shaped-paragraph.server";

describe("mirroredCharacters", () => {
  it("mirrors the brackets of right-to-left text, and only those", () => {
    const bidi = bidiFactory();
    const name = "ليلى (حسن)";
    expect([...mirroredCharacters(name, bidi.getEmbeddingLevels(name))]).toEqual([
      [5, ")"],
      [9, "("],
    ]);
    const header = "التاريخ (UTC)";
    expect([...mirroredCharacters(header, bidi.getEmbeddingLevels(header, "rtl"))]).toEqual([
      [8, ")"],
      [12, "("],
    ]);
    const latin = "Anna (Almaty)";
    expect(mirroredCharacters(latin, bidi.getEmbeddingLevels(latin)).size).toBe(0);
  });
});

describe("rawColorOf", () => {
  it("keeps a grey a gray level and gives a colour its red, green and blue", () => {
    expect(rawColorOf("#444444")).toBeCloseTo(0x44 / 255);
    expect(rawColorOf("#1a4f8b")).toEqual([0x1a / 255, 0x4f / 255, 0x8b / 255]);
    expect(rawColorOf("blue")).toBe(0);
  });
});
