import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createDb } from "../../db/client.js";
import { startEmbeddedPostgres } from "../../db/embedded.js";
import { migrateToLatest } from "../../db/migrate.js";

export interface TestCluster {
  /** URL of the server's maintenance database (`postgres`). */
  serverUrl: string;
  port: number;
  dataDir: string | null;
  stop: () => Promise<void>;
  /** Stop only the PostgreSQL process (data kept); `restart` brings it back on the same port. */
  pause: () => Promise<void>;
  restart: () => Promise<void>;
}

export function dbUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A throwaway PostgreSQL: the server of TEST_DATABASE_URL / DATABASE_URL when given, else an embedded cluster in a temp folder. */
export async function startTestCluster(): Promise<TestCluster> {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    const url = new URL(given);
    return {
      serverUrl: dbUrl(given, "postgres"),
      port: Number(url.port || 5432),
      dataDir: null,
      stop: async () => undefined,
      pause: async () => {
        throw new Error("cannot pause an external database");
      },
      restart: async () => undefined,
    };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-test-"));
  // startEmbeddedPostgres makes `dir` (the cluster's DATA_DIR) 0700, or 0710 for the postgres group as root.
  const dataDir = path.join(dir, "pg");
  let current = await startEmbeddedPostgres({ dataDir, log: () => undefined });
  const port = current.port;
  return {
    serverUrl: current.url,
    port,
    dataDir,
    pause: () => current.stop(),
    restart: async () => {
      current = await startEmbeddedPostgres({ dataDir, port, log: () => undefined });
    },
    stop: async () => {
      await current.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function admin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a database migrated to the latest schema, to be cloned by each test file. */
export async function createTemplate(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  });
  const handle = createDb(dbUrl(serverUrl, name), { max: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.db.destroy();
  }
}

/** A fresh database cloned from the template (fast: a file copy, no migrations). */
export async function cloneDatabase(serverUrl: string, template: string, name: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`));
      return dbUrl(serverUrl, name);
    } catch (error) {
      // Two files cloning at the same instant: the template is briefly "in use". Retry.
      if (attempt < 20 && String(error).includes("being accessed by other users")) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        continue;
      }
      throw error;
    }
  }
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}
