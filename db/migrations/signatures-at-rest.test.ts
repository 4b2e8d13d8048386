import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { leafFieldsOf, leafHash } from "../../app/ledger/leaf";
import { emailLookup, open } from "../../app/services/data-key.server";
import { emailKey } from "../../app/services/email-key";
import { requestMyData } from "../../app/services/my-data.server";
import { publishedAppeal } from "../../tests/fixtures/campaign";
import { getDb } from "../../tests/setup/vitest-db";
import { up } from "./2026-12-04T0100_signatures_at_rest";

/**
 * The 2026-12-04T0100 migration on signatures written before encryption at rest: addresses
 * sealed, email_key the keyed hash, hidden names sealed (their ledger leaves still match the name
 * the readers open), public names untouched; a rerun changes nothing.
 */
describe("migration 2026-12-04T0100_signatures_at_rest", () => {
  it("seals the addresses and hidden names already stored, in batches, and look-ups find the rows by the keyed hash", async () => {
    const db = getDb();
    const appeal = await publishedAppeal();
    const address = (i: number) => `Legacy.Signer.${i}.${appeal.id}@Mail.Example`;
    // As signing wrote them before: the address and its normalised form in clear.
    const insert = (i: number, name: string, disclosure: string, status: string, email: string | null, key: string | null) =>
      sql<{ id: number }>`
        INSERT INTO signatures (appeal_id, revision, lang, status, name, disclosure, email, email_key, confirmed_at)
        VALUES (${appeal.id}, 1, 'ru', ${status}, ${name}, ${disclosure}, ${email}, ${key}, ${status === "pending" ? null : new Date(Date.UTC(2026, 10, 1 + i))})
        RETURNING id`.execute(db);
    // More than a batch (1000) of public signers, in one statement.
    await sql`
      INSERT INTO signatures (appeal_id, revision, lang, status, name, disclosure, email, email_key, confirmed_at)
      SELECT ${appeal.id}, 1, 'ru', 'confirmed', 'Публичный Подписант ' || i, 'public', 'Legacy.Signer.' || i || '.' || ${appeal.id}::int || '@Mail.Example',
             'legacy.signer.' || i || '.' || ${appeal.id}::int || '@mail.example', timestamptz '2026-11-01 00:00:00+00' + i * interval '1 second'
      FROM generate_series(0, 1499) AS i`.execute(db);
    expect(
      (await db.selectFrom("signatures").select("email_key").where("appeal_id", "=", appeal.id).where("email", "=", address(7)).executeTakeFirstOrThrow())
        .email_key,
    ).toBe(emailKey(address(7)));
    const hiddenId = (await insert(1500, "Скрытый Подписант", "private", "confirmed", address(1500), emailKey(address(1500)))).rows[0]!.id;
    const pendingId = (await insert(1501, "Ожидающая Подписантка", "private", "pending", address(1501), emailKey(address(1501)))).rows[0]!.id;
    // An address already erased: only its normalised key was left.
    const erasedId = (await insert(1502, "Без Адреса", "public", "confirmed", null, emailKey(address(1502)))).rows[0]!.id;

    await up(db);

    const rows = await db.selectFrom("signatures").selectAll().where("appeal_id", "=", appeal.id).orderBy("id").execute();
    const dump = JSON.stringify(rows).toLowerCase();
    expect(dump).not.toContain(`${appeal.id}@`);
    expect(dump).not.toContain("скрытый");
    expect(dump).not.toContain("ожидающая");
    expect(dump).toContain("публичный подписант 1499");
    for (const [i, r] of rows.entries()) {
      if (r.id === erasedId) {
        expect(r.email).toBeNull();
      } else {
        expect(open(r.email!, "email")).toBe(address(i));
      }
      expect(r.email_key).toBe(emailLookup(address(i)));
    }
    const hidden = rows.find((r) => r.id === hiddenId)!;
    expect(open(hidden.name, "name")).toBe("Скрытый Подписант");
    expect(open(rows.find((r) => r.id === pendingId)!.name, "name")).toBe("Ожидающая Подписантка");
    // The hidden signer's leaf (made over the name when it was confirmed) matches the name the readers open.
    const leaf = await db
      .selectFrom("ledger_leaves")
      .select("leaf_hash")
      .where("appeal_id", "=", appeal.id)
      .where("leaf_index", "=", hidden.ledger_index!)
      .executeTakeFirstOrThrow();
    const fields = leafFieldsOf({ ...hidden, name: open(hidden.name, "name"), confirmedAt: hidden.confirmed_at! });
    expect(Buffer.from(leafHash(fields, new Uint8Array(hidden.ledger_salt!))).equals(leaf.leaf_hash)).toBe(true);

    // A look-up by address (however it is spelt) finds the row: my-data mails what it holds.
    await requestMyData(`  LEGACY.signer.1500.${appeal.id}@mail.example `.trim(), "ru");
    const mail = await db.selectFrom("outbox").select(["to_address", "text"]).where("kind", "=", "my_data").orderBy("id", "desc").executeTakeFirstOrThrow();
    // (Queued mails are sealed at rest too.)
    expect(open(mail.text, "mail")).toContain("Скрытый Подписант");
    expect(open(mail.to_address, "email")).toBe(`LEGACY.signer.1500.${appeal.id}@mail.example`);

    // A rerun changes nothing.
    await up(db);
    expect(await db.selectFrom("signatures").selectAll().where("appeal_id", "=", appeal.id).orderBy("id").execute()).toEqual(rows);
  });
});
