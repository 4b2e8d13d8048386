/**
 * `npm run bench:all`: every benchmark (outbox, sign/confirm/page, PDF, the page under attack) and the fault tests, then
 * one table — figure, target, measured, ratio — printed and written into the README between the
 * `<!-- bench:all -->` markers. Not a test: the figures depend on the machine and what else runs.
 *
 * BENCH_ALL_README=0 prints the table without touching the README.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { headroom, type BenchRecord } from "./lib/bench-results.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "appeals-bench-all-"));
const resultsFile = path.join(dir, "figures.jsonl");
const faultsFile = path.join(dir, "faults.json");
const startedAt = new Date();
const problems: string[] = [];

for (const name of ["bench:outbox", "bench:sign", "bench:pdf", "bench:attacks"]) {
  console.log(`\n━━ npm run ${name} ━━`);
  const run = spawnSync("npm", ["run", "--silent", name], { stdio: "inherit", env: { ...process.env, BENCH_RESULTS: resultsFile } });
  if (run.status !== 0) problems.push(`${name} exited with ${run.status}`);
}

console.log("\n━━ fault tests (vitest tests/integration/faults) ━━");
const faults = spawnSync(
  path.resolve("node_modules/.bin/vitest"),
  ["run", "tests/integration/faults", "--reporter=default", "--reporter=json", `--outputFile.json=${faultsFile}`],
  {
    stdio: "inherit",
  },
);
if (faults.status !== 0) problems.push(`fault tests exited with ${faults.status}`);

const figures: BenchRecord[] = existsSync(resultsFile)
  ? readFileSync(resultsFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as BenchRecord)
  : [];
const fmt = (n: number) => n.toLocaleString("en", { maximumFractionDigits: 2 });
const rows = figures.map((f) => {
  const met = f.direction === "≥" ? f.measured >= f.target : f.measured <= f.target;
  const ratio = f.target === 0 ? (f.measured === 0 ? "—" : "✘") : `${fmt(headroom(f))}×`;
  const raw = f.rawInsertRate ? ` (${fmt(f.measured / f.rawInsertRate)} of the raw INSERT rate, ${fmt(f.rawInsertRate)}/s)` : "";
  const note = f.note ? ` — ${f.note.replace(/\|/g, "\\|")}` : "";
  return `| ${f.figure} | ${f.direction} ${fmt(f.target)} ${f.unit} | ${fmt(f.measured)} ${f.unit}${raw}${note} | ${ratio} ${met ? "✔" : "✘ missed"} |`;
});

interface VitestJson {
  testResults?: Array<{ assertionResults?: Array<{ fullName?: string; title: string; status: string; duration?: number }> }>;
}
if (existsSync(faultsFile)) {
  const report = JSON.parse(readFileSync(faultsFile, "utf8")) as VitestJson;
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      const passed = t.status === "passed";
      rows.push(`| fault: ${t.title} | passes | ${passed ? "passed" : t.status} in ${fmt((t.duration ?? 0) / 1000)} s | ${passed ? "✔" : "✘"} |`);
    }
  }
}

const table = [
  `Measured ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load generated on the same machine. ` +
    "Ratio: how far the measurement is on the right side of the target (above 1× = met with that much room).",
  "",
  "| figure | target | measured | ratio |",
  "|---|---|---|---|",
  ...rows,
  ...(problems.length ? ["", `Problems in this run: ${problems.join("; ")}.`] : []),
].join("\n");

console.log(`\n━━ bench:all ━━\n${table}\n`);
if (process.env.BENCH_ALL_README !== "0") {
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:all -->";
  const end = "<!-- /bench:all -->";
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a === -1 || b < a) {
    console.log(`README.md has no ${start} … ${end} markers: not written.`);
  } else {
    writeFileSync("README.md", `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`);
    console.log("written into README.md");
  }
}
rmSync(dir, { recursive: true, force: true });
process.exit(problems.length ? 1 : 0);
