import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newOrganization, sessionCookie } from "../tests/fixtures/organizers";
import { getDb } from "../tests/setup/vitest-db";
import { databaseUrl } from "../db/client";
import { claimPendingLetter } from "../db/queries/letters";
import { action as lettersAction } from "../app/routes/dashboard.appeals.$id.letters";
import { translator } from "../app/i18n";
import { addAddressee, createAppeal, publish, saveVersion } from "../app/services/appeals.server";
import { holdLetterLock, MAX_LETTER_ATTEMPTS, removeStalePartialLetters, requeueInterrupted } from "../app/services/letter-pipeline.server";
import { lettersPage, requestLetters } from "../app/services/letters.server";
import { ensureSigningIdentityForLetter } from "../app/services/signing-identity.server";
import { pathOf } from "../app/services/storage.server";
import { env, parseEnv, setEnv } from "../app/utils/env.server";
import { generateInWorker, startLetterJobs } from "./letter-jobs";

/**
 * Letter jobs under a hostile or unlucky load: a letter that runs too long is stopped and marked
 * failed, with its partial file removed; organizations take turns in the queue and each has a
 * cap; a letter killed mid-write (kill -9) leaves nothing behind once a job starts again.
 */

const { dataDir, dbUrl } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-letter-jobs-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir, dbUrl: { hanging: null as string | null } };
});

// The URL letter generations connect to: the real database, or (for the time-limit test) a
// server that accepts connections and never answers, so the generation never ends by itself.
vi.mock("../db/client", async (importOriginal) => {
  const real = await importOriginal<typeof import("../db/client")>();
  return { ...real, databaseUrl: () => dbUrl.hanging ?? real.databaseUrl() };
});

const lettersDir = path.join(dataDir, "files", "letters");
const slugOf = (prefix: string) => `${prefix}-${crypto.randomBytes(3).toString("hex")}`;
const letterRow = (id: number) => getDb().selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const partials = () => (fs.existsSync(lettersDir) ? fs.readdirSync(lettersDir).filter((f) => f.endsWith(".part")) : []);

async function publishedAppeal(organization = "Test NGO") {
  const owner = await newOrganization(organization);
  const slug = slugOf("jobs");
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: "Письмо" });
  await saveVersion(id, owner.userId, "ru", { title: "Письмо", summary: "", body: "Уважаемые господа!" });
  await addAddressee(id, owner.userId, null, { ru: { name: "Министр культуры", position: "", institution: "" } });
  await publish(id, owner.userId);
  return { owner, id, slug };
}

async function signMany(appealId: number, count: number) {
  await sql`
    INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, email, email_key, confirmed_at)
    SELECT ${appealId}, 1, 'ru', 'confirmed', 'Айгерім Сейітқалиева ' || i, 'Алматы', 'KZ', 'public',
           'jobs-' || i || '@mail.example', 'jobs-' || i || '@mail.example', timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
    FROM generate_series(1, ${count}) AS i`.execute(getDb());
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `work` with configuration overrides, then restores the configuration. */
async function withEnv<T>(overrides: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = env();
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, ...overrides }));
  try {
    return await work();
  } finally {
    setEnv(saved);
  }
}

beforeAll(() => {
  fs.mkdirSync(lettersDir, { recursive: true });
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir }));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Letters no one is waiting for stay out of the next test's queue. */
async function clearQueue() {
  await getDb().deleteFrom("letters").where("status", "in", ["pending", "running"]).execute();
}

