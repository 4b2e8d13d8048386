import { getDb } from "../../db/client";
import type { AddresseeText, RevisionContent } from "../../db/schema";
import { responseEmail } from "../../emails/response";
import { isReceivedDate } from "../schemas/response";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { storeAttachmentFile } from "./attachments.server";
import { removeFile } from "./storage.server";
import { claimDailySlot, mailLanguages, publishedVersions, queueToInformed } from "./updates.server";

/*
 * The institution answers (issue 17, item 8). A response is an update of kind 'response' with
 * who answered, the day it was received and, optionally, the institution's own letter (a scan, a
 * PDF) — so it shares the updates' home: the appeal page, the Atom feed, the one-a-day rule and
 * the mail fan-out to informed signers with their unsubscribe links (updates.server.ts).
 */

export interface ResponseInput {
  /** An addressee of the appeal's published text (its id). */
  addresseeId: number;
  /** YYYY-MM-DD, not in the future. */
  receivedOn: string;
  /** The response's text per language (at least one). */
  content: Record<string, string>;
  file?: { filename: string; data: Uint8Array } | null;
}

/** Who answered, as the page in `lang` names them: "name, institution" (else the original's words). */
export function responseFrom(addressee: Record<string, AddresseeText> | null, lang: string, original: string): string {
  if (!addressee) return "";
  const t = addressee[lang];
  const o = addressee[original] ?? Object.values(addressee)[0];
  const name = t?.name || o?.name || "";
  const institution = t?.institution || o?.institution || "";
  return [name, institution].filter((part, i, all) => part && all.indexOf(part) === i).join(", ");
}

/** The addressees of the appeal's published text, for the form's choice: id and name in `lang`. */
export async function addresseeChoices(appealId: number, userId: number, lang: string) {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.current_revision < 1) return [];
  const revision = await getDb()
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirst();
  return (revision?.content.addressees ?? []).map((a) => ({ id: a.id, label: responseFrom(a.translations, lang, appeal.original_language) || `#${a.id}` }));
}

function publishedAddressee(content: RevisionContent, id: number) {
  return content.addressees.find((a) => a.id === id) ?? null;
}

/**
 * Records an addressee's response: checks and stores the file (if any) first, then in one
 * transaction takes the day's slot (at most one mail a day), records the response and its file,
 * and queues one mail per informed signer, in their language. Returns the response's id and how
 * many mails were queued. If anything fails, nothing is recorded and the file is removed.
 */
export async function recordResponse(appealId: number, userId: number, input: ResponseInput): Promise<{ id: number; recipients: number }> {
  const { appeal } = await appealForMember(appealId, userId);
  if (appeal.status === "draft") throw new AppError("draft", "updates.draft");
  const langs = Object.keys(input.content).filter((l) => input.content[l]);
  if (!langs.length) throw new AppError("empty", "responses.noText");
  if (!isReceivedDate(input.receivedOn)) throw new AppError("bad_request", "responses.badDate", { field: "receivedOn" });
  const db = getDb();
  const revision = await db
    .selectFrom("appeal_revisions")
    .select("content")
    .where("appeal_id", "=", appeal.id)
    .where("number", "=", appeal.current_revision)
    .executeTakeFirstOrThrow();
  const addressee = publishedAddressee(revision.content, input.addresseeId);
  if (!addressee) throw new AppError("bad_request", "responses.noAddressee", { field: "addressee" });
  // The working copy may have dropped that addressee since publication: then only the recorded names remain.
  const live = await db.selectFrom("addressees").select("id").where("id", "=", addressee.id).where("appeal_id", "=", appeal.id).executeTakeFirst();
  const versions = await publishedVersions(appeal);
  const textLang = input.content[appeal.original_language] ? appeal.original_language : langs[0]!;
  const file = input.file ? await storeAttachmentFile(appeal.id, { lang: textLang, filename: input.file.filename, data: input.file.data }) : null;
  const base = env().APP_URL;
  try {
    return await db.transaction().execute(async (trx) => {
      await claimDailySlot(trx, appeal.id);
      const row = await trx
        .insertInto("updates")
        .values({
          appeal_id: appeal.id,
          kind: "response",
          content: JSON.stringify(Object.fromEntries(langs.map((l) => [l, { title: "", body: input.content[l] }]))),
          created_by: userId,
          received_on: input.receivedOn,
          addressee_id: live?.id ?? null,
          addressee: JSON.stringify(addressee.translations),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      if (file)
        await trx
          .insertInto("attachments")
          .values({ ...file, update_id: row.id })
          .execute();
      const mails = mailLanguages(langs, Object.keys(versions)).map((signerLang) => {
        // The appeal (its title, its page, who answered) in the signer's language when it has that version.
        const appealLang = versions[signerLang]?.title ? signerLang : appeal.original_language;
        const m = responseEmail(signerLang, {
          appealTitle: versions[appealLang]?.title ?? "",
          from: responseFrom(addressee.translations, appealLang, appeal.original_language),
          receivedOn: input.receivedOn,
          body: input.content[input.content[signerLang] ? signerLang : textLang]!,
          pageUrl: `${base}/appeals/${appeal.slug}?lang=${appealLang}#update-${row.id}`,
          file: file ? { contentType: file.content_type, size: file.size } : null,
          neutral: appeal.minimal_data,
        });
        return { signerLang, ...m };
      });
      return { id: row.id, recipients: await queueToInformed(trx, appeal, row.id, mails) };
    });
  } catch (error) {
    if (file) await removeFile(file.storage_key);
    throw error;
  }
}
