import { sql, type Kysely } from "kysely";
import { getDb } from "../../db/client";
import { addresseesOf, attachmentsOf } from "../../db/queries/appeals";
import { enqueueMail } from "../../db/queries/outbox";
import type { Database, OutboxAttachment } from "../../db/schema";
import { deliveryEmail } from "../../emails/delivery";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { readIntent, signIntent } from "../utils/intent.server";
import { appealForMember } from "./access.server";
import { letterDownloadSignature, letterFileName, letterLanguages, MAX_ATTACHED_LETTER_BYTES } from "./letters.server";
import { encryptedDownloadUrl, encryptedLetterAttachment } from "./openpgp-keys.server";
import { keysUsable } from "./openpgp.server";

/**
 * Sending the letters to the addressees, in two steps that work without JavaScript: `reviewDelivery`
 * computes what would happen (which letter goes to whom, that the appeal closes) and signs it
 * into a short-lived intent (app/utils/intent.server.ts); `deliver` does exactly that, once.
 *
 * Each addressee receives the ready letter of the current revision in their letter language (set
 * on the addressees tab; the original's by default). A letter already sent to an addressee is
 * never sent again by `deliver` — a repeated POST (a double click, the back button) sends
 * nothing — only by the separate, confirmed `resend`, which says when it was sent before.
 */

/** What one delivery e-mail may carry in attachments (letter + supporting documents), before base64. */
export const MAX_MAIL_ATTACHMENT_BYTES = 12 * 1024 * 1024;

type Db = Kysely<Database>;

export interface PlanRow {
  addresseeId: number;
  /** The addressee's name in the original language (as the dashboard lists them). */
  addressee: string;
  lang: string;
  letter: { id: number; code: string; revision: number; count: number } | null;
  /** When this letter last went to this addressee (ISO), if it did. */
  sentAt: string | null;
}

export type PlanProblem = "delivery.noContact" | "letters.noEmailAddressees" | "delivery.missingLetter" | "delivery.nothingToSend" | "openpgp.keyUnusable";

async function loadContext(db: Db, appealId: number) {
  const appeal = await db.selectFrom("appeals").selectAll().where("id", "=", appealId).executeTakeFirstOrThrow();
  const organization = await db
    .selectFrom("organizations")
    .select(["name", "contact_email", "openpgp_key"])
    .where("id", "=", appeal.organization_id)
    .executeTakeFirstOrThrow();
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirst();
  const languages = revision ? letterLanguages(appeal.original_language, revision.content.versions) : [appeal.original_language];
  return { appeal, organization, languages };
}

/** The newest delivery of each (addressee, letter) pair of the appeal. */
async function lastDeliveries(db: Db, appealId: number) {
  const rows = await db
    .selectFrom("deliveries")
    .select(["id", "addressee_id", "letter_id", "created_at"])
    .where("appeal_id", "=", appealId)
    .orderBy("id", "desc")
    .execute();
  const last = new Map<string, { id: number; created_at: Date }>();
  for (const r of rows) if (!last.has(`${r.addressee_id}:${r.letter_id}`)) last.set(`${r.addressee_id}:${r.letter_id}`, r);
  return last;
}

