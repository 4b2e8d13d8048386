import { Worker } from "node:worker_threads";
import { databaseUrl } from "../db/client.js";
import type { OutboxThreadData } from "./outbox-worker.js";
import { compiled } from "./compiled.mjs";

/**
 * The outbox under `npm start`, in a worker thread of its own at a lower priority: composing,
 * opening (inflate + decrypt) and sending an e-mail cost about as much of the app's CPU as taking
 * the signature did, all on the thread that answers requests (profiled under bench:sign, issue 16).
 * Same loop as `npm run worker` runs in-process (startOutboxWorker); its own database pool.
 * A thread that dies is started again after RESTART_MS, and said so. stop() lets the batch in hand finish.
 */
const RESTART_MS = 5_000;

export function startOutboxThread(options: { smtpUrl: string | null; from: string; log: (line: string) => void }): () => Promise<void> {
  const { log } = options;
  let stopping = false;
  let current: { worker: Worker; exited: Promise<void> } | null = null;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = async () => {
    // A worker thread does not inherit the tsx loader (see server/letter-jobs.ts): its entry runs compiled.
    const entry = await compiled("server/outbox-worker.ts");
    if (stopping) return;
    const data: OutboxThreadData = { databaseUrl: databaseUrl(), smtpUrl: options.smtpUrl, from: options.from };
    const worker = new Worker(entry, { workerData: data });
    const exited = new Promise<void>((resolve) => {
      worker.on("message", (message: { type: string; line?: string }) => {
        if (message.type === "log" && message.line) log(message.line);
      });
      worker.on("error", (error) => log(`outbox: the thread failed: ${error.message}`));
      worker.on("exit", (code) => {
        resolve();
        if (current?.worker === worker) current = null;
        if (stopping) return;
        log(`outbox: the thread stopped (code ${code}); starting it again in ${RESTART_MS / 1000} s`);
        restartTimer = setTimeout(() => void start().catch(failed), RESTART_MS);
      });
    });
    current = { worker, exited };
  };
  const failed = (error: unknown) => {
    log(`outbox: the thread could not start: ${error instanceof Error ? error.message : String(error)}; trying again in ${RESTART_MS / 1000} s`);
    if (!stopping) restartTimer = setTimeout(() => void start().catch(failed), RESTART_MS);
  };
  const starting = start().catch(failed);

  return async () => {
    stopping = true;
    clearTimeout(restartTimer);
    await starting;
    const running = current;
    if (!running) return;
    running.worker.postMessage("stop");
    await running.exited;
  };
}