describe("the time limit of a letter job", () => {
  it("stops a letter that runs past LETTER_JOB_TIMEOUT_S, marks it failed in the organizer's language and removes its partial file", async () => {
    await clearQueue();
    const hanging = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const address = hanging.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const port = address.port;
    const appeal = await publishedAppeal();
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const { code } = await letterRow(id!);
    const partial = path.join(lettersDir, `${code}.pdf.4242.0badcafe.part`);
    const lines: string[] = [];
    dbUrl.hanging = `postgres://nobody:nothing@127.0.0.1:${port}/none`;
    try {
      await withEnv({ LETTER_JOB_TIMEOUT_S: "1.5" }, async () => {
        const stop = startLetterJobs((line) => lines.push(line));
        try {
          // Claimed and locked by the job (the start-up sweep of stale files is behind us): what
          // the generation, stopped mid-write, will leave is its partial file.
          await until(async () => (await letterRow(id!)).status === "running", 30_000, "the letter to start");
          fs.writeFileSync(partial, "%PDF-1.7 half a letter");
          await until(async () => (await letterRow(id!)).status === "failed", 30_000, "the letter to fail");
        } finally {
          await stop();
        }
      });
    } finally {
      dbUrl.hanging = null;
      hanging.close();
    }
    const row = await letterRow(id!);
    expect(row).toMatchObject({ status: "failed", error: "timed_out", storage_key: null, file_sha256: null, digest: "" });
    expect(fs.existsSync(partial)).toBe(false);
    expect(lines.join("\n")).toMatch(/took longer than 2 s and was stopped/);
    const page = await lettersPage(appeal.id, appeal.owner.userId);
    expect(page.letters.find((l) => l.id === id)).toMatchObject({ status: "failed", error: "timed_out" });
    expect(translator("ru").t("letters.error.timed_out")).toMatch(/остановлено/);
  }, 60_000);

  it("a worker past its heap bound is stopped and its letter fails; the process goes on", async () => {
    await clearQueue();
    const appeal = await publishedAppeal();
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    await ensureSigningIdentityForLetter(id!);
    const job = { databaseUrl: databaseUrl(), letterId: id!, outputPath: path.join(dataDir, "heap.pdf.part"), appUrl: "http://localhost" };
    // 8 MB of old generation cannot hold the renderer's modules. (Below ~2 MB, Node 22 and 24 fail
    // the whole process while starting the thread, "GC during deserialization": not a bound to set.)
    await expect(generateInWorker(job, () => undefined, Infinity, 8)).rejects.toMatchObject({ code: "ERR_WORKER_OUT_OF_MEMORY" });
    // The same job under the default bound makes the letter.
    const made = await generateInWorker(job, () => undefined);
    expect(made.pages).toBeGreaterThan(0);
  }, 60_000);
});

describe("each organization's share of the letter queue", () => {
  it("takes organizations in turn: B's one letter comes before A's backlog, and an organization with a letter running waits", async () => {
    await clearQueue();
    const a = await publishedAppeal("Organization A");
    const b = await publishedAppeal("Organization B");
    const c = await publishedAppeal("Organization C");
    const aLetters: number[] = [];
    for (let i = 0; i < 8; i++) aLetters.push(...(await requestLetters(a.id, a.owner.userId, { lang: "ru" })));
    const [bLetter] = await requestLetters(b.id, b.owner.userId, { lang: "ru" });

    // The job claims one letter, generates it, claims the next: A's first, then B's, then A's again.
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const claimed = await claimPendingLetter(getDb());
      order.push(claimed!.id);
      await getDb().updateTable("letters").set({ status: "ready" }).where("id", "=", claimed!.id).execute();
    }
    expect(order).toEqual([aLetters[0], bLetter, aLetters[1]]);

    // While one of A's letters is being made (by another process), a letter C asks for later
    // goes before A's remaining ones.
    const running = await claimPendingLetter(getDb());
    expect(aLetters).toContain(running!.id);
    const [cLetter] = await requestLetters(c.id, c.owner.userId, { lang: "ru" });
    expect((await claimPendingLetter(getDb()))!.id).toBe(cLetter);
  });

  it("caps the letters one organization may have waiting or being made, and says so in the organizer's language", async () => {
    await clearQueue();
    const a = await publishedAppeal("Organization A");
    const b = await publishedAppeal("Organization B");
    await withEnv({ LETTER_QUEUE_PER_ORG: "3" }, async () => {
      for (let i = 0; i < 3; i++) await requestLetters(a.id, a.owner.userId, { lang: "ru" });
      await expect(requestLetters(a.id, a.owner.userId, { lang: "ru" })).rejects.toMatchObject({ messageKey: "letters.queueFull" });
      // Another organization is not held back by A's queue.
      expect(await requestLetters(b.id, b.owner.userId, { lang: "ru" })).toHaveLength(1);

      // The dashboard's answer: the form error, no new letter.
      const cookie = await sessionCookie(a.owner.userId);
      const body = new URLSearchParams({ _intent: "one", lang: "ru" });
      const response = await lettersAction({
        request: new Request(`http://localhost/dashboard/appeals/${a.id}/letters`, {
          method: "POST",
          body,
          headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        }),
        params: { id: String(a.id) },
        context: {},
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ errors: { _form: "letters.queueFull" } });
      expect(translator("kk").t("letters.queueFull")).toMatch(/шекке жетті/);
      const queued = await getDb().selectFrom("letters").select("id").where("appeal_id", "=", a.id).execute();
      expect(queued).toHaveLength(3);

      // Once one is done, there is room for one more; the operator's CLI (no user) is not capped.
      await getDb().updateTable("letters").set({ status: "ready" }).where("id", "=", queued[0]!.id).execute();
      expect(await requestLetters(a.id, a.owner.userId, { lang: "ru" })).toHaveLength(1);
      expect(await requestLetters(a.id, null, { lang: "ru" })).toHaveLength(1);
    });
  });
});

