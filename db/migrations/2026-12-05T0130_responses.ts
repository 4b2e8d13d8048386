import { sql, type Kysely } from "kysely";

// The institution answers (issue 17, item 8). A response is an update of kind 'response' (the
// same page section's neighbour, the same Atom feed, the same mail fan-out and unsubscribe
// links), with what only a response has:
//  - received_on: the day the answer arrived (a date, as written on the letter);
//  - addressee_id: which addressee answered (set null if the addressee is removed later), and
//    addressee: their name, position and institution per language as they were when recorded,
//    so the page still says who answered after the working copy changes;
//  - the institution's own letter (a scan, a PDF) as an attachment of the update: attachments
//    gains update_id, and the appeal's supporting documents (page, letter, delivery) are the
//    attachments without one (db/queries/appeals.ts attachmentsOf).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("updates")
    .addColumn("received_on", "date")
    .addColumn("addressee_id", "bigint", (c) => c.references("addressees.id").onDelete("set null"))
    .addColumn("addressee", "jsonb")
    .execute();
  await sql`ALTER TABLE updates ADD CONSTRAINT updates_response_fields CHECK (kind = 'response' OR (received_on IS NULL AND addressee IS NULL))`.execute(db);
  await db.schema
    .alterTable("attachments")
    .addColumn("update_id", "bigint", (c) => c.references("updates.id").onDelete("cascade"))
    .execute();
  await sql`CREATE INDEX attachments_update_idx ON attachments (update_id) WHERE update_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS attachments_update_idx`.execute(db);
  await db.schema.alterTable("attachments").dropColumn("update_id").execute();
  await sql`ALTER TABLE updates DROP CONSTRAINT IF EXISTS updates_response_fields`.execute(db);
  await db.schema.alterTable("updates").dropColumn("received_on").dropColumn("addressee_id").dropColumn("addressee").execute();
}
