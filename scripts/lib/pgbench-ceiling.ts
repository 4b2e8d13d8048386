/**
 * The signing ceiling (issue 16): the statements the app sends for a sign or a confirm, captured
 * from a running app (scripts/lib/sql-capture.mjs), turned into a pgbench custom script — each
 * parameter sent as a parameter, as node-postgres sends it (`-M extended`; `-M prepared` for a
 * statement the app sends as a named prepared statement: parsed and planned once per connection), the ones that must
 * differ per transaction (the address's look-up key, the token hashes) drawn from pgbench
 * variables — and driven straight at the same PostgreSQL by 16 clients.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type CapturedValue = string | number | boolean | null | { bytea: string } | { date: string } | CapturedValue[];
export interface Captured {
  at: number;
  client: number;
  text: string;
  values: CapturedValue[];
  /** Sent as a named prepared statement (db/client.ts executePrepared). */
  prepared?: boolean;
}

export async function readCapture(file: string): Promise<Captured[]> {
  const lines = (await fs.readFile(file, "utf8")).split("\n").filter(Boolean);
  return lines.map((line) => JSON.parse(line) as Captured);
}

export const isBytea = (v: CapturedValue): v is { bytea: string } => typeof v === "object" && v !== null && "bytea" in v;

/** A captured parameter as node-postgres sends it in text form. */
function asText(v: Exclude<CapturedValue, null>): string {
  if (Array.isArray(v)) return `{${v.map((e) => (e === null ? "NULL" : JSON.stringify(asText(e)))).join(",")}}`;
  if (typeof v === "object") return "bytea" in v ? `\\x${v.bytea}` : v.date;
  return String(v);
}

export interface Step {
  statement: Captured;
  /** Parameters (0-based) drawn from a pgbench variable instead of the captured value (of a one-element array: its element). */
  vars?: Map<number, string>;
  /** Store the statement's one result row in variables with this prefix (`\gset`). */
  gset?: string;
}

/** The script and its `-D` definitions: `$n` becomes `:sK_pN` (defined once) or the step's variable; NULL stays inline. */
export function pgbenchScript(header: string[], steps: Step[]): { script: string; defines: string[] } {
  const defines: string[] = [];
  const lines = [...header];
  steps.forEach((step, k) => {
    const text = step.statement.text.trim().replace(/\$(\d+)/g, (_, n: string) => {
      const i = Number(n) - 1;
      const own = step.vars?.get(i);
      // An array parameter (the sign statement sends each column as one) of one element: that element drawn.
      if (own) return Array.isArray(step.statement.values[i]) ? `ARRAY[:${own}]` : `:${own}`;
      const value = step.statement.values[i];
      if (value === null || value === undefined) return "NULL";
      defines.push(`s${k}_p${n}=${asText(value)}`);
      return `:s${k}_p${n}`;
    });
    lines.push(step.gset ? `${text}\n\\gset ${step.gset}` : `${text};`);
  });
  return { script: `${lines.join("\n")}\n`, defines: [...new Set(defines)] };
}

export const PGBENCH = process.env.PGBENCH ?? "/usr/lib/postgresql/15/bin/pgbench";

export async function pgbenchAvailable(): Promise<boolean> {
  return fs
    .access(PGBENCH)
    .then(() => true)
    .catch(() => false);
}

/** Runs the script with `clients` connections for `seconds` or `transactions` each (`-M mode`, extended by default); tps without connection time. */
export async function runPgbench(
  url: string,
  script: { script: string; defines: string[] },
  options: { clients: number; seconds?: number; transactions?: number; mode?: "extended" | "prepared" },
): Promise<{ tps: number; processed: number; output: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-pgbench-"));
  try {
    const file = path.join(dir, "script.sql");
    await fs.writeFile(file, script.script);
    const length = options.transactions !== undefined ? ["-t", String(options.transactions)] : ["-T", String(options.seconds ?? 10)];
    const args = ["-n", "-M", options.mode ?? "extended", "-c", String(options.clients), "-j", "2", ...length, "-f", file, "-D", "n=0"];
    for (const d of script.defines) args.push("-D", d);
    const { stdout, stderr } = await run(PGBENCH, [...args, url], { maxBuffer: 64 * 1024 * 1024 });
    const output = `${stdout}\n${stderr}`;
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? NaN);
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1] ?? NaN);
    if (!Number.isFinite(tps)) throw new Error(`pgbench gave no rate:\n${output}`);
    return { tps, processed, output };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