describe("a letter killed mid-write", () => {
  it("kill -9 of the process writing it: its .part is removed and the letter queued again when a job starts", async () => {
    await clearQueue();
    const appeal = await publishedAppeal();
    await signMany(appeal.id, 150_000);
    const out = path.join(dataDir, "cli-out.pdf");
    const child = spawn(process.execPath, ["scripts/run.mjs", "scripts/letter.ts", "--appeal", appeal.slug, "--lang", "ru", "--out", out], {
      env: { ...process.env, DATABASE_URL: databaseUrl(), DATA_DIR: dataDir, NODE_ENV: "test" },
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    try {
      await until(() => partials().length > 0, 90_000, "the letter's partial file");
    } finally {
      // The whole group: npx and the tsx process writing the letter.
      process.kill(-child.pid!, "SIGKILL");
      await exited;
    }
    const left = partials();
    expect(left).toHaveLength(1);
    const code = left[0]!.split(".pdf.")[0]!;
    const row = await getDb().selectFrom("letters").selectAll().where("code", "=", code).executeTakeFirstOrThrow();
    expect(row.status).toBe("running");
    expect(fs.existsSync(out)).toBe(false);

    // A job starting up (what startLetterJobs does at once): the dead process's lock is gone.
    await until(async () => (await removeStalePartialLetters()) === 1, 10_000, "the partial file to be removed");
    expect(partials()).toEqual([]);
    // And the folder of the files it was embedding (ledger.csv and signatories.csv hold the names).
    expect(fs.readdirSync(lettersDir).filter((f) => f.includes(".part"))).toEqual([]);
    await getDb()
      .updateTable("letters")
      .set({ started_at: sql<Date>`now() - interval '1 minute'`, lease_until: sql<Date>`now() - interval '1 second'` })
      .where("id", "=", row.id)
      .execute();
    expect(await requeueInterrupted()).toEqual({ requeued: 1, failed: 0 });
    expect((await letterRow(row.id)).status).toBe("pending");
  }, 180_000);

  it("keeps the partial file of a letter another process is writing; removes one of no known letter", async () => {
    await clearQueue();
    const appeal = await publishedAppeal();
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const { code } = await letterRow(id!);
    const busy = path.join(lettersDir, `${code}.pdf.77.0123abcd.part`);
    const orphan = path.join(lettersDir, "ZZZZ-ZZZZ-ZZZZ.pdf.78.0123abcd.part");
    fs.writeFileSync(busy, "being written");
    fs.writeFileSync(orphan, "left over");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = holdLetterLock(id!, () => held);
    await new Promise((r) => setTimeout(r, 100));
    expect(await removeStalePartialLetters()).toBe(1);
    expect(fs.existsSync(busy)).toBe(true);
    expect(fs.existsSync(orphan)).toBe(false);
    release();
    await holder;
    expect(await removeStalePartialLetters()).toBe(1);
    expect(partials()).toEqual([]);
  });

  it("a letter whose generation died with its process MAX_LETTER_ATTEMPTS times is marked failed, not retried forever", async () => {
    await clearQueue();
    const appeal = await publishedAppeal();
    const [id] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    for (let attempt = 1; attempt <= MAX_LETTER_ATTEMPTS; attempt++) {
      expect((await claimPendingLetter(getDb()))!.id).toBe(id);
      // The process dies: the letter stays 'running', its lock is gone.
      await getDb()
        .updateTable("letters")
        .set({ started_at: sql<Date>`now() - interval '1 minute'`, lease_until: sql<Date>`now() - interval '1 second'` })
        .where("id", "=", id!)
        .execute();
      const { requeued, failed } = await requeueInterrupted();
      expect([requeued, failed]).toEqual(attempt < MAX_LETTER_ATTEMPTS ? [1, 0] : [0, 1]);
    }
    expect(await letterRow(id!)).toMatchObject({ status: "failed", error: "interrupted", attempts: MAX_LETTER_ATTEMPTS });
    expect(translator("en").t("letters.error.interrupted")).toMatch(/interrupted/);
  });
});

describe("one letter pipeline for the app's job and the CLI", () => {
  /** What watchLetters saw change (time, id:status:progress), for a failure message. */
  const samples: string[] = [];
  /** Polls the appeal's letters until `done`; returns the highest progress each showed while `running`. */
  async function watchLetters(appealId: number, done: () => boolean | Promise<boolean>, ms: number) {
    const shown = new Map<number, number>();
    const started = Date.now();
    let last = "";
    await until(
      async () => {
        const rows = await getDb().selectFrom("letters").select(["id", "status", "progress"]).where("appeal_id", "=", appealId).execute();
        for (const r of rows) if (r.status === "running") shown.set(r.id, Math.max(shown.get(r.id) ?? 0, r.progress));
        const now = rows.map((r) => `${r.id}:${r.status}:${r.progress}`).join(",");
        if (now !== last) {
          last = now;
          samples.push(`${Date.now() - started}ms ${now}`);
        }
        return done();
      },
      ms,
      "the letter to be made",
    );
    return shown;
  }

  it("a letter made by `npm run letter` is claimed, shows its progress and is marked written exactly like one the app's job makes", async () => {
    await clearQueue();
    const appeal = await publishedAppeal();
    await signMany(appeal.id, 60_000);

    // The CLI, as an operator runs it.
    const out = path.join(dataDir, "pipeline-cli.pdf");
    const child = spawn(process.execPath, ["scripts/run.mjs", "scripts/letter.ts", "--appeal", appeal.slug, "--lang", "ru", "--out", out], {
      env: { ...process.env, DATABASE_URL: databaseUrl(), DATA_DIR: dataDir, NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // What the CLI said, for the failure message if it does not end.
    let said = "";
    child.stdout.on("data", (d: Buffer) => (said += d.toString()));
    child.stderr.on("data", (d: Buffer) => (said += d.toString()));
    let exit: number | null = null;
    child.on("exit", (code) => (exit = code ?? -1));
    const cliShown = await watchLetters(appeal.id, () => exit !== null, 150_000).catch(async (error: unknown) => {
      const rows = await getDb().selectFrom("letters").select(["id", "status", "progress", "started_at"]).where("appeal_id", "=", appeal.id).execute();
      // Where the CLI is: its sessions (waiting on a lock? which query?) and whether it uses the CPU.
      const sessions = await sql<Record<string, unknown>>`
        SELECT pid, state, wait_event_type, wait_event, left(query, 160) AS query, now() - xact_start AS in_transaction
        FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(getDb());
      const locks = await sql<Record<string, unknown>>`
        SELECT pid, locktype, mode, granted, classid, objid FROM pg_locks WHERE locktype = 'advisory' OR NOT granted`.execute(getDb());
      const cpu = () => {
        try {
          const fields = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
          return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
        } catch {
          return null;
        }
      };
      const before = cpu();
      await new Promise((r) => setTimeout(r, 2000));
      const after = cpu();
      child.kill("SIGKILL");
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}; the CLI said: ${JSON.stringify(said.slice(-2000))}; letters: ${JSON.stringify(rows)}; ` +
          `its CPU ticks over 2 s: ${before === null || after === null ? "?" : after - before}; sessions: ${JSON.stringify(sessions.rows)}; locks: ${JSON.stringify(locks.rows)}`,
      );
    });
    expect(exit, said).toBe(0);
    const cli = await getDb().selectFrom("letters").selectAll().where("appeal_id", "=", appeal.id).executeTakeFirstOrThrow();

    // The app's job, for the same letter requested from the dashboard.
    const [jobId] = await requestLetters(appeal.id, appeal.owner.userId, { lang: "ru" });
    const stop = startLetterJobs(() => undefined);
    let jobShown: Map<number, number>;
    try {
      jobShown = await watchLetters(
        appeal.id,
        // One read: two reads could see "pending" then "running" and end the watch while it runs.
        async () => !["running", "pending"].includes((await letterRow(jobId!)).status),
        150_000,
      );
    } finally {
      await stop();
    }
    const job = await letterRow(jobId!);

    // The same facts in both rows (the digest covers the text and the signatories, not the code).
    const facts = (r: typeof job) => ({
      status: r.status,
      progress: r.progress,
      error: r.error,
      attempts: r.attempts,
      lang: r.lang,
      kind: r.kind,
      revision: r.revision,
      count: r.count,
      digest: r.digest,
      pages: r.pages,
      flagged_names: r.flagged_names,
    });
    expect(facts(job)).toMatchObject({ status: "ready", progress: 100, error: null, attempts: 1, count: 60_000 });
    expect(facts(cli)).toEqual(facts(job));
    for (const r of [cli, job]) {
      expect(r.storage_key).toBe(`letters/${r.code}.pdf`);
      const file = fs.readFileSync(pathOf(r.storage_key!));
      expect(r.size).toBe(file.length);
      expect(r.file_sha256).toBe(crypto.createHash("sha256").update(file).digest("hex"));
      expect(r.started_at).not.toBeNull();
      expect(r.finished_at).not.toBeNull();
    }
    expect(fs.readFileSync(out).equals(fs.readFileSync(pathOf(cli.storage_key!)))).toBe(true);
    // While being made, each showed the dashboard its progress.
    expect(cliShown.get(cli.id) ?? 0, samples.join("\n")).toBeGreaterThan(0);
    expect(jobShown.get(job.id) ?? 0, samples.join("\n")).toBeGreaterThan(0);
    expect(partials()).toEqual([]);
  }, 360_000);
});
