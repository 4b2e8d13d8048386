import { sql, type ExpressionBuilder } from "kysely";
import { getDb } from "../../db/client";
import type { Database } from "../../db/schema";
import { env } from "../utils/env.server";

export interface RetentionReport {
  appeals: Array<{ id: number; slug: string; emails: number; ipHashes: number; pending: number; mails: number }>;
  emails: number;
  ipHashes: number;
  pending: number;
  /** Sent (or failed, or kept) e-mails to those addresses: the outbox keeps their copies. */
  mails: number;
}

/**
 * Retention: RETENTION_DAYS after an appeal is delivered or closed, its signers' e-mail
 * addresses and hashed IPs are erased (and pending signatures, which never counted, deleted, as
 * are the outbox's copies of e-mails already sent to those addresses).
 * Names and details stay: they are what the delivered letter showed, so its verification digest
 * still matches. `dryRun` reports what would be removed and changes nothing.
 */
export async function applyRetention(options: { dryRun: boolean; days?: number }): Promise<RetentionReport> {
  const days = options.days ?? env().RETENTION_DAYS;
  const db = getDb();
  const due = await db
    .selectFrom("appeals")
    .select(["id", "slug"])
    .where("status", "in", ["closed", "delivered"])
    .where(sql<boolean>`coalesce(delivered_at, closed_at) <= now() - make_interval(days => ${days})`)
    .execute();
  const report: RetentionReport = { appeals: [], emails: 0, ipHashes: 0, pending: 0, mails: 0 };
  // Copies of the e-mails sent to the appeal's signers (confirmation, updates) hold the
  // addresses too; mails still waiting to be sent are left alone.
  const sentMails = (appealId: number) => (eb: ExpressionBuilder<Database, "outbox">) =>
    eb.and([
      eb("status", "<>", "pending"),
      eb("to_address", "in", eb.selectFrom("signatures").select(sql<string>`email`.as("email")).where("appeal_id", "=", appealId).where("email", "is not", null)),
    ]);
  for (const appeal of due) {
    const counts = await db
      .selectFrom("signatures")
      .select([
        sql<number>`count(*) filter (where email is not null and status <> 'pending')::int`.as("emails"),
        sql<number>`count(*) filter (where ip_hash is not null)::int`.as("ipHashes"),
        sql<number>`count(*) filter (where status = 'pending')::int`.as("pending"),
      ])
      .where("appeal_id", "=", appeal.id)
      .executeTakeFirstOrThrow();
    if (!counts.emails && !counts.ipHashes && !counts.pending) continue;
    const mails = Number((await db.selectFrom("outbox").select((eb) => eb.fn.countAll<number>().as("n")).where(sentMails(appeal.id)).executeTakeFirstOrThrow()).n);
    report.appeals.push({ id: appeal.id, slug: appeal.slug, ...counts, mails });
    report.emails += counts.emails;
    report.ipHashes += counts.ipHashes;
    report.pending += counts.pending;
    report.mails += mails;
    if (options.dryRun) continue;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("outbox").where(sentMails(appeal.id)).execute();
      await trx.deleteFrom("signatures").where("appeal_id", "=", appeal.id).where("status", "=", "pending").execute();
      await trx
        .updateTable("signatures")
        .set({ email: null, email_key: null, ip_hash: null, keep_informed: false })
        .where("appeal_id", "=", appeal.id)
        .where((eb) => eb.or([eb("email", "is not", null), eb("ip_hash", "is not", null)]))
        .execute();
      await trx.deleteFrom("signature_tokens").where("signature_id", "in", (eb) => eb.selectFrom("signatures").select("id").where("appeal_id", "=", appeal.id)).where("purpose", "in", ["confirm", "reject", "unsubscribe"]).execute();
      await trx.updateTable("appeals").set({ retention_done_at: sql`now()` }).where("id", "=", appeal.id).execute();
    });
  }
  return report;
}
