import { sql } from "kysely";
import { getDb, type DB } from "../../db/client";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { open } from "./data-key.server";

export interface Point {
  at: string;
  n: number;
}

/**
 * The organizers' view of a campaign. These are exact counts over the appeal's signatures:
 * fine for a few organizers, never run for public page views.
 */
export async function campaignStats(appealId: number, userId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  const id = appeal.id;
  // Hours and days are UTC ones (the chart says so), whatever the session's time zone is.
  const [counts, hourly, daily, countries, cities, recent] = await Promise.all([
    db
      .selectFrom("signatures")
      .select([
        sql<number>`count(*) filter (where status = 'confirmed')::int`.as("confirmed"),
        sql<number>`count(*) filter (where status = 'pending')::int`.as("pending"),
        sql<number>`count(*) filter (where status = 'withdrawn')::int`.as("withdrawn"),
        sql<number>`count(*) filter (where status = 'removed')::int`.as("removed"),
      ])
      .where("appeal_id", "=", id)
      .executeTakeFirstOrThrow(),
    sql<{ at: Date; n: number }>`
      SELECT date_trunc('hour', confirmed_at, 'UTC') AS at, count(*)::int AS n FROM signatures
      WHERE appeal_id = ${id} AND status = 'confirmed' AND confirmed_at > now() - interval '72 hours'
      GROUP BY 1 ORDER BY 1`.execute(db),
    sql<{ at: Date; n: number }>`
      SELECT date_trunc('day', confirmed_at, 'UTC') AS at, count(*)::int AS n FROM signatures
      WHERE appeal_id = ${id} AND status = 'confirmed' GROUP BY 1 ORDER BY 1`.execute(db),
    sql<{ country: string | null; n: number }>`
      SELECT country, count(*)::int AS n FROM signatures WHERE appeal_id = ${id} AND status = 'confirmed'
      GROUP BY country ORDER BY n DESC, country LIMIT 10`.execute(db),
    sql<{ city: string; country: string | null; n: number }>`
      SELECT min(city) AS city, country, count(*)::int AS n FROM signatures
      WHERE appeal_id = ${id} AND status = 'confirmed' AND city IS NOT NULL
      GROUP BY lower(city), country ORDER BY n DESC, 1 LIMIT 10`.execute(db),
    db
      .selectFrom("signatures")
      .select(["id", "name", "city", "country", "disclosure", "status", "hidden", "created_at", "confirmed_at", "revision", "lang", "source"])
      .where("appeal_id", "=", id)
      .where("status", "in", ["pending", "confirmed"])
      .orderBy("id", "desc")
      .limit(50)
      .execute(),
  ]);
  return {
    appeal,
    counts,
    hourly: fillHours(hourly.rows),
    daily: daily.rows.map((r) => ({ at: new Date(r.at).toISOString(), n: r.n })),
    countries: countries.rows,
    cities: cities.rows,
    recent: recent.map((r) => ({
      ...r,
      // A hidden signer's name is sealed at rest; organizers see it (it is in the letter).
      name: open(r.name, "name"),
      created_at: new Date(r.created_at).toISOString(),
      confirmed_at: r.confirmed_at ? new Date(r.confirmed_at).toISOString() : null,
    })),
  };
}

/** The last 72 hours, one point per hour, zeros included (a chart with gaps misleads). */
function fillHours(rows: Array<{ at: Date; n: number }>): Point[] {
  const byHour = new Map(rows.map((r) => [new Date(r.at).getTime(), r.n]));
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  const points: Point[] = [];
  for (let i = 71; i >= 0; i--) {
    const t = now.getTime() - i * 3600_000;
    points.push({ at: new Date(t).toISOString(), n: byHour.get(t) ?? 0 });
  }
  return points;
}

/** Moderation: hide an abusive name from the public list (it stays in the letter). */
export async function setHidden(appealId: number, userId: number, signatureId: number, hidden: boolean) {
  const { appeal } = await appealForMember(appealId, userId);
  const r = await getDb().updateTable("signatures").set({ hidden }).where("id", "=", signatureId).where("appeal_id", "=", appeal.id).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw new AppError("not_found");
}

/**
 * Moderation: remove a signature with a recorded reason. It leaves the count, the public list
 * and future letters; its address is erased at once.
 */
export async function removeSignature(appealId: number, userId: number, signatureId: number, reason: string) {
  const { appeal } = await appealForMember(appealId, userId);
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const sig = await trx
        .selectFrom("signatures")
        .select(["status"])
        .where("id", "=", signatureId)
        .where("appeal_id", "=", appeal.id)
        .forUpdate()
        .executeTakeFirst();
      if (!sig) throw new AppError("not_found");
      if (sig.status === "removed") return;
      await trx
        .updateTable("signatures")
        .set({
          status: "removed",
          removed_reason: reason,
          removed_at: sql`now()`,
          removed_by: userId,
          email: null,
          email_key: null,
          ip_hash: null,
          keep_informed: false,
        })
        .where("id", "=", signatureId)
        .execute();
      await trx.deleteFrom("signature_tokens").where("signature_id", "=", signatureId).execute();
      if (sig.status === "confirmed") await trx.insertInto("count_deltas").values({ appeal_id: appeal.id, confirmed: -1 }).execute();
    });
}

/** The public revocation list of a delivered letter: dates only, no names. */
export async function revocations(appealId: number, db: DB = getDb()) {
  const rows = await db
    .selectFrom("signatures")
    .select(sql<string>`to_char(withdrawn_at at time zone 'UTC', 'YYYY-MM-DD')`.as("day"))
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("appeal_id", "=", appealId)
    .where("status", "=", "withdrawn")
    .groupBy("day")
    .orderBy("day")
    .execute();
  return rows.map((r) => ({ day: r.day, n: Number(r.n) }));
}
