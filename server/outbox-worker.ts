/**
 * Worker-thread entry: the outbox (app/services/outbox.server.ts) off the event loop that serves
 * pages, started by server/outbox-thread.ts under `npm start`. Messages to the parent: {log};
 * from it: "stop" (finish the batch in hand, close the pool, exit).
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { startOutboxWorker } from "../app/services/outbox.server.js";
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

const data = workerData as OutboxThreadData;
setDatabaseUrl(data.databaseUrl);
const worker = startOutboxWorker({ smtpUrl: data.smtpUrl, from: data.from, log: (line) => parentPort?.postMessage({ type: "log", line }) });
parentPort?.on("message", (message: unknown) => {
  if (message !== "stop") return;
  void worker
    .stop()
    .then(() => closeDb())
    .finally(() => parentPort?.close());
});
