import { createMessage, encrypt, enums, readKeys, type Key } from "openpgp";
import { AppError } from "../utils/errors";

/**
 * OpenPGP public keys (an addressee's, the organization's) and the letters encrypted to them.
 *
 * A key is accepted only when it is of use: one public key (a private key is refused, never
 * kept), at most MAX_OPENPGP_KEY_BYTES, not revoked, not expired, and with a key that can
 * encrypt now. What is kept is the key re-armored by openpgp.js (public packets only) and its
 * fingerprint, shown on the dashboard for the organizer to compare with the addressee's.
 *
 * A letter for an addressee with a key is one binary OpenPGP message (`<letter>.pdf.gpg`,
 * `gpg --decrypt` gives back the signed PDF byte for byte) encrypted to the addressee's key and,
 * when the organization has one, to the organization's key too (so it can read and resend it).
 * Keys are checked again when a letter is encrypted: one that expired or was revoked since it
 * was saved is refused with the same messages.
 */

export const MAX_OPENPGP_KEY_BYTES = 64 * 1024;

export interface PublicKeyRecord {
  /** The public key, ASCII-armored by openpgp.js. */
  armored: string;
  /** The primary key's fingerprint, upper-case hex (as gpg prints it). */
  fingerprint: string;
}

export type OpenPgpMessage =
  "openpgp.tooLarge" | "openpgp.unreadable" | "openpgp.several" | "openpgp.private" | "openpgp.revoked" | "openpgp.expired" | "openpgp.cannotEncrypt";

function refuse(message: OpenPgpMessage, field: string): never {
  throw new AppError(message === "openpgp.tooLarge" ? "too_large" : "bad_request", message, { field });
}

const ARMOR = /^\s*-----BEGIN PGP /;

async function parse(input: string | Uint8Array): Promise<Key[]> {
  if (typeof input === "string") return readKeys({ armoredKeys: input });
  const head = Buffer.from(input.subarray(0, 64)).toString("latin1");
  if (ARMOR.test(head)) return readKeys({ armoredKeys: Buffer.from(input).toString("utf8") });
  return readKeys({ binaryKeys: input });
}

/** Why a key cannot take a letter now, or null when it can. */
async function unusable(key: Key, now: Date): Promise<OpenPgpMessage | null> {
  if (await key.isRevoked(undefined, undefined, now)) return "openpgp.revoked";
  const expires = await key.getExpirationTime();
  if (expires instanceof Date && expires.getTime() <= now.getTime()) return "openpgp.expired";
  try {
    await key.getEncryptionKey(undefined, now);
    return null;
  } catch (error) {
    const text = error instanceof Error ? error.message : "";
    if (/revoked/i.test(text)) return "openpgp.revoked";
    if (/expired/i.test(text)) return "openpgp.expired";
    return "openpgp.cannotEncrypt";
  }
}

/**
 * Reads a pasted (armored) or uploaded (armored or binary) public key and checks it can take a
 * letter; throws an AppError on `field` with the message the organizer reads otherwise.
 */
export async function readPublicKey(input: string | Uint8Array, field = "openpgpKey", now = new Date()): Promise<PublicKeyRecord> {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (size > MAX_OPENPGP_KEY_BYTES) refuse("openpgp.tooLarge", field);
  let keys: Key[];
  try {
    keys = await parse(input);
  } catch {
    refuse("openpgp.unreadable", field);
  }
  if (keys.length !== 1 || !keys[0]) refuse(keys.length ? "openpgp.several" : "openpgp.unreadable", field);
  const key = keys[0];
  if (key.isPrivate()) refuse("openpgp.private", field);
  const problem = await unusable(key, now);
  if (problem) refuse(problem, field);
  return { armored: key.armor(), fingerprint: key.getFingerprint().toUpperCase() };
}

/**
 * The key a dashboard form gives (the addressees form, the organization page): `removeKey`
 * checked removes it (null); else an uploaded file (`file`), else the pasted text (`openpgpKey`),
 * read and checked by readPublicKey; nothing given keeps what is saved (undefined).
 */
export async function keyFromForm(formData: FormData, now = new Date()): Promise<PublicKeyRecord | null | undefined> {
  if (formData.get("removeKey") === "on") return null;
  const file = formData.get("file");
  if (file && typeof file !== "string" && file.size > 0) {
    if (file.size > MAX_OPENPGP_KEY_BYTES) refuse("openpgp.tooLarge", "openpgpKey");
    return readPublicKey(new Uint8Array(await file.arrayBuffer()), "openpgpKey", now);
  }
  const text = formData.get("openpgpKey");
  if (typeof text === "string" && text.trim()) return readPublicKey(text.trim(), "openpgpKey", now);
  return undefined;
}

/** Whether every key (armored, as stored) can take a letter now. */
export async function keysUsable(armoredKeys: string[], now = new Date()): Promise<boolean> {
  try {
    await usableKeys(armoredKeys, now);
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

async function usableKeys(armored: string[], now: Date): Promise<Key[]> {
  const keys: Key[] = [];
  for (const text of armored) {
    const [key] = await readKeys({ armoredKeys: text }).catch(() => []);
    const problem = key ? await unusable(key, now) : "openpgp.unreadable";
    if (!key || problem) throw new AppError("conflict", problem ?? "openpgp.unreadable");
    keys.push(key);
  }
  return keys;
}

/**
 * The letter as one binary OpenPGP message to every key given (armored, as stored). Bytes in,
 * bytes out; a stream in (a letter read from storage), a stream out, encrypted as it is read.
 * Uncompressed (a PDF is compressed already): the decrypted bytes are the letter's, unchanged.
 */
export async function encryptLetter(input: Uint8Array, armoredKeys: string[], filename: string, now?: Date): Promise<Uint8Array>;
export async function encryptLetter(
  input: ReadableStream<Uint8Array>,
  armoredKeys: string[],
  filename: string,
  now?: Date,
): Promise<ReadableStream<Uint8Array>>;
export async function encryptLetter(
  input: Uint8Array | ReadableStream<Uint8Array>,
  armoredKeys: string[],
  filename: string,
  now = new Date(),
): Promise<Uint8Array | ReadableStream<Uint8Array>> {
  const encryptionKeys = await usableKeys(armoredKeys, now);
  const config = { preferredCompressionAlgorithm: enums.compression.uncompressed };
  if (input instanceof Uint8Array) {
    const message = await createMessage({ binary: input, filename, format: "binary" });
    return encrypt({ message, encryptionKeys, format: "binary", config, date: now });
  }
  const message = await createMessage({ binary: input, filename, format: "binary" });
  return encrypt({ message, encryptionKeys, format: "binary", config, date: now });
}

/** The file name of an encrypted letter: the PDF's, with `.gpg` (what gpg --decrypt-files expects). */
export function encryptedFileName(pdfName: string): string {
  return `${pdfName}.gpg`;
}