/** Who gets which letter, computed now; nothing is written. */
async function computePlan(db: Db, appealId: number) {
  const ctx = await loadContext(db, appealId);
  const { appeal, organization, languages } = ctx;
  const [addressees, letters, last] = await Promise.all([
    addresseesOf(db, appeal.id),
    db
      .selectFrom("letters")
      .select(["id", "code", "lang", "revision", "count"])
      .where("appeal_id", "=", appeal.id)
      .where("kind", "=", "single")
      .where("status", "=", "ready")
      .where("revision", "=", appeal.current_revision)
      .orderBy("id", "desc")
      .execute(),
    lastDeliveries(db, appeal.id),
  ]);
  const rows: PlanRow[] = addressees
    .filter((a) => a.email)
    .map((a) => {
      const lang = a.letter_language && languages.includes(a.letter_language) ? a.letter_language : appeal.original_language;
      const letter = letters.find((l) => l.lang === lang) ?? null;
      const sent = letter ? last.get(`${a.id}:${letter.id}`) : undefined;
      return {
        addresseeId: a.id,
        addressee: a.translations[appeal.original_language]?.name ?? "",
        lang,
        letter,
        sentAt: sent ? new Date(sent.created_at).toISOString() : null,
      };
    });
  const problems: PlanProblem[] = [];
  if (!organization.contact_email) problems.push("delivery.noContact");
  if (!rows.length) problems.push("letters.noEmailAddressees");
  const missing = [...new Set(rows.filter((r) => !r.letter).map((r) => r.lang))];
  if (missing.length) problems.push("delivery.missingLetter");
  const toSend = rows.filter((r) => r.letter && !r.sentAt);
  if (rows.length && !missing.length && !toSend.length) problems.push("delivery.nothingToSend");
  // A key that expired or was revoked since it was saved: said before sending, not at the send.
  const keys = toSend.flatMap((r) => addressees.find((a) => a.id === r.addresseeId)?.openpgp_key ?? []);
  if (keys.length && !(await keysUsable(organization.openpgp_key ? [...keys, organization.openpgp_key] : keys))) problems.push("openpgp.keyUnusable");
  return { ...ctx, rows, problems, missing, toSend };
}

/**
 * The confirmation page's content: every addressee with an address, the language and letter
 * they get (or that it is missing, or was sent before and when), whether the appeal closes, where
 * replies go; and, when it can go ahead, the signed intent the confirm button carries.
 */
export async function reviewDelivery(appealId: number, userId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "draft") throw new AppError("draft", "letters.draft");
  const plan = await computePlan(getDb(), appeal.id);
  const token = plan.problems.length
    ? null
    : signIntent({ action: "deliver", appealId: appeal.id, userId, data: plan.toSend.map((r) => [r.addresseeId, r.letter?.id ?? 0]) });
  return {
    closes: appeal.status === "published",
    organization: plan.organization.name,
    contact: plan.organization.contact_email,
    rows: plan.rows,
    missing: plan.missing,
    problems: plan.problems,
    count: plan.toSend.length,
    token,
  };
}

interface SendContext {
  appeal: { id: number; slug: string; original_language: string };
  organization: { name: string; contact_email: string };
  /** The organization's OpenPGP key (armored): letters encrypted for an addressee are encrypted to it too. */
  organizationKey: string | null;
  userId: number;
  base: string;
  documents: Array<{ id: number; lang: string; filename: string; content_type: string; size: number; storage_key: string }>;
}

