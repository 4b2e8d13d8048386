/**
 * `npm test`: lint (`npm run lint`: ESLint, then `prettier --check`), type check, build, unit +
 * integration tests (vitest, real PostgreSQL), then the browser tests (Playwright, Debian's
 * Chromium). Prints one summary; exits non-zero on any failure, a lint failure included.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const bin = (name: string) => path.resolve("node_modules/.bin", name);
const steps: Array<{ name: string; cmd: string; args: string[]; env?: Record<string, string> }> = [
  { name: "lint (eslint + prettier --check)", cmd: "npm", args: ["run", "--silent", "lint"] },
  { name: "type check", cmd: bin("tsc"), args: ["--noEmit"] },
  { name: "build", cmd: bin("remix"), args: ["build"], env: { NODE_ENV: "production" } },
  { name: "unit + integration (vitest)", cmd: bin("vitest"), args: ["run", ...process.argv.slice(2)] },
  { name: "end-to-end (playwright)", cmd: bin("playwright"), args: ["test"] },
];

const results: Array<{ name: string; ok: boolean; seconds: number }> = [];
for (const step of steps) {
  console.log(`\n━━ ${step.name} ━━`);
  const started = Date.now();
  const run = spawnSync(step.cmd, step.args, { stdio: "inherit", env: { ...process.env, ...step.env } });
  const ok = run.status === 0;
  results.push({ name: step.name, ok, seconds: (Date.now() - started) / 1000 });
  if (!ok && step.name === "build") break;
}

console.log("\n━━ summary ━━");
for (const r of results) console.log(`${r.ok ? "✔" : "✘"} ${r.name.padEnd(32)} ${r.seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.ok).length + (steps.length - results.length);
console.log(failed ? `\n${failed} step(s) failed` : "\nall steps passed");
process.exit(failed ? 1 : 0);
