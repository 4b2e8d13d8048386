import type { Env } from "../app/utils/env.server.js";

/** Background work run inside `npm start` (mail outbox, counters, closing, purges). */
export function startBackgroundJobs(_config: Env, _log: (line: string) => void): () => Promise<void> {
  return async () => undefined;
}
