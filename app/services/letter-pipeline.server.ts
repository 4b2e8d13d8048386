import path from "node:path";
import { sql } from "kysely";
import { databaseUrl, getDb } from "../../db/client";
import { claimLetter, claimPendingLetter } from "../../db/queries/letters";
import { env } from "../utils/env.server";
import { developmentDataKey, open, seal } from "./data-key.server";
import { ensureSigningIdentityForLetter } from "./signing-identity.server";
import { generateLetter, partialFilesIn, removePartialFile, removePartialFiles, type GenerateJob, type GenerateResult } from "./letter-generate.server";
import { pathOf } from "./storage.server";

/**
 * The letter pipeline: the one path by which a requested letter (letters.server.ts,
 * requestLetters) becomes a file — claim → lock → generate → mark written (runLetterPipeline).
 * The app's background job (server/letter-jobs.ts) runs it for the next pending letter, the
 * generation in a worker thread with a time limit; the CLI (`npm run letter`, generateNow) for
 * the letters it requested, the generation in its own thread. The recovery from a process that
 * died mid-letter (requeueInterrupted, removeStalePartialLetters) lives here too, as it relies on
 * the same lease and lock.
 *
 * Leases (issue 16): a claim holds the letter for LETTER_LEASE_S seconds and the worker renews it
 * while it works (a timer, and each progress write); only a letter whose lease ran out is queued
 * again, so workers on several machines never take each other's live letters. Each claim has a
 * number (the letter's `attempts` after the claim); progress, "ready" and "failed" are written only
 * while the letter still holds that number, so a worker whose lease was taken over cannot store
 * its result over the new owner's.
 */

export const letterKey = (code: string) => `letters/${code}.pdf`;

/** A claimed letter: its status is `running`, its `attempts` counted; `claim` is that count, this claim's number. */
export interface ClaimedLetter {
  id: number;
  code: string;
  claim: number;
}

/** Which letter to claim: the next pending one (organizations in turn, see claimPendingLetter), or this one if still pending. */
export type LetterClaim = "next" | { letterId: number };

export interface LetterRun {
  /** The generate step: in this thread by default; the app's job runs it in a worker thread. */
  generate?: (job: GenerateJob, onProgress: (fraction: number) => void) => Promise<GenerateResult>;
  /** Called as the letter is drawn (the letter's row records it too, at most twice a second). */
  onProgress?: (fraction: number) => void;
  /** Called once the letter is claimed, before it is locked. */
  onClaimed?: (letter: ClaimedLetter) => void;
}

/** "lost": the lease ran out and another worker claimed the letter; nothing of this run was stored. */
export type LetterOutcome = { letter: ClaimedLetter } & (
  { status: "ready"; result: GenerateResult } | { status: "failed"; error: unknown } | { status: "lost" }
);

/**
 * Claims a letter, takes its lock (holdLetterLock), generates it, and marks it ready with the
 * file's facts, or failed (markFailed) with its partial file removed. Null when nothing was
 * claimed: no letter pending, or (for one letter) another process claimed it first. Throws only
 * when the database fails around the generation (the claim, the lock); a letter claimed then is
 * left `running` for requeueInterrupted once its lease runs out.
 */
export async function runLetterPipeline(claim: LetterClaim, run: LetterRun = {}): Promise<LetterOutcome | null> {
  const db = getDb();
  const leaseS = env().LETTER_LEASE_S;
  const letter = claim === "next" ? await claimPendingLetter(db, leaseS) : await claimLetter(db, claim.letterId, leaseS);
  if (!letter) return null;
  run.onClaimed?.(letter);
  const generate = run.generate ?? generateLetter;
  // Renewed from the claim on (the lock below may take a while), a third of the lease apart.
  const renewal = setInterval(() => void renewLease(letter, leaseS).catch(() => undefined), Math.max(250, (leaseS * 1000) / 3));
  renewal.unref();
  try {
    return await holdLetterLock(letter.id, () => generateClaimed(letter, generate, run));
  } finally {
    clearInterval(renewal);
  }
}

