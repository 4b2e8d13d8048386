import {
  Kysely,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";

/*
 * Public reads from a PostgreSQL streaming replica (READ_DATABASE_URL; issue 16, "Past one
 * machine"). The appeal page, the JSON API and the home page read through a Kysely handle whose
 * driver takes each connection from the replica's pool, and runs a statement on the primary
 * instead when the replica cannot answer it: refused, no connection in time, shut down, still
 * starting. The replica is then left alone for REPLICA_RETRY_MS (every read goes to the primary)
 * and tried again by the first read after that. Each change of state is logged once, with a
 * reason code and never an address. (A statement cancelled by a recovery conflict also runs
 * again on the primary, without leaving the replica.)
 *
 * Only single statements run here: a transaction could not move to the primary halfway, so the
 * handle refuses to open one. Writes, and the reads that must see a write just made (the thanks
 * page, the dashboard, my data), use getDb().
 */

/** How long the replica is left alone after it failed, before a read tries it again. */
export const REPLICA_RETRY_MS = 30_000;
/** A replica that does not accept a connection within this is treated as down (the primary answers). */
const REPLICA_CONNECT_TIMEOUT_MS = 1_000;

/** Errors that say the replica cannot answer now (the primary can), as opposed to a wrong statement. */
export function replicaUnavailable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? "";
    // 08 connection, 28 authentication, 3D000 no such database, 53 resources (too many
    // connections), 57P shutdown / starting up, 58 system error.
    return /^(08|28|53|57P|58)/.test(code) || code === "3D000";
  }
  if (!(error instanceof Error)) return false;
  const code = "code" in error ? String(error.code) : "";
  if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND…
  return /connection terminated|timeout exceeded when trying to connect|not queryable/i.test(error.message);
}

/**
 * A statement the standby cancelled because replaying the primary's WAL needed what it read
 * (40001, "conflict with recovery"): rare with short reads, and no sign that the replica is down.
 * It runs again on the primary; the replica keeps the next reads.
 */
function recoveryConflict(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === "40001";
}

/** Why the replica is down, for the log: a code, never a message (which may hold its address). */
function reason(error: unknown): string {
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  if (/^([0-9A-Z]{5}|E[A-Z]+)$/.test(code)) return code;
  const message = error instanceof Error ? error.message : "";
  if (/timeout/i.test(message)) return "no answer in time";
  if (/terminated/i.test(message)) return "connection lost";
  return "unavailable";
}

/** Whether reads go to the replica: up, or down and due for another try. */
class ReplicaState {
  #up = true;
  #retryAt = 0;
  constructor(private readonly log: (line: string) => void) {}

  /** Try the replica? While down, one read every RETRY_MS does (the others go to the primary meanwhile). */
  shouldTry(): boolean {
    if (this.#up) return true;
    const now = Date.now();
    if (now < this.#retryAt) return false;
    this.#retryAt = now + REPLICA_RETRY_MS;
    return true;
  }

  answered() {
    if (this.#up) return;
    this.#up = true;
    this.log("public reads: the replica (READ_DATABASE_URL) answers again; reading from it");
  }

  failed(error: unknown) {
    this.#retryAt = Date.now() + REPLICA_RETRY_MS;
    if (!this.#up) return;
    this.#up = false;
    this.log(
      `public reads: the replica (READ_DATABASE_URL) is unavailable (${reason(error)}); reading from the primary, trying the replica again every ${REPLICA_RETRY_MS / 1000} s`,
    );
  }
}

const NO_TRANSACTIONS = "getReadDb() runs single statements: open transactions on getDb()";

/** A replica connection whose statements move to the primary when the replica cannot answer them. */
class ReplicaConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly state: ReplicaState,
    private readonly onPrimary: <R>(query: CompiledQuery) => Promise<QueryResult<R>>,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    let result: QueryResult<R>;
    try {
      result = await this.inner.executeQuery<R>(query);
    } catch (error) {
      if (recoveryConflict(error)) return this.onPrimary<R>(query);
      if (!replicaUnavailable(error)) throw error;
      this.state.failed(error);
      return this.onPrimary<R>(query);
    }
    this.state.answered();
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ReadDriver implements Driver {
  // Typed as Driver: a PostgresDriver takes back what it handed out (its own connection class, not exported).
  readonly #replica: Driver;
  readonly #primary: Driver;
  readonly #state: ReplicaState;

  constructor(replicaPool: pg.Pool, primaryPool: () => pg.Pool, log: (line: string) => void) {
    this.#replica = new PostgresDriver({ pool: replicaPool });
    // The primary's pool belongs to getDb(): borrowed per connection, never ended from here.
    this.#primary = new PostgresDriver({ pool: { connect: () => primaryPool().connect(), end: async () => undefined } });
    this.#state = new ReplicaState(log);
  }

  async init() {
    await this.#replica.init();
    await this.#primary.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#state.shouldTry()) {
      try {
        const inner = await this.#replica.acquireConnection();
        return new ReplicaConnection(inner, this.#state, (query) => this.#onPrimary(query));
      } catch (error) {
        if (!replicaUnavailable(error)) throw error;
        this.#state.failed(error);
      }
    }
    return this.#primary.acquireConnection();
  }

  async #onPrimary<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const connection = await this.#primary.acquireConnection();
    try {
      return await connection.executeQuery<R>(query);
    } finally {
      await this.#primary.releaseConnection(connection);
    }
  }

  async releaseConnection(connection: DatabaseConnection) {
    // A replica connection that broke is not queryable any more: pg's pool drops it on release.
    if (connection instanceof ReplicaConnection) await this.#replica.releaseConnection(connection.inner);
    else await this.#primary.releaseConnection(connection);
  }

  async beginTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async commitTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async rollbackTransaction(): Promise<void> {
    throw new Error(NO_TRANSACTIONS);
  }

  async destroy() {
    await this.#replica.destroy();
  }
}

/**
 * The handle of public reads: statements on the replica at `url`, on the primary (the pool
 * `primaryPool()` returns, getDb()'s) while the replica cannot answer.
 */
export function createReadDb(url: string, primaryPool: () => pg.Pool, log: (line: string) => void): Kysely<Database> {
  const replicaPool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // As for the primary (db/client.ts): a connection dropped by the replica must not crash the process.
  replicaPool.on("error", () => undefined);
  replicaPool.on("connect", (client) => client.on("error", () => undefined));
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new ReadDriver(replicaPool, primaryPool, log),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  return new Kysely<Database>({ dialect });
}
