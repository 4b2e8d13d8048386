import crypto from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import { getDb } from "../../db/client";
import { AppError } from "../utils/errors";
import { appealForMember } from "./access.server";
import { isDiskFull, newKey, putFile, removeFile } from "./storage.server";

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const ALLOWED = new Map([
  ["application/pdf", ".pdf"],
  ["image/png", ".png"],
  ["image/jpeg", ".jpg"],
]);

/** The file's real type, read from its content (the name and the browser's claim are ignored). */
export async function detectType(data: Uint8Array): Promise<string | null> {
  const type = await fileTypeFromBuffer(data);
  return type && ALLOWED.has(type.mime) ? type.mime : null;
}

function safeFilename(name: string, mime: string) {
  const base =
    name
      .normalize("NFC")
      .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, "_")
      .trim()
      .slice(0, 120) || "document";
  const ext = ALLOWED.get(mime) ?? "";
  return base.toLowerCase().endsWith(ext) || (mime === "image/jpeg" && /\.jpe?g$/i.test(base)) ? base : `${base}${ext}`;
}

/**
 * Checks a file (not empty, within MAX_ATTACHMENT_BYTES, a PDF, PNG or JPEG by its content) and
 * stores it under the appeal's folder. Returns the attachments row to insert; the caller inserts
 * it (in its own transaction, for a response's letter) and removes the file if that fails.
 */
export async function storeAttachmentFile(appealId: number, input: { lang: string; filename: string; data: Uint8Array }) {
  if (input.data.byteLength === 0) throw new AppError("empty", "attachment.empty", { field: "file" });
  if (input.data.byteLength > MAX_ATTACHMENT_BYTES) throw new AppError("too_large", "attachment.tooLarge", { field: "file" });
  const mime = await detectType(input.data);
  if (!mime) throw new AppError("bad_request", "attachment.wrongType", { field: "file" });
  const key = newKey(`attachments/${appealId}`, ALLOWED.get(mime) ?? "");
  try {
    await putFile(key, input.data);
  } catch (error) {
    // The server's disk is full: the organizer is told so (their form kept), not a 500.
    if (isDiskFull(error)) throw new AppError("storage_full", "attachment.diskFull", { field: "file" });
    throw error;
  }
  return {
    appeal_id: appealId,
    lang: input.lang,
    filename: safeFilename(input.filename, mime),
    content_type: mime,
    size: input.data.byteLength,
    sha256: crypto.createHash("sha256").update(input.data).digest("hex"),
    storage_key: key,
  };
}

export async function addAttachment(appealId: number, userId: number, input: { lang: string; filename: string; data: Uint8Array }) {
  const { appeal } = await appealForMember(appealId, userId);
  const row = await storeAttachmentFile(appeal.id, input);
  try {
    await getDb().insertInto("attachments").values(row).execute();
  } catch (error) {
    await removeFile(row.storage_key);
    throw error;
  }
}

export async function deleteAttachment(appealId: number, userId: number, attachmentId: number) {
  const { appeal } = await appealForMember(appealId, userId);
  const row = await getDb()
    .deleteFrom("attachments")
    .where("id", "=", attachmentId)
    .where("appeal_id", "=", appeal.id)
    // A response's letter is part of the published response, not a supporting document.
    .where("update_id", "is", null)
    .returning("storage_key")
    .executeTakeFirst();
  if (!row) throw new AppError("not_found");
  await removeFile(row.storage_key);
}

/** A public attachment of a published appeal (or, for organizers, of a draft via preview). */
export async function publicAttachment(slug: string, attachmentId: number) {
  if (!Number.isSafeInteger(attachmentId)) return null;
  return getDb()
    .selectFrom("attachments as f")
    .innerJoin("appeals as a", "a.id", "f.appeal_id")
    .select(["f.filename", "f.content_type", "f.size", "f.storage_key", "a.status", "a.organization_id"])
    .where("a.slug", "=", slug)
    .where("f.id", "=", attachmentId)
    .executeTakeFirst();
}
