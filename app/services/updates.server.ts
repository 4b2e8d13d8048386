import { sql } from "kysely";
import { getDb, type DB } from "../../db/client";
import { queueMailsFrom } from "../../db/queries/outbox";
import { neutralSender, SENDER_NAME_HEADER } from "../../emails/neutral";
import { UNSUBSCRIBE_PLACEHOLDER, updateEmail, updateMailLang } from "../../emails/update";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { hashToken, isWellFormedToken } from "../utils/tokens.server";
import { appealForMember } from "./access.server";

export interface UpdateInput {
  kind: "update" | "response";
  content: Record<string, { title: string; body: string }>;
}

/** One mail per signer language: what updates.server.ts fans out (the unsubscribe link a placeholder). */
export interface LangMail {
  signerLang: string;
  subject: string;
  html: string;
  text: string;
}

type AppealRow = Awaited<ReturnType<typeof appealForMember>>["appeal"];

/** The appeal's published texts per language (title, summary, body), for the mails' words. */
export async function publishedVersions(appeal: AppealRow, db: DB = getDb()) {
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirstOrThrow();
  return revision.content.versions;
}

/** The languages a signer may have: the interface's, the update's and the appeal's versions. */
export const mailLanguages = (...groups: string[][]) => ["en", "ru", "kk", ...groups.flat()].filter((l, i, all) => all.indexOf(l) === i);

/**
 * The rule every mail to informed signers keeps (updates and responses alike): at most one per
 * appeal per day. Locks the appeal row, so two organizers cannot both pass the check; call it
 * inside the transaction that records the update.
 */
export async function claimDailySlot(trx: DB, appealId: number) {
  await trx.selectFrom("appeals").select("id").where("id", "=", appealId).forUpdate().executeTakeFirst();
  const recent = await trx
    .selectFrom("updates")
    .select("id")
    .where("appeal_id", "=", appealId)
    .where(sql<boolean>`created_at > now() - interval '1 day'`)
    .executeTakeFirst();
  if (recent) throw new AppError("too_many", "updates.tooSoon");
}

/**
 * Queues the mails of update `updateId` for every confirmed signer of the appeal who asked to be
 * kept informed, each in the signer's language (else English), each with a one-click unsubscribe
 * link of their own (a new token per recipient; the link opens the page in the mail's language),
 * and records how many were queued. The fan-out happens inside PostgreSQL (INSERT … SELECT), so a
 * million recipients is one statement. Call it in the transaction that recorded the update.
 */
export async function queueToInformed(trx: DB, appeal: AppealRow, updateId: number, langMails: LangMail[]): Promise<number> {
  const base = env().APP_URL;
  const mails = langMails.map((m) => ({
    ...m,
    // A minimal-data appeal's mails carry the neutral sender name (null: MAIL_FROM's).
    sender: appeal.minimal_data ? (neutralSender(updateMailLang(m.signerLang))[SENDER_NAME_HEADER] ?? null) : null,
  }));
  const fb = mails.find((m) => m.signerLang === "en") ?? mails[0]!;
  const values = sql.join(mails.map((m) => sql`(${m.signerLang}, ${updateMailLang(m.signerLang)}, ${m.subject}, ${m.html}, ${m.text}, ${m.sender}::text)`));
  const result = await sql<{ n: number }>`
    WITH recipients AS (
      SELECT s.id, s.email, s.lang,
             rtrim(translate(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=') AS token
      FROM signatures s
      WHERE s.appeal_id = ${appeal.id} AND s.status = 'confirmed' AND s.keep_informed AND s.email IS NOT NULL
    ), tokens AS (
      INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at)
      SELECT sha256(convert_to(token, 'UTF8')), id, 'unsubscribe', now() + interval '400 days' FROM recipients
    ), mails AS (
      SELECT * FROM (VALUES ${values}) AS m(lang, ui_lang, subject, html, text, sender)
    ), queued AS (
      ${queueMailsFrom(sql`recipients r LEFT JOIN mails m ON m.lang = r.lang`, {
        kind: "update",
        to: sql`r.email`,
        subject: sql`coalesce(m.subject, ${fb.subject})`,
        html: sql`replace(coalesce(m.html, ${fb.html}), ${UNSUBSCRIBE_PLACEHOLDER}, ${`${base}/s/unsubscribe/`} || r.token)`,
        text: sql`replace(coalesce(m.text, ${fb.text}), ${UNSUBSCRIBE_PLACEHOLDER}, ${`${base}/s/unsubscribe/`} || r.token)`,
        headers: sql`jsonb_build_object('List-Unsubscribe', '<' || ${`${base}/s/unsubscribe/`} || r.token || '?lang=' || coalesce(m.ui_lang, 'en') || '>', 'List-Unsubscribe-Post', 'List-Unsubscribe=One-Click')
          || jsonb_strip_nulls(jsonb_build_object(${SENDER_NAME_HEADER}::text, coalesce(m.sender, ${fb.sender}::text)))`,
      })}
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM queued`.execute(trx);
  const n = result.rows[0]?.n ?? 0;
  await trx.updateTable("updates").set({ recipients: n }).where("id", "=", updateId).execute();
  return n;
}

