/**
 * The child process of scripts/lib/page-probe.ts: times requests to one page at a steady rate,
 * in a process of its own so that what the benchmark's attacks cost on the client side (their
 * sockets, a flood loop) does not delay the probe's timers or the reading of its answers.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { ProbeRequest, ProbeResult } from "./page-probe.js";

function measure(request: ProbeRequest): Promise<ProbeResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let sent = 0;
  let unanswered = 0;
  let errors = 0;
  let non2xx = 0;
  let cacheHits = 0;
  const pending = new Map<http.ClientRequest, number>();
  return new Promise((resolve) => {
    const started = performance.now();
    const finish = () => {
      // Requests still waiting after the grace period count with the time they have waited so
      // far (a lower bound): a page that never answers must not vanish from the percentiles.
      const now = performance.now();
      for (const [req, at] of pending) {
        latencies.push(now - at);
        unanswered++;
        req.destroy();
      }
      pending.clear();
      agent.destroy();
      resolve({ latencies, sent, unanswered, errors, non2xx, cacheHits });
    };
    const fire = () => {
      const at = performance.now();
      sent++;
      const req = http.get(request.url, { agent, headers: request.headers }, (res) => {
        if (res.headers["x-page-cache"] === "hit") cacheHits++;
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
        res.on("data", () => undefined);
        res.on("end", () => {
          if (!pending.delete(req)) return;
          latencies.push(performance.now() - at);
        });
        res.on("error", () => undefined);
      });
      pending.set(req, at);
      req.on("error", () => {
        if (!pending.delete(req)) return;
        errors++;
        latencies.push(performance.now() - at);
      });
    };
    // Open loop: one request every 1/rate s whether or not the previous ones were answered, so
    // a slow answer cannot hold back the requests that would have measured it.
    const total = Math.max(1, Math.round(request.rate * request.seconds));
    let n = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * request.rate) + 1);
      while (n < due) {
        n++;
        fire();
      }
      if (n < total) setTimeout(tick, Math.max(1, 1000 / request.rate / 2));
      else waitForAnswers();
    };
    const waitForAnswers = () => {
      const deadline = performance.now() + request.graceMs;
      const check = () => (pending.size === 0 || performance.now() > deadline ? finish() : setTimeout(check, 20));
      check();
    };
    tick();
  });
}

process.on("message", (message: { id: number; request: ProbeRequest }) => {
  void measure(message.request).then((result) => process.send?.({ id: message.id, result }));
});
process.on("disconnect", () => process.exit(0));
