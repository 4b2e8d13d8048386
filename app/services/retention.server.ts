import { sql, type ExpressionBuilder } from "kysely";
import { getDb, type DB } from "../../db/client";
import { eraseLeftMails } from "../../db/queries/outbox";
import type { Database } from "../../db/schema";
import { env } from "../utils/env.server";

export interface RetentionReport {
  appeals: Array<{ id: number; slug: string; emails: number; ipHashes: number; pending: number }>;
  emails: number;
  ipHashes: number;
  pending: number;
  /**
   * Outbox rows removed: every mail that left (sent, failed, or kept for the dev mailbox) more
   * than RETENTION_DAYS ago, whoever it went to. Records of letters delivered to addressees stay
   * (they hold no address or link once sent), so the letters page still says how each went.
   */
  mails: number;
}

/**
 * Retention: RETENTION_DAYS after an appeal is delivered or closed, its signers' e-mail
 * addresses and hashed IPs are erased (and pending signatures, which never counted, deleted).
 * Names and details stay: they are what the delivered letter showed, so its verification digest
 * still matches. The outbox is kept by each row's own age and state, not by whom it went to (a
 * signer who withdrew, said "it wasn't me", never confirmed or was removed is no longer among
 * the signatures, yet was mailed): see outboxRetention. `dryRun` reports what would be removed
 * and changes nothing.
 *
 * An appeal with the minimal-data preset is due at once when it is closed or delivered, whatever
 * RETENTION_DAYS (or `days`) says; `minimalOnly` looks at those appeals alone and leaves the outbox
 * to the full run (the scheduler runs it every minute, so "at once" means within a minute).
 */
export async function applyRetention(options: { dryRun: boolean; days?: number; minimalOnly?: boolean }): Promise<RetentionReport> {
  const days = options.days ?? env().RETENTION_DAYS;
  const db = getDb();
  const due = await db
    .selectFrom("appeals")
    .select(["id", "slug"])
    .where("status", "in", ["closed", "delivered"])
    .where(sql<boolean>`coalesce(delivered_at, closed_at) <= now() - make_interval(days => CASE WHEN minimal_data THEN 0 ELSE ${days} END)`)
    // Every minute: only the appeals not yet done since they were closed or delivered.
    .$if(options.minimalOnly === true, (q) =>
      q.where("minimal_data", "=", true).where(sql<boolean>`retention_done_at IS NULL OR retention_done_at < coalesce(delivered_at, closed_at)`),
    )
    .execute();
  const report: RetentionReport = { appeals: [], emails: 0, ipHashes: 0, pending: 0, mails: 0 };
  if (!options.minimalOnly) report.mails = await outboxRetention(db, { dryRun: options.dryRun, days });
  for (const appeal of due) {
    const { keys, ...counts } = await db
      .selectFrom("signatures")
      .select([
        sql<number>`count(*) filter (where email is not null and status <> 'pending')::int`.as("emails"),
        sql<number>`count(*) filter (where ip_hash is not null)::int`.as("ipHashes"),
        sql<number>`count(*) filter (where status = 'pending')::int`.as("pending"),
        // Look-up keys left without their address (a minimal-data appeal erases the address at confirmation).
        sql<number>`count(*) filter (where email_key is not null)::int`.as("keys"),
      ])
      .where("appeal_id", "=", appeal.id)
      .executeTakeFirstOrThrow();
    if (!counts.emails && !counts.ipHashes && !counts.pending && !keys) {
      if (options.minimalOnly)
        await db
          .updateTable("appeals")
          .set({ retention_done_at: sql`now()` })
          .where("id", "=", appeal.id)
          .execute();
      continue;
    }
    report.appeals.push({ id: appeal.id, slug: appeal.slug, ...counts });
    report.emails += counts.emails;
    report.ipHashes += counts.ipHashes;
    report.pending += counts.pending;
    if (options.dryRun) continue;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("signatures").where("appeal_id", "=", appeal.id).where("status", "=", "pending").execute();
      await trx
        .updateTable("signatures")
        .set({ email: null, email_key: null, ip_hash: null, keep_informed: false })
        .where("appeal_id", "=", appeal.id)
        .where((eb) => eb.or([eb("email", "is not", null), eb("email_key", "is not", null), eb("ip_hash", "is not", null)]))
        .execute();
      await trx
        .deleteFrom("signature_tokens")
        .where("signature_id", "in", (eb) => eb.selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id))
        .where("purpose", "in", ["confirm", "reject", "unsubscribe"])
        .execute();
      await trx
        .updateTable("appeals")
        .set({ retention_done_at: sql`now()` })
        .where("id", "=", appeal.id)
        .execute();
    });
  }
  return report;
}

/**
 * The outbox by each row's own age and state, whoever the mail went to:
 *  - a mail that left (sent, or failed for good) keeps no address or link: the worker erases them
 *    as it records the outcome; a row that still holds them (written before that, or by hand)
 *    is erased here, whatever its age;
 *  - every row that left, or was kept for the dev mailbox, more than `days` ago is deleted, except
 *    the (erased) records of letters delivered to addressees, which the letters page shows;
 *  - mails still waiting to be sent are left alone.
 * Returns how many rows are (or, with dryRun, would be) deleted.
 */
export async function outboxRetention(db: DB, options: { dryRun: boolean; days: number }): Promise<number> {
  const old = (eb: ExpressionBuilder<Database, "outbox">) =>
    eb.and([
      eb("status", "<>", "pending"),
      eb(sql<Date>`coalesce(sent_at, created_at)`, "<=", sql<Date>`now() - make_interval(days => ${options.days})`),
      eb.not(eb.exists(eb.selectFrom("deliveries").select("deliveries.id").whereRef("deliveries.outbox_id", "=", "outbox.id"))),
    ]);
  if (options.dryRun) {
    const row = await db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(old)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  await eraseLeftMails(db);
  const deleted = await db.deleteFrom("outbox").where(old).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
