import { promises as fs } from "node:fs";
import os from "node:os";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { closeDb, createDb, getDb, setDatabaseUrl } from "../../db/client";
import { REPLICA_RETRY_MS } from "../../db/read-replica";
import { migrateToLatest } from "../../db/migrate";
import { newOrganization, uniqueEmail } from "../fixtures/organizers";
import { clusterRoot, haveDebianPostgres, startPrimary, startReplica, type Cluster } from "../setup/debian-postgres";
import { publishedAppeal, signForm, startHarness, tokenIn, type Harness } from "./support/harness";

/**
 * Public reads from a streaming replica (issue 16, "Past one machine"): a real primary and a real
 * hot standby made by `pg_basebackup -R`, both Debian's PostgreSQL 15, and the app started with
 * DATABASE_URL = the primary and READ_DATABASE_URL = the standby. Signatures are written and
 * confirmed on the primary and their count arrives on the replica-served page. That the page is
 * read from the replica is shown by stopping the replica's WAL replay: the primary then holds a
 * count the page, the API and the home page do not show, until replay resumes. With the replica
 * stopped, every public read is answered from the primary (200, its count); started again, the
 * replica serves the reads again after the retry interval.
 */
const APPEALS = "appeals";

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!haveDebianPostgres())("public reads from a PostgreSQL streaming replica", () => {
  let root = "";
  let primary: Cluster | undefined;
  let replica: Cluster | undefined;
  let h: Harness | undefined;
  let slug = "";
  let appealId = 0;

  beforeAll(async () => {
    root = await clusterRoot(os.tmpdir());
    primary = await startPrimary(root);
    // The standby is made before the schema exists: the database, the migrations and every row reach it by streaming.
    replica = await startReplica(primary, root);
    await query(primary.url("postgres"), `CREATE DATABASE ${APPEALS}`);
    const migrated = createDb(primary.url(APPEALS), { max: 1 });
    await migrateToLatest(migrated.db);
    await migrated.db.destroy();
    // This process (the fixtures) writes to the primary, as the app does.
    await closeDb();
    setDatabaseUrl(primary.url(APPEALS));
    process.env.DATABASE_URL = primary.url(APPEALS);
    h = await startHarness({ DATABASE_URL: primary.url(APPEALS), READ_DATABASE_URL: replica.url(APPEALS) });
    const owner = await newOrganization("Replica readers");
    const appeal = await publishedAppeal(owner, "Reads from a replica");
    slug = appeal.slug;
    appealId = appeal.id;
  }, 180_000);

  afterAll(async () => {
    // Every server stops, whatever failed: the app first (it holds connections to both).
    const steps = [() => h?.stop(), () => closeDb(), () => replica?.stop(), () => primary?.stop()];
    const errors: unknown[] = [];
    for (const step of steps) await Promise.resolve(step()).catch((e: unknown) => errors.push(e));
    if (root) await fs.rm(root, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }, 120_000);

  const app = () => {
    if (!h) throw new Error("no app");
    return h;
  };

  /** What a visitor sees: the count on the appeal page (status and number), in the API and on the home page. */
  async function publicCounts() {
    const page = await fetch(`${app().url}/appeals/${slug}?lang=en`);
    const html = await page.text();
    const onPage = /class="count"><strong>([\d,]+) signature/.exec(html)?.[1];
    const api = await fetch(`${app().url}/api/appeals/${slug}`);
    const body = (await api.json()) as { signatures?: { confirmed?: number } };
    const home = await (await fetch(`${app().url}/?lang=en`)).text();
    const card = new RegExp(`/appeals/${slug}"[\\s\\S]*?([\\d,]+) signature`).exec(home)?.[1];
    return {
      status: [page.status, api.status],
      page: onPage === undefined ? null : Number(onPage.replace(/,/g, "")),
      api: body.signatures?.confirmed ?? null,
      home: card === undefined ? null : Number(card.replace(/,/g, "")),
    };
  }

  async function primaryCount(): Promise<number> {
    const row = await getDb().selectFrom("appeal_counts").select("confirmed").where("appeal_id", "=", appealId).executeTakeFirst();
    return row?.confirmed ?? 0;
  }

  /** A signer signs and confirms through the app (both writes go to the primary). */
  async function signAndConfirm() {
    const email = uniqueEmail("replica");
    const signed = await fetch(`${app().url}/appeals/${slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app().url },
      body: signForm({ name: "Reader of Replicas", email }),
      redirect: "manual",
    });
    expect(signed.status).toBe(303);
    const mail = await app().sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    const confirmed = await fetch(`${app().url}/s/confirm/${tokenIn(mail.text, "confirm")}`, { method: "POST", redirect: "manual" });
    expect(confirmed.status).toBe(303);
  }

  const everywhere = (n: number) => (c: Awaited<ReturnType<typeof publicCounts>>) =>
    c.status.every((s) => s === 200) && c.page === n && c.api === n && c.home === n;

  async function replicaCommits(): Promise<number> {
    const [row] = await query<{ n: string }>(replica!.url("postgres"), `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = '${APPEALS}'`);
    return Number(row?.n ?? 0);
  }

  it("a signature confirmed on the primary arrives on the replica-served page", async () => {
    const [standby] = await query<{ r: boolean }>(replica!.url("postgres"), "SELECT pg_is_in_recovery() AS r");
    expect(standby?.r, "the replica is a standby").toBe(true);
    await until("the published appeal on every public read", publicCounts, everywhere(0));
    await signAndConfirm();
    await until("the count after one signature", publicCounts, everywhere(1));

    // The app keeps connections open on the standby, and its reads are counted there.
    const before = await replicaCommits();
    await until(
      "reads counted on the replica",
      async () => {
        await fetch(`${app().url}/api/appeals/${slug}`);
        return replicaCommits();
      },
      (n) => n > before,
    );
  }, 60_000);

  it("the page shows what the replica holds: with its replay paused, a count the primary already has does not appear", async () => {
    await query(replica!.url("postgres"), "SELECT pg_wal_replay_pause()");
    try {
      await signAndConfirm();
      await until("the primary's folded count", primaryCount, (n) => n === 2);
      // Longer than every cache in front of the reads (page copy 2 s, stale up to 6 s; view 2 s).
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        expect(await publicCounts()).toEqual({ status: [200, 200], page: 1, api: 1, home: 1 });
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await query(replica!.url("postgres"), "SELECT pg_wal_replay_resume()");
    }
    await until("the count once replay resumes", publicCounts, everywhere(2));
  }, 60_000);

  it("with the replica stopped, every public read is answered by the primary, and the log says so once", async () => {
    await replica!.stop();
    // A signature the stopped replica cannot have: the pages show it, so they read the primary.
    await signAndConfirm();
    const counts: Array<Awaited<ReturnType<typeof publicCounts>>> = [];
    await until(
      "the primary's count with the replica down",
      async () => {
        const c = await publicCounts();
        counts.push(c);
        return c;
      },
      everywhere(3),
    );
    expect(counts.every((c) => c.status.every((s) => s === 200))).toBe(true);
    const lines = app()
      .app.output()
      .split("\n")
      .filter((l) => l.includes("public reads:"));
    expect(lines.filter((l) => l.includes("unavailable"))).toHaveLength(1);
    // No address or port of either server in what the app says about them.
    for (const port of [replica!.port, primary!.port]) expect(lines.join("\n")).not.toContain(String(port));
    expect(lines.join("\n")).not.toContain("127.0.0.1");
  }, 60_000);

  it(
    "started again, the replica serves the reads again after the retry interval",
    async () => {
      await replica!.start();
      await until(
        "the app back on the replica",
        async () => {
          await fetch(`${app().url}/api/appeals/${slug}`);
          return app().app.output();
        },
        (out) => out.includes("public reads: the replica (READ_DATABASE_URL) answers again"),
        REPLICA_RETRY_MS + 15_000,
      );
      const before = await replicaCommits();
      await until(
        "reads counted on the replica again",
        async () => {
          await fetch(`${app().url}/api/appeals/${slug}`);
          return replicaCommits();
        },
        (n) => n > before,
      );
      expect(await publicCounts()).toEqual({ status: [200, 200], page: 3, api: 3, home: 3 });
    },
    REPLICA_RETRY_MS + 60_000,
  );
});
