import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { Env } from "../app/utils/env.server.js";
import { startOutboxWorker } from "../app/services/outbox.server.js";
import { startLetterJobs } from "./letter-jobs.js";
import { startOutboxThread } from "./outbox-thread.js";
import { startScheduler } from "./scheduler.js";

/**
 * The one place background jobs are started and stopped. It starts, in this order:
 *  - "outbox": sends the queued e-mails (app/services/outbox.server.ts; without SMTP_URL it keeps them),
 *    with `outboxThread` in a worker thread of its own (server/outbox-thread.ts), as `npm start` does;
 *  - "scheduler": periodic upkeep (server/scheduler.ts): fold the signature counts, close
 *    appeals past their end, purge unconfirmed signatures and old login tokens, retention;
 *  - "letters": the letter job (server/letter-jobs.ts): makes requested letters through the
 *    letter pipeline in a worker thread, and at start and every minute queues again the letters
 *    whose worker's lease ran out and removes their partial files.
 * `npm start` (server.ts) runs all three; `npm run worker` (scripts/worker.ts) the outbox and/or
 * the letters, as its flags say.
 * Returns stop(): each job stops taking work and finishes what it has in hand (the outbox its
 * current batch, the scheduler its running tasks, the letter job its current letter).
 */
export type JobName = "outbox" | "scheduler" | "letters";

export interface JobsOptions {
  config: Env;
  log: (line: string) => void;
  /** The jobs to start; all by default. */
  only?: JobName[];
  /** The database the outbox uses; the app's (getDb) by default. */
  db?: Kysely<Database>;
  /** Run the outbox in a worker thread at a lower priority (`npm start`: the thread that answers requests keeps its CPU). */
  outboxThread?: boolean;
}

export function startJobs({ config, log, only = ["outbox", "scheduler", "letters"], db, outboxThread = false }: JobsOptions): () => Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  const mail = { smtpUrl: config.SMTP_URL ?? null, from: config.MAIL_FROM, log };
  if (only.includes("outbox")) stops.push(outboxThread ? startOutboxThread(mail) : startOutboxWorker({ db, ...mail }).stop);
  if (only.includes("scheduler")) stops.push(startScheduler(log));
  if (only.includes("letters")) stops.push(startLetterJobs(log));
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