/**
 * Publishes an update (or, without the details of app/services/responses.server.ts, an
 * addressee's response) on the appeal page and queues it, in the same transaction, for every
 * signer who asked to be kept informed — in the signer's language (falling back to the
 * original): the update's text, the appeal's title and the link to its page each in the signer's
 * language where that version exists. At most one per day (claimDailySlot).
 */
export async function publishUpdate(appealId: number, userId: number, input: UpdateInput): Promise<number> {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "draft") throw new AppError("draft", "updates.draft");
  const langs = Object.keys(input.content).filter((l) => input.content[l]?.title && input.content[l]?.body);
  if (!langs.length) throw new AppError("empty", "updates.noText");
  const base = env().APP_URL;
  const versions = await publishedVersions(appeal);
  const fallback = input.content[appeal.original_language]?.title ? appeal.original_language : langs[0]!;
  return getDb()
    .transaction()
    .execute(async (trx) => {
      await claimDailySlot(trx, appeal.id);
      const row = await trx
        .insertInto("updates")
        .values({
          appeal_id: appeal.id,
          kind: input.kind,
          content: JSON.stringify(Object.fromEntries(langs.map((l) => [l, input.content[l]]))),
          created_by: userId,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const mails = mailLanguages(langs, Object.keys(versions)).map((signerLang) => {
        const text = input.content[input.content[signerLang]?.title ? signerLang : fallback]!;
        // The appeal in the signer's language when it has that version, else in its original.
        const appealLang = versions[signerLang]?.title ? signerLang : appeal.original_language;
        const m = updateEmail(signerLang, {
          kind: input.kind,
          appealTitle: versions[appealLang]?.title ?? "",
          title: text.title,
          body: text.body,
          pageUrl: `${base}/appeals/${appeal.slug}?lang=${appealLang}#updates`,
          neutral: appeal.minimal_data,
        });
        return { signerLang, ...m };
      });
      return queueToInformed(trx, appeal, row.id, mails);
    });
}

/** The appeal's updates and responses, newest first, each response with its file (if any). */
export async function updatesOf(appealId: number, db: DB = getDb()) {
  return db
    .selectFrom("updates as u")
    .leftJoin("attachments as f", "f.update_id", "u.id")
    .select([
      "u.id",
      "u.kind",
      "u.content",
      "u.created_at",
      "u.recipients",
      "u.received_on",
      "u.addressee",
      "f.id as file_id",
      "f.filename as file_name",
      "f.content_type as file_type",
      "f.size as file_size",
    ])
    .where("u.appeal_id", "=", appealId)
    .orderBy("u.created_at", "desc")
    .orderBy("u.id", "desc")
    .limit(50)
    .execute();
}

/** One-click unsubscribe: the signer stops receiving updates of that appeal. */
export async function unsubscribe(token: string): Promise<"done" | "invalid"> {
  if (!isWellFormedToken(token)) return "invalid";
  const hash = hashToken(token);
  const row = await getDb()
    .selectFrom("signature_tokens")
    .select(["signature_id"])
    .where("token_hash", "=", hash)
    .where("purpose", "=", "unsubscribe")
    .where(sql<boolean>`expires_at > now()`)
    .executeTakeFirst();
  if (!row) return "invalid";
  // Repeating an unsubscribe is harmless, so this token may be used more than once.
  await getDb().updateTable("signatures").set({ keep_informed: false }).where("id", "=", row.signature_id).execute();
  return "done";
}

/** What an unsubscribe link's page shows: the button, "you are unsubscribed" once done, or "not valid". */
export async function checkUnsubscribe(token: string): Promise<"valid" | "done" | "invalid"> {
  if (!isWellFormedToken(token)) return "invalid";
  const row = await getDb()
    .selectFrom("signature_tokens as t")
    .innerJoin("signatures as s", "s.id", "t.signature_id")
    .select("s.keep_informed")
    .where("t.token_hash", "=", hashToken(token))
    .where("t.purpose", "=", "unsubscribe")
    .executeTakeFirst();
  if (!row) return "invalid";
  return row.keep_informed ? "valid" : "done";
}

export { AppError };
