import type { DB } from "../db/client.js";
import type { Env } from "../app/utils/env.server.js";
import { databaseIsEmpty, seedDemo } from "../app/services/demo-data.server.js";
import { removeStaleTemp } from "../app/services/storage.server.js";

/** On an empty database: load the demo when SEED_DEMO=1, otherwise say how to. */
export async function prepareData(_db: DB, config: Env, log: (line: string) => void): Promise<void> {
  // Half-written uploads left by a crash or a full disk (app/services/storage.server.ts).
  const staleTemp = await removeStaleTemp();
  if (staleTemp) log(`removed ${staleTemp} unfinished upload file(s) (*.tmp) under DATA_DIR/files`);
  if (!(await databaseIsEmpty())) return;
  if (config.SEED_DEMO === "1") {
    await seedDemo();
    log("demo data loaded (SEED_DEMO=1): /appeals/demo-appeal");
  } else {
    log("the database is empty: load the demo appeal with `npm run db:seed` (or start with SEED_DEMO=1)");
  }
}
