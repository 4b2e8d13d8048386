import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { leafFieldsOf, leafHash } from "../../app/ledger/leaf";
import { addSigners, publishedAppeal } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { down, up } from "./2026-12-03T1600_ledger";

/**
 * The 2026-12-03T1600 migration on signatures confirmed before it: each gets a leaf, numbered per
 * appeal in (confirmed_at, id) order, with a fresh salt and the leaf hash app/ledger/leaf.ts
 * computes; withdrawn and removed signatures that had been confirmed get withdrawn leaves;
 * pending ones none. Afterwards, a row confirmed by any writer gets the next leaf (the trigger),
 * and a deleted one leaves its leaf behind.
 */
describe("migration 2026-12-03T1600_ledger", () => {
  it("backfills leaves of already confirmed signatures, in confirmation order, hashed as leaf.ts does", async () => {
    const db = getDb();
    const a = await publishedAppeal({ langs: ["ru", "en"] });
    const b = await publishedAppeal({ langs: ["ru"] });
    await down(db);
    const t = (d: number) => new Date(Date.UTC(2026, 10, d, 23, 59, 59, 999));
    const [late, early, withdrawn, pending] = await addSigners(a.id, [
      { name: "Zoë Ångström", city: "Malmö", country: " se ", organization: "Föreningen", position: "Ordförande", at: t(3) },
      { name: "Иван Петров", city: "Алматы", country: "KZ", at: t(1) },
      { name: "Передумал Позже", status: "withdrawn", at: t(2) },
      { name: "Ещё Не Подтвердил", status: "pending" },
    ]);
    const [other] = await addSigners(b.id, [{ name: "Айгерім Сейітқалиева", at: t(2) }]);
    await up(db);

    const leaves = await db.selectFrom("ledger_leaves").selectAll().where("appeal_id", "in", [a.id, b.id]).orderBy("appeal_id").orderBy("leaf_index").execute();
    expect(leaves.map((l) => [l.appeal_id, l.leaf_index, l.withdrawn_at !== null])).toEqual([
      [a.id, 0, false],
      [a.id, 1, true],
      [a.id, 2, false],
      [b.id, 0, false],
    ]);
    const rows = await db.selectFrom("signatures").selectAll().where("appeal_id", "in", [a.id, b.id]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect([early, withdrawn, late, other, pending].map((id) => byId.get(id!)?.ledger_index ?? null)).toEqual([0, 1, 2, 0, null]);
    for (const id of [early, withdrawn, late, other]) {
      const r = byId.get(id!)!;
      const leaf = leaves.find((l) => l.appeal_id === r.appeal_id && l.leaf_index === r.ledger_index)!;
      expect(r.ledger_salt).toHaveLength(32);
      const expected = leafHash(leafFieldsOf({ ...r, confirmedAt: r.confirmed_at! }), new Uint8Array(r.ledger_salt!));
      expect(Buffer.from(leaf.leaf_hash).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    }
    const salts = new Set(rows.filter((r) => r.ledger_salt).map((r) => r.ledger_salt!.toString("hex")));
    expect(salts.size).toBe(4);
    const sizes = await db.selectFrom("appeals").select(["id", "ledger_size"]).where("id", "in", [a.id, b.id]).orderBy("id").execute();
    expect(sizes.map((s) => s.ledger_size)).toEqual([3, 1]);

    // Any writer: a row confirmed by SQL gets the next leaf, hashed the same way (the trigger).
    await sql`UPDATE signatures SET status = 'confirmed', confirmed_at = ${t(4)} WHERE id = ${pending}`.execute(db);
    const [direct, decomposed, varied] = await addSigners(a.id, [
      { name: "Mañana Nöel", country: "es", at: t(5) },
      { name: "Besanc\u0327on Lo\u0308we", city: "Ko\u0308ln", organization: "Şıkoğlu & Ōzbek", position: "Gʻulomov", at: t(6) },
      { name: "Łukasiewicz-Żółć Lœuvre Jūsіpbek", city: "Θεσσαλονίκη", country: "gr", at: t(7) },
    ]);
    for (const [id, index] of [
      [pending!, 3],
      [direct!, 4],
      [decomposed!, 5],
      [varied!, 6],
    ] as const) {
      const r = await db.selectFrom("signatures").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      expect(r.ledger_index).toBe(index);
      const leaf = await db.selectFrom("ledger_leaves").selectAll().where("appeal_id", "=", a.id).where("leaf_index", "=", index).executeTakeFirstOrThrow();
      const expected = leafHash(leafFieldsOf({ ...r, confirmedAt: r.confirmed_at! }), new Uint8Array(r.ledger_salt!));
      expect(Buffer.from(leaf.leaf_hash).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    }

    // A deleted or removed signature leaves its leaf, marked withdrawn.
    await db.deleteFrom("signatures").where("id", "=", early!).execute();
    await db.updateTable("signatures").set({ status: "removed", removed_at: new Date() }).where("id", "=", late!).execute();
    const after = await db.selectFrom("ledger_leaves").select(["leaf_index", "withdrawn_at"]).where("appeal_id", "=", a.id).orderBy("leaf_index").execute();
    expect(after.map((l) => [l.leaf_index, l.withdrawn_at !== null])).toEqual([
      [0, true],
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ]);
  });
});
