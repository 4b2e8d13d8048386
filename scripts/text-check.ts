/**
 * `npm run text:check`: lists stored texts that hold U+FFFD (the replacement character), which a
 * browser put where React's renderer once sent a NUL byte (see app/services/text-check.server.ts).
 * Prints one line per place (appeal, language, field, where; never an address) and a total.
 * Exit codes, for a cron job or a monitor: 0 and "none found" when clean; 1 while organizers can
 * still correct a place (or when the database cannot be reached); 0 when the only places left
 * cannot be corrected (a sent update, a closed or delivered appeal: listed, marked "cannot be
 * corrected"), so a check does not stay red for ever; 2 for a bad argument.
 */
import { findReplacementCharacters, type ReplacementFinding } from "../app/services/text-check.server.js";
import { cliOptions } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

cliOptions({}, "Usage: npm run text:check");

const where = (f: ReplacementFinding) =>
  f.source === "text" ? "working copy" : f.source === "revision" ? `published revision ${f.ref}` : `${f.source} ${f.ref}`;

await withDatabase(async () => {
  const findings = await findReplacementCharacters();
  for (const f of findings) {
    console.log(`${f.slug} (appeal ${f.appealId}, ${f.status})\t${f.lang}\t${f.field}\t${where(f)}${f.correctable ? "" : "\tcannot be corrected"}`);
  }
  const open = findings.filter((f) => f.correctable);
  if (!findings.length) console.log("none found");
  else {
    const appeals = new Set(findings.map((f) => f.appealId)).size;
    console.log(`U+FFFD in ${findings.length} place(s) of ${appeals} appeal(s); ${open.length} can be corrected (edit the text, publish a new revision)`);
  }
  if (open.length) process.exitCode = 1;
});
