import { describe, expect, it } from "vitest";
import { randomBytes } from "./random.server";

describe("randomBytes (pooled CSPRNG bytes)", () => {
  it("gives the asked length, across pool refills and past the pooled size", () => {
    for (const size of [0, 1, 12, 16, 32, 255, 256, 257, 4096, 10_000]) expect(randomBytes(size)).toHaveLength(size);
  });

  it("never hands out the same bytes twice (20,000 tokens over many refills are all distinct)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomBytes(32).toString("hex"));
    expect(seen.size).toBe(20_000);
  });

  it("returns a copy: changing one value changes no other value, given before or after", () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const before = Buffer.from(b);
    a.fill(0);
    expect(b.equals(before)).toBe(true);
    expect(randomBytes(32).equals(Buffer.alloc(32))).toBe(false);
  });

  it("is spread evenly over byte values (χ² of 1 MiB well inside what uniform bytes give)", () => {
    const counts = new Array<number>(256).fill(0);
    const total = 1 << 20;
    for (let n = 0; n < total; n += 32) for (const byte of randomBytes(32)) counts[byte]!++;
    const expected = total / 256;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 255 degrees of freedom: mean 255, p = 1e-6 at about 390.
    expect(chi2).toBeLessThan(390);
  });

  it("refuses a size that is not a whole number of bytes", () => {
    for (const size of [-1, 1.5, Number.NaN]) expect(() => randomBytes(size)).toThrow(RangeError);
  });
});
