import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface ProbeRequest {
  url: string;
  headers: Record<string, string>;
  /** Requests per second, sent on schedule whether or not earlier ones were answered. */
  rate: number;
  seconds: number;
  /** How long to wait for the last answers before counting them as unanswered. */
  graceMs: number;
}

export interface ProbeResult {
  /** Milliseconds per request, to the last byte of the answer (unanswered: the time waited). */
  latencies: number[];
  sent: number;
  unanswered: number;
  errors: number;
  non2xx: number;
  /** Answers the page cache served (`X-Page-Cache: hit`). */
  cacheHits: number;
}

export interface ProbeSummary {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  unanswered: number;
  failed: number;
  cacheHits: number;
}

/** The p-th percentile (nearest rank) of the values, in ms rounded to 0.1. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return Math.round((sorted[rank - 1] ?? 0) * 10) / 10;
}

export function summarise(r: ProbeResult): ProbeSummary {
  return {
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    max: percentile(r.latencies, 100),
    sent: r.sent,
    unanswered: r.unanswered,
    failed: r.errors + r.non2xx,
    cacheHits: r.cacheHits,
  };
}

export interface PageProbe {
  measure: (request: ProbeRequest) => Promise<ProbeSummary>;
  stop: () => void;
}

/**
 * A steady stream of requests to a page, timed from a child process of its own
 * (scripts/lib/page-probe-child.ts), so the figures are the server's and not this process's.
 * Several measurements may run at once.
 */
export function startPageProbe(): PageProbe {
  const child: ChildProcess = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), "page-probe-child.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (r: ProbeSummary) => void; reject: (e: Error) => void }>();
  child.on("message", (message: { id: number; result: ProbeResult }) => {
    waiting.get(message.id)?.resolve(summarise(message.result));
    waiting.delete(message.id);
  });
  child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the page probe exited (${code})`));
    waiting.clear();
  });
  return {
    measure: (request) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ id, request });
      }),
    stop: () => {
      if (child.connected) child.disconnect();
      if (child.exitCode === null) child.kill();
    },
  };
}
