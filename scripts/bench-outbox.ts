/**
 * `npm run bench:outbox`: how fast the outbox worker empties the outbox into a local SMTP
 * server, next to how fast this PostgreSQL takes single-row INSERTs (the worker writes one
 * "sent" row update per e-mail, so that is its natural ceiling).
 *
 * Starts a throwaway PostgreSQL (embedded, or the server of TEST_DATABASE_URL / DATABASE_URL)
 * and an SMTP sink (the tests' SmtpSink, in a child process as a real relay would be, so that
 * its MIME parsing does not share the worker's CPU core), enqueues BENCH_MAILS e-mails
 * (default 20,000), runs one worker with the production settings until all are sent, checks
 * each arrived once, then times as many single-row INSERTs into a scratch table through a
 * pool of 8 connections. Also prints the CPU each part (worker, sink, PostgreSQL) spent per
 * e-mail: on a shared machine the rate depends on the load, the CPU cost much less.
 * BENCH_BATCH and BENCH_CONNECTIONS override the worker's batch size and SMTP connections.
 *
 * The outbox's own ceiling (issue 16): after the worker, a bare script sends the same number of
 * the same e-mails to the same sink with nodemailer's pool alone (as many connections, as many
 * in flight as the worker keeps), no database; the worker's rate is printed as a share of it.
 */
import { fork } from "node:child_process";
import { promises as fs } from "node:fs";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import nodemailer from "nodemailer";
import pg from "pg";
import { startOutboxWorker } from "../app/services/outbox.server.js";
import { createDb } from "../db/client.js";
import { mailRow } from "../db/queries/outbox.js";
import { renderEmail } from "../emails/layout.js";
import { cloneDatabase, createTemplate, startTestCluster } from "../tests/setup/postgres.js";
import { SmtpSink } from "../tests/setup/smtp-sink.js";
import { recordFigure } from "./lib/bench-results.js";

const MAILS = Number(process.env.BENCH_MAILS ?? 20_000);
const BATCH = process.env.BENCH_BATCH ? Number(process.env.BENCH_BATCH) : undefined;
const CONNECTIONS = process.env.BENCH_CONNECTIONS ? Number(process.env.BENCH_CONNECTIONS) : undefined;
const INSERT_POOL = 8;

const fmt = (n: number, digits = 0) => n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line: string) => console.log(`[bench] ${line}`);

interface SinkReport {
  port?: number;
  received?: number;
  distinct?: number;
  /** CPU time the sink process has used so far, in ms. */
  cpuMs?: number;
}

