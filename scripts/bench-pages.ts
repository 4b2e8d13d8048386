/**
 * `npm run bench:pages` (issue 16): public pages and static files against the page ceiling — a
 * bare `node:http` server (scripts/lib/bare-server.ts, its own process like the app) sending the
 * very bytes and headers the app answered, gzipped as the app sent them — measured in the same
 * run, while the app takes sign POSTs at 300/s (BENCH_SIGN_RATE; 32 connections, so a slow sign
 * does not lower the rate) in both measurements. All load from `wrk` (Debian's package, C: one
 * thread, BENCH_CONNECTIONS connections, BENCH_SECONDS each), each load its own process, so that
 * the load generator is not what limits the ceiling, nor what delays an answer it times: until
 * stop 28 the signing and the steady page load came from autocannon in this process, whose one
 * event loop also runs the SMTP sink taking the signers' mails. Each URL is warmed for
 * WARM_SECONDS before it is measured (the app's and the bare server's alike). Prints each figure,
 * its ceiling and the ratio (targets: cached pages ≥ 0.3 with p99 ≤ 20 ms; static files ≥ 0.5).
 *
 * Throughput is taken at saturation (wrk as fast as it can); a latency at saturation is only
 * the length of the queue, so each page's p99 is taken apart, at a steady BENCH_PAGE_RATE
 * requests per second (default 1000; wrk paced, scripts/lib/wrk.ts pacingLua) while the signing goes on,
 * and the bare server's p99 the same way after it: on a machine the signing keeps busy, what a p99
 * of nothing but sending bytes comes to. Beside each p99, the share of its window the server's
 * request thread ran and the share it waited for a core (scripts/lib/thread-time.ts).
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startApp } from "../tests/setup/app-process.js";
import { cloneDatabase, createTemplate, startTestCluster } from "../tests/setup/postgres.js";
import { startSinkProcess } from "./lib/sink-process.js";
import { SLUG, productionEnv } from "./lib/bench-load.js";
import { recordFigure } from "./lib/bench-results.js";
import { describeThreadTime, threadTime } from "./lib/thread-time.js";
import { haveWrk, wrk, wrkPaced, wrkSign } from "./lib/wrk.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SIGN_RATE = Number(process.env.BENCH_SIGN_RATE ?? 300);
const PAGE_RATE = Number(process.env.BENCH_PAGE_RATE ?? 1000);
const WARM_SECONDS = 2;
/** Signing at SIGN_RATE before the first measurement. */
const SIGN_WARM_SECONDS = 5;

interface Target {
  name: string;
  path: string;
  lang: string;
  /** Share of the ceiling to reach, and the p99 (ms) where the issue sets one. */
  share: number;
  p99?: number;
}

