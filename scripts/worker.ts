/**
 * `npm run worker`: the outbox worker alone (the same one `npm start` runs), e.g. as a second
 * process or on another machine. Several may run at once. Stops on SIGTERM / SIGINT after
 * finishing its current batch.
 */
import { env } from "../app/utils/env.server.js";
import { startOutboxWorker } from "../app/services/outbox.server.js";
import { withDatabase } from "./lib/with-database.js";

const log = (line: string) => console.log(`[worker] ${line}`);

await withDatabase(async ({ db }) => {
  const config = env();
  const worker = startOutboxWorker({ db, smtpUrl: config.SMTP_URL ?? null, from: config.MAIL_FROM, log });
  log(config.SMTP_URL ? "sending the outbox" : "SMTP_URL is not set: keeping e-mails for /dev/mailbox");
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGHUP", () => resolve("SIGHUP"));
  });
  log(`${signal}: finishing the current batch`);
  await worker.stop();
  log("stopped");
});