async function generateClaimed(letter: ClaimedLetter, generate: NonNullable<LetterRun["generate"]>, run: LetterRun): Promise<LetterOutcome> {
  const outputPath = pathOf(letterKey(letter.code));
  let lastWrite = 0;
  let recorded: Promise<unknown> = Promise.resolve();
  const onProgress = (fraction: number) => {
    run.onProgress?.(fraction);
    if (Date.now() - lastWrite < 500) return;
    lastWrite = Date.now();
    recorded = setProgress(letter.id, fraction, letter.claim).catch(() => undefined);
  };
  try {
    // The organization's signing identity is made here if it has none yet: the generation only reads it.
    await ensureSigningIdentityForLetter(letter.id);
    const config = env();
    const job = {
      databaseUrl: databaseUrl(),
      letterId: letter.id,
      outputPath,
      appUrl: config.APP_URL,
      signingSecret: config.SIGNING_KEY_SECRET,
      dataKeys: { current: config.DATA_KEY ?? developmentDataKey(config.DATA_DIR), previous: config.DATA_KEY_PREVIOUS },
    };
    const result = await generate(job, onProgress);
    await recorded; // a late progress write must not land after "ready"
    if (!(await markReady(letter.id, letter.code, result, letter.claim))) return { letter, status: "lost" };
    return { letter, status: "ready", result };
  } catch (error) {
    // Still under the letter's lock: nobody else writes this letter's partial file. (A
    // generation stopped from outside, at the time limit, could not remove it itself.)
    await removePartialFiles(outputPath).catch(() => undefined);
    const stored = await markFailed(letter.id, error, letter.claim).catch(() => true);
    return stored ? { letter, status: "failed", error } : { letter, status: "lost" };
  }
}

/**
 * Extends the claim's lease to `leaseS` seconds from now; false when the letter no longer holds
 * this claim (its lease ran out and it was queued again or claimed by another worker).
 */
export async function renewLease(letter: { id: number; claim: number }, leaseS: number): Promise<boolean> {
  const changed = await getDb()
    .updateTable("letters")
    .set({ lease_until: sql<Date>`now() + make_interval(secs => ${leaseS})` })
    .where("id", "=", letter.id)
    .where("attempts", "=", letter.claim)
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(changed.numUpdatedRows) > 0;
}

/**
 * Generates a letter now, in this process (the CLI), through the pipeline. If an app process has
 * claimed it meanwhile (the app's letter job may run beside the CLI), waits for that result.
 */
