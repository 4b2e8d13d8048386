import { performance } from "node:perf_hooks";
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
/** How often this thread's load is looked at, and the share of that time it must have been busy for the outbox to slow down. */
const BUSY_CHECK_MS = 500;
const BUSY_UTILIZATION = 0.8;

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
  // While this thread (the one that answers requests) is busy, the outbox sends at its busy rate
  // (server/outbox-worker.ts): what a mail costs PostgreSQL and the relay is not lowered by its nice value.
  let load = performance.eventLoopUtilization();
  let wasBusy = false;
  const watch = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, load).utilization >= BUSY_UTILIZATION;
    load = now;
    // "busy" again at every check while busy (it lapses by itself if this thread stops saying so); "calm" once when it ends.
    if (busy || wasBusy) current?.worker.postMessage(busy ? "busy" : "calm");
    wasBusy = busy;
  }, BUSY_CHECK_MS).unref();

  return async () => {
    stopping = true;
    clearTimeout(restartTimer);
    clearInterval(watch);
    await starting;
    const running = current;
    if (!running) return;
    running.worker.postMessage("stop");
    await running.exited;
  };
}
