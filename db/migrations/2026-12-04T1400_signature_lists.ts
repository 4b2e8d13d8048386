import { sql, type Kysely } from "kysely";

// Lists of signatures (issue 17, items 4 and 7):
//  - signatures_listed_idx: the public list's rows only (confirmed, not hidden, not private), so
//    the "page 2 of 14" counts are index-only scans, and the page's key walk skips unlisted rows.
//  - the dashboard's search by part of a name or city (lower(x) LIKE '%part%'): trigram indexes
//    (pg_trgm, shipped with PostgreSQL's contrib and trusted since 13: a database owner may create
//    it) where the server has the extension; else none, and a search reads the appeal's rows
//    (app/services/signature-search.server.ts). Sealed names (disclosure private) start with
//    "s1:" and are never searched by name.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX signatures_listed_idx ON signatures (appeal_id, confirmed_at, id)
    WHERE status = 'confirmed' AND hidden = false AND disclosure <> 'private'`.execute(db);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'pg_trgm'`.execute(db);
  if (!rows[0]?.n) return;
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE INDEX signatures_name_trgm_idx ON signatures USING gin (lower(name) gin_trgm_ops) WHERE disclosure <> 'private'`.execute(db);
  await sql`CREATE INDEX signatures_city_trgm_idx ON signatures USING gin (lower(city) gin_trgm_ops) WHERE city IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS signatures_city_trgm_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS signatures_name_trgm_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS signatures_listed_idx`.execute(db);
}
