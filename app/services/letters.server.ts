import crypto from "node:crypto";
import path from "node:path";
import { sql } from "kysely";
import { databaseUrl, getDb } from "../../db/client";
import { addresseesOf, attachmentsOf } from "../../db/queries/appeals";
import { claimPendingLetter, insertLetter, letterByCode, lettersOf, queuedLettersOf } from "../../db/queries/letters";
import { isContentLang } from "../i18n";
import { env } from "../utils/env.server";
import { newVerificationCode, normaliseCode } from "../utils/codes";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { generateLetter, partialFilesIn, removePartialFile, type GenerateResult } from "./letter-generate.server";
import { pathOf } from "./storage.server";

/** Letters larger than this are delivered as a link instead of an attachment. */
export const MAX_ATTACHED_LETTER_BYTES = 8 * 1024 * 1024;

export type LetterRequest = { lang: string } | { all: true } | { combined: true };

export class LetterRefused extends Error {
  constructor(public readonly messageKey: "letters.draft" | "letters.unknownLang" | "letters.noEmailAddressees" | "letters.notReady" | "letters.queueFull") {
    super(messageKey);
  }
}

export const letterKey = (code: string) => `letters/${code}.pdf`;

/** The languages of an appeal's letters: the original first, then the translations (a combined letter's parts). */
export function letterLanguages(original: string, versions: Record<string, unknown>): string[] {
  return [original, ...Object.keys(versions).filter((l) => l !== original).sort()];
}

/**
 * The file name of a letter wherever it leaves the app (download, ZIP, e-mail attachment): a
 * combined letter is "combined" (all languages), never its first part's language.
 */
export function letterFileName(slug: string, letter: { kind: "single" | "combined"; lang: string; code: string }): string {
  return `${slug}-${letter.kind === "combined" ? "combined" : letter.lang}-${letter.code}.pdf`;
}

/**
 * Records letter snapshots to generate (one per language for "all"); the background job makes
 * the PDFs. Only owners and editors of the appeal's organization; never for a draft. An
 * organization may have at most LETTER_QUEUE_PER_ORG letters waiting or being made (the job
 * takes organizations in turn, see claimPendingLetter); the operator's CLI (userId null) is not
 * counted against it.
 */
export async function requestLetters(appealId: number, userId: number | null, request: LetterRequest): Promise<number[]> {
  const db = getDb();
  const appeal =
    userId === null ? await db.selectFrom("appeals").selectAll().where("id", "=", appealId).executeTakeFirst() : (await appealForMember(appealId, userId)).appeal;
  if (!appeal) throw new AppError("not_found");
  if (appeal.status === "draft" || appeal.current_revision < 1) throw new LetterRefused("letters.draft");
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirstOrThrow();
  const languages = letterLanguages(appeal.original_language, revision.content.versions);
  const wanted: Array<{ lang: string; kind: "single" | "combined" }> =
    "all" in request
      ? languages.map((lang) => ({ lang, kind: "single" }))
      : "combined" in request
        ? [{ lang: appeal.original_language, kind: "combined" }]
        : [{ lang: request.lang, kind: "single" }];
  for (const w of wanted) if (!isContentLang(w.lang) || !languages.includes(w.lang)) throw new LetterRefused("letters.unknownLang");
  return db.transaction().execute(async (trx) => {
    if (userId !== null) {
      // One request of the organization at a time past this point, so two cannot both fit.
      await trx.selectFrom("organizations").select("id").where("id", "=", appeal.organization_id).forUpdate().executeTakeFirst();
      if ((await queuedLettersOf(trx, appeal.organization_id)) + wanted.length > env().LETTER_QUEUE_PER_ORG) throw new LetterRefused("letters.queueFull");
    }
    const ids: number[] = [];
    for (const w of wanted) {
      ids.push(await insertLetter(trx, { appealId: appeal.id, code: newVerificationCode(crypto.randomBytes), lang: w.lang, kind: w.kind, revision: appeal.current_revision, userId }));
    }
    return ids;
  });
}

