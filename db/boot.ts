import { closeDb, getDb, setDatabaseUrl, setReadDatabaseUrl, type DB } from "./client.js";
import { embeddedDataDir, startEmbeddedPostgres } from "./embedded.js";
import { ensureDatabase } from "./ensure-database.js";
import { migrateToLatest } from "./migrate.js";

export interface OpenDatabase {
  db: DB;
  url: string;
  embedded: boolean;
  close: () => Promise<void>;
}

/**
 * The database of this process: DATABASE_URL when set, else the embedded cluster under
 * DATA_DIR/pg (started, or joined when `npm start` already runs it). Migrates to latest.
 * READ_DATABASE_URL (`readDatabaseUrl`), a streaming replica, serves the public reads (getReadDb()).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  readDatabaseUrl?: string;
  dataDir: string;
  log?: (line: string) => void;
  migrate?: boolean;
}): Promise<OpenDatabase> {
  let url = options.databaseUrl;
  let stopEmbedded = async () => undefined as void;
  if (!url) {
    const embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(options.dataDir), log: options.log });
    stopEmbedded = embedded.stop;
    url = await ensureDatabase(embedded.url, "appeals");
  }
  setDatabaseUrl(url);
  setReadDatabaseUrl(options.readDatabaseUrl, options.log);
  const db = getDb();
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    db,
    url,
    embedded: !options.databaseUrl,
    close: async () => {
      await closeDb();
      await stopEmbedded();
    },
  };
}
