import { sql, type Kysely } from "kysely";
import type { Database } from "../schema.js";
import { open } from "../../app/services/data-key.server.js";

type Db = Kysely<Database>;

export async function insertLetter(
  db: Db,
  v: { appealId: number; code: string; lang: string; kind: "single" | "combined"; revision: number; userId: number | null },
) {
  const row = await db
    .insertInto("letters")
    .values({ appeal_id: v.appealId, code: v.code, lang: v.lang, kind: v.kind, revision: v.revision, count: 0, digest: "", created_by: v.userId })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * What claiming a letter sets, whichever way it is claimed: `attempts` counts up and is the
 * claim's number (ClaimedLetter.claim), and the claimer holds it for `leaseS` seconds.
 */
const claimSet = (leaseS: number) =>
  sql`status = 'running', started_at = now(), progress = 0, error = null, attempts = attempts + 1, lease_until = now() + make_interval(secs => ${leaseS})`;

/** How long a claim holds a letter unless renewed (LETTER_LEASE_S's default). */
export const DEFAULT_LETTER_LEASE_S = 120;

/**
 * Claims the next pending letter for generation (several processes may run the job), giving
 * each organization its turn: first the organizations with no letter being made, among them
 * the one whose last letter started longest ago (or never), then the oldest request. One
 * organization's backlog of large letters never holds up another's.
 */
export async function claimPendingLetter(db: Db, leaseS = DEFAULT_LETTER_LEASE_S) {
  const { rows } = await sql<{ id: number; code: string; claim: number }>`
    UPDATE letters SET ${claimSet(leaseS)}
    WHERE id = (
      SELECT l.id FROM letters l JOIN appeals a ON a.id = l.appeal_id
      WHERE l.status = 'pending'
      ORDER BY
        (SELECT count(*) FROM letters r JOIN appeals ra ON ra.id = r.appeal_id
          WHERE r.status = 'running' AND ra.organization_id = a.organization_id),
        (SELECT max(s.started_at) FROM letters s JOIN appeals sa ON sa.id = s.appeal_id
          WHERE sa.organization_id = a.organization_id) NULLS FIRST,
        l.created_at, l.id
      LIMIT 1
      FOR UPDATE OF l SKIP LOCKED
    )
    RETURNING id, code, attempts AS claim`.execute(db);
  return rows[0];
}

/** Claims one letter (the CLI's), if it is still pending: no process has claimed it meanwhile. */
export async function claimLetter(db: Db, letterId: number, leaseS = DEFAULT_LETTER_LEASE_S) {
  const { rows } = await sql<{ id: number; code: string; claim: number }>`
    UPDATE letters SET ${claimSet(leaseS)} WHERE id = ${letterId} AND status = 'pending' RETURNING id, code, attempts AS claim`.execute(db);
  return rows[0];
}

/** Letters of the organization waiting or being made. */
export async function queuedLettersOf(db: Db, organizationId: number): Promise<number> {
  const row = await db
    .selectFrom("letters as l")
    .innerJoin("appeals as a", "a.id", "l.appeal_id")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("a.organization_id", "=", organizationId)
    .where("l.status", "in", ["pending", "running"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function lettersOf(db: Db, appealId: number) {
  const rows = await db
    .selectFrom("letters as l")
    .leftJoin("users as u", "u.id", "l.created_by")
    .select([
      "l.id",
      "l.code",
      "l.lang",
      "l.kind",
      "l.revision",
      "l.count",
      "l.digest",
      "l.status",
      "l.progress",
      "l.error",
      "l.pages",
      "l.size",
      "l.flagged_names",
      "l.created_at",
      "l.finished_at",
      "l.storage_key",
      "l.file_sha256",
      "u.email as createdBy",
    ])
    .where("l.appeal_id", "=", appealId)
    .orderBy("l.created_at", "desc")
    .orderBy("l.id", "desc")
    .limit(100)
    .execute();
  // The account's address is sealed at rest (users.email).
  return rows.map((r) => ({ ...r, createdBy: r.createdBy === null ? null : open(r.createdBy, "email") }));
}

export async function letterByCode(db: Db, code: string) {
  return db
    .selectFrom("letters as l")
    .innerJoin("appeals as a", "a.id", "l.appeal_id")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "l.revision"))
    .select([
      "l.id",
      "l.code",
      "l.lang",
      "l.kind",
      "l.revision",
      "l.count",
      "l.digest",
      "l.file_sha256",
      "l.created_at",
      "l.pages",
      "l.size",
      "l.storage_key",
      "a.slug",
      "a.original_language",
      "a.id as appealId",
      "r.content",
    ])
    .where("l.code", "=", code)
    .where("l.status", "=", "ready")
    .executeTakeFirst();
}