/** Generates a letter now, in this process (the CLI); the app uses the background job instead. */
export async function generateNow(letterId: number, onProgress?: (fraction: number) => void): Promise<GenerateResult & { code: string; storageKey: string }> {
  const db = getDb();
  const letter = await db.selectFrom("letters").select(["id", "code"]).where("id", "=", letterId).executeTakeFirstOrThrow();
  // Under the letter's lock, and only if no app process has claimed it meanwhile (the app's
  // letter job may run beside the CLI): otherwise wait for that process to finish it.
  const mine = await holdLetterLock(letterId, async () => {
    const claimed = await db
      .updateTable("letters")
      .set({ status: "running", started_at: sql`now()`, attempts: sql`attempts + 1` })
      .where("id", "=", letterId)
      .where("status", "=", "pending")
      .returning("id")
      .executeTakeFirst();
    if (!claimed) return null;
    try {
      const result = await generateLetter({ databaseUrl: databaseUrl(), letterId, outputPath: pathOf(letterKey(letter.code)), appUrl: env().APP_URL }, onProgress);
      await markReady(letterId, letter.code, result);
      return result;
    } catch (error) {
      await markFailed(letterId, error);
      throw error;
    }
  });
  if (mine) return { ...mine, code: letter.code, storageKey: letterKey(letter.code) };
  for (;;) {
    const row = await db.selectFrom("letters").select(["status", "count", "pages", "digest", "file_sha256", "size", "flagged_names", "error"]).where("id", "=", letterId).executeTakeFirstOrThrow();
    if (row.status === "ready") {
      const flagged: unknown = typeof row.flagged_names === "string" ? JSON.parse(row.flagged_names) : row.flagged_names;
      return {
        count: row.count,
        pages: row.pages ?? 0,
        digest: row.digest,
        fileSha256: row.file_sha256 ?? "",
        size: row.size ?? 0,
        flaggedNames: Array.isArray(flagged) ? flagged.map(String) : [],
        code: letter.code,
        storageKey: letterKey(letter.code),
      };
    }
    if (row.status === "failed") throw new Error(`the letter failed in another process: ${row.error ?? "failed"}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function markReady(letterId: number, code: string, r: GenerateResult) {
  await getDb()
    .updateTable("letters")
    .set({
      status: "ready",
      progress: 100,
      count: r.count,
      digest: r.digest,
      file_sha256: r.fileSha256,
      storage_key: letterKey(code),
      pages: r.pages,
      size: r.size,
      flagged_names: JSON.stringify(r.flaggedNames.slice(0, 1000)),
      finished_at: sql`now()`,
    })
    .where("id", "=", letterId)
    .execute();
}

/** Why a letter job failed, as the dashboard says it (letters.error.<reason>). */
export type LetterFailure = "disk_full" | "not_writable" | "timed_out" | "interrupted" | "failed";

/** The code of the error a letter job stopped at the time limit fails with. */
export const LETTER_TIMEOUT = "LETTER_TIMEOUT";

export function failureOf(error: unknown): LetterFailure {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "ENOSPC" || code === "EDQUOT") return "disk_full";
  if (code === "EACCES" || code === "EROFS") return "not_writable";
  if (code === LETTER_TIMEOUT) return "timed_out";
  return "failed";
}

/** A failed generation leaves no snapshot: no file, no digest; the row says why, for the dashboard. */
export async function markFailed(letterId: number, error: unknown) {
  const message = failureOf(error);
  await getDb().updateTable("letters").set({ status: "failed", error: message, digest: "", file_sha256: null, storage_key: null, finished_at: sql`now()` }).where("id", "=", letterId).execute();
}

export async function setProgress(letterId: number, fraction: number) {
  await getDb().updateTable("letters").set({ progress: Math.round(fraction * 100) }).where("id", "=", letterId).execute();
}

export { claimPendingLetter };

/**
 * A process generating a letter holds a session-level advisory lock on it (holdLetterLock), which
 * PostgreSQL drops when that process or its connection dies. A letter still `running` whose lock
 * is free was interrupted (a crash, a kill): it goes back to `pending`. One being generated by
 * another process (several app processes share the job) is left alone.
 */
const LETTER_LOCK = 0x4c455454; // "LETT"

export async function holdLetterLock<T>(letterId: number, work: () => Promise<T>): Promise<T> {
  return getDb()
    .connection()
    .execute(async (conn) => {
      await sql`select pg_advisory_lock(${LETTER_LOCK}, ${letterId}::int)`.execute(conn);
      try {
        return await work();
      } finally {
        await sql`select pg_advisory_unlock(${LETTER_LOCK}, ${letterId}::int)`.execute(conn).catch(() => undefined);
      }
    });
}

/** A letter whose generation died with its process this many times is not tried again. */
export const MAX_LETTER_ATTEMPTS = 3;

/**
 * Letters left `running` by a process that died go back to the queue, or, once started
 * MAX_LETTER_ATTEMPTS times (a letter that kills its process every time), are marked failed
 * ("interrupted"). Returns how many of each.
 */
export async function requeueInterrupted(): Promise<{ requeued: number; failed: number }> {
  const db = getDb();
  const done = { requeued: 0, failed: 0 };
  // Claimed a few seconds ago at least: the claiming process takes the lock right after claiming.
  const running = await db.selectFrom("letters").select(["id", "attempts"]).where("status", "=", "running").where("started_at", "<", sql<Date>`now() - interval '5 seconds'`).execute();
  for (const { id, attempts } of running) {
    await db.connection().execute(async (conn) => {
      const { rows } = await sql<{ free: boolean }>`select pg_try_advisory_lock(${LETTER_LOCK}, ${id}::int) as free`.execute(conn);
      if (!rows[0]?.free) return;
      try {
        const giveUp = attempts >= MAX_LETTER_ATTEMPTS;
        const changed = await conn
          .updateTable("letters")
          .set(giveUp ? { status: "failed", error: "interrupted", progress: 0, finished_at: sql`now()` } : { status: "pending", progress: 0 })
          .where("id", "=", id)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) > 0) done[giveUp ? "failed" : "requeued"]++;
      } finally {
        await sql`select pg_advisory_unlock(${LETTER_LOCK}, ${id}::int)`.execute(conn);
      }
    });
  }
  return done;
}

/**
 * Removes the partial files (`*.part`) no process is writing: left by a process killed mid-letter
 * (kill -9, power cut) or a letter stopped from outside. A partial file belongs to a letter; if
 * that letter is not being generated right now (its advisory lock is free, which PostgreSQL
 * guarantees once the generating process or its connection is gone), the file is stale. Safe with
 * several processes sharing the files. Returns how many were removed.
 */
export async function removeStalePartialLetters(): Promise<number> {
  const dir = path.dirname(pathOf(letterKey("x")));
  const db = getDb();
  let removed = 0;
  for (const file of await partialFilesIn(dir)) {
    const code = file.output.replace(/\.pdf$/, "");
    const letter = await db.selectFrom("letters").select("id").where("code", "=", code).executeTakeFirst();
    const stale = letter
      ? await db.connection().execute(async (conn) => {
          const { rows } = await sql<{ free: boolean }>`select pg_try_advisory_lock(${LETTER_LOCK}, ${letter.id}::int) as free`.execute(conn);
          if (!rows[0]?.free) return false;
          await sql`select pg_advisory_unlock(${LETTER_LOCK}, ${letter.id}::int)`.execute(conn);
          return true;
        })
      : true;
    if (stale && (await removePartialFile(file.path))) removed++;
  }
  return removed;
}

export async function lettersPage(appealId: number, userId: number) {
  const { appeal, role } = await appealForMember(appealId, userId);
  const db = getDb();
  const [letters, deliveries, addressees] = await Promise.all([
    lettersOf(db, appeal.id),
    db
      .selectFrom("deliveries as d")
      .innerJoin("letters as l", "l.id", "d.letter_id")
      .leftJoin("outbox as o", "o.id", "d.outbox_id")
      .leftJoin("addressees as a", "a.id", "d.addressee_id")
      .select(["d.id", "d.addressee_id", "d.letter_id", "d.created_at", "l.code", "l.lang", "l.digest", "o.status as outcome", "o.last_error", "a.translations", "a.email"])
      .where("d.appeal_id", "=", appeal.id)
      .orderBy("d.created_at", "desc")
      .execute(),
    addresseesOf(db, appeal.id),
  ]);
  return {
    appeal,
    role,
    // Organizers see who generated a letter only as "a member"; addresses stay out of pages.
    letters: letters.map(({ createdBy: _createdBy, storage_key: _k, ...l }) => l),
    // The newest delivery of each (addressee, letter) pair offers "send again" (if the addressee still has an address).
    deliveries: deliveries.map(({ email, ...d }, i) => ({
      ...d,
      addressee: d.translations?.[appeal.original_language]?.name ?? "",
      translations: undefined,
      last_error: d.last_error ? "error" : null,
      canResend: !!email && d.addressee_id !== null && deliveries.findIndex((e) => e.addressee_id === d.addressee_id && e.letter_id === d.letter_id) === i,
    })),
    addresseesWithEmail: addressees.filter((a) => a.email).length,
  };
}

/** A ready letter of the appeal, for download by its organizers. */
export async function letterFile(appealId: number, userId: number, letterId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  const row = await getDb()
    .selectFrom("letters")
    .select(["id", "code", "lang", "kind", "storage_key", "size", "status"])
    .where("id", "=", letterId)
    .where("appeal_id", "=", appeal.id)
    .executeTakeFirst();
  if (!row || row.status !== "ready" || !row.storage_key) throw new AppError("not_found");
  return { ...row, storage_key: row.storage_key, slug: appeal.slug };
}

export async function zipContents(appealId: number, userId: number, letterIds: number[]) {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  if (!letterIds.length) throw new AppError("not_found");
  const letters = await db
    .selectFrom("letters")
    .selectAll()
    .where("appeal_id", "=", appeal.id)
    .where("id", "in", letterIds)
    .where("status", "=", "ready")
    .orderBy("id")
    .execute();
  if (letters.length !== letterIds.length) throw new LetterRefused("letters.notReady");
  const attachments = await attachmentsOf(db, appeal.id);
  // A combined letter's parts are the versions of its revision.
  const revisions = [...new Set(letters.filter((l) => l.kind === "combined").map((l) => l.revision))];
  const contents = revisions.length
    ? await db.selectFrom("appeal_revisions").select(["number", "content"]).where("appeal_id", "=", appeal.id).where("number", "in", revisions).execute()
    : [];
  const partsOf = (l: (typeof letters)[number]) => {
    const versions = contents.find((c) => c.number === l.revision)?.content.versions ?? {};
    return l.kind === "combined" ? letterLanguages(appeal.original_language, versions) : [l.lang];
  };
  return { appeal, letters: letters.map((l) => ({ ...l, languages: partsOf(l) })), attachments };
}

/** What /verify/:code shows: the snapshot's facts, never signatory data. */
export async function verification(codeInput: string) {
  const code = normaliseCode(codeInput);
  if (!code) return null;
  const row = await letterByCode(getDb(), code);
  if (!row) return null;
  const revoked = await getDb()
    .selectFrom("signatures")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("appeal_id", "=", row.appealId)
    .where("status", "=", "withdrawn")
    .where("withdrawn_at", ">", row.created_at)
    .executeTakeFirstOrThrow();
  const langs = row.kind === "combined" ? Object.keys(row.content.versions) : [row.lang];
  return {
    code: row.code,
    slug: row.slug,
    lang: row.lang,
    kind: row.kind,
    languages: langs,
    title: row.content.versions[row.lang]?.title ?? row.content.versions[row.original_language]?.title ?? "",
    revision: row.revision,
    count: row.count,
    generatedAt: new Date(row.created_at).toISOString(),
    digest: row.digest,
    fileSha256: row.file_sha256 ?? "",
    pages: row.pages,
    withdrawnSince: Number(revoked.n),
  };
}

export function sha256(data: Uint8Array) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** A signed, unguessable download link for addressees when a letter is too large to attach. */
export function letterDownloadSignature(code: string) {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`letter|${code}`).digest("base64url").slice(0, 32);
}

export async function letterForSignedDownload(code: string, signature: string) {
  const expected = letterDownloadSignature(code);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  const row = await getDb().selectFrom("letters").select(["code", "storage_key", "size", "lang"]).where("code", "=", code).where("status", "=", "ready").executeTakeFirst();
  return row?.storage_key ? { ...row, storage_key: row.storage_key } : null;
}
