import { openDatabase, type OpenDatabase } from "../../db/boot.js";
import { EnvError, env } from "../../app/utils/env.server.js";

/** Runs a command-line task against the configured database, then closes everything. */
export async function withDatabase(task: (open: OpenDatabase) => Promise<void>, options: { migrate?: boolean } = {}): Promise<void> {
  let open: OpenDatabase | undefined;
  try {
    const config = env();
    open = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: () => undefined, migrate: options.migrate });
    await task(open);
  } catch (error) {
    console.error(error instanceof EnvError ? error.message : `Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await open?.close();
  }
}
