import type { Env } from "../app/utils/env.server.js";
import { startOutboxWorker } from "../app/services/outbox.server.js";

/** Background work run inside `npm start` (mail outbox, counters, closing, purges). */
export function startBackgroundJobs(config: Env, log: (line: string) => void): () => Promise<void> {
  const stops: Array<() => Promise<void>> = [];

  if (!config.SMTP_URL) {
    log(
      config.NODE_ENV === "production"
        ? "SMTP_URL is not set: e-mails are NOT sent, they stay in the outbox as 'kept'"
        : "SMTP_URL is not set: e-mails are kept, not sent; read them at /dev/mailbox",
    );
  }
  const outbox = startOutboxWorker({ smtpUrl: config.SMTP_URL ?? null, from: config.MAIL_FROM, log });
  stops.push(outbox.stop);

  // Stops every job; each finishes the work it has in hand (the outbox: its current batch).
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
