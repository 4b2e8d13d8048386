import { sql, type Kysely } from "kysely";

/**
 * The sealing functions, loaded only when a row needs them: Playwright's global setup runs the
 * migrations on an empty database and its loader cannot import the module's JSON (as in
 * 2026-12-04T0100_signatures_at_rest.ts).
 */
const dataKey = () => import("../../app/services/data-key.server.js");

/**
 * Organizer accounts at rest (issue 14): `users.email` holds the address sealed under DATA_KEY
 * (purpose "email"), and the new `users.email_key` its keyed look-up hash (emailLookup: HMAC of
 * the normalised address). Sign-in, invitations and `npm run org:create` find an account by
 * email_key (unique); nothing compares the sealed column. The unique constraint on the address
 * goes: sealed values never repeat.
 *
 * Existing rows are sealed here, in JS (the key is never in the database), 500 a statement,
 * keyset by id. The keyring comes from the environment as for the app (DATA_KEY, or outside
 * production the key under DATA_DIR), and only when there is a row to seal. Two old accounts
 * whose addresses are one mailbox (the provider's rules of emailKey, e.g. dots in Gmail) cannot
 * both hold its key: the older keeps it, the later one keeps its sealed address without a key
 * (it can no longer be signed in to by address; its memberships stay).
 */

const BATCH = 500;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("email_key", "text").execute();
  await sql`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key`.execute(db);

  const taken = new Set<string>();
  let after = 0;
  for (;;) {
    const rows: Array<{ id: number; email: string }> = await db
      .selectFrom("users")
      .select(["id", "email"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.id);
    const { emailLookup, open, seal } = await dataKey();
    const values = rows.map((r) => {
      const plain = open(r.email, "email");
      const key = emailLookup(plain);
      const unique = !taken.has(key);
      taken.add(key);
      return sql`(${Number(r.id)}::bigint, ${seal(plain, "email")}, ${unique ? key : null}::text)`;
    });
    await sql`UPDATE users u SET email = v.email, email_key = v.email_key FROM (VALUES ${sql.join(values)}) AS v(id, email, email_key) WHERE u.id = v.id`.execute(
      db,
    );
  }
  await sql`CREATE UNIQUE INDEX users_email_lookup_idx ON users (email_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The addresses go back to plain text, the key the look-up was under is dropped.
  let after = 0;
  for (;;) {
    const rows: Array<{ id: number; email: string }> = await db
      .selectFrom("users")
      .select(["id", "email"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.id);
    const { open } = await dataKey();
    const values = rows.map((r) => sql`(${Number(r.id)}::bigint, ${open(r.email, "email")})`);
    await sql`UPDATE users u SET email = v.email FROM (VALUES ${sql.join(values)}) AS v(id, email) WHERE u.id = v.id`.execute(db);
  }
  await db.schema.dropIndex("users_email_lookup_idx").execute();
  await db.schema.alterTable("users").dropColumn("email_key").execute();
  await sql`ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)`.execute(db);
}
