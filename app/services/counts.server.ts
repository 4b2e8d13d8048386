import { sql } from "kysely";
import { getDb } from "../../db/client";

/**
 * Folds the append-only count_deltas into appeal_counts. Runs every couple of seconds, so
 * public counts are at most a few seconds stale and the signing path never updates a shared
 * row. DELETE … RETURNING makes it safe with several processes: each delta is folded once.
 */
export async function foldCounts(): Promise<number> {
  const result = await sql<{ n: number }>`
    WITH d AS (DELETE FROM count_deltas RETURNING appeal_id, confirmed),
    agg AS (SELECT appeal_id, sum(confirmed)::int AS confirmed FROM d GROUP BY appeal_id),
    up AS (
      INSERT INTO appeal_counts (appeal_id, confirmed, updated_at)
      SELECT agg.appeal_id, agg.confirmed, now() FROM agg JOIN appeals a ON a.id = agg.appeal_id
      ON CONFLICT (appeal_id) DO UPDATE SET confirmed = appeal_counts.confirmed + excluded.confirmed, updated_at = now()
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM up`.execute(getDb());
  return result.rows[0]?.n ?? 0;
}

/** Exact count, for tests and the dashboard's reconciliation (never on a public page view). */
export async function exactConfirmed(appealId: number): Promise<number> {
  const row = await getDb()
    .selectFrom("signatures")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("appeal_id", "=", appealId)
    .where("status", "=", "confirmed")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
