import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { emailLookup, keyringFrom, open } from "../../app/services/data-key.server";
import { startApp, type AppProcess } from "../setup/app-process";
import { cloneDatabase, createTemplate, dropDatabase, startTestCluster, type TestCluster } from "../setup/postgres";
import { SmtpSink, type ReceivedMail } from "../setup/smtp-sink";

/*
 * Faults, each against the built app started as `npm start` starts it (server.ts, a child
 * process), a real PostgreSQL and a real SMTP sink, all on loopback:
 *  - kill -9 of the app during a signing load, then a restart;
 *  - PostgreSQL stopped and restarted during a signing load;
 *  - the SMTP relay down for a while (FAULT_SMTP_DOWN_SECONDS, default 20; 180 shows "minutes");
 *  - N app processes and M outbox workers on one database (FAULT_APPS, FAULT_WORKERS; 2 and 2).
 * This file runs its own PostgreSQL (stopping it must not disturb other files), one database
 * per test cloned from a migrated template. `npm run test:faults` runs it alone.
 */

const SLUG = "demo-appeal";
const SECRET = "fault-tests-session-secret-0123456789abcdef";
const SMTP_DOWN_SECONDS = Number(process.env.FAULT_SMTP_DOWN_SECONDS ?? 20);
const APPS = Math.max(1, Number(process.env.FAULT_APPS ?? 2));
const WORKERS = Math.max(0, Number(process.env.FAULT_WORKERS ?? 2));
/** A worker sends at most this many mails at once (outbox.server.ts: 2 × maxConnections, default 8). */
const WORKER_CONCURRENCY = 16;
/** The outbox worker's lease on claimed rows (outbox.server.ts, default leaseMs). */
const LEASE_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[faults] ${line}`);

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(everyMs);
  }
}

/** Everything a test starts, stopped in reverse order even when the test fails. */
class Cleanup {
  private steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>) {
    this.steps.push(step);
  }
  async run() {
    for (const step of this.steps.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
    this.steps = [];
  }
}

/** SIGKILLs a child if it is still running after `graceMs` of SIGTERM (or at once with graceMs 0). */
async function killChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  if (graceMs > 0) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  } else {
    child.kill("SIGKILL");
    await exited;
  }
}

let cluster: TestCluster;
const TEMPLATE = `faults_template_${process.pid}`;
const cleanup = new Cleanup();

interface World {
  databaseUrl: string;
  pool: pg.Pool;
  sink: SmtpSink;
  dataDir: string;
  env: Record<string, string>;
}

/** A fresh database, an SMTP sink and a data folder; the environment an app or a worker gets. */
async function world(): Promise<World> {
  const name = `faults_${crypto.randomBytes(5).toString("hex")}`;
  const databaseUrl = await cloneDatabase(cluster.serverUrl, TEMPLATE, name);
  cleanup.add(() => dropDatabase(cluster.serverUrl, name));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on("error", () => undefined);
  cleanup.add(() => pool.end());
  const sink = new SmtpSink();
  await sink.start();
  cleanup.add(() => sink.stop());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "appeals-faults-"));
  cleanup.add(() => fs.rm(dataDir, { recursive: true, force: true }));
  const env = {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    SMTP_URL: sink.url,
    DATA_DIR: dataDir,
    SESSION_SECRET: SECRET,
    SIGNING_KEY_SECRET: "signing-key-secret-for-tests-0123456789abcdef",
    SEED_DEMO: "1",
    MIN_FILL_SECONDS: "0",
    SIGN_LIMIT_PER_IP: "1000000",
    SIGN_LIMIT_PER_ADDRESS: "1000",
    LOG_REQUESTS: "0",
  };
  return { databaseUrl, pool, sink, dataDir, env };
}

async function app(w: World, extra: Record<string, string> = {}): Promise<AppProcess> {
  const started = await startApp({ ...w.env, ...extra });
  cleanup.add(() => killChild(started.process));
  onTestFailed(() => log(`output of the app on ${started.url}:\n${started.output().slice(-4000)}`));
  return started;
}

/** `npm run worker` (scripts/worker.ts) as its own process; resolves once it is polling. */
async function worker(w: World): Promise<{ process: ChildProcess; output: () => string }> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/worker.ts")], {
    env: { ...process.env, ...w.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.add(() => killChild(child));
  onTestFailed(() => log(`output of a worker:\n${output.slice(-4000)}`));
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await waitUntil(
    "the worker to start",
    () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${output}`);
      return output.includes("sending the outbox");
    },
    60_000,
  );
  return { process: child, output: () => output };
}

