/**
 * `npm run letter -- --appeal <slug> --lang <code|all> --out <path>`
 * Generates delivery letters from the command line (large lists, scripts). Each letter is
 * recorded as a snapshot and made by the same pipeline as one requested from the dashboard
 * (app/services/letter-pipeline.server.ts; here in this process), then copied to --out
 * (a file for one language; a folder for `all`).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { generateNow } from "../app/services/letter-pipeline.server.js";
import { requestLetters } from "../app/services/letters.server.js";
import { copyFileOut } from "../app/services/storage.server.js";
import { cliOptions, explain, fail } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

// V8 lets the heap grow to up to 4× what survives a collection; a letter's live heap stays under
// ~80 MB whatever the list's size, so growing by a quarter holds the peak ~40–100 MB lower (measured
// at 100k and 1M rows) for a few more collections. The process makes only letters.
v8.setFlagsFromString("--heap-growing-percent=25");

const usage = "Usage: npm run letter -- --appeal <slug> --lang <code|all|combined> --out <path>";
const values = cliOptions({ appeal: { type: "string" }, lang: { type: "string" }, out: { type: "string" } }, usage);
const missing = (["appeal", "lang", "out"] as const).filter((key) => !values[key]).map((key) => `--${key}`);
if (missing.length) fail(`missing ${missing.join(", ")}`, usage);
const { appeal: slug = "", lang = "", out = "" } = values;

await withDatabase(async ({ db }) => {
  const appeal = await db.selectFrom("appeals").select(["id"]).where("slug", "=", slug).executeTakeFirst();
  if (!appeal) throw new Error(`no appeal with slug "${slug}"`);
  const ids = await requestLetters(appeal.id, null, lang === "all" ? { all: true } : lang === "combined" ? { combined: true } : { lang }).catch(
    (error: unknown) => {
      // requestLetters refuses a draft ("draft") and a language the appeal has no version in ("bad_request").
      throw explain(error, { draft: "the appeal is still a draft: publish it first", bad_request: `the appeal has no version in "${lang}"` });
    },
  );
  if (lang === "all") await fs.mkdir(out, { recursive: true });
  for (const id of ids) {
    const started = Date.now();
    let shown = -1;
    const result = await generateNow(id, (f) => {
      const pct = Math.floor(f * 100);
      if (process.stderr.isTTY && pct >= shown + 10) {
        shown = pct;
        process.stderr.write(`\r  ${pct}%`);
      }
    });
    const row = await db.selectFrom("letters").select(["lang", "kind"]).where("id", "=", id).executeTakeFirstOrThrow();
    const target = lang === "all" ? path.join(out, `${slug}-${row.lang}-${result.code}.pdf`) : out;
    await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
    await copyFileOut(result.storageKey, target);
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    console.log(
      `${target}: ${row.kind === "combined" ? "all languages" : row.lang}, ${result.count} signatories, ${result.pages} pages, ` +
        `${(result.size / 1024 / 1024).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s; verification code ${result.code}` +
        (result.flaggedNames.length ? `; ${result.flaggedNames.length} names transliterated (marked †)` : ""),
    );
  }
});
