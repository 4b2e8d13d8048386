import { readFileSync } from "node:fs";

/**
 * How a process's main thread (the one that answers requests, for a Node server) spent a stretch
 * of time: running, or runnable and waiting for a core (Linux `/proc/<pid>/task/<pid>/schedstat`:
 * run time, run-queue wait, time slices). On a machine whose cores the load shares, the wait is
 * time every request arriving meanwhile waits too, whatever the server does; bench:pages prints it
 * beside each p99 (issue 16). Call the returned function at the end of the stretch; null where
 * there is no such file (not Linux, the process gone).
 */
export function threadTime(pid: number): () => { runMs: number; waitMs: number; wallMs: number } | null {
  const read = () => {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
      return run !== undefined && wait !== undefined ? { run, wait, at: performance.now() } : null;
    } catch {
      return null;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end) return null;
    return { runMs: (end.run - start.run) / 1e6, waitMs: (end.wait - start.wait) / 1e6, wallMs: end.at - start.at };
  };
}

/** "ran 45%, waited 16%" of the stretch, or "—". */
export function describeThreadTime(time: ReturnType<ReturnType<typeof threadTime>>): string {
  if (!time || time.wallMs <= 0) return "—";
  const share = (ms: number) => `${Math.round((100 * ms) / time.wallMs)}%`;
  return `ran ${share(time.runMs)}, waited ${share(time.waitMs)}`;
}