interface Recording {
  path: string;
  lang: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One GET as a browser sends it (gzip accepted), the answer's bytes as they came (not decompressed). */
function record(base: string, target: Target): Promise<Recording> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${target.path}`, { headers: { "accept-encoding": "gzip", "accept-language": target.lang } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined && !["date", "connection", "keep-alive", "transfer-encoding", "content-length"].includes(name))
            headers[name] = Array.isArray(value) ? value.join(", ") : value;
        resolve({ path: target.path, lang: target.lang, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("base64") });
      });
    });
    req.on("error", reject);
  });
}

/** wrk at saturation against one URL, as a browser asks (gzip, the page's language). */
const wrkGet = (url: string, lang: string, seconds = SECONDS) =>
  wrk([`-c${CONNECTIONS}`, `-d${seconds}s`, "-H", "Accept-Encoding: gzip", "-H", `Accept-Language: ${lang}`, url]);

async function startBare(file: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/lib/bare-server.ts"), file], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function main() {
  if (!haveWrk()) throw new Error("bench:pages needs wrk (apt-get install wrk)");
  const cluster = await startTestCluster();
  await createTemplate(cluster.serverUrl, "bench_template");
  const databaseUrl = await cloneDatabase(cluster.serverUrl, "bench_template", `bench_pages_${process.pid}`);
  const sink = await startSinkProcess();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-bench-pages-"));
  const app = await startApp(productionEnv(databaseUrl, sink.url, dataDir));
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  try {
    const page = await (await fetch(`${app.url}/appeals/${SLUG}`)).text();
    const stamp = /name="stamp" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const script = /<script[^>]+src="(\/build\/[^"]+\.js)"/.exec(page)?.[1] ?? /href="(\/build\/[^"]+\.js)"/.exec(page)?.[1];
    const targets: Target[] = [
      { name: "home page", path: "/", lang: "ru", share: 0.3, p99: 20 },
      ...["ru", "en", "kk"].map((lang) => ({ name: `appeal page (${lang})`, path: `/appeals/${SLUG}`, lang, share: 0.3, p99: 20 })),
      ...(script ? [{ name: "static file (a script bundle)", path: script, lang: "ru", share: 0.5 }] : []),
    ];
    const recordings = await Promise.all(targets.map((t) => record(app.url, t)));
    const file = path.join(dataDir, "recordings.json");
    await fs.writeFile(file, JSON.stringify(recordings));
    bare = await startBare(file);
    await new Promise((r) => setTimeout(r, 3200)); // the form stamp's minimum time-to-fill

    console.log(
      `pages and static files against a bare node:http server sending the same bytes (wrk, ${CONNECTIONS} connections, ${SECONDS} s each), ` +
        `the app signing at ${SIGN_RATE}/s meanwhile; p99 at a steady ${PAGE_RATE} requests/s\n`,
    );
    // The background signing: wrk paced to SIGN_RATE, 32 connections so that a slow sign does not lower the rate.
    const signing = async (prefix: string, seconds = SECONDS) => {
      const w = await wrkSign({ url: app.url, stamp, prefix, seconds, connections: 32, rate: SIGN_RATE });
      return { rps: w.rps, errors: w.total - (w.statuses["3xx"] ?? 0) };
    };
    // The signing warmed first too (its code compiled, the pool's connections open, the outbox
    // busy): without this the first target measured, whichever it is, met a signing path starting
    // up and came out lowest (stop 29: the home page first 0.17–0.26, last 0.32).
    const warmSigns = await signing("w", SIGN_WARM_SECONDS);
    if (warmSigns.errors > 0) throw new Error(`signing to warm up: ${warmSigns.errors} errors`);
    for (const [i, target] of targets.entries()) {
      const bytes = Buffer.from(recordings[i]!.body, "base64").length;
      // The app and the bare server measured alike: warmed (JIT, connections) for WARM_SECONDS, then
      // measured while sign POSTs go to the app at a steady rate, so both share the machine alike.
      const measure = async (url: string) => {
        await wrkGet(url, target.lang, WARM_SECONDS);
        const [result, signs] = await Promise.all([wrkGet(url, target.lang), signing(`p${i}`)]);
        return { ...result, signErrors: signs.errors, signRate: signs.rps };
      };
      const measured = await measure(`${app.url}${target.path}`);
      const ceiling = await measure(`${bare.url}${target.path}`);
      // p99 at a steady rate, signing meanwhile.
      const paced = (url: string) =>
        wrkPaced({ url, rate: PAGE_RATE, seconds: SECONDS, connections: 16, headers: { "Accept-Encoding": "gzip", "Accept-Language": target.lang } });
      // Each server's request thread watched meanwhile: how much of the window it ran, and how
      // much it was ready to run but waited for a core (every request arriving then waits too).
      const appThread = threadTime(app.process.pid!);
      const [steady, signs] = await Promise.all([paced(`${app.url}${target.path}`), signing(`q${i}`)]);
      const appTime = describeThreadTime(appThread());
      // The same steady load on the bare server, the app signing as before: what this machine's
      // scheduling alone does to a p99 while signing takes its cores (the ceiling of the p99).
      const bareThread = threadTime(bare.pid);
      const [bareSteady, bareSigns] = await Promise.all([paced(`${bare.url}${target.path}`), signing(`r${i}`)]);
      const bareTime = describeThreadTime(bareThread());
      measured.p99 = steady.p99;
      const steadyRate = steady.rps;
      const ratio = measured.rps / ceiling.rps;
      const okP99 = target.p99 === undefined || measured.p99 <= target.p99;
      recordFigure({
        figure: `${target.name}: share of a bare node:http server sending the same bytes`,
        unit: "ratio",
        direction: "≥",
        target: target.share,
        measured: Math.round(ratio * 100) / 100,
        note: `${measured.rps.toFixed(0)} vs ${ceiling.rps.toFixed(0)} req/s, p99 ${measured.p99} ms (bare server ${bareSteady.p99} ms); request thread ${appTime} (bare server ${bareTime})`,
      });
      if (target.p99 !== undefined)
        recordFigure({
          figure: `${target.name}: p99 latency (signing at ${SIGN_RATE}/s)`,
          unit: "ms",
          direction: "≤",
          target: target.p99,
          measured: measured.p99,
        });
      console.log(
        `${target.name.padEnd(30)} ${String(bytes).padStart(7)} B  app ${measured.rps.toFixed(0).padStart(6)} req/s  ` +
          `ceiling ${ceiling.rps.toFixed(0).padStart(6)} req/s  ratio ${ratio.toFixed(2)} ` +
          `p99 at ${steadyRate.toFixed(0)}/s ${measured.p99.toFixed(1)} ms (bare server ${bareSteady.p99.toFixed(1)} ms) (target ≥${target.share}${target.p99 ? `, p99 ≤${target.p99} ms` : ""}: ${ratio >= target.share && okP99 && measured.errors === 0 ? "met" : "NOT met"})` +
          `  errors ${measured.errors + steady.errors}; signing meanwhile ${measured.signRate.toFixed(0)}/s and ${signs.rps.toFixed(0)}/s, errors ${measured.signErrors + signs.errors + bareSigns.errors}` +
          `; in the p99 window the request thread ${appTime} (the bare server's ${bareTime})`,
      );
    }
  } finally {
    await bare?.stop();
    await app.stop();
    await sink.stop();
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await main();