/** The sign form's stamp, as a browser gets it with the page. */
async function stampOf(base: string): Promise<string> {
  const page = await (await fetch(`${base}/appeals/${SLUG}`)).text();
  const stamp = /name="stamp" value="([^"]+)"/.exec(page)?.[1];
  if (!stamp) throw new Error("no stamp in the appeal page");
  return stamp;
}

interface Attempt {
  email: string;
  base: string;
  status: number | "error";
  error?: string;
  retryAfter?: string | null;
  body?: string;
  /** When the request was sent, and when its answer (or error) was read. */
  startedAt: number;
  at: number;
}

/** One sign POST as a browser without JavaScript sends it; never throws. */
async function signOnce(base: string, stamp: string, email: string, lang = "en"): Promise<Attempt> {
  const startedAt = Date.now();
  const body = new URLSearchParams({
    name: `Faults Tester ${email.split("@")[0]}`,
    email,
    city: "Almaty",
    country: "KZ",
    disclosure: "public",
    consent: "on",
    stamp,
    website: "",
  });
  try {
    const res = await fetch(`${base}/appeals/${SLUG}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": lang },
      body: body.toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    const ok = res.status === 303 && (res.headers.get("location") ?? "").endsWith(`/appeals/${SLUG}/sent`);
    return {
      email,
      base,
      status: ok ? 303 : res.status === 303 ? 0 : res.status,
      retryAfter: res.headers.get("retry-after"),
      body: text,
      startedAt,
      at: Date.now(),
    };
  } catch (error) {
    return { email, base, status: "error", error: String((error as { cause?: unknown }).cause ?? error), startedAt, at: Date.now() };
  }
}

/**
 * `loops` concurrent signers posting unique addresses until `stop()`; `bases()` says where
 * (several apps are taken in turn). Each loop pauses `pauseMs` between requests.
 */
function signingLoad(options: {
  prefix: string;
  loops: number;
  bases: () => string[];
  stamps: Map<string, string>;
  pauseMs?: number;
  lang?: string;
  max?: number;
}) {
  const attempts: Attempt[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: options.loops }, async (_, loop) => {
    for (let i = 0; !stopped && (options.max === undefined || n < options.max); i++) {
      const bases = options.bases();
      const base = bases[n++ % bases.length] ?? "";
      const email = `${options.prefix}-${loop}-${i}@faults.example.org`;
      attempts.push(await signOnce(base, options.stamps.get(base) ?? "", email, options.lang));
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  });
  const done = Promise.all(loops);
  return {
    attempts,
    acknowledged: () => attempts.filter((a) => a.status === 303).map((a) => a.email),
    stop: async () => {
      stopped = true;
      await done;
    },
    done,
  };
}

const count = async (pool: pg.Pool, sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].count);

function confirmMails(sink: SmtpSink): ReceivedMail[] {
  return sink.messages.filter((m) => m.text.includes("/s/confirm/"));
}

/** Recipient → how many confirmation e-mails they got. */
function confirmationsPerRecipient(sink: SmtpSink): Map<string, number> {
  const per = new Map<string, number>();
  for (const m of confirmMails(sink)) for (const to of m.to) per.set(to.toLowerCase(), (per.get(to.toLowerCase()) ?? 0) + 1);
  return per;
}

/** The tests' DATA_KEY (vitest.config.ts), which the apps started here seal with too. */
const ring = () => keyringFrom(process.env.DATA_KEY ?? "");

/** Every signer's address (sealed at rest), opened; of one status if given. */
async function signerAddresses(pool: pg.Pool, status?: string): Promise<string[]> {
  const rows = (await pool.query<{ email: string | null }>("SELECT email FROM signatures WHERE $1::text IS NULL OR status = $1", [status ?? null])).rows;
  return rows.flatMap((r) => (r.email === null ? [] : [open(r.email, "email", ring())]));
}

async function missingSignatures(pool: pg.Pool, emails: string[]): Promise<string[]> {
  if (emails.length === 0) return [];
  // Addresses are sealed at rest: a signature is found by the address's keyed hash.
  const rows = (
    await pool.query<{ key: string }>("SELECT email_key AS key FROM signatures WHERE email_key = ANY($1)", [emails.map((e) => emailLookup(e, ring()))])
  ).rows;
  const have = new Set(rows.map((r) => r.key));
  return emails.filter((e) => !have.has(emailLookup(e, ring())));
}

const pendingMails = (pool: pg.Pool) => count(pool, "SELECT count(*) FROM outbox WHERE status = 'pending'");

/**
 * Waits for the outbox to be empty. A row still pending and leased more than 10 s ago belongs to
 * a claim nobody is working on (its worker died, or the answer to the claim was lost when the
 * database went down): it is taken again when its 5-minute lease (LEASE_MS) ends. Rather than
 * wait that long, the lease end of such rows is moved to now. Returns how many rows that was.
 */
async function drainOutbox(pool: pg.Pool, what: string, timeoutMs: number): Promise<{ ms: number; orphans: number }> {
  let orphans = 0;
  const ms = await waitUntil(
    what,
    async () => {
      const moved = await pool.query(
        "UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending' AND next_attempt_at > now() + interval '60 seconds' AND next_attempt_at - make_interval(secs => $1) < now() - interval '10 seconds'",
        [LEASE_MS / 1000],
      );
      orphans += moved.rowCount ?? 0;
      return (await pendingMails(pool)) === 0;
    },
    timeoutMs,
    500,
  );
  return { ms, orphans };
}

function summarize(attempts: Attempt[]): string {
  const by = new Map<string, number>();
  for (const a of attempts) by.set(String(a.status), (by.get(String(a.status)) ?? 0) + 1);
  return [...by].map(([k, v]) => `${k}: ${v}`).join(", ");
}

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("faults", () => {
  beforeAll(async () => {
    // Our own cluster even when the run's DATABASE_URL points at the shared one.
    const given = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      cluster = await startTestCluster();
    } finally {
      if (given) process.env.DATABASE_URL = given;
    }
    await createTemplate(cluster.serverUrl, TEMPLATE);
  }, 120_000);

  afterEach(async () => {
    await cleanup.run();
  }, 60_000);

  afterAll(async () => {
    await cleanup.run();
    await cluster?.stop();
  }, 60_000);

  it("kill -9 during a signing load: every acknowledged signature is kept, every confirmation is sent, none twice beyond the mails in flight", async () => {
    const w = await world();
    const first = await app(w);
    const stamps = new Map([[first.url, await stampOf(first.url)]]);

    const load = signingLoad({ prefix: "kill", loops: 8, bases: () => [first.url], stamps });
    await sleep(3_000);
    first.process.kill("SIGKILL");
    await new Promise((r) => first.process.once("exit", r));
    await load.stop();
    const acked = load.acknowledged();
    log(`kill -9: ${load.attempts.length} sign POSTs (${summarize(load.attempts)}), ${acked.length} acknowledged before the kill`);
    expect(acked.length).toBeGreaterThan(20);
    // Every answer before the kill was a success; after it only refused connections.
    expect(load.attempts.filter((a) => a.status !== 303 && a.status !== "error").map((a) => a.status)).toEqual([]);

    // What the killed worker had leased and not yet settled: due again only when the lease ends.
    const leased = (
      await w.pool.query<{ id: number; to_address: string }>(
        "SELECT id, to_address FROM outbox WHERE status = 'pending' AND next_attempt_at > now() + interval '60 seconds'",
      )
    ).rows;
    const sentBeforeRestart = w.sink.messages.length;

    const restartedAt = Date.now();
    const second = await app(w);
    log(
      `kill -9: the app was back (healthy) in ${Date.now() - restartedAt} ms; ${leased.length} mails were leased by the killed worker, ${sentBeforeRestart} mails already delivered`,
    );
    expect(await missingSignatures(w.pool, acked)).toEqual([]);

    // Everything not leased drains by itself.
    const drainMs = await waitUntil(
      "the outbox to drain (rows not leased by the dead worker)",
      async () => (await count(w.pool, "SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= now() + interval '60 seconds'")) === 0,
      45_000,
    );
    // The leased rows wait out the 5-minute lease (LEASE_MS) before another worker may take them.
    // Rather than wait 5 minutes, the test moves their lease end to now: the same state the
    // queue is in once the lease has run out.
    if (leased.length > 0) {
      expect(leased.length).toBeLessThanOrEqual(200); // one claimed batch at most
      await w.pool.query("UPDATE outbox SET next_attempt_at = now() WHERE id = ANY($1) AND status = 'pending'", [leased.map((r) => r.id)]);
    }
    await waitUntil("the leased mails to be sent after their lease", async () => (await pendingMails(w.pool)) === 0, 30_000);
    log(`kill -9: outbox drained ${drainMs} ms after the restart (lease ${LEASE_MS / 60_000} min skipped for ${leased.length} rows)`);

    // Every acknowledged signer got their confirmation; nobody got it twice except mails the
    // dead worker had handed to SMTP but not yet marked sent. A worker has at most
    // WORKER_CONCURRENCY sends in progress at any moment (2 × its 8 SMTP connections), so at
    // most that many rows can be in that window when it is killed.
    await waitUntil("every acknowledged signer's confirmation", () => acked.every((e) => (confirmationsPerRecipient(w.sink).get(e) ?? 0) >= 1), 30_000);
    const per = confirmationsPerRecipient(w.sink);
    const twice = [...per].filter(([, n]) => n > 1);
    log(
      `kill -9: ${confirmMails(w.sink).length} confirmation e-mails for ${per.size} recipients; delivered twice: ${twice.length} (bound ${WORKER_CONCURRENCY})`,
    );
    expect(twice.every(([, n]) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(WORKER_CONCURRENCY);
    // A repeat is the same outbox row (same Message-ID) that was claimed before the kill.
    for (const [to] of twice) {
      const ids = new Set(
        w.sink
          .to(to)
          .filter((m) => m.text.includes("/s/confirm/"))
          .map((m) => m.headers["message-id"]),
      );
      expect(ids.size).toBe(1);
    }
    // A sent row keeps no address (issue 11): the Message-ID names the row (<outbox.ID.…@…>).
    const rowOf = (m: { headers: Record<string, string> }) => Number(/^<outbox\.(\d+)\./.exec(m.headers["message-id"] ?? "")?.[1]);
    if (twice.length > 0) {
      const repeated = twice.map(([to]) => rowOf(w.sink.to(to).find((m) => m.text.includes("/s/confirm/"))!));
      const attempts = await w.pool.query<{ attempts: number }>("SELECT attempts FROM outbox WHERE kind = 'signature_confirm' AND id = ANY($1)", [repeated]);
      expect(attempts.rows).toHaveLength(twice.length);
      expect(attempts.rows.every((r) => r.attempts >= 2)).toBe(true);
    }
    // Every signature got its confirmation, from a row marked sent; every row marked sent reached the sink.
    const signers = (await signerAddresses(w.pool)).filter((e) => e.startsWith("kill-"));
    const confirmedRows = new Map(confirmMails(w.sink).map((m) => [m.to[0] ?? "", rowOf(m)]));
    expect(signers.filter((e) => !confirmedRows.has(e))).toEqual([]);
    const sentIds = (await w.pool.query<{ id: string }>("SELECT id FROM outbox WHERE kind = 'signature_confirm' AND status = 'sent'")).rows.map((r) =>
      Number(r.id),
    );
    expect(signers.every((e) => sentIds.includes(confirmedRows.get(e) ?? -1))).toBe(true);
    await second.stop();
  }, 150_000);

  it("PostgreSQL restarted during a signing load: a clear 503 meanwhile, recovery without a restart, nothing acknowledged lost", async () => {
    const w = await world();
    const running = await app(w);
    const stamps = new Map([[running.url, await stampOf(running.url)]]);
    const load = signingLoad({ prefix: "pg", loops: 4, bases: () => [running.url], stamps, pauseMs: 20 });
    await sleep(2_000);

    const pausedAt = Date.now();
    await cluster.pause();
    const stoppedAt = Date.now();
    // Pages through Remix during the gap: a loader that reads the database, in Russian and in English.
    const remixEn = await fetch(`${running.url}/verify/ABCD-EFGH-JKLM`, { headers: { "Accept-Language": "en" } });
    const remixEnBody = await remixEn.text();
    const remixRu = await fetch(`${running.url}/verify/ABCD-EFGH-JKLM`, { headers: { "Accept-Language": "ru" } });
    const remixRuBody = await remixRu.text();
    const signRu = await signOnce(running.url, stamps.get(running.url) ?? "", "pg-ru-gap@faults.example.org", "ru");
    const health = await fetch(`${running.url}/healthz`);
    await sleep(Math.max(0, 3_000 - (Date.now() - stoppedAt)));
    const restartAt = Date.now();
    await cluster.restart();
    const restartedAt = Date.now();
    log(`PostgreSQL: stopping took ${stoppedAt - pausedAt} ms, down for ${restartAt - stoppedAt} ms, starting took ${restartedAt - restartAt} ms`);

    // The app recovers by itself: healthy, and signing succeeds again.
    const recoveredMs = await waitUntil("/healthz to answer 200 again", async () => (await fetch(`${running.url}/healthz`)).status === 200, 20_000);
    await waitUntil("a signature acknowledged after the restart", () => load.attempts.some((a) => a.status === 303 && a.at > restartedAt + 500), 20_000).catch(
      (error: unknown) => {
        throw new Error(
          `${String(error)}\nanswers: ${summarize(load.attempts)}\n${JSON.stringify(
            load.attempts
              .filter((a) => a.status !== 303)
              .slice(-3)
              .map((a) => ({ ...a, body: a.body?.slice(0, 300) })),
          )}\napp output:\n${running.output().slice(-3000)}`,
        );
      },
    );
    await sleep(1_000);
    await load.stop();
    expect(running.process.exitCode).toBeNull();

    const during = load.attempts.filter((a) => a.startedAt > stoppedAt && a.at < restartAt);
    log(
      `PostgreSQL: ${load.attempts.length} sign POSTs (${summarize(load.attempts)}); during the gap: ${summarize(during)}; healthy again ${recoveredMs} ms after the restart`,
    );

    // Only successes and 503s: never a 500, never a reset connection.
    expect(load.attempts.filter((a) => a.status !== 303 && a.status !== 503).map((a) => `${a.status} ${a.error ?? ""}`)).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((a) => a.status === 503)).toBe(true);
    const unavailable = load.attempts.filter((a) => a.status === 503);
    for (const a of unavailable) {
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(a.body).toContain("temporarily unavailable");
    }
    // The same answer through Remix, in the reader's language.
    expect(health.status).toBe(503);
    expect(remixEn.status).toBe(503);
    expect(Number(remixEn.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(remixEn.headers.get("content-type")).toContain("text/html");
    expect(remixEnBody).toContain("temporarily unavailable");
    expect(remixRu.status).toBe(503);
    expect(remixRuBody).toContain('lang="ru"');
    expect(remixRuBody).toContain("временно недоступ");
    expect(signRu.status).toBe(503);
    expect(signRu.body).toContain("временно недоступ");

    // Nothing acknowledged is lost, and the confirmations still go out.
    const acked = load.acknowledged();
    expect(await missingSignatures(w.pool, acked)).toEqual([]);
    const drained = await drainOutbox(w.pool, "the outbox to drain after the restart", 45_000);
    log(`PostgreSQL: outbox drained ${drained.ms} ms after recovery; rows of a lost claim: ${drained.orphans}`);
    expect(drained.orphans).toBeLessThanOrEqual(200); // one claimed batch at most
    const per = confirmationsPerRecipient(w.sink);
    expect(acked.filter((e) => (per.get(e) ?? 0) !== 1)).toEqual([]);
  }, 120_000);

  it(
    `SMTP down for ${SMTP_DOWN_SECONDS} s: signing keeps working; when it returns the first e-mail goes out within 60 s and the backlog drains once`,
    async () => {
      const w = await world();
      const running = await app(w);
      const stamps = new Map([[running.url, await stampOf(running.url)]]);
      const port = w.sink.port;

      await w.sink.stop();
      const downAt = Date.now();
      const load = signingLoad({ prefix: "smtp", loops: 2, bases: () => [running.url], stamps, pauseMs: 100 });
      await sleep(SMTP_DOWN_SECONDS * 1000);
      await load.stop();
      const acked = load.acknowledged();
      log(`SMTP down ${SMTP_DOWN_SECONDS} s: ${load.attempts.length} sign POSTs (${summarize(load.attempts)})`);
      expect(load.attempts.every((a) => a.status === 303)).toBe(true);
      expect(acked.length).toBeGreaterThan(10);
      expect(await missingSignatures(w.pool, acked)).toEqual([]);
      const tried = await count(w.pool, "SELECT count(*) FROM outbox WHERE status = 'pending' AND attempts > 0 AND last_error IS NOT NULL");
      expect(tried).toBeGreaterThan(0); // the worker did try, and failed, while SMTP was down

      await w.sink.start(port);
      const backAt = Date.now();
      const firstMs = await waitUntil("the first e-mail after SMTP returns", () => w.sink.messages.length > 0, 60_000, 100);
      // Every row's next try is at most 60 s away (the backoff cap), then sending takes seconds.
      const drainMs = await waitUntil("the backlog to drain", async () => (await pendingMails(w.pool)) === 0, 120_000);
      await waitUntil("every acknowledged signer's confirmation", () => acked.every((e) => (confirmationsPerRecipient(w.sink).get(e) ?? 0) >= 1), 10_000);
      log(
        `SMTP down ${Math.round((backAt - downAt) / 1000)} s: first e-mail ${firstMs} ms after SMTP returned, backlog of ${acked.length} drained in ${drainMs} ms`,
      );
      expect(firstMs).toBeLessThanOrEqual(60_000);
      const per = confirmationsPerRecipient(w.sink);
      expect([...per].filter(([, n]) => n > 1)).toEqual([]);
      expect(await count(w.pool, "SELECT count(*) FROM outbox WHERE kind = 'signature_confirm' AND status <> 'sent'")).toBe(0);
    },
    SMTP_DOWN_SECONDS * 1000 + 200_000,
  );

  it(`${APPS} app processes and ${WORKERS} outbox workers on one database: no e-mail twice, the totals add up`, async () => {
    const w = await world();
    // One at a time: the first seeds the demo appeal.
    const apps: AppProcess[] = [];
    for (let i = 0; i < APPS; i++) apps.push(await app(w));
    const workers = [];
    for (let i = 0; i < WORKERS; i++) workers.push(await worker(w));
    const stamps = new Map<string, string>();
    for (const a of apps) stamps.set(a.url, await stampOf(a.url));
    const bases = apps.map((a) => a.url);

    const api = async (base: string): Promise<number> => {
      const res = await fetch(`${base}/api/appeals/${SLUG}`);
      const body = (await res.json()) as { signatures: { confirmed: number } };
      return body.signatures.confirmed;
    };
    const confirmedBefore = await count(
      w.pool,
      "SELECT count(*) FROM signatures s JOIN appeals a ON a.id = s.appeal_id WHERE a.slug = $1 AND s.status = 'confirmed'",
      [SLUG],
    );
    expect(await api(bases[0] ?? "")).toBe(confirmedBefore);

    const TOTAL = 160;
    const started = Date.now();
    const load = signingLoad({ prefix: "scale", loops: 4, bases: () => bases, stamps, max: TOTAL });
    await load.done;
    const acked = load.attempts.filter((a) => a.status === 303);
    log(`${APPS} apps + ${WORKERS} workers: ${load.attempts.length} sign POSTs (${summarize(load.attempts)}) in ${Date.now() - started} ms`);
    expect(acked).toHaveLength(TOTAL);
    expect((await signerAddresses(w.pool)).filter((e) => e.startsWith("scale-"))).toHaveLength(TOTAL);

    // Every signer gets their confirmation; confirm every other one through another app.
    await waitUntil("every confirmation e-mail", () => acked.every((a) => (confirmationsPerRecipient(w.sink).get(a.email) ?? 0) >= 1), 60_000);
    const toConfirm = acked.filter((_, i) => i % 2 === 0);
    const confirmedVia = new Map<string, number>();
    await Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (let i = lane; i < toConfirm.length; i += 4) {
          const a = toConfirm[i];
          if (!a) continue;
          const mail = w.sink.to(a.email).find((m) => m.text.includes("/s/confirm/"));
          const token = /\/s\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? "")?.[1];
          expect(token).toBeTruthy();
          const other = bases[(bases.indexOf(a.base) + 1) % bases.length] ?? "";
          const res = await fetch(`${other}/s/confirm/${token}`, { method: "POST", redirect: "manual" });
          expect(res.status).toBe(303);
          expect(res.headers.get("location")).toContain(`/appeals/${SLUG}/thanks`);
          confirmedVia.set(other, (confirmedVia.get(other) ?? 0) + 1);
        }
      }),
    );
    const expected = confirmedBefore + toConfirm.length;
    expect((await signerAddresses(w.pool, "confirmed")).filter((e) => e.startsWith("scale-"))).toHaveLength(toConfirm.length);

    // The public count, folded from count_deltas by every app (every 2 s), through every app.
    const foldMs = await waitUntil(
      "the public count to include every confirmation",
      async () => (await Promise.all(bases.map(api))).every((n) => n === expected),
      30_000,
      500,
    );
    await sleep(5_000); // two more folds by every process, and past the 5 s response cache: still exact
    expect(await Promise.all(bases.map(api))).toEqual(bases.map(() => expected));
    expect(await count(w.pool, "SELECT count(*) FROM count_deltas")).toBe(0);

    // No e-mail twice: one delivery per outbox row, and per recipient and kind.
    await waitUntil("the outbox to drain", async () => (await pendingMails(w.pool)) === 0, 30_000);
    await sleep(1_000);
    const ids = w.sink.messages.map((m) => m.headers["message-id"]);
    expect(new Set(ids).size).toBe(ids.length);
    const perKind = new Map<string, number>();
    for (const m of w.sink.messages) for (const to of m.to) perKind.set(`${to}|${m.subject}`, (perKind.get(`${to}|${m.subject}`) ?? 0) + 1);
    expect([...perKind].filter(([, n]) => n > 1)).toEqual([]);
    expect(w.sink.messages.length).toBe(await count(w.pool, "SELECT count(*) FROM outbox WHERE status = 'sent'"));
    // No row was ever claimed by two workers: each was tried exactly once.
    expect(await count(w.pool, "SELECT count(*) FROM outbox WHERE attempts <> 1")).toBe(0);
    log(
      `${APPS} apps + ${WORKERS} workers: ${w.sink.messages.length} e-mails, none twice; confirmations per app ${JSON.stringify([...confirmedVia.values()])}; ` +
        `public count ${expected} reached ${foldMs} ms after the last confirmation`,
    );
    for (const wk of workers) expect(wk.process.exitCode).toBeNull();
  }, 180_000);

  it("kill -9 while the app writes a letter: the restarted app removes the partial file and makes the letter again", async () => {
    const w = await world();
    // A letter is held on a lease (LETTER_LEASE_S, renewed while its worker lives): short here, so
    // that the restarted app may take the dead one's letter a few seconds after it stopped renewing.
    const lease = { LETTER_LEASE_S: "5" };
    const first = await app(w, lease);
    const letters = path.join(w.dataDir, "files", "letters");
    const partials = async () => (await fs.readdir(letters).catch(() => [])).filter((f) => f.endsWith(".part"));
    const appealId = (await w.pool.query<{ id: number }>("SELECT id FROM appeals WHERE slug = $1", [SLUG])).rows[0]!.id;
    await w.pool.query(
      `INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, email, email_key, confirmed_at)
       SELECT $1, 1, 'en', 'confirmed', 'Letter Signer ' || i, 'Almaty', 'KZ', 'public', 'letter-' || i || '@mail.example', 'letter-' || i || '@mail.example', now()
       FROM generate_series(1, 300000) AS i`,
      [appealId],
    );
    const code = `KILL-${crypto.randomBytes(2).toString("hex").toUpperCase()}-${crypto.randomBytes(2).toString("hex").toUpperCase()}`;
    const letterId = (
      await w.pool.query<{ id: number }>(
        "INSERT INTO letters (appeal_id, code, lang, kind, revision, count, digest) SELECT id, $2, original_language, 'single', current_revision, 0, '' FROM appeals WHERE id = $1 RETURNING id",
        [appealId, code],
      )
    ).rows[0]!.id;
    const status = async () => (await w.pool.query<{ status: string }>("SELECT status FROM letters WHERE id = $1", [letterId])).rows[0]!.status;

    await waitUntil("the app to start writing the letter", async () => (await partials()).length > 0, 60_000, 20);
    first.process.kill("SIGKILL");
    await new Promise((r) => first.process.once("exit", r));
    expect(await partials()).toHaveLength(1);
    expect(await status()).toBe("running");

    // Until its lease runs out, the letter is taken for one a live worker (on this or another machine) makes.
    const left = Number(
      (await w.pool.query<{ ms: number }>("SELECT extract(epoch FROM lease_until - now()) * 1000 AS ms FROM letters WHERE id = $1", [letterId])).rows[0]!.ms,
    );
    expect(left).toBeLessThanOrEqual(5_000);
    await sleep(Math.max(0, left + 500));
    const second = await app(w, lease);
    const ms = await waitUntil(
      "the partial file to go and the letter to be made again",
      async () => (await partials()).length === 0 && (await status()) === "ready",
      120_000,
      250,
    );
    log(`kill -9 mid-letter: partial file removed and the letter made again ${ms} ms after the restart`);
    expect(await fs.readdir(letters)).toEqual([`${code}.pdf`]);
    const confirmed = await count(w.pool, "SELECT count(*) FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'", [appealId]);
    expect(confirmed).toBeGreaterThanOrEqual(300_000);
    expect((await w.pool.query<{ count: number; attempts: number }>("SELECT count, attempts FROM letters WHERE id = $1", [letterId])).rows[0]).toEqual({
      count: confirmed,
      attempts: 2,
    });
    await second.stop();
  }, 240_000);
});
