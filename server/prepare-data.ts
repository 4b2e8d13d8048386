import type { DB } from "../db/client.js";
import type { Env } from "../app/utils/env.server.js";

/** Start-up data tasks (demo data on an empty database when asked). */
export async function prepareData(_db: DB, _config: Env, _log: (line: string) => void): Promise<void> {}
