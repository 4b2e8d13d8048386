import { sql, type Kysely } from "kysely";

// The rate limits' counters when LIMITS_STORE=postgres: the layout rate-limiter-flexible's
// RateLimiterPostgres reads and writes (it is told the table exists and never creates it).
// UNLOGGED: no WAL, not replicated; a crash empties it, which only forgets who was near a limit.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE UNLOGGED TABLE rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`.execute(db);
  await sql`CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS rate_limits`.execute(db);
}
