import { Worker } from "node:worker_threads";
import { databaseUrl, getDb } from "../db/client.js";
import { claimPendingLetter, holdLetterLock, letterKey, markFailed, markReady, requeueInterrupted, setProgress } from "../app/services/letters.server.js";
import { pathOf } from "../app/services/storage.server.js";
import type { GenerateJob, GenerateResult } from "../app/services/letter-generate.server.js";
import { env } from "../app/utils/env.server.js";

type WorkerMessage = { type: "progress"; fraction: number } | { type: "done"; result: GenerateResult } | { type: "error"; code: string | null; message: string };

/**
 * The worker's entry. A worker thread does not inherit the tsx loader the app runs under (Node 20
 * applies `--import tsx` to the main thread only: `new Worker("…/letter-worker.ts")` fails with
 * "Unknown file extension .ts"), so the worker registers tsx itself, then loads the TypeScript.
 */
const WORKER_SOURCE = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL("./letter-worker.ts", import.meta.url).href)}); });`;

/** Runs one generation in a worker thread; resolves with its result. */
export function generateInWorker(job: GenerateJob, onProgress: (fraction: number) => void): Promise<GenerateResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: job });
    let settled = false;
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") onProgress(message.fraction);
      else if (message.type === "done") {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(Object.assign(new Error(message.message), { code: message.code ?? undefined }));
      }
    });
    worker.on("error", (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`letter worker exited with code ${code}`));
    });
  });
}

/**
 * The letter job inside `npm start`: picks pending letters one at a time (FOR UPDATE SKIP
 * LOCKED, so several app processes share the work) and generates them in a worker thread.
 */
export function startLetterJobs(log: (line: string) => void): () => Promise<void> {
  let stopped = false;
  let current: Promise<void> | null = null;
  const tick = async () => {
    if (stopped || current) return;
    const claimed = await claimPendingLetter(getDb()).catch(() => undefined);
    if (!claimed) return;
    current = holdLetterLock(claimed.id, async () => {
      let lastWrite = 0;
      try {
        const result = await generateInWorker(
          { databaseUrl: databaseUrl(), letterId: claimed.id, outputPath: pathOf(letterKey(claimed.code)), appUrl: env().APP_URL },
          (fraction) => {
            if (Date.now() - lastWrite < 500) return;
            lastWrite = Date.now();
            void setProgress(claimed.id, fraction).catch(() => undefined);
          },
        );
        await markReady(claimed.id, claimed.code, result);
      } catch (error) {
        log(`letter ${claimed.code} failed: ${error instanceof Error ? error.message : String(error)}`);
        await markFailed(claimed.id, error).catch(() => undefined);
      }
    })
      .catch((error: unknown) => log(`letter ${claimed.code}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        current = null;
      });
  };
  // At start and then every minute: letters left `running` by a process that died go back to
  // the queue (see requeueInterrupted), so a surviving process finishes them.
  const requeue = () => void requeueInterrupted().catch(() => undefined);
  requeue();
  const requeueTimer = setInterval(requeue, 60_000);
  const timer = setInterval(() => void tick(), 500);
  return async () => {
    stopped = true;
    clearInterval(timer);
    clearInterval(requeueTimer);
    await current;
  };
}
