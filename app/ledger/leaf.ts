import { randomBytes } from "node:crypto";
import { hashLeaf } from "./merkle";

/**
 * One signatory's leaf in the appeal's ledger (app/ledger/merkle.ts): the canonical bytes of what a
 * letter prints for that signer, plus a random 32-byte salt kept per signature, so that a root or a
 * proof tells nothing about who signed to anyone who does not already hold the row and its salt.
 * Specified byte by byte, with test vectors, in docs/verification.md.
 *
 * Version 1 (all lengths big-endian):
 *
 *   0x01                      version
 *   salt                      32 bytes
 *   7 × (u32 length ‖ UTF-8)  name, city, country, organization, position, confirmed, revision
 *
 * Why length-prefixed fields rather than JSON: every byte string decodes one way (no escaping,
 * number or key-order rules to agree on, as RFC 8785 needs), and another implementation is ten
 * lines in any language. Fixed order, no field names: a new field is a new version.
 *
 * The fields are the values the letter's row is drawn from, language-neutral, so every language of
 * every letter of an appeal has the same leaves (and a later letter can prove it extends an earlier
 * one): text as given (NFC; a missing value and an empty one are the same, as the letter prints
 * neither), the country as its ISO 3166 code (trimmed, upper case; the letter prints its name), the
 * confirmation date as the UTC day the letter prints (YYYY-MM-DD), the revision signed in decimal.
 * A name the letter's fonts cannot show is printed transliterated and marked †; the leaf keeps
 * the name as given.
 */

export const LEAF_VERSION = 0x01;
export const SALT_SIZE = 32;

export interface LeafFields {
  name: string;
  city: string | null;
  /** ISO 3166-1 alpha-2 code. */
  country: string | null;
  organization: string | null;
  position: string | null;
  /** The UTC day of confirmation, YYYY-MM-DD. */
  confirmed: string;
  /** The appeal revision signed. */
  revision: number;
}

/** The leaf fields of a signatory row as the letter's data step reads it. */
export function leafFieldsOf(row: {
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  confirmedAt: Date;
  revision: number;
}): LeafFields {
  return {
    name: row.name,
    city: row.city,
    country: row.country,
    organization: row.organization,
    position: row.position,
    confirmed: utcDay(row.confirmedAt),
    revision: row.revision,
  };
}

/** YYYY-MM-DD of `d` in UTC (the day the letter prints; its column heading says UTC). */
export function utcDay(d: Date): string {
  if (!Number.isFinite(d.getTime())) throw new RangeError("an invalid confirmation date");
  return d.toISOString().slice(0, 10);
}

/** A new random salt, made when a signature is confirmed. */
export function newSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_SIZE));
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * False for a string holding a lone surrogate, which UTF-8 would encode as U+FFFD (so two different
 * strings would give one leaf). `isWellFormed` is in every supported Node (V8 11.3+; TypeScript's
 * ES2023 lib does not declare it); it checks without encoding, and a letter checks a million rows.
 */
const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The last day found valid: a letter's rows share few days, and a Date per row is measurable. */
let lastValidDay = "";

function text(v: string | null, what: string): string {
  const s = v ?? "";
  if (!wellFormed(s)) throw new TypeError(`the ${what} is not well-formed Unicode`);
  return s.normalize("NFC");
}

/**
 * The seven field values exactly as the leaf encodes them (NFC, country trimmed and upper-case, the
 * day, the revision in decimal; "" for a missing value): what a letter's ledger.csv lists. Throws on
 * a value that has no canonical form.
 */
function canonical(f: LeafFields): string[] {
  const name = text(f.name, "name");
  if (name === "") throw new TypeError("a leaf needs a name");
  if (f.confirmed !== lastValidDay) {
    const day = DAY.exec(f.confirmed);
    if (!day || utcDayOr(`${f.confirmed}T00:00:00Z`) !== f.confirmed)
      throw new TypeError(`the confirmation day ${JSON.stringify(f.confirmed)} is not YYYY-MM-DD`);
    lastValidDay = f.confirmed;
  }
  if (!Number.isSafeInteger(f.revision) || f.revision < 1) throw new TypeError(`the revision ${f.revision} is not a positive integer`);
  return [
    name,
    text(f.city, "city"),
    text(f.country, "country").trim().toUpperCase(),
    text(f.organization, "organization"),
    text(f.position, "position"),
    f.confirmed,
    String(f.revision),
  ];
}

function utcDayOr(iso: string): string | null {
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 10) : null;
}

/** The leaf's bytes (version 1). */
export function encodeLeaf(fields: LeafFields, salt: Uint8Array): Uint8Array {
  return encodeCanonical(canonical(fields), salt);
}

/** The leaf's bytes from values already canonical (`canonical`): one canonical pass per row. */
function encodeCanonical(values: string[], salt: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_SIZE) throw new TypeError(`a salt is ${SALT_SIZE} bytes`);
  // One allocation and native UTF-8 writes: a letter encodes a leaf per row.
  let size = 1 + SALT_SIZE;
  for (const v of values) size += 4 + Buffer.byteLength(v, "utf8");
  const out = Buffer.allocUnsafe(size); // every byte is written below
  out[0] = LEAF_VERSION;
  out.set(salt, 1);
  let at = 1 + SALT_SIZE;
  for (const v of values) {
    const length = out.write(v, at + 4, "utf8");
    out.writeUInt32BE(length, at);
    at += 4 + length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The leaf's hash in the tree: H(0x00 ‖ encodeLeaf(fields, salt)). */
export function leafHash(fields: LeafFields, salt: Uint8Array): Uint8Array {
  return hashLeaf(encodeLeaf(fields, salt));
}

/** The canonical values (what ledger.csv lists) and the leaf hash of one row, from one canonical pass. */
export function canonicalLeaf(fields: LeafFields, salt: Uint8Array): { values: string[]; hash: Uint8Array } {
  const values = canonical(fields);
  return { values, hash: hashLeaf(encodeCanonical(values, salt)) };
}

/**
 * Reads a version-1 leaf back (a receipt or a list carries the leaf's values; a verifier re-encodes
 * them). Refuses anything that is not exactly the canonical encoding of its values.
 */
export function decodeLeaf(bytes: Uint8Array): { fields: LeafFields; salt: Uint8Array } {
  if (bytes[0] !== LEAF_VERSION) throw new TypeError(`not a version-${LEAF_VERSION} leaf`);
  if (bytes.length < 1 + SALT_SIZE) throw new TypeError("a leaf too short for its salt");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const salt = bytes.slice(1, 1 + SALT_SIZE);
  const values: string[] = [];
  let at = 1 + SALT_SIZE;
  for (let i = 0; i < 7; i++) {
    if (at + 4 > bytes.length) throw new TypeError("a leaf cut short");
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw new TypeError("a leaf cut short");
    values.push(decoder.decode(bytes.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  if (at !== bytes.length) throw new TypeError("bytes after a leaf's last field");
  const [name = "", city = "", country = "", organization = "", position = "", confirmed = "", revision = ""] = values;
  if (!/^[1-9]\d*$/.test(revision)) throw new TypeError("a leaf's revision is not a positive decimal");
  const fields: LeafFields = {
    name,
    city: city || null,
    country: country || null,
    organization: organization || null,
    position: position || null,
    confirmed,
    revision: Number(revision),
  };
  const again = encodeLeaf(fields, salt);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new TypeError("a leaf not in canonical form");
  return { fields, salt };
}