/** Queues one delivery e-mail (in the caller's transaction) and records the delivery. */
async function enqueueDelivery(
  trx: Db,
  ctx: SendContext,
  addressee: {
    id: number;
    email: string;
    translations: Record<string, { name: string } | undefined>;
    openpgp_key?: string | null;
    openpgp_fingerprint?: string | null;
  },
  letter: {
    id: number;
    code: string;
    lang: string;
    kind: "single" | "combined";
    revision: number;
    count: number;
    size: number | null;
    storage_key: string | null;
  },
) {
  const revision = await trx
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", ctx.appeal.id)
    .where("number", "=", letter.revision)
    .executeTakeFirstOrThrow();
  const title = revision.content.versions[letter.lang]?.title ?? "";
  const attachLetter = (letter.size ?? 0) <= MAX_ATTACHED_LETTER_BYTES && !!letter.storage_key;
  // An addressee with an OpenPGP key gets the letter encrypted to their key (and the
  // organization's), never the plain PDF: attached as <letter>.pdf.gpg, or, too large, linked to
  // an encrypted download (app/services/openpgp-keys.server.ts).
  const keys = addressee.openpgp_key ? [addressee.openpgp_key, ...(ctx.organizationKey ? [ctx.organizationKey] : [])] : null;
  const plainName = letterFileName(ctx.appeal.slug, letter);
  const letterAttachment = !attachLetter
    ? null
    : keys
      ? await encryptedLetterAttachment(letter.storage_key ?? "", keys, plainName)
      : { filename: plainName, storageKey: letter.storage_key ?? "", contentType: "application/pdf", size: letter.size ?? 0 };
  const attachments: OutboxAttachment[] = letterAttachment
    ? [{ filename: letterAttachment.filename, storageKey: letterAttachment.storageKey, contentType: letterAttachment.contentType }]
    : [];
  let room = MAX_MAIL_ATTACHMENT_BYTES - (letterAttachment?.size ?? 0);
  const documents: string[] = [];
  const documentLinks: Array<{ name: string; url: string }> = [];
  // The supporting documents in the letter's language: attached while they fit, else linked.
  for (const d of ctx.documents.filter((d) => d.lang === letter.lang)) {
    if (d.size <= room) {
      room -= d.size;
      attachments.push({ filename: d.filename, storageKey: d.storage_key, contentType: d.content_type });
      documents.push(d.filename);
    } else {
      documentLinks.push({ name: d.filename, url: `${ctx.base}/appeals/${ctx.appeal.slug}/attachments/${d.id}` });
    }
  }
  const t = addressee.translations[letter.lang] ?? addressee.translations[ctx.appeal.original_language];
  // The certificate the letter is signed with, for the addressee to compare with their PDF reader.
  const signer = await trx.selectFrom("letters").select("signer_fingerprint").where("id", "=", letter.id).executeTakeFirst();
  const content = deliveryEmail(letter.lang, {
    addressee: t?.name ?? "",
    organization: ctx.organization.name,
    contact: ctx.organization.contact_email,
    title,
    count: letter.count,
    code: letter.code,
    verifyUrl: `${ctx.base}/verify/${letter.code}`,
    downloadUrl: attachLetter
      ? null
      : keys
        ? encryptedDownloadUrl(ctx.base, letter.code, addressee.id)
        : `${ctx.base}/letters/${letter.code}.pdf?sig=${letterDownloadSignature(letter.code)}`,
    documents,
    documentLinks,
    signerFingerprint: signer?.signer_fingerprint ?? null,
    encryptedTo: keys ? (addressee.openpgp_fingerprint ?? null) : null,
  });
  const outboxId = await enqueueMail(trx, { kind: "delivery", to: addressee.email, ...content, attachments });
  await trx
    .insertInto("deliveries")
    .values({ appeal_id: ctx.appeal.id, letter_id: letter.id, addressee_id: addressee.id, outbox_id: outboxId, created_by: ctx.userId })
    .execute();
}

/**
 * Under the appeal's row lock (so two clicks at once are serialised, and the second sees the
 * first's deliveries): the context of a send, or an error when it cannot go ahead.
 */
