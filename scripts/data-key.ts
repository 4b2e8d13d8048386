/**
 * `npm run data-key -- status`: how many sealed values (addresses, hidden names, queued mails) are
 * under each data key. `npm run data-key -- rotate`: with the new key in DATA_KEY and the old one
 * in DATA_KEY_PREVIOUS, seals every value again under DATA_KEY, in batches
 * (app/services/data-key-rotation.server.ts); then DATA_KEY_PREVIOUS can be emptied.
 */
import { dataKeyStatus, rotateDataKey, type KeyStatus } from "../app/services/data-key-rotation.server.js";
import { keyring } from "../app/services/data-key.server.js";
import { fail } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

const usage = "Usage: npm run data-key -- status | rotate";
const args = process.argv.slice(2);
const command = args[0];
if (args.length !== 1 || (command !== "status" && command !== "rotate"))
  fail(args.length === 0 ? "missing status or rotate" : `unknown arguments: ${args.join(" ")}`, usage);

function describe(status: KeyStatus[], current: string, previous: string[]) {
  const label = (key: string) =>
    key === current ? `${key} (DATA_KEY)` : previous.includes(key) ? `${key} (DATA_KEY_PREVIOUS)` : key === "plain" ? "not sealed" : `${key} (an unknown key)`;
  for (const s of status) {
    const parts = Object.entries(s.byKey).map(([key, n]) => `${n} ${key === "plain" ? "" : "under "}${label(key)}`);
    console.log(`${s.column}: ${parts.length ? parts.join(", ") : "none"}`);
  }
  return status.reduce((sum, s) => sum + Object.entries(s.byKey).reduce((n, [key, count]) => n + (key === current ? 0 : count), 0), 0);
}

await withDatabase(async ({ db }) => {
  const ring = keyring();
  const current = ring.current.id;
  const previous = ring.all.slice(1).map((k) => k.id);
  if (command === "rotate") {
    const started = Date.now();
    const counts = await rotateDataKey(db, { ring });
    for (const c of counts) console.log(`${c.column}: ${c.resealed} sealed again under ${current}`);
    console.log(`Rotated in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  const left = describe(await dataKeyStatus(db), current, previous);
  console.log(
    left === 0
      ? `Every value is sealed under ${current} (DATA_KEY).${previous.length ? " DATA_KEY_PREVIOUS can be removed." : ""}`
      : `${left} values are not sealed under ${current} (DATA_KEY): run npm run data-key -- rotate (with their key in DATA_KEY_PREVIOUS).`,
  );
});