/** Child-process mode: run an SmtpSink, tell the parent its port, report what arrived. */
async function runSink() {
  const sink = new SmtpSink();
  const port = await sink.start();
  const reply = (report: SinkReport) => process.send?.(report);
  process.on("message", (message) => {
    if (message === "report") {
      const cpu = process.cpuUsage();
      const distinct = new Set(sink.messages.map((m) => m.subject)).size;
      reply({ received: sink.messages.length, distinct, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    if (message === "stop") void sink.stop().then(() => process.exit(0));
  });
  reply({ port });
}

async function startSinkProcess() {
  const child = fork(fileURLToPath(import.meta.url), ["--sink"], { execArgv: process.execArgv });
  const next = async (): Promise<SinkReport> => {
    const [message]: unknown[] = await once(child, "message");
    if (typeof message !== "object" || message === null) return {};
    const count = (key: keyof SinkReport) => (key in message && typeof Reflect.get(message, key) === "number" ? Number(Reflect.get(message, key)) : undefined);
    return { port: count("port"), received: count("received"), distinct: count("distinct"), cpuMs: count("cpuMs") };
  };
  const { port } = await next();
  if (!port) throw new Error("the SMTP sink did not start");
  return {
    url: `smtp://127.0.0.1:${port}`,
    report: async () => {
      child.send("report");
      return next();
    },
    stop: async () => {
      child.send("stop");
      await once(child, "exit");
    },
  };
}

type Sink = Awaited<ReturnType<typeof startSinkProcess>>;

/** The i-th benchmark e-mail, as the app renders a confirmation. */
function benchMail(i: number) {
  return renderEmail({
    lang: "en",
    subject: `Confirm your signature #${i}`,
    heading: "Please confirm your signature",
    blocks: [
      { p: "You signed the appeal “Clean air for our city”. Confirm it so that it counts." },
      { button: { label: "Confirm my signature", url: `http://localhost:3000/s/confirm/token${i}` } },
      { link: { label: "Not you? Remove the signature", url: `http://localhost:3000/s/reject/token${i}` } },
    ],
    footer: "Appeals, free software for NGOs.",
  });
}

async function enqueueAll(db: ReturnType<typeof createDb>["db"]) {
  for (let from = 0; from < MAILS; from += 1_000) {
    const rows = Array.from({ length: Math.min(1_000, MAILS - from) }, (_, k) => {
      const i = from + k;
      const mail = benchMail(i);
      return mailRow({
        kind: "signature.confirm",
        to: `signer${i}@example.org`,
        ...mail,
        headers: { "List-Unsubscribe": `<http://localhost:3000/u/token${i}>` },
      });
    });
    await db.insertInto("outbox").values(rows).execute();
  }
}

/**
 * CPU time (ms) a local PostgreSQL cluster has used so far: the postmaster with its exited
 * children, plus its live children. Linux /proc only; null elsewhere or for an external server.
 */
async function clusterCpuMs(dataDir: string | null): Promise<number | null> {
  if (!dataDir) return null;
  try {
    const pid = Number((await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    const ticks = async (p: number, withExited: boolean) => {
      const stat = await fs.readFile(`/proc/${p}/stat`, "utf8");
      const f = stat
        .slice(stat.lastIndexOf(")") + 2)
        .split(" ")
        .map(Number); // f[0] is field 3 (state)
      return f[11] + f[12] + (withExited ? f[13] + f[14] : 0); // utime, stime (+ cutime, cstime)
    };
    const children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
    let total = await ticks(pid, true);
    for (const child of children) total += await ticks(Number(child), false).catch(() => 0);
    return total * 10; // USER_HZ = 100
  } catch {
    return null;
  }
}

async function sendAll(db: ReturnType<typeof createDb>["db"], sink: Sink, pgDataDir: string | null): Promise<number> {
  let sent = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const sinkBefore = await sink.report();
  const pgBefore = await clusterCpuMs(pgDataDir);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = startOutboxWorker({
    db,
    smtpUrl: sink.url,
    from: "Appeals <no-reply@appeals.localhost>",
    batchSize: BATCH,
    maxConnections: CONNECTIONS,
    log: say,
    onBatch: (result) => {
      sent += result.sent;
      if (sent >= MAILS) done();
    },
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();
  const { received, distinct, cpuMs = 0 } = await sink.report();
  if (received !== MAILS || distinct !== MAILS) {
    throw new Error(`expected ${MAILS} distinct e-mails at the sink, got ${received} (${distinct} distinct)`);
  }
  const pgAfter = await clusterCpuMs(pgDataDir);
  const workerMs = (cpu.user + cpu.system) / 1000 / MAILS;
  const sinkMs = (cpuMs - (sinkBefore.cpuMs ?? 0)) / MAILS;
  const pgMs = pgBefore !== null && pgAfter !== null ? (pgAfter - pgBefore) / MAILS : null;
  const cores = os.cpus().length;
  say(
    `CPU per e-mail: worker ${fmt(workerMs, 2)} ms, SMTP sink ${fmt(sinkMs, 2)} ms, PostgreSQL ${pgMs === null ? "n/a" : `${fmt(pgMs, 2)} ms`}` +
      ` (so ${cores} fully busy cores would do ${fmt((cores * 1000) / (workerMs + sinkMs + (pgMs ?? 0)))} e-mails/s);` +
      ` machine load average ${os.loadavg()[0].toFixed(1)}`,
  );
  return seconds;
}

/** The ceiling: the same e-mails through nodemailer's pool from a bare loop (no database, no outbox). */
async function bareNodemailer(sink: Sink): Promise<number> {
  const connections = CONNECTIONS ?? 8;
  const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: connections, maxMessages: Infinity });
  const mails = Array.from({ length: MAILS }, (_, i) => benchMail(i));
  const before = (await sink.report()).received ?? 0;
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < MAILS) {
      const i = next++;
      const mail = mails[i]!;
      await transport.sendMail({
        from: "Appeals <no-reply@appeals.localhost>",
        to: `signer${i}@example.org`,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: { "List-Unsubscribe": `<http://localhost:3000/u/token${i}>` },
      });
    }
  };
  await Promise.all(Array.from({ length: connections * 2 }, lane));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  const received = ((await sink.report()).received ?? 0) - before;
  if (received !== MAILS) throw new Error(`bare nodemailer: expected ${MAILS} e-mails at the sink, got ${received}`);
  return seconds;
}

async function insertAll(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: INSERT_POOL });
  try {
    await pool.query("CREATE TABLE bench_scratch (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL)");
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < MAILS) {
        const i = next++;
        await pool.query("INSERT INTO bench_scratch (payload) VALUES ($1)", [`row ${i}`]);
      }
    };
    await Promise.all(Array.from({ length: INSERT_POOL }, lane));
    return (performance.now() - started) / 1000;
  } finally {
    await pool.end();
  }
}

