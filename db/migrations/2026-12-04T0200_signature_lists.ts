import { sql, type Kysely } from "kysely";

// Lists of signatures (issue 17, items 4 and 7):
//  - signatures_listed_idx: the public list's rows only (confirmed, not hidden, not private), so
//    the "page 2 of 14" counts are index-only scans, and the page's key walk skips unlisted rows.
//  - signatures_name_prefix_idx / signatures_city_prefix_idx: the dashboard's search by the start
//    of a name or city (lower(), text_pattern_ops: LIKE 'abc%' uses them under any collation).
//    Sealed names (disclosure private) start with "s1:" and are never searched by name.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX signatures_listed_idx ON signatures (appeal_id, confirmed_at, id)
    WHERE status = 'confirmed' AND hidden = false AND disclosure <> 'private'`.execute(db);
  await sql`CREATE INDEX signatures_name_prefix_idx ON signatures (appeal_id, lower(name) text_pattern_ops)
    WHERE disclosure <> 'private'`.execute(db);
  await sql`CREATE INDEX signatures_city_prefix_idx ON signatures (appeal_id, lower(city) text_pattern_ops)
    WHERE city IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS signatures_city_prefix_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS signatures_name_prefix_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS signatures_listed_idx`.execute(db);
}
