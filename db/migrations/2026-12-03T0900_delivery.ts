import { sql, type Kysely } from "kysely";

// Delivery: the organization's contact address (Reply-To of delivery e-mails) and each
// addressee's letter language (the European Parliament gets the English letter, the Kazakh
// office the Kazakh one). Existing addressees get their appeal's original language.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("organizations").addColumn("contact_email", "text").execute();
  await db.schema.alterTable("addressees").addColumn("letter_language", "text").execute();
  await sql`UPDATE addressees a SET letter_language = p.original_language FROM appeals p WHERE p.id = a.appeal_id`.execute(db);
  await db.schema.createIndex("deliveries_pair_idx").on("deliveries").columns(["addressee_id", "letter_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("deliveries_pair_idx").execute();
  await db.schema.alterTable("addressees").dropColumn("letter_language").execute();
  await db.schema.alterTable("organizations").dropColumn("contact_email").execute();
}
