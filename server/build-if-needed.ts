import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const BUILD_ENTRY = path.resolve("build/index.js");
const SOURCES = ["app", "remix.config.js", "package.json"];

function newestMtime(target: string): number {
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** `npm start` builds the Remix app when there is no build or the sources are newer. */
export function buildIfNeeded(log: (line: string) => void) {
  const built = existsSync(BUILD_ENTRY) ? statSync(BUILD_ENTRY).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(path.resolve(s))));
  if (built >= sources) return;
  log(built ? "sources changed since the last build: building…" : "no build yet: building…");
  execFileSync(process.execPath, [path.resolve("node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  log("build done");
}

/**
 * `npm run dev`: `remix watch` builds, so the server must not build too (two builds racing on
 * public/build made the first `npm run dev` of a fresh checkout fail with ENOTEMPTY). It waits
 * for the watch's first build instead.
 */
export async function waitForBuild(log: (line: string) => void, timeoutMs = 180_000) {
  if (existsSync(BUILD_ENTRY)) return;
  log("waiting for the first build of remix watch…");
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(BUILD_ENTRY)) {
    if (Date.now() > deadline) throw new Error(`no build at ${BUILD_ENTRY} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const buildEntry = BUILD_ENTRY;
