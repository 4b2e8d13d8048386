import { sql, type Kysely } from "kysely";

// Signed letters (PAdES): each organization's signing identity — an X.509 certificate and its
// private key, encrypted at rest (app/services/signing-identity.server.ts) — made on first use or
// uploaded as PKCS#12. Rotating retires the active row and adds a new one; retired rows stay, so a
// letter keeps naming the identity that signed it. At most one active identity per organization.
// Each letter records the SHA-256 fingerprint of the certificate it was signed with, shown on
// /verify and in the delivery e-mail (the PDF embeds the certificate itself).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("signing_identities")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("organization_id", "bigint", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("certificate", "bytea", (c) => c.notNull())
    // CA certificates above an uploaded certificate (DER), nearest first; empty for a generated one.
    .addColumn("chain", sql`bytea[]`, (c) => c.notNull().defaultTo(sql`'{}'::bytea[]`))
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("private_key_encrypted", "bytea", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source IN ('generated', 'uploaded')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("retired_at", "timestamptz")
    .execute();
  await sql`CREATE UNIQUE INDEX signing_identities_active_idx ON signing_identities (organization_id) WHERE retired_at IS NULL`.execute(db);
  await db.schema.alterTable("letters").addColumn("signer_fingerprint", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("letters").dropColumn("signer_fingerprint").execute();
  await db.schema.dropTable("signing_identities").execute();
}