export async function generateNow(letterId: number, onProgress?: (fraction: number) => void): Promise<GenerateResult & { code: string; storageKey: string }> {
  const outcome = await runLetterPipeline({ letterId }, { onProgress });
  if (outcome?.status === "failed") throw outcome.error;
  if (outcome?.status === "ready") return { ...outcome.result, code: outcome.letter.code, storageKey: letterKey(outcome.letter.code) };
  const db = getDb();
  const { code } = await db.selectFrom("letters").select("code").where("id", "=", letterId).executeTakeFirstOrThrow();
  for (;;) {
    const row = await db
      .selectFrom("letters")
      .select(["status", "count", "pages", "digest", "file_sha256", "size", "flagged_names", "error", "signer_fingerprint", "tree_size", "tree_root"])
      .where("id", "=", letterId)
      .executeTakeFirstOrThrow();
    if (row.status === "ready") {
      const flagged: unknown = typeof row.flagged_names === "string" ? JSON.parse(row.flagged_names) : row.flagged_names;
      return {
        count: row.count,
        pages: row.pages ?? 0,
        digest: row.digest,
        fileSha256: row.file_sha256 ?? "",
        size: row.size ?? 0,
        flaggedNames: Array.isArray(flagged) ? flagged.map((n) => open(String(n), "name")) : [],
        signerFingerprint: row.signer_fingerprint ?? "",
        treeSize: row.tree_size ?? undefined,
        treeRoot: row.tree_root?.toString("hex"),
        code,
        storageKey: letterKey(code),
      };
    }
    if (row.status === "failed") throw new Error(`the letter failed in another process: ${row.error ?? "failed"}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The "mark written" step: the letter is ready, with its file's facts (and its ledger's, with the
 * consistency proofs to earlier letters). With `claim`, only if the letter is still `running`
 * under that claim; false (nothing written) when another worker has taken it over.
 */
export async function markReady(letterId: number, code: string, r: GenerateResult, claim?: number): Promise<boolean> {
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const changed = await trx
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
          // Names the font could not draw, sealed: any of them may be a hidden signer's (issue 14).
          flagged_names: JSON.stringify(r.flaggedNames.slice(0, 1000).map((n) => seal(n, "name"))),
          signer_fingerprint: r.signerFingerprint,
          finished_at: sql`now()`,
          tree_size: r.treeSize ?? null,
          tree_root: r.treeRoot ? Buffer.from(r.treeRoot, "hex") : null,
          lease_until: null,
        })
        .where("id", "=", letterId)
        .$if(claim !== undefined, (q) => q.where("attempts", "=", claim ?? 0).where("status", "=", "running"))
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) return false;
      await trx.deleteFrom("letter_consistency").where("letter_id", "=", letterId).execute();
      if (r.consistency?.length)
        await trx
          .insertInto("letter_consistency")
          .values(r.consistency.map((c) => ({ letter_id: letterId, earlier_letter_id: c.earlierLetterId, proof: Buffer.from(c.proof.join(""), "hex") })))
          .execute();
      return true;
    });
}

/** Why a letter job failed, as the dashboard says it (letters.error.<reason>). */
export type LetterFailure = "disk_full" | "not_writable" | "timed_out" | "interrupted" | "failed" | "ledger_mismatch";

/** The code of the error a letter job stopped at the time limit fails with. */
export const LETTER_TIMEOUT = "LETTER_TIMEOUT";

export function failureOf(error: unknown): LetterFailure {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "ENOSPC" || code === "EDQUOT") return "disk_full";
  if (code === "EACCES" || code === "EROFS") return "not_writable";
  if (code === LETTER_TIMEOUT) return "timed_out";
  // The signatures table no longer matches the signatory ledger (a row edited after confirmation).
  if (code === "LEDGER_MISMATCH") return "ledger_mismatch";
  return "failed";
}

/**
 * A failed generation leaves no snapshot: no file, no digest; the row says why, for the dashboard.
 * With `claim`, only while the letter holds that claim (see markReady); says whether it was written.
 */
export async function markFailed(letterId: number, error: unknown, claim?: number): Promise<boolean> {
  const message = failureOf(error);
  const changed = await getDb()
    .updateTable("letters")
    .set({
      status: "failed",
      error: message,
      digest: "",
      file_sha256: null,
      storage_key: null,
      signer_fingerprint: null,
      finished_at: sql`now()`,
      tree_size: null,
      tree_root: null,
      lease_until: null,
    })
    .where("id", "=", letterId)
    .$if(claim !== undefined, (q) => q.where("attempts", "=", claim ?? 0).where("status", "=", "running"))
    .executeTakeFirst();
  return Number(changed.numUpdatedRows) > 0;
}

/** Records the progress and, with `claim`, renews the lease (LETTER_LEASE_S) — only while the letter holds that claim. */
export async function setProgress(letterId: number, fraction: number, claim?: number) {
  await getDb()
    .updateTable("letters")
    .set({ progress: Math.round(fraction * 100) })
    .$if(claim !== undefined, (q) =>
      q
        .set({ lease_until: sql<Date>`now() + make_interval(secs => ${env().LETTER_LEASE_S})` })
        .where("attempts", "=", claim ?? 0)
        .where("status", "=", "running"),
    )
    .where("id", "=", letterId)
    .execute();
}

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
 * ("interrupted"). Returns how many of each. A letter is left alone while its lease runs (its
 * worker renews it, on whatever machine) and while its lock is held (a process still writing its
 * file: the next owner would wait for that lock anyway). Rows claimed before leases existed (no
 * lease_until) count as expired a few seconds after their start.
 */
export async function requeueInterrupted(): Promise<{ requeued: number; failed: number }> {
  const db = getDb();
  const done = { requeued: 0, failed: 0 };
  const running = await db
    .selectFrom("letters")
    .select(["id", "attempts"])
    .where("status", "=", "running")
    .where((eb) =>
      eb.or([
        eb("lease_until", "<", sql<Date>`now()`),
        eb.and([eb("lease_until", "is", null), eb("started_at", "<", sql<Date>`now() - interval '5 seconds'`)]),
      ]),
    )
    .execute();
  for (const { id, attempts } of running) {
    await db.connection().execute(async (conn) => {
      const { rows } = await sql<{ free: boolean }>`select pg_try_advisory_lock(${LETTER_LOCK}, ${id}::int) as free`.execute(conn);
      if (!rows[0]?.free) return;
      try {
        const giveUp = attempts >= MAX_LETTER_ATTEMPTS;
        const changed = await conn
          .updateTable("letters")
          .set(
            giveUp
              ? { status: "failed", error: "interrupted", progress: 0, finished_at: sql`now()`, lease_until: null }
              : { status: "pending", progress: 0, lease_until: null },
          )
          .where("id", "=", id)
          .where("attempts", "=", attempts)
          .where("status", "=", "running")
          .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", sql<Date>`now()`)]))
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