async function lockForSending(trx: Db, appealId: number, userId: number): Promise<SendContext> {
  const appeal = await trx
    .selectFrom("appeals")
    .select(["id", "slug", "original_language", "status", "organization_id"])
    .where("id", "=", appealId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (appeal.status === "draft") throw new AppError("draft", "letters.draft");
  const organization = await trx
    .selectFrom("organizations")
    .select(["name", "contact_email", "openpgp_key"])
    .where("id", "=", appeal.organization_id)
    .executeTakeFirstOrThrow();
  if (!organization.contact_email) throw new AppError("bad_request", "delivery.noContact");
  return {
    appeal,
    organization: { name: organization.name, contact_email: organization.contact_email },
    organizationKey: organization.openpgp_key,
    userId,
    base: env().APP_URL,
    documents: await attachmentsOf(trx, appeal.id),
  };
}

async function pairsToRows(trx: Db, appealId: number, addresseeIds: number[], letterIds: number[]) {
  const [addressees, letters] = await Promise.all([
    addresseeIds.length ? trx.selectFrom("addressees").selectAll().where("appeal_id", "=", appealId).where("id", "in", addresseeIds).execute() : [],
    letterIds.length
      ? trx.selectFrom("letters").selectAll().where("appeal_id", "=", appealId).where("id", "in", letterIds).where("status", "=", "ready").execute()
      : [],
  ]);
  return { addressees, letters };
}

/**
 * Sends what the organizer confirmed (the intent from `reviewDelivery`), each letter to each
 * addressee at most once, and marks the appeal delivered (closing it). Returns how many e-mails
 * were queued now and how many pairs had been sent already (a repeated POST queues none).
 */
export async function deliver(appealId: number, userId: number, token: unknown): Promise<{ sent: number; skipped: number }> {
  const { appeal } = await appealForMember(appealId, userId);
  const intent = readIntent(token, { action: "deliver", appealId: appeal.id, userId });
  if (!intent) throw new AppError("conflict", "delivery.expired");
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const ctx = await lockForSending(trx, appeal.id, userId);
      const pairs = intent.data.filter((p) => p.length === 2);
      const { addressees, letters } = await pairsToRows(
        trx,
        appeal.id,
        pairs.map((p) => p[0]!),
        pairs.map((p) => p[1]!),
      );
      const last = await lastDeliveries(trx, appeal.id);
      let sent = 0;
      let skipped = 0;
      for (const [addresseeId, letterId] of pairs) {
        const a = addressees.find((x) => x.id === addresseeId);
        const l = letters.find((x) => x.id === letterId);
        if (last.has(`${addresseeId}:${letterId}`)) {
          skipped++;
          continue;
        }
        if (!a?.email || !l) continue; // removed, or its address erased, since the confirmation
        await enqueueDelivery(trx, ctx, { ...a, email: a.email }, l);
        sent++;
      }
      if (sent > 0) {
        await trx
          .updateTable("appeals")
          .set({ status: "delivered", delivered_at: sql`coalesce(delivered_at, now())`, closed_at: sql`coalesce(closed_at, now())`, updated_at: sql`now()` })
          .where("id", "=", appeal.id)
          .execute();
      }
      return { sent, skipped };
    });
}

/** The confirmation of a re-send: which letter, to whom, when it went before; and its intent. */
export async function reviewResend(appealId: number, userId: number, deliveryId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  const db = getDb();
  const delivery = await db
    .selectFrom("deliveries")
    .select(["addressee_id", "letter_id"])
    .where("id", "=", deliveryId)
    .where("appeal_id", "=", appeal.id)
    .executeTakeFirst();
  if (!delivery?.addressee_id) throw new AppError("not_found");
  const last = (await lastDeliveries(db, appeal.id)).get(`${delivery.addressee_id}:${delivery.letter_id}`);
  const addressee = await db.selectFrom("addressees").select(["translations", "email"]).where("id", "=", delivery.addressee_id).executeTakeFirst();
  const letter = await db.selectFrom("letters").select(["code", "lang"]).where("id", "=", delivery.letter_id).executeTakeFirstOrThrow();
  if (!last || !addressee?.email) throw new AppError("not_found");
  return {
    addressee: addressee.translations[appeal.original_language]?.name ?? "",
    code: letter.code,
    lang: letter.lang,
    sentAt: new Date(last.created_at).toISOString(),
    token: signIntent({ action: "resend", appealId: appeal.id, userId, data: [[delivery.addressee_id, delivery.letter_id, last.id]] }),
  };
}

/**
 * Sends a letter again to an addressee, as confirmed. Only if nothing was sent to them since the
 * confirmation page was shown: a second click of the same confirmation sends nothing more.
 */
export async function resend(appealId: number, userId: number, token: unknown): Promise<{ sent: number }> {
  const { appeal } = await appealForMember(appealId, userId);
  const intent = readIntent(token, { action: "resend", appealId: appeal.id, userId });
  const [addresseeId, letterId, lastId] = intent?.data[0] ?? [];
  if (!intent || addresseeId === undefined || letterId === undefined || lastId === undefined) throw new AppError("conflict", "delivery.expired");
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const ctx = await lockForSending(trx, appeal.id, userId);
      const last = (await lastDeliveries(trx, appeal.id)).get(`${addresseeId}:${letterId}`);
      if (last?.id !== lastId) return { sent: 0 };
      const { addressees, letters } = await pairsToRows(trx, appeal.id, [addresseeId], [letterId]);
      const a = addressees[0];
      const l = letters[0];
      if (!a?.email || !l) return { sent: 0 };
      await enqueueDelivery(trx, ctx, { ...a, email: a.email }, l);
      return { sent: 1 };
    });
}
