import { sql } from "kysely";
import { afterAll, describe, expect, it, vi } from "vitest";
import fs from "node:fs";
import { publishedAppeal } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { generateNow } from "./letter-pipeline.server";
import { requestLetters } from "./letters.server";

/**
 * A letter asked for right after a bulk of signatures arrived, before PostgreSQL's statistics know
 * of them (they say the appeal has one row): the letter still streams its rows in one pass. Left
 * to the planner, the join of leaves and signatures became a nested loop rescanning the appeal's
 * signatures for every leaf (a 60,000-row letter: 107 s per 5,000 rows, a CI test hung on it).
 */

const { dataDir } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/appeals-letter-plan-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return { dataDir: dir };
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function confirmedSigners(appealId: number, count: number) {
  await sql`
    INSERT INTO signatures (appeal_id, revision, lang, status, name, city, country, disclosure, email, email_key, confirmed_at)
    SELECT ${appealId}::int, 1, 'ru', 'confirmed', 'Подписант ' || i, 'Алматы', 'KZ', 'public', NULL, NULL,
           timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
    FROM generate_series(1, ${count}::int) AS i`.execute(getDb());
}

describe("a letter right after a bulk of signatures", () => {
  it("is made in one streaming pass whatever the statistics say", async () => {
    // The statistics know one appeal with many signers; the next appeal's 20,000 arrive after them.
    const known = await publishedAppeal();
    await confirmedSigners(known.id, 20_000);
    await sql`ANALYZE signatures`.execute(getDb());
    await sql`ANALYZE ledger_leaves`.execute(getDb());
    const fresh = await publishedAppeal();
    await confirmedSigners(fresh.id, 20_000);

    const [id] = await requestLetters(fresh.id, fresh.owner.userId, { lang: "ru" });
    const started = Date.now();
    const made = await generateNow(id!);
    // ~5 s here at most; the nested loop took minutes (20,000 × 20,000 index entries).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(made.count).toBe(20_000);
  }, 120_000);
});
