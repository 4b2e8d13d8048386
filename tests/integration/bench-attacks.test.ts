import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchRecord } from "../../scripts/lib/bench-results";

/**
 * `npm run bench:attacks` in a tiny mode (1-second windows, 500 rows, 3 stalled downloads,
 * 1 MB uploads): the harness runs end to end and records the public page's figures under every
 * attack, none of which failed to run. It asserts no performance: the figures are for the README.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), "appeals-bench-attacks-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/bench-attacks.ts")], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("npm run bench:attacks (tiny mode)", () => {
  it("measures the page quietly and under each attack, and records three figures per attack", { timeout: 180_000 }, async () => {
    const results = path.join(dir, "figures.jsonl");
    const run = await runBench({
      BENCH_RESULTS: results,
      BENCH_ATTACKS_SECONDS: "1",
      BENCH_ATTACKS_ROWS: "500",
      BENCH_ATTACKS_CSV: "3",
      BENCH_ATTACKS_UPLOAD_MB: "1",
      BENCH_ATTACKS_RECOVER: "2",
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("quiet page:");
    expect(run.output).not.toContain("THE ATTACK FAILED");
    const figures = readFileSync(results, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as BenchRecord);
    for (const key of ["a", "b", "c", "d", "e", "f", "g"]) {
      const mine = figures.filter((f) => f.figure.includes(`under (${key})`));
      expect(
        mine.map((f) => f.figure.replace(/ under .*?(, uncached render)?$/, "$1")),
        `attack (${key})`,
      ).toEqual(["public page p50", "public page p99", "public page p99, uncached render"]);
      for (const f of mine) {
        expect(f.direction).toBe("≤");
        expect(Number.isFinite(f.measured) && f.measured > 0).toBe(true);
        expect(Number.isFinite(f.target) && f.target > 0).toBe(true);
      }
      // The p99 row says what the attack achieved and what became of the app's memory.
      expect(mine[1]?.note).toMatch(/app RSS \d+ MB before/);
    }
  });
});
