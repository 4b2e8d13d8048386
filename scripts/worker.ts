/**
 * `npm run worker`: the outbox worker alone (the same one `npm start` runs; both start their jobs
 * through server/jobs.ts), e.g. as a second process or on another machine. Several may run at
 * once. Stops on SIGTERM / SIGINT after finishing its current batch.
 */
import { env } from "../app/utils/env.server.js";
import { startJobs } from "../server/jobs.js";
import { cliOptions } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

cliOptions({}, "Usage: npm run worker");

const log = (line: string) => console.log(`[worker] ${line}`);

await withDatabase(async ({ db }) => {
  const config = env();
  const stop = startJobs({ config, log, only: ["outbox"], db });
  log(config.SMTP_URL ? "sending the outbox" : "SMTP_URL is not set: keeping e-mails for /dev/mailbox");
  // The same signal often arrives twice (to the process group from a terminal or systemd, and
  // relayed by npm/tsx): the first one starts the stop, the later ones must not kill it midway.
  const signal = await new Promise<string>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(name, () => resolve(name));
  });
  log(`${signal}: finishing the current batch`);
  await stop();
  log("stopped");
});
