import bidiFactory from "bidi-js";
import { describe, expect, it } from "vitest";
import { mirroredCharacters } from "./shaped-text.server";

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
