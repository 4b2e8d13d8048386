/**
 * Writes public/favicon.ico and public/og.png from the design of public/favicon.svg
 * (scripts/lib/images.ts). Run after changing the design: `npx tsx scripts/make-images.ts`;
 * scripts/lib/images.test.ts fails while the committed files differ from what the code draws.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { faviconIco, ogPng } from "./lib/images.js";

for (const [file, bytes] of [
  ["public/favicon.ico", faviconIco()],
  ["public/og.png", ogPng()],
] as const) {
  writeFileSync(path.resolve(file), bytes);
  console.log(`${file}: ${bytes.length} bytes`);
}
