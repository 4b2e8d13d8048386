import { sql, type Kysely } from "kysely";

// Stale translations (issue 17 item 5): each language version keeps the original's text
// (title, summary, body) as it was when that version was last saved. A translation whose basis
// differs from the original's working copy has not been updated since the original changed: the
// dashboard flags it and publishing asks for a confirmation. Null: not known (rows written before
// this migration or by hand), never flagged. Existing translations are taken as in step with the
// original as it is now, so nothing is flagged the day this runs.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE appeal_versions ADD COLUMN basis jsonb`.execute(db);
  await sql`UPDATE appeal_versions v
    SET basis = jsonb_build_object('title', o.title, 'summary', o.summary, 'body', o.body)
    FROM appeals a, appeal_versions o
    WHERE a.id = v.appeal_id AND o.appeal_id = a.id AND o.lang = a.original_language AND v.lang <> a.original_language`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE appeal_versions DROP COLUMN basis`.execute(db);
}
