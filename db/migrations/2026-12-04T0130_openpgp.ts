import { sql, type Kysely } from "kysely";

// Letters only the addressee can read (issue 14 point 3): an addressee's and the organization's
// OpenPGP public key (armored, re-armored by openpgp.js; at most 64 KiB as given) and its
// fingerprint (upper-case hex), both set or both null (app/services/openpgp.server.ts).
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ["addressees", "organizations"]) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN openpgp_key text, ADD COLUMN openpgp_fingerprint text`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.raw(`${table}_openpgp_check`)} CHECK ((openpgp_key IS NULL) = (openpgp_fingerprint IS NULL) AND octet_length(openpgp_key) <= 131072)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["addressees", "organizations"]) {
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.raw(`${table}_openpgp_check`)}, DROP COLUMN openpgp_key, DROP COLUMN openpgp_fingerprint`.execute(
      db,
    );
  }
}
