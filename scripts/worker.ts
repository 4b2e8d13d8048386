/**
 * `npm run worker`: background jobs without the web server (the same ones `npm start` runs; both
 * start their jobs through server/jobs.ts), e.g. as a second process or on another machine.
 * Flags choose the jobs: `--outbox` (the mail outbox), `--letters` (the letter job: letters are
 * claimed on a lease, so letter workers on several machines share the queue); none means
 * `--outbox`. Several may run at once. Stops on SIGTERM / SIGINT after finishing what it has in
 * hand (the outbox its current batch, the letter job its current letter).
 */
import { env } from "../app/utils/env.server.js";
import { startJobs, type JobName } from "../server/jobs.js";
import { cliOptions } from "./lib/cli.js";
import { withDatabase } from "./lib/with-database.js";

const flags = cliOptions({ outbox: { type: "boolean" }, letters: { type: "boolean" } }, "Usage: npm run worker [-- --outbox] [--letters]");
const only: JobName[] = [...(flags.outbox || !flags.letters ? (["outbox"] as const) : []), ...(flags.letters ? (["letters"] as const) : [])];

const log = (line: string) => console.log(`[worker] ${line}`);

await withDatabase(async ({ db }) => {
  const config = env();
  const stop = startJobs({ config, log, only, db });
  if (only.includes("outbox")) log(config.SMTP_URL ? "sending the outbox" : "SMTP_URL is not set: keeping e-mails for /dev/mailbox");
  if (only.includes("letters")) log(`making requested letters (lease ${config.LETTER_LEASE_S} s)`);
  // The same signal often arrives twice (to the process group from a terminal or systemd, and
  // relayed by npm/tsx): the first one starts the stop, the later ones must not kill it midway.
  const signal = await new Promise<string>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(name, () => resolve(name));
  });
  log(`${signal}: finishing the current ${only.map((job) => (job === "outbox" ? "batch" : "letter")).join(" and ")}`);
  await stop();
  log("stopped");
});
