import { describe, expect, it } from "vitest";
import { translator } from "../i18n";
import { countBucket, countText } from "./spread.server";

describe("count buckets (share images are kept per bucket)", () => {
  it("rounds down to two significant digits, exact below 100", () => {
    expect([0, 7, 99, 100, 109, 1234, 9999, 10_500, 123_456, 1_999_999].map(countBucket)).toEqual([0, 7, 99, 100, 100, 1200, 9900, 10_000, 120_000, 1_900_000]);
  });

  it("says so when the bucket is below the count, in the language's plural", () => {
    expect(countText(translator("ru"), 1234, false)).toBe("1\u00a0200+ подписей");
    expect(countText(translator("ru"), 1234)).toBe("1\u00a0234 подписи");
    expect(countText(translator("kk"), 21, false)).toBe("21 қолтаңба");
    expect(countText(translator("en"), 1, false)).toBe("1 signature");
  });
});
