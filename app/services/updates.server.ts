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

/**
 * Publishes an update (or an addressee's response) on the appeal page and queues it, in the
 * same transaction, for every signer who asked to be kept informed — in the signer's language
 * (falling back to the original): the update's text, the appeal's title and the link to its page
 * each in the signer's language where that version exists, each mail with a one-click
 * unsubscribe link in the same language. At most one per day.
 * The fan-out happens inside PostgreSQL (INSERT … SELECT), so a million recipients is one statement.
 */
export async function publishUpdate(appealId: number, userId: number, input: UpdateInput): Promise<number> {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "draft") throw new AppError("draft", "updates.draft");
  const langs = Object.keys(input.content).filter((l) => input.content[l]?.title && input.content[l]?.body);
  if (!langs.length) throw new AppError("empty", "updates.noText");
  const db = getDb();
  const base = env().APP_URL;
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirstOrThrow();
  const fallback = input.content[appeal.original_language]?.title ? appeal.original_language : langs[0]!;
  return db.transaction().execute(async (trx) => {
    // One per appeal per day: lock the appeal row so two organizers cannot both pass the check.
    await trx.selectFrom("appeals").select("id").where("id", "=", appeal.id).forUpdate().executeTakeFirst();
    const recent = await trx
      .selectFrom("updates")
      .select("id")
      .where("appeal_id", "=", appeal.id)
      .where(sql<boolean>`created_at > now() - interval '1 day'`)
      .executeTakeFirst();
    if (recent) throw new AppError("too_many", "updates.tooSoon");
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
    // Mail per language: [signer language, subject, html, text].
    const versions = revision.content.versions;
    const mails = ["en", "ru", "kk", ...langs, ...Object.keys(versions)]
      .filter((l, i, all) => all.indexOf(l) === i)
      .map((signerLang) => {
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
        // A minimal-data appeal's mails carry the neutral sender name (null: MAIL_FROM's).
        const sender = appeal.minimal_data ? (neutralSender(updateMailLang(signerLang))[SENDER_NAME_HEADER] ?? null) : null;
        return { signerLang, ...m, sender };
      });
    const fb = mails.find((m) => m.signerLang === "en")!;
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
    await trx.updateTable("updates").set({ recipients: n }).where("id", "=", row.id).execute();
    return n;
  });
}

export async function updatesOf(appealId: number, db: DB = getDb()) {
  return db
    .selectFrom("updates")
    .select(["id", "kind", "content", "created_at", "recipients"])
    .where("appeal_id", "=", appealId)
    .orderBy("created_at", "desc")
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
