/**
 * Loaded with `node --import` into an app that a benchmark starts (never by the app itself): appends
 * each statement the app sends to PostgreSQL to SQL_CAPTURE_FILE, one JSON line each — the
 * time, the connection's number, the text and its parameters, and whether it went as a named
 * prepared statement (db/client.ts executePrepared) — so the benchmark can drive the very same
 * statements straight at PostgreSQL with pgbench (scripts/lib/pgbench-ceiling.ts).
 */
import fs from "node:fs";
import { createRequire } from "node:module";

const file = process.env.SQL_CAPTURE_FILE;
if (file) {
  const pg = createRequire(import.meta.url)("pg");
  const ids = new WeakMap();
  let next = 0;
  const encode = (v) =>
    v === null || v === undefined
      ? null
      : Buffer.isBuffer(v)
        ? { bytea: v.toString("hex") }
        : v instanceof Date
          ? { date: v.toISOString() }
          : Array.isArray(v)
            ? v.map(encode)
            : v;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, ...rest) {
    const text = typeof config === "string" ? config : config?.text;
    const params = Array.isArray(values) ? values : config?.values;
    if (!ids.has(this)) ids.set(this, ++next);
    if (typeof text === "string")
      fs.appendFileSync(
        file,
        `${JSON.stringify({ at: Date.now(), client: ids.get(this), text, values: (params ?? []).map(encode), prepared: Boolean(config?.name) })}\n`,
      );
    return query.call(this, config, values, ...rest);
  };
}
