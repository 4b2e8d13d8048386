// @ts-check
/**
 * `node scripts/run.mjs <entry.ts> [args…]`: runs a TypeScript entry compiled to plain JavaScript
 * (server/compiled.mjs) instead of under tsx — for `npm run letter`, whose time and peak memory
 * are measured (`npm run bench:pdf`). The entry sees its own arguments in process.argv.slice(2).
 */
import { pathToFileURL } from "node:url";
import { compiled } from "../server/compiled.mjs";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("Usage: node scripts/run.mjs <entry.ts> [args…]");
  process.exit(2);
}
process.argv = [process.argv[0] ?? "node", entry, ...args];
// Stack traces name the TypeScript files and lines (the compiled file carries its source map).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(await compiled(entry)).href);
