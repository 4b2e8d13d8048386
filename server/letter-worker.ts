/**
 * Worker-thread entry: generates one letter off the main event loop, so the site stays
 * responsive while a million-row letter is drawn. Messages: {progress} then {done} or {error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { generateLetter, type GenerateJob } from "../app/services/letter-generate.server.js";

const job = workerData as GenerateJob;
generateLetter(job, (fraction) => parentPort?.postMessage({ type: "progress", fraction }))
  .then((result) => parentPort?.postMessage({ type: "done", result }))
  .catch((error: unknown) => {
    const e = error as NodeJS.ErrnoException;
    parentPort?.postMessage({ type: "error", code: e?.code ?? null, message: e instanceof Error ? e.message : String(error) });
  });
