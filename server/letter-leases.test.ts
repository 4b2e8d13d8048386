import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOrganization } from "../tests/fixtures/organizers";
import { getDb } from "../tests/setup/vitest-db";
import { addAddressee, createAppeal, publish, saveVersion } from "../app/services/appeals.server";
import { generateLetter } from "../app/services/letter-generate.server";
import { renewLease, requeueInterrupted, runLetterPipeline } from "../app/services/letter-pipeline.server";
import { requestLetters } from "../app/services/letters.server";
import { parseEnv, setEnv } from "../app/utils/env.server";
import { claimPendingLetter } from "../db/queries/letters";

/**
 * Letter jobs on a lease (issue 16): letter workers on several machines share one queue. Two
 * `npm run worker -- --letters` processes on one database never make the same letter twice; a
 * worker that dies (stops renewing) has its letter taken by another once the lease runs out, and
 * a live one never does; a worker whose lease was taken over cannot store its result.
 */
const dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "appeals-letter-leases-"));
const letterRow = (id: number) => getDb().selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

beforeAll(() => {
  setEnv(parseEnv({ ...process.env, DATA_DIR: dataDir, LETTER_LEASE_S: "1" }));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function requestedLetter(): Promise<number> {
  const owner = await newOrganization("Lease NGO");
  const slug = `lease-${crypto.randomBytes(3).toString("hex")}`;
  const id = await createAppeal(owner.userId, { organizationId: owner.organizationId, slug, originalLanguage: "ru", title: "Письмо" });
  await saveVersion(id, owner.userId, "ru", { title: "Письмо", summary: "", body: "Уважаемые господа!" });
  await addAddressee(id, owner.userId, null, { ru: { name: "Министр", position: "", institution: "" } });
  await publish(id, owner.userId);
  const [letterId] = await requestLetters(id, owner.userId, { lang: "ru" });
  if (letterId === undefined) throw new Error("no letter requested");
  return letterId;
}

/** Empties the queue, so each test sees only its own letters. */
const clearQueue = () => getDb().updateTable("letters").set({ status: "failed", lease_until: null }).where("status", "in", ["pending", "running"]).execute();

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("letter workers on other machines", () => {
  const workers: Array<{ child: ChildProcess; output: () => string }> = [];
  afterAll(async () => {
    await Promise.all(
      workers.map(({ child }) => (child.exitCode === null ? new Promise((r) => (child.once("exit", r), child.kill("SIGTERM"))) : Promise.resolve())),
    );
  });

  it("two `npm run worker -- --letters` on one database never make the same letter twice", async () => {
    await clearQueue();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await requestedLetter());
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/worker.ts"), "--letters"], {
        env: { ...process.env, NODE_ENV: "development", DATA_DIR: dataDir, SMTP_URL: "", LETTER_LEASE_S: "5" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      workers.push({ child, output: () => out });
    }
    await until(
      async () => (await getDb().selectFrom("letters").select("id").where("id", "in", ids).where("status", "=", "ready").execute()).length === ids.length,
      120_000,
      `the letters to be made (${workers.map((w) => w.output()).join("\n")})`,
    );
    for (const id of ids) expect(await letterRow(id)).toMatchObject({ status: "ready", attempts: 1, lease_until: null });
    for (const { output } of workers) expect(output()).toContain("[worker] making requested letters (lease 5 s)");
  }, 180_000);
});

describe("a letter's lease", () => {
  it("a worker that dies keeps its letter until the lease runs out; then another worker makes it", async () => {
    await clearQueue();
    const id = await requestedLetter();
    // Claimed, then the worker dies: nobody renews the lease (LETTER_LEASE_S=1 here).
    expect(await claimPendingLetter(getDb(), 1)).toMatchObject({ id, claim: 1 });
    expect(await requeueInterrupted()).toEqual({ requeued: 0, failed: 0 });
    expect((await letterRow(id)).status).toBe("running");
    await new Promise((r) => setTimeout(r, 1200));
    expect(await requeueInterrupted()).toEqual({ requeued: 1, failed: 0 });
    const outcome = await runLetterPipeline("next");
    expect(outcome).toMatchObject({ status: "ready", letter: { id, claim: 2 } });
    expect(await letterRow(id)).toMatchObject({ status: "ready", attempts: 2 });
  });

  it("a live worker renews its lease: a letter made for longer than the lease is never taken from it", async () => {
    await clearQueue();
    const id = await requestedLetter();
    let requeued = 0;
    let working = true;
    const watcher = (async () => {
      while (working) {
        requeued += (await requeueInterrupted()).requeued;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const outcome = await runLetterPipeline("next", {
      generate: async (job, onProgress) => {
        await new Promise((r) => setTimeout(r, 3000)); // three leases long
        return generateLetter(job, onProgress);
      },
    });
    working = false;
    await watcher;
    expect(requeued).toBe(0);
    expect(outcome).toMatchObject({ status: "ready", letter: { id, claim: 1 } });
    expect(await letterRow(id)).toMatchObject({ status: "ready", attempts: 1 });
  });

  it("a worker whose lease was taken over cannot store its result over the new owner's", async () => {
    await clearQueue();
    const id = await requestedLetter();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const inGenerate = new Promise<void>((r) => (started = r));
    // Worker A claims it and stalls (a long pause, a network cut) before its result.
    const first = runLetterPipeline("next", {
      generate: async (job, onProgress) => {
        started();
        await gate;
        const result = await generateLetter(job, onProgress);
        return { ...result, digest: "a".repeat(64) };
      },
    });
    await inGenerate;
    // Its lease runs out and the letter is queued again (as requeueInterrupted does once it has).
    await getDb().updateTable("letters").set({ status: "pending", lease_until: null }).where("id", "=", id).execute();
    expect(await renewLease({ id, claim: 1 }, 1)).toBe(false);
    // Worker B claims it (claim 2); it waits for A's lock on the letter's file, then makes it.
    const second = runLetterPipeline({ letterId: id });
    await until(async () => (await letterRow(id)).attempts === 2, 5_000, "worker B's claim");
    release();
    const a = await first;
    const b = await second;
    expect(a).toMatchObject({ status: "lost", letter: { id, claim: 1 } });
    expect(b).toMatchObject({ status: "ready", letter: { id, claim: 2 } });
    const row = await letterRow(id);
    expect(row).toMatchObject({ status: "ready", attempts: 2 });
    expect(row.digest).not.toBe("a".repeat(64));
    expect(row.digest).toBe(b?.status === "ready" ? b.result.digest : "");
  });
});

// A row claimed before leases existed (no lease_until) is still recovered once its process is gone.
it("a letter running without a lease (claimed before the migration) is queued again", async () => {
  await clearQueue();
  const id = await requestedLetter();
  await getDb()
    .updateTable("letters")
    .set({ status: "running", started_at: sql<Date>`now() - interval '1 minute'`, lease_until: null, attempts: 1 })
    .where("id", "=", id)
    .execute();
  expect(await requeueInterrupted()).toEqual({ requeued: 1, failed: 0 });
});
