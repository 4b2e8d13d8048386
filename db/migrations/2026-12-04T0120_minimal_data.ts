import { sql, type Kysely } from "kysely";

// The minimal-data preset, per appeal (issue 14 point 2): no IP-derived value stored, neutral
// e-mail subjects and sender name, the address erased at confirmation unless the signer asked to
// be kept informed, and retention at once when the appeal is closed or delivered.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE appeals ADD COLUMN minimal_data boolean NOT NULL DEFAULT false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE appeals DROP COLUMN minimal_data`.execute(db);
}
