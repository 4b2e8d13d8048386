/**
 * Worker-thread entry: the outbox (app/services/outbox.server.ts) off the event loop that serves
 * pages, started by server/outbox-thread.ts under `npm start`. Messages to the parent: {log};
 * from it: "busy" (the thread that answers requests is busy: send at most BUSY_MAIL_RATE mails a
 * second for the next BUSY_HOLD_MS), "calm" (it no longer is) and "stop" (finish the batch in hand, close the pool, exit).
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { BUSY_MAIL_RATE, startOutboxWorker } from "../app/services/outbox.server.js";
import { closeDb, setDatabaseUrl } from "../db/client.js";

export interface OutboxThreadData {
  databaseUrl: string;
  smtpUrl: string | null;
  from: string;
}

// Mail yields the CPU to requests: a signer waits for the page, an e-mail can leave a few seconds
// later. On Linux a nice value belongs to the thread, so this lowers only this thread. (Best effort.)
try {
  os.setPriority(10);
} catch {
  /* not permitted here: run at normal priority */
}

/** A "busy" from the parent holds this long (it sends one every half second while busy). */
const BUSY_HOLD_MS = 1_500;

const data = workerData as OutboxThreadData;
setDatabaseUrl(data.databaseUrl);
let busyUntil = 0;
const worker = startOutboxWorker({
  smtpUrl: data.smtpUrl,
  from: data.from,
  log: (line) => parentPort?.postMessage({ type: "log", line }),
  pace: () => (Date.now() < busyUntil ? BUSY_MAIL_RATE : null),
});
parentPort?.on("message", (message: unknown) => {
  if (message === "busy") busyUntil = Date.now() + BUSY_HOLD_MS;
  if (message === "calm") busyUntil = 0;
  if (message !== "stop") return;
  void worker
    .stop()
    .then(() => closeDb())
    .finally(() => parentPort?.close());
});
