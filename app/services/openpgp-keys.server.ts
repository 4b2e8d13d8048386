import crypto from "node:crypto";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { getDb } from "../../db/client";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { requireRole } from "./access.server";
import { letterFile, letterFileName } from "./letters.server";
import { encryptedFileName, encryptLetter, type PublicKeyRecord } from "./openpgp.server";
import { newKey, putFile, readFileBuffer, readFileStream } from "./storage.server";

/**
 * The organization's own OpenPGP key (the organization page): letters encrypted for an addressee
 * are encrypted to it too, so the organization can open and resend what it sent. Any member sees
 * its fingerprint; owners set or remove it.
 */
export async function organizationKey(organizationId: number, userId: number): Promise<{ fingerprint: string | null }> {
  await requireRole(organizationId, userId, "member");
  const row = await getDb().selectFrom("organizations").select("openpgp_fingerprint").where("id", "=", organizationId).executeTakeFirst();
  return { fingerprint: row?.openpgp_fingerprint ?? null };
}

export async function setOrganizationKey(organizationId: number, ownerId: number, key: PublicKeyRecord | null): Promise<void> {
  await requireRole(organizationId, ownerId, "owner");
  await getDb()
    .updateTable("organizations")
    .set({ openpgp_key: key?.armored ?? null, openpgp_fingerprint: key?.fingerprint ?? null })
    .where("id", "=", organizationId)
    .execute();
}

/** An encrypted letter, ready to attach to a delivery e-mail (stored beside the letters). */
export async function encryptedLetterAttachment(
  storageKey: string,
  keys: string[],
  pdfName: string,
): Promise<{ filename: string; storageKey: string; contentType: string; size: number }> {
  const encrypted = await encryptLetter(await readFileBuffer(storageKey), keys, pdfName);
  const key = newKey("letters-pgp", ".pdf.gpg");
  await putFile(key, encrypted);
  return { filename: encryptedFileName(pdfName), storageKey: key, contentType: "application/octet-stream", size: encrypted.byteLength };
}

/** The signature of an addressee's encrypted download link (a letter too large to attach). */
function encryptedDownloadSignature(code: string, addresseeId: number) {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`letter-openpgp|${code}|${addresseeId}`).digest("base64url").slice(0, 32);
}

export function encryptedDownloadUrl(base: string, code: string, addresseeId: number) {
  return `${base}/letters/${code}.pdf?for=${addresseeId}&sig=${encryptedDownloadSignature(code, addresseeId)}`;
}

export interface EncryptedDownload {
  filename: string;
  body: ReadableStream<Uint8Array>;
}

/**
 * The letter (a ready letter of the appeal, from storage) encrypted as it is read, to the
 * addressee's key and the organization's: the stream is made only once the keys are checked
 * (a key that expired since it was saved is an AppError, not a broken download).
 */
async function encryptedDownload(
  appealId: number,
  addresseeId: number,
  letter: { storage_key: string; kind: "single" | "combined"; lang: string; code: string },
  slug: string,
): Promise<EncryptedDownload | null> {
  const db = getDb();
  const addressee = await db.selectFrom("addressees").select("openpgp_key").where("id", "=", addresseeId).where("appeal_id", "=", appealId).executeTakeFirst();
  if (!addressee?.openpgp_key) return null;
  const organization = await db
    .selectFrom("appeals")
    .innerJoin("organizations", "organizations.id", "appeals.organization_id")
    .select("organizations.openpgp_key")
    .where("appeals.id", "=", appealId)
    .executeTakeFirst();
  const keys = [addressee.openpgp_key, ...(organization?.openpgp_key ? [organization.openpgp_key] : [])];
  const pdfName = letterFileName(slug, letter);
  const input = createReadableStreamFromReadable(readFileStream(letter.storage_key));
  try {
    const body = await encryptLetter(input, keys, pdfName);
    return { filename: encryptedFileName(pdfName), body };
  } catch (error) {
    await input.cancel().catch(() => undefined);
    throw error;
  }
}

/** For the organizers (the letters tab): their letter, encrypted for one addressee with a key. */
export async function encryptedLetterForMember(appealId: number, userId: number, letterId: number, addresseeId: number) {
  const file = await letterFile(appealId, userId, letterId);
  const download = await encryptedDownload(appealId, addresseeId, file, file.slug);
  if (!download) throw new AppError("not_found");
  return download;
}

/** For the addressee's link (a letter too large to attach): checked by its signature. */
export async function encryptedLetterForSignedDownload(code: string, addresseeIdText: string, signature: string): Promise<EncryptedDownload | null> {
  const addresseeId = Number(addresseeIdText);
  if (!Number.isSafeInteger(addresseeId) || addresseeId <= 0) return null;
  const expected = encryptedDownloadSignature(code, addresseeId);
  if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  const row = await getDb()
    .selectFrom("letters")
    .innerJoin("appeals", "appeals.id", "letters.appeal_id")
    .select(["letters.appeal_id", "letters.storage_key", "letters.kind", "letters.lang", "letters.code", "appeals.slug"])
    .where("letters.code", "=", code)
    .where("letters.status", "=", "ready")
    .executeTakeFirst();
  if (!row?.storage_key) return null;
  return encryptedDownload(row.appeal_id, addresseeId, { ...row, storage_key: row.storage_key }, row.slug);
}
