import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { addSigners, publishedAppeal } from "../../tests/fixtures/campaign";
import { loader as appealLoader } from "../routes/appeals.$slug/route";
import { cachedPublicSigners, encodeListCursor, listFromUrl } from "./public-appeal.server";
import { publicSigners, signerPageQuery, type ListFrom, type ListKey } from "./signing.server";

const APP = "http://localhost:3000";

/** Buffers (shared hit + read) the query of one list page touches, from EXPLAIN (ANALYZE, BUFFERS). */
async function pageBuffers(appealId: number, from: ListFrom): Promise<number> {
  const compiled = signerPageQuery(appealId, from, 51).compile();
  const result = await getDb().executeQuery<{ "QUERY PLAN": Array<{ Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } }> }>(
    CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${compiled.sql}`, [...compiled.parameters]),
  );
  const plan = result.rows[0]?.["QUERY PLAN"][0]?.Plan;
  return (plan?.["Shared Hit Blocks"] ?? 0) + (plan?.["Shared Read Blocks"] ?? 0);
}

/** Buffers of the same page by OFFSET, as the list was paged before. */
async function offsetBuffers(appealId: number, offset: number): Promise<number> {
  const { rows } = await sql<{ "QUERY PLAN": Array<{ Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } }> }>`
    EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
    SELECT name, city, country, disclosure, confirmed_at FROM signatures
    WHERE appeal_id = ${appealId} AND status = 'confirmed' AND hidden = false AND disclosure <> 'private'
    ORDER BY confirmed_at DESC, id DESC LIMIT 51 OFFSET ${offset}`.execute(getDb());
  const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
  return (plan?.["Shared Hit Blocks"] ?? 0) + (plan?.["Shared Read Blocks"] ?? 0);
}

describe("the public list of signatories, paged by key", () => {
  it("walking older pages, then newer ones, lists each shown signature exactly once, in order (ties in time included)", async () => {
    const { id } = await publishedAppeal();
    const base = Date.now() - 3600_000;
    // 1,234 signers; every 7 share one confirmation time; some private or hidden (never listed).
    const signers = Array.from({ length: 1234 }, (_, i) => ({
      name: `Signer ${i}`,
      at: new Date(base + Math.floor(i / 7) * 1000),
      disclosure: i % 10 === 3 ? ("private" as const) : ("public" as const),
      hidden: i % 50 === 7,
    }));
    for (let i = 0; i < signers.length; i += 500) await addSigners(id, signers.slice(i, i + 500));
    const listed = signers.filter((s) => s.disclosure !== "private" && !s.hidden);

    const pages: string[][] = [];
    let from: ListFrom = { first: true };
    for (let guard = 0; guard < 100; guard++) {
      const page = await publicSigners(id, from);
      pages.push(page.signers.map((s) => s.name));
      if (!page.older) break;
      from = { after: page.older };
    }
    const walked = pages.flat();
    expect(walked).toHaveLength(listed.length);
    expect(new Set(walked).size).toBe(walked.length);
    // Newest first: later time first; equal times by id, newest first.
    expect(walked).toEqual(listed.map((s) => s.name).reverse());
    expect(pages.slice(0, -1).every((p) => p.length === 50)).toBe(true);

    // And back: from the oldest page, "newer" retraces the same pages up to the newest one.
    const back: string[][] = [];
    let last = await publicSigners(id, from);
    back.push(last.signers.map((s) => s.name));
    for (let guard = 0; guard < 100 && last.newer; guard++) {
      last = await publicSigners(id, { before: last.newer });
      back.push(last.signers.map((s) => s.name));
    }
    expect(back.reverse()).toEqual(pages);
    expect(last.newer).toBeNull();
  });

  it("a cursor is opaque, and anything but a real one reads as the newest page, never an error", async () => {
    const key: ListKey = { at: "2026-12-03T10:11:12.123456Z", id: 42 };
    const cursor = encodeListCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(listFromUrl(new URL(`${APP}/appeals/x?after=${cursor}`))).toEqual({ after: key });
    expect(listFromUrl(new URL(`${APP}/appeals/x?before=${cursor}`))).toEqual({ before: key });
    const bad = [
      "",
      "%%%",
      "x".repeat(500),
      encodeListCursor({ at: "2026-02-30T10:11:12.123456Z", id: 1 }),
      encodeListCursor({ at: "0001-01-01T00:00:00.000000Z", id: 1 }),
      encodeListCursor({ at: "2026-12-03T10:11:12Z", id: 1 }),
      encodeListCursor({ at: "2026-12-03T10:11:12.123456Z", id: 0 }),
      Buffer.from("2026-12-03T10:11:12.123456Z~99999999999999999999").toString("base64url"),
      Buffer.from("2026-12-03T10:11:12.123456Z~1~2").toString("base64url"),
      Buffer.from("'; DROP TABLE signatures; --~1").toString("base64url"),
    ];
    for (const value of bad) expect(listFromUrl(new URL(`${APP}/appeals/x?after=${encodeURIComponent(value)}`)), value).toEqual({ first: true });

    // Through the page: a bad cursor is the newest page (200); an old ?page= link goes to the newest page.
    const { id, slug } = await publishedAppeal();
    await addSigners(id, [{ name: "Айгүл Серікова" }]);
    const load = (query: string) => appealLoader({ request: new Request(`${APP}/appeals/${slug}${query}`), params: { slug }, context: {} });
    for (const value of bad) {
      const res = await load(`?lang=ru&after=${encodeURIComponent(value)}`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain("Айгүл Серікова");
    }
    const old = await load("?lang=en&page=9000").then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(old).toBeInstanceOf(Response);
    expect((old as Response).status).toBe(301);
    expect((old as Response).headers.get("Location")).toBe(`/appeals/${slug}?lang=en#signers-h`);
  });

  it("with ~200,000 confirmed signatures, the deepest page costs about what the first does (OFFSET: hundreds of times more)", async () => {
    const { id } = await publishedAppeal();
    await sql`
      INSERT INTO signatures (appeal_id, revision, lang, status, name, disclosure, created_at, confirmed_at)
      SELECT ${id}, 1, 'ru', 'confirmed', 'Signer ' || g, CASE WHEN g % 10 = 3 THEN 'private' ELSE 'public' END,
             now() - make_interval(secs => g), now() - make_interval(secs => g)
      FROM generate_series(1, 200000) g`.execute(getDb());
    // The ledger's trigger gives each row inserted as confirmed its leaf by an UPDATE (db/migrations
    // 2026-12-03T1600_ledger): 200,000 dead row versions until autovacuum comes, which the deep page's
    // index scan would visit or not depending on when it did. Vacuumed, as a live table soon is.
    await sql`VACUUM ANALYZE signatures`.execute(getDb());
    const first = await publicSigners(id);
    expect(first.signers).toHaveLength(50);
    // The key 160,000 listed rows down (page 3,200 of 50), as the page's own "older" link would carry it.
    const deepRow = await getDb()
      .selectFrom("signatures")
      .select(["id", sql<string>`to_char(confirmed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("at")])
      .where("appeal_id", "=", id)
      .where("status", "=", "confirmed")
      .where("disclosure", "!=", "private")
      .orderBy("confirmed_at", "desc")
      .orderBy("id", "desc")
      .offset(160_000)
      .limit(1)
      .executeTakeFirstOrThrow();
    const deep: ListFrom = { after: { at: deepRow.at, id: Number(deepRow.id) } };
    const deepPage = await publicSigners(id, deep);
    expect(deepPage.signers).toHaveLength(50);
    expect(deepPage.newer).not.toBeNull();

    const firstCost = await pageBuffers(id, { first: true });
    const deepCost = await pageBuffers(id, deep);
    // Generous: a few index levels more at most, never proportional to the depth.
    expect(deepCost).toBeLessThanOrEqual(firstCost * 3 + 10);
    // The same depth by OFFSET (how the list was paged before) reads every row above it.
    expect(await offsetBuffers(id, 160_000)).toBeGreaterThan(deepCost * 20);

    // The page itself, through its cache, answers for the deep cursor.
    expect((await cachedPublicSigners(id, deep)).signers).toHaveLength(50);
  }, 120_000);
});
