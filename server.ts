/**
 * `npm start`: validate the configuration, open the database (embedded by default), migrate,
 * build if needed, serve, run the background jobs, and shut down gracefully.
 */
import { statSync } from "node:fs";
import type { Server } from "node:http";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { developmentDataKey } from "./app/services/data-key.server.js";
import { EnvError, env } from "./app/utils/env.server.js";
import { openDatabase, type OpenDatabase } from "./db/boot.js";
import { buildEntry, buildIfNeeded, waitForBuild } from "./server/build-if-needed.js";
import { answerClientErrors } from "./server/client-error.js";
import { createHttpApp } from "./server/http.js";
import { startJobs } from "./server/jobs.js";

const log = (line: string) => console.log(`[appeals] ${line}`);

async function main() {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // The key addresses and hidden names are sealed under: outside production, made under DATA_DIR
  // on the first start (and said so), so the start fails here, not at the first signature.
  if (!config.DATA_KEY) developmentDataKey(config.DATA_DIR, log);

  let database: OpenDatabase | undefined;
  let server: Server | undefined;
  let stopJobs: () => Promise<void> = async () => undefined;
  let shuttingDown = false;

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => {
      log("in-flight requests did not finish within 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    // Stop accepting; finish in-flight requests; then jobs, pool, embedded database.
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await stopJobs();
    await database?.close();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  try {
    database = await openDatabase({ databaseUrl: config.DATABASE_URL, readDatabaseUrl: config.READ_DATABASE_URL, dataDir: config.DATA_DIR, log });
    log(database.embedded ? `embedded PostgreSQL ready (data in ${config.DATA_DIR}/pg)` : "using DATABASE_URL");
    if (config.READ_DATABASE_URL) log("public reads (appeal pages, API, home) from READ_DATABASE_URL, the primary while it is unavailable");
  } catch (error) {
    console.error(`Could not open the database: ${error instanceof Error ? error.message : String(error)}`);
    await database?.close();
    process.exit(1);
  }

  try {
    const { prepareData } = await import("./server/prepare-data.js");
    await prepareData(database.db, config, log);
    // In development (`npm run dev`) remix watch builds; the server only waits for it.
    if (process.env.APPEALS_DEV === "1") await waitForBuild(log);
    else buildIfNeeded(log);
  } catch (error) {
    // Never leave the embedded PostgreSQL running behind a failed start.
    console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
    await database.close();
    process.exit(1);
  }
  const dev = process.env.APPEALS_DEV === "1";
  // In development (`npm run dev`) the newest build is loaded when it changes.
  let loaded: { mtime: number; build: Promise<ServerBuild> } | undefined;
  const loadBuild = (): Promise<ServerBuild> => {
    const mtime = dev ? statSync(buildEntry).mtimeMs : 0;
    if (!loaded || loaded.mtime !== mtime) {
      const build = import(`${pathToFileURL(buildEntry).href}?t=${mtime}`) as Promise<ServerBuild>;
      // A build caught half-written by the watcher is tried again on the next request.
      build.catch(() => {
        if (loaded?.build === build) loaded = undefined;
      });
      loaded = { mtime, build };
    }
    return loaded.build;
  };
  const app = createHttpApp({
    build: dev ? loadBuild : await loadBuild(),
    mode: dev ? "development" : "production",
    logRequests: config.LOG_REQUESTS !== "0",
    isProduction: config.NODE_ENV === "production",
  });
  if (!config.SMTP_URL) {
    log(
      config.NODE_ENV === "production"
        ? "SMTP_URL is not set: e-mails are NOT sent, they stay in the outbox as 'kept'"
        : "SMTP_URL is not set: e-mails are kept, not sent; read them at /dev/mailbox",
    );
  }
  // Every background job (outbox, scheduler, letters): see server/jobs.ts.
  stopJobs = startJobs({ config, log, outboxThread: true });
  server = app.listen(config.PORT, config.HOST, () => {
    const address = server?.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    // HOST unset: 127.0.0.1 outside production (defaultHost in app/utils/env.server.ts).
    const where = config.HOST === "127.0.0.1" || config.HOST === "localhost" ? "this machine only" : `address ${config.HOST}`;
    log(`listening on http://localhost:${port} (${where})`);
  });
  server.keepAliveTimeout = 5_000;
  answerClientErrors(server);
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
