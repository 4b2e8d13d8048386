// @ts-check
/**
 * TypeScript entry points compiled once into plain JavaScript, for the processes and threads that
 * only make letters: `npm run letter` (scripts/run.mjs) and the app's letter worker thread
 * (server/letter-jobs.ts).
 *
 * Everything else runs under tsx, which compiles as it loads. That costs a loader thread of its
 * own (~50 MB) and slows every import 2–3× (measured: kysely 386 ms under tsx, 138 ms without);
 * for a letter that is a second and a fifth of its memory before the first row. esbuild (the
 * compiler tsx itself uses) bundles the entry's own modules into one file under
 * node_modules/.cache/appeals/; packages stay imports. The file is made again when any of its
 * sources is newer, so an edit is picked up as under tsx.
 */
import { build } from "esbuild";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = path.join(root, "node_modules", ".cache", "appeals");

/**
 * The compiled form of `entry` (a path from the repository's root, e.g. "scripts/letter.ts"),
 * made or re-made when needed. Returns the absolute path of an ES module.
 * @param {string} entry
 * @returns {Promise<string>}
 */
export function compiled(entry) {
  // One check or build per entry at a time in this process (the letter jobs compile at start and
  // when a letter comes: both may ask at once).
  let pending = inFlight.get(entry);
  if (!pending) {
    pending = compile(entry).finally(() => inFlight.delete(entry));
    inFlight.set(entry, pending);
  }
  return pending;
}

/** @type {Map<string, Promise<string>>} */
const inFlight = new Map();

/**
 * @param {string} entry
 * @returns {Promise<string>}
 */
async function compile(entry) {
  const out = path.join(cacheDir, `${entry.replace(/[^A-Za-z0-9]+/g, "-")}.mjs`);
  const inputsFile = `${out}.inputs.json`;
  if (await upToDate(out, inputsFile)) return out;
  await fs.mkdir(cacheDir, { recursive: true });
  // Written beside and renamed: another process compiling the same entry never reads half a file.
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const result = await build({
    entryPoints: [path.join(root, entry)],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // package.json says "sideEffects": false for the browser bundle; here no import may be dropped.
    ignoreAnnotations: true,
    sourcemap: "inline",
    metafile: true,
    logLevel: "silent",
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).map((file) => path.resolve(root, file)),
    path.join(root, "tsconfig.json"),
    path.join(root, "package.json"),
  ];
  await fs.writeFile(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(inputs));
  await fs.rename(`${inputsFile}.${process.pid}.tmp`, inputsFile);
  await fs.rename(tmp, out);
  return out;
}

/**
 * Whether `out` exists and no source it was made from has changed since.
 * @param {string} out
 * @param {string} inputsFile
 */
async function upToDate(out, inputsFile) {
  try {
    const made = (await fs.stat(out)).mtimeMs;
    /** @type {unknown} */
    const inputs = JSON.parse(await fs.readFile(inputsFile, "utf8"));
    if (!Array.isArray(inputs)) return false;
    const times = await Promise.all(inputs.map(async (file) => (await fs.stat(String(file))).mtimeMs));
    return times.every((t) => t <= made);
  } catch {
    return false;
  }
}
