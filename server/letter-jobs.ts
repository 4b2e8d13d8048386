import { Worker } from "node:worker_threads";
import type { GenerateJob, GenerateResult } from "../app/services/letter-generate.server.js";
import { LETTER_TIMEOUT, removeStalePartialLetters, requeueInterrupted, runLetterPipeline } from "../app/services/letter-pipeline.server.js";
import { env } from "../app/utils/env.server.js";
import { compiled } from "./compiled.mjs";

type WorkerMessage =
  { type: "progress"; fraction: number } | { type: "done"; result: GenerateResult } | { type: "error"; code: string | null; message: string };

/**
 * A letter's worker thread may hold at most this much old-generation heap: the job's memory bound
 * (a million-row letter was measured at ~80 MB of live heap). Past it the thread is stopped and
 * the letter fails with ERR_WORKER_OUT_OF_MEMORY; the site goes on.
 */
const WORKER_HEAP_MB = 256;

/**
 * Runs one generation in a worker thread; resolves with its result. After `timeoutMs` the
 * thread is terminated (pdfkit's drawing is synchronous: nothing inside could stop it sooner)
 * and the promise rejects with code LETTER_TIMEOUT once the thread is gone; its partial file is
 * removed by the letter pipeline (runLetterPipeline), its database connection closes with the thread.
 */
export function generateInWorker(
  job: GenerateJob,
  onProgress: (fraction: number) => void,
  timeoutMs = Infinity,
  heapMb = WORKER_HEAP_MB,
): Promise<GenerateResult> {
  // A worker thread does not inherit the tsx loader the app runs under (Node 20 applies `--import
  // tsx` to the main thread only), so it runs the worker's entry compiled (server/compiled.mjs).
  return compiled("server/letter-worker.ts").then((entry) => runWorker(entry, job, onProgress, timeoutMs, heapMb));
}

function runWorker(entry: string, job: GenerateJob, onProgress: (fraction: number) => void, timeoutMs: number, heapMb: number): Promise<GenerateResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    let settled = false;
    let timedOut: Error | null = null;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    };
    // Settled by the 'exit' that terminate() brings, so the thread has stopped writing by then.
    const timer =
      timeoutMs === Infinity
        ? undefined
        : setTimeout(() => {
            timedOut = Object.assign(new Error(`the letter took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`), { code: LETTER_TIMEOUT });
            void worker.terminate();
          }, timeoutMs);
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") onProgress(message.fraction);
      else if (message.type === "done") settle(() => resolve(message.result));
      else if (!timedOut) settle(() => reject(Object.assign(new Error(message.message), { code: message.code ?? undefined })));
    });
    worker.on("error", (error) => {
      if (!timedOut) settle(() => reject(error));
    });
    worker.on("exit", (code) => settle(() => reject(timedOut ?? new Error(`letter worker exited with code ${code}`))));
  });
}

/**
 * The letter job inside `npm start`: runs the letter pipeline (app/services/letter-pipeline.server.ts)
 * for one pending letter at a time (FOR UPDATE SKIP LOCKED, so several app processes and
 * `npm run worker -- --letters` on other machines share the work; each claim is a lease, renewed
 * while the letter is made; organizations in turn, see claimPendingLetter), each generated in a worker thread for at
 * most LETTER_JOB_TIMEOUT_S. A letter that fails leaves no file behind: the generation removes
 * its partial file itself, and for one stopped from outside (the time limit) the pipeline does.
 */
export function startLetterJobs(log: (line: string) => void): () => Promise<void> {
  let stopped = false;
  let current: Promise<void> | null = null;
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
  const tick = () => {
    if (stopped || current) return;
    let claimed: string | null = null;
    current = runLetterPipeline("next", {
      generate: (job, onProgress) => generateInWorker(job, onProgress, env().LETTER_JOB_TIMEOUT_S * 1000),
      onClaimed: (letter) => (claimed = letter.code),
    })
      .then((outcome) => {
        if (outcome?.status === "failed") log(`letter ${outcome.letter.code} failed: ${message(outcome.error)}`);
        if (outcome?.status === "lost") log(`letter ${outcome.letter.code}: its lease ran out and another worker took it; this result was dropped`);
      })
      // A database that fails before a letter is claimed is tried again at the next tick, quietly.
      .catch((error: unknown) => {
        if (claimed) log(`letter ${claimed}: ${message(error)}`);
      })
      .finally(() => {
        current = null;
      });
  };
  // At start and then every minute: letters left `running` by a process that died (their lease
  // ran out, LETTER_LEASE_S) go back to the queue (see requeueInterrupted), so a surviving process
  // — on this machine or another — finishes them; the partial files such a process left here are removed.
  const requeue = () =>
    void requeueInterrupted()
      .then(async ({ requeued, failed }) => {
        const removed = await removeStalePartialLetters();
        if (requeued || failed || removed)
          log(`letters: ${requeued} interrupted letter(s) queued again, ${failed} given up, ${removed} partial file(s) removed`);
      })
      .catch(() => undefined);
  requeue();
  // The worker's entry is compiled now (esbuild takes both cores for ~1 s), not while the first letter is waited for.
  compiled("server/letter-worker.ts").catch((error: unknown) => log(`letters: the worker could not be compiled: ${message(error)}`));
  const requeueTimer = setInterval(requeue, 60_000);
  const timer = setInterval(tick, 500);
  return async () => {
    stopped = true;
    clearInterval(timer);
    clearInterval(requeueTimer);
    await current;
  };
}
