import type { Env } from "../app/utils/env.server.js";
import { startOutboxWorker } from "../app/services/outbox.server.js";

/**
 * The mail outbox worker inside `npm start`: it sends queued e-mails over SMTP_URL, or without it
 * keeps them (readable at /dev/mailbox outside production). The other background work is started
 * beside it by server.ts: counters, closing due appeals, purges and retention in
 * server/scheduler.ts, letter generation in server/letter-jobs.ts.
 */
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

  // Stops the outbox worker after the batch it has in hand.
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