async function main() {
  say("starting PostgreSQL and the SMTP sink…");
  const cluster = await startTestCluster();
  const sink = await startSinkProcess();
  let handle: ReturnType<typeof createDb> | undefined;
  try {
    await createTemplate(cluster.serverUrl, "bench_template");
    const url = await cloneDatabase(cluster.serverUrl, "bench_template", `bench_${process.pid}`);
    handle = createDb(url, { max: 10 });

    await enqueueAll(handle.db);
    say(`enqueued ${fmt(MAILS)} e-mails`);

    const sendSeconds = await sendAll(handle.db, sink, cluster.dataDir);
    const mailRate = MAILS / sendSeconds;
    say(`outbox → SMTP: ${fmt(MAILS)} e-mails in ${fmt(sendSeconds, 2)} s = ${fmt(mailRate)} e-mails/s (each arrived once)`);

    const bareRate = MAILS / (await bareNodemailer(sink));
    say(`bare nodemailer pool → the same sink: ${fmt(bareRate)} e-mails/s; outbox ÷ bare = ${fmt(mailRate / bareRate, 2)} (target ≥1,000/s or ≥0.50)`);
    recordFigure({
      figure: "outbox → SMTP sink, as a share of nodemailer's pool alone sending the same e-mails (same run)",
      unit: "ratio",
      direction: "≥",
      target: 0.5,
      measured: Math.round((mailRate / bareRate) * 100) / 100,
      note: `${fmt(mailRate)} vs ${fmt(bareRate)} e-mails/s`,
    });

    const insertSeconds = await insertAll(url);
    const insertRate = MAILS / insertSeconds;
    say(`raw PostgreSQL: ${fmt(MAILS)} single-row INSERTs (pool of ${INSERT_POOL}) in ${fmt(insertSeconds, 2)} s = ${fmt(insertRate)} rows/s`);
    say(`ratio e-mails/s ÷ INSERTs/s = ${fmt(mailRate / insertRate, 2)}`);
    recordFigure({
      figure: `outbox → SMTP sink, ${fmt(MAILS)} queued e-mails`,
      unit: "e-mails/s",
      direction: "≥",
      target: 1000,
      measured: Math.round(mailRate),
      rawInsertRate: Math.round(insertRate),
    });
  } finally {
    await handle?.db.destroy();
    await sink.stop();
    await cluster.stop();
  }
}

(process.argv.includes("--sink") ? runSink() : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
