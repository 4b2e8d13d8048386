import { sql, type Kysely } from "kysely";

// Organizer dashboard: exports with a stated purpose, moderation records, retention bookkeeping.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("exports")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("appeal_id", "bigint", (c) => c.notNull().references("appeals.id").onDelete("cascade"))
    .addColumn("user_id", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("with_emails", "boolean", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .alterTable("signatures")
    .addColumn("removed_at", "timestamptz")
    .addColumn("removed_by", "bigint", (c) => c.references("users.id").onDelete("set null"))
    .execute();
  await db.schema.alterTable("appeals").addColumn("retention_done_at", "timestamptz").execute();
  await db.schema
    .alterTable("updates")
    .addColumn("recipients", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`CREATE INDEX signatures_informed_idx ON signatures (appeal_id) WHERE keep_informed AND status = 'confirmed' AND email IS NOT NULL`.execute(db);
  await sql`CREATE INDEX signatures_email_key_idx ON signatures (email_key) WHERE email_key IS NOT NULL`.execute(db);
  await db.schema.createIndex("updates_appeal_idx").on("updates").columns(["appeal_id", "created_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("exports").execute();
  await db.schema.alterTable("signatures").dropColumn("removed_at").dropColumn("removed_by").execute();
  await db.schema.alterTable("appeals").dropColumn("retention_done_at").execute();
  await db.schema.alterTable("updates").dropColumn("recipients").execute();
}
