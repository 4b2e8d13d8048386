import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { faviconIco, ICON_SIZES, pngScanlines, scanlines, shareImage } from "./images";

/** The committed images are what scripts/lib/images.ts draws (regenerate: npx tsx scripts/make-images.ts). */
describe("site images", () => {
  it("public/favicon.ico is the icon at 16, 32 and 48 px, byte for byte", () => {
    const file = readFileSync(path.resolve("public/favicon.ico"));
    expect(file.readUInt16LE(2), "type: icon").toBe(1);
    expect(file.readUInt16LE(4)).toBe(ICON_SIZES.length);
    expect(ICON_SIZES.map((_, i) => file.readUInt8(6 + 16 * i))).toEqual(ICON_SIZES);
    expect(file.equals(faviconIco())).toBe(true);
  });

  it("public/og.png is the 1200 × 630 share image, pixel for pixel", () => {
    const file = readFileSync(path.resolve("public/og.png"));
    const { width, height, data } = pngScanlines(file);
    expect([width, height]).toEqual([1200, 630]);
    expect(data.equals(scanlines(shareImage()))).toBe(true);
  });
});
