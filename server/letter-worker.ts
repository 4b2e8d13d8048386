/**
 * Worker-thread entry: generates one letter off the main event loop, so the site stays
 * responsive while a million-row letter is drawn. Messages: {progress} then {done} or {error}.
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { generateLetter, type GenerateJob } from "../app/services/letter-generate.server.js";

// The letter yields the CPU to page requests: on Linux a nice value belongs to the thread, so
// this lowers only this worker thread, not the process serving the site. (Best effort.)
try {
  os.setPriority(10);
} catch {
  /* not permitted here: run at normal priority */
}

const job = workerData as GenerateJob;
generateLetter(job, (fraction) => parentPort?.postMessage({ type: "progress", fraction }))
  .then((result) => parentPort?.postMessage({ type: "done", result }))
  .catch((error: unknown) => {
    const e = error as NodeJS.ErrnoException;
    parentPort?.postMessage({ type: "error", code: e?.code ?? null, message: e instanceof Error ? e.message : String(error) });
  });
