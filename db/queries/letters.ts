import { sql, type Kysely } from "kysely";
import type { Database } from "../schema.js";

type Db = Kysely<Database>;

export { newVerificationCode, normaliseCode } from "../../app/utils/codes.js";

export async function insertLetter(db: Db, v: { appealId: number; code: string; lang: string; kind: "single" | "combined"; revision: number; userId: number | null }) {
  const row = await db
    .insertInto("letters")
    .values({ appeal_id: v.appealId, code: v.code, lang: v.lang, kind: v.kind, revision: v.revision, count: 0, digest: "", created_by: v.userId })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Claims the oldest pending letter for generation (several processes may run the job). */
export async function claimPendingLetter(db: Db) {
  return db
    .updateTable("letters")
    .set({ status: "running", started_at: sql`now()`, progress: 0, error: null })
    .where("id", "=", (eb) =>
      eb.selectFrom("letters").select("id").where("status", "=", "pending").orderBy("created_at").limit(1).forUpdate().skipLocked(),
    )
    .returning(["id", "code"])
    .executeTakeFirst();
}

export async function lettersOf(db: Db, appealId: number) {
  return db
    .selectFrom("letters as l")
    .leftJoin("users as u", "u.id", "l.created_by")
    .select(["l.id", "l.code", "l.lang", "l.kind", "l.revision", "l.count", "l.digest", "l.status", "l.progress", "l.error", "l.pages", "l.size", "l.flagged_names", "l.created_at", "l.finished_at", "l.storage_key", "l.file_sha256", "u.email as createdBy"])
    .where("l.appeal_id", "=", appealId)
    .orderBy("l.created_at", "desc")
    .orderBy("l.id", "desc")
    .limit(100)
    .execute();
}

export async function letterByCode(db: Db, code: string) {
  return db
    .selectFrom("letters as l")
    .innerJoin("appeals as a", "a.id", "l.appeal_id")
    .innerJoin("appeal_revisions as r", (j) => j.onRef("r.appeal_id", "=", "a.id").onRef("r.number", "=", "l.revision"))
    .select(["l.id", "l.code", "l.lang", "l.kind", "l.revision", "l.count", "l.digest", "l.file_sha256", "l.created_at", "l.pages", "l.size", "l.storage_key", "a.slug", "a.original_language", "a.id as appealId", "r.content"])
    .where("l.code", "=", code)
    .where("l.status", "=", "ready")
    .executeTakeFirst();
}
