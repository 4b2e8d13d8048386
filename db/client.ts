import { createHash } from "node:crypto";
import { Kysely, PostgresDialect, type CompiledQuery } from "kysely";
import pg from "pg";
import { createReadDb } from "./read-replica.js";
import type { Database } from "./schema.js";

// bigint (int8) columns and count(*) come back as JS numbers: our ids and counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// date columns (a response's day of receipt) stay "YYYY-MM-DD": no time zone to shift them a day.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type DB = Kysely<Database>;

export interface DbHandle {
  db: DB;
  pool: pg.Pool;
  url: string;
}

export function createDb(url: string, options: { max?: number } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
  });
  // A dropped connection (database restarted) must not crash the process: the pool
  // discards the client and the next query opens a new one.
  pool.on("error", () => undefined);
  // The pool listens for errors only on idle clients. A connection that breaks while checked
  // out (between two statements of a transaction, when PostgreSQL shuts down) would emit an
  // 'error' nobody listens to, and that crashes the process. With this listener the next
  // statement fails instead (the request gets a 503) and the pool drops the client on release.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool, url };
}

// One pool per process, shared by the server, the Remix build and the workers, which
// may each hold their own copy of this module.
const g = globalThis as typeof globalThis & {
  __appealsDb?: DbHandle;
  __appealsDbUrl?: string;
  __appealsReadDb?: DB;
  __appealsRead?: { url: string; log: (line: string) => void };
};

/** Where the process' database lives: DATABASE_URL, or the embedded cluster's URL set at start. */
export function setDatabaseUrl(url: string) {
  g.__appealsDbUrl = url;
}

export function databaseUrl(): string {
  const url = g.__appealsDbUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error("No database configured: set DATABASE_URL or start the embedded database first");
  return url;
}

export function getDb(): DB {
  g.__appealsDb ??= createDb(databaseUrl());
  return g.__appealsDb.db;
}

/** The primary's pool itself, for a library that speaks pg (the rate limits' store). */
export function primaryPool(): pg.Pool {
  getDb();
  if (!g.__appealsDb) throw new Error("No database configured");
  return g.__appealsDb.pool;
}

/**
 * Runs a query as a named prepared statement on the primary: PostgreSQL parses and plans its text
 * once per connection instead of at every execution. For the few hot statements whose text is
 * fixed (the sign statement: its rows are array parameters); the name follows from the text, so
 * each shape of it is its own statement.
 */
export async function executePrepared<R>(query: CompiledQuery<R>): Promise<R[]> {
  const { sql, parameters } = query;
  let name = preparedNames.get(sql);
  if (!name) {
    name = `appeals_${createHash("sha256").update(sql).digest("base64url").slice(0, 16)}`;
    if (preparedNames.size >= 100) preparedNames.clear();
    preparedNames.set(sql, name);
  }
  const result = await primaryPool().query({ name, text: sql, values: parameters as unknown[] });
  return result.rows as R[];
}
const preparedNames = new Map<string, string>();

/**
 * Where public reads may come from: a streaming replica of the primary (READ_DATABASE_URL), or
 * undefined (the primary). `log` hears each change between the replica and the primary (no address).
 */
export function setReadDatabaseUrl(url: string | undefined, log: (line: string) => void = (line) => console.log(`[appeals] ${line}`)) {
  g.__appealsRead = url ? { url, log } : undefined;
}

/**
 * The handle of the public reads (appeal page, JSON API, home page): the replica when
 * READ_DATABASE_URL is set, with each statement run on the primary while the replica cannot
 * answer (db/read-replica.ts); getDb() itself when it is not. Single statements only, and no
 * read that must see a write this request or the one before made: those use getDb().
 */
export function getReadDb(): DB {
  const read = g.__appealsRead;
  if (!read) return getDb();
  g.__appealsReadDb ??= createReadDb(read.url, primaryPool, read.log);
  return g.__appealsReadDb;
}

export async function closeDb() {
  const handle = g.__appealsDb;
  const read = g.__appealsReadDb;
  g.__appealsDb = undefined;
  g.__appealsReadDb = undefined;
  if (read) await read.destroy();
  if (handle) await handle.db.destroy();
}
