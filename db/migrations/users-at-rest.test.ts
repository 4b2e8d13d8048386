import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { getDb } from "../../tests/setup/vitest-db";
import { emailLookup, open, sealedKeyId } from "../../app/services/data-key.server";
import { findUserByEmail } from "../queries/organizations";
import { down, up } from "./2026-12-04T0110_users_at_rest";

/**
 * The 2026-12-04T0110 migration on accounts written before it (plain, lowercased addresses):
 * every address sealed, its look-up hash set, and the organizer still found by address.
 */
describe("migration 2026-12-04T0110_users_at_rest", () => {
  it("seals every existing address in batches, sets its look-up hash, and sign-in still finds the account", async () => {
    const db = getDb();
    await down(db);
    const addresses = Array.from({ length: 1_203 }, (_, i) => `organizer-${i}@example.org`);
    // Two addresses of one Gmail mailbox: only the older account keeps the look-up hash.
    addresses.push("jane.doe@gmail.com", "janedoe@gmail.com");
    await sql`INSERT INTO users (email) SELECT unnest(${addresses}::text[])`.execute(db);
    await up(db);

    const rows = await db.selectFrom("users").select(["id", "email", "email_key"]).orderBy("id").execute();
    expect(rows).toHaveLength(addresses.length);
    expect(rows.every((r) => sealedKeyId(r.email) !== null)).toBe(true);
    expect(rows.map((r) => open(r.email, "email"))).toEqual(addresses);
    expect(rows.slice(0, -1).map((r) => r.email_key)).toEqual(addresses.slice(0, -1).map((a) => emailLookup(a)));
    expect(rows.at(-1)!.email_key).toBeNull();
    const dump = (await sql<{ row: string }>`select u::text as row from users u`.execute(db)).rows.map((r) => r.row).join("\n");
    expect(dump).not.toContain("@");

    expect((await findUserByEmail(db, "Organizer-1202@Example.org"))?.id).toBe(rows[1_202]!.id);
    expect((await findUserByEmail(db, "jane.doe@gmail.com"))?.email).toBe("jane.doe@gmail.com");
    await db.deleteFrom("users").execute();
  });
});
