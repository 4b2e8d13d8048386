import { purgeExpiredLimits } from "../app/services/abuse.server.js";
import { closeDueAppeals } from "../app/services/appeals.server.js";
import { purgeLoginTokens } from "../app/services/auth.server.js";
import { purgeRegistrations } from "../app/services/registration.server.js";
import { foldCounts } from "../app/services/counts.server.js";
import { applyRetention } from "../app/services/retention.server.js";
import { purgeUnconfirmed } from "../app/services/signing.server.js";

interface Task {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

const TASKS: Task[] = [
  { name: "fold counts", everyMs: 2_000, run: foldCounts },
  { name: "close due appeals", everyMs: 30_000, run: closeDueAppeals },
  { name: "purge unconfirmed signatures", everyMs: 10 * 60_000, run: purgeUnconfirmed },
  // LIMITS_STORE=postgres: the rate_limits rows of windows that have ended.
  { name: "purge expired limits", everyMs: 10 * 60_000, run: () => purgeExpiredLimits() },
  { name: "purge login tokens", everyMs: 60 * 60_000, run: purgeLoginTokens },
  // Registration links that expired unused: their address erased within 10 minutes.
  { name: "purge registrations", everyMs: 10 * 60_000, run: purgeRegistrations },
  { name: "retention", everyMs: 6 * 60 * 60_000, run: () => applyRetention({ dryRun: false }) },
  // Minimal-data appeals (issue 14 point 2): their signers' addresses go as soon as the appeal is closed or delivered.
  { name: "minimal-data retention", everyMs: 60_000, run: () => applyRetention({ dryRun: false, minimalOnly: true }) },
];

/**
 * Periodic upkeep inside `npm start`. Each task runs on its own timer, never overlapping
 * itself; a failure (e.g. the database is down) is logged once per task and retried next tick.
 */
export function startScheduler(log: (line: string) => void, tasks: Task[] = TASKS): () => Promise<void> {
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const timers = tasks.map((task) => {
    let busy = false;
    let failing = false;
    return setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const p = task
        .run()
        .then(() => {
          if (failing) log(`${task.name}: recovered`);
          failing = false;
        })
        .catch((error: unknown) => {
          if (!failing) log(`${task.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          failing = true;
        })
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    }, task.everyMs);
  });
  return async () => {
    stopped = true;
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...running]);
  };
}
