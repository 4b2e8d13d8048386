/**
 * Benchmarks print their figures; when BENCH_RESULTS names a file (as `npm run bench:all` does)
 * they also append one JSON line per figure there, so one table can be written into the README.
 */
import { appendFileSync } from "node:fs";

export interface BenchRecord {
  /** What was measured, e.g. "sign POST, 60 s sustained". */
  figure: string;
  unit: string;
  /** "≥" when more is better (a rate), "≤" when less is better (a latency, a size). */
  direction: "≥" | "≤";
  target: number;
  measured: number;
  /** The raw PostgreSQL single-row INSERT rate measured in the same run, where it applies. */
  rawInsertRate?: number;
  /** What else the reader should know about this figure (e.g. what an attack achieved meanwhile). */
  note?: string;
}

export function recordFigure(record: BenchRecord): void {
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** >1 means the target is met with that much room; <1 means it is missed. */
export function headroom(r: Pick<BenchRecord, "direction" | "target" | "measured">): number {
  if (r.direction === "≥") return r.measured / r.target;
  return r.measured === 0 ? Infinity : r.target / r.measured;
}
