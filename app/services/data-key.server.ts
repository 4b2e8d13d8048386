/**
 * Encryption at rest (issue 14): what a copy of the database must not reveal — e-mail addresses
 * and the names of signers who chose "do not show me publicly" — is stored sealed with
 * AES-256-GCM under DATA_KEY, a key that is never in the database.
 *
 *  - A sealed value is text: `s1:<key id>:<base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag)>`.
 *    The key id (8 hex digits of a hash of the key) says which key sealed the row, so keys can
 *    be rotated: a new DATA_KEY, the old ones in DATA_KEY_PREVIOUS until `npm run data-key --
 *    rotate` has sealed every row again under the new one.
 *  - The purpose ("email", "name", "mail") is authenticated with the value: a sealed address
 *    cannot be moved into a name's place, and vice versa.
 *  - Duplicate detection and look-ups use a keyed hash (HMAC-SHA256) of the normalised address
 *    (emailKey), never the address: emailLookup. During a rotation a look-up tries every key's
 *    hash (emailLookups).
 *  - A value that is not sealed (written before encryption, or by hand) is read as it is; the
 *    rotation seals it.
 *  - A long value (a mail's HTML and text: COMPRESS_FROM bytes or more) is deflated before it is
 *    sealed: ciphertext does not compress, so without this every queued mail took twice the bytes
 *    in the outbox and its WAL that PostgreSQL's own compression leaves of plain HTML (bench:sign
 *    prints both). Its plaintext then starts with the byte 0xFF, which no UTF-8 text does, so the
 *    mark needs no change of format and is authenticated with the rest.
 *
 * Subkeys are derived with HKDF, one for sealing and one for look-ups, so the look-up hash
 * reveals nothing about the sealing key.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { decodeDataKey, env } from "../utils/env.server";
import { randomBytes } from "../utils/random.server";
import { emailKey } from "./email-key";

export { decodeDataKey };

export type SealPurpose = "email" | "name" | "mail";

export interface DataKey {
  /** 8 hex digits naming the key in every value it sealed. */
  id: string;
  sealKey: Buffer;
  lookupKey: Buffer;
}

export interface Keyring {
  /** Seals every new value. */
  current: DataKey;
  /** Every key a value may be sealed under: the current one first, then DATA_KEY_PREVIOUS. */
  all: DataKey[];
}

const SEALED = /^s1:([0-9a-f]{8}):([A-Za-z0-9_-]{38,})$/;

function dataKey(raw: Buffer): DataKey {
  const derive = (info: string) => Buffer.from(crypto.hkdfSync("sha256", raw, "", info, 32));
  return {
    id: crypto.createHash("sha256").update("appeals data key id v1\0").update(raw).digest("hex").slice(0, 8),
    sealKey: derive("appeals data key: seal v1"),
    lookupKey: derive("appeals data key: e-mail look-up v1"),
  };
}

/** A keyring from DATA_KEY and DATA_KEY_PREVIOUS's keys (base64 each; throws on a malformed one). */
export function keyringFrom(current: string, previous: readonly string[] = []): Keyring {
  const decode = (text: string, name: string) => {
    const raw = decodeDataKey(text);
    if (!raw) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32)`);
    return dataKey(raw);
  };
  const first = decode(current, "DATA_KEY");
  const rest = previous.map((k) => decode(k, "DATA_KEY_PREVIOUS")).filter((k) => k.id !== first.id);
  return { current: first, all: [first, ...rest] };
}

/** The file a development or test process keeps its generated key in, under DATA_DIR. */
export function dataKeyFile(dataDir: string): string {
  return path.join(dataDir, "data-key");
}

/**
 * DATA_KEY outside production when it is not set: read from DATA_DIR/data-key, or made there
 * (32 random bytes, mode 0600) and said so. Production requires DATA_KEY (env.server.ts).
 */
export function developmentDataKey(dataDir: string, log: (line: string) => void = (line) => console.error(line)): string {
  const file = dataKeyFile(dataDir);
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32).toString("base64");
  try {
    // wx: two processes starting at once keep the first one's key.
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    log(`DATA_KEY is not set: made one in ${file} (development only; set DATA_KEY in production and keep it apart from the database)`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
}

let cached: { source: object; ring: Keyring } | null = null;

/** This process's keyring, from its configuration (env()). */
export function keyring(): Keyring {
  const config = env();
  if (cached?.source === config) return cached.ring;
  const current = config.DATA_KEY || developmentDataKey(config.DATA_DIR);
  const ring = keyringFrom(current, config.DATA_KEY_PREVIOUS);
  cached = { source: config, ring };
  return ring;
}

/** BENCH_PLAINTEXT_AT_REST (bench:sign, never in production): nothing sealed, look-ups unkeyed, as before encryption. */
const plaintextAtRest = () => env().BENCH_PLAINTEXT_AT_REST;

/**
 * Values this long (UTF-8 bytes) or longer are deflated before sealing. A queued confirmation
 * (its template and values, 0.5–1.5 KB, mostly random link tokens) stays below it: deflating it
 * saved little and cost 30–60 µs a signature, zlib's state set up for each value (issue 16).
 */
export const COMPRESS_FROM = 2048;
/** The first plaintext byte of a deflated value (never the first byte of UTF-8 text). */
const DEFLATED = 0xff;
/** The most a deflated value may inflate to: a mail in the outbox is far smaller. */
const MAX_INFLATED = 16 * 1024 * 1024;

/** Seals `plain` under the current key. */
export function seal(plain: string, purpose: SealPurpose, ring: Keyring = keyring()): string {
  if (plaintextAtRest()) return plain;
  const bytes = Buffer.from(plain, "utf8");
  const content = bytes.length < COMPRESS_FROM ? [bytes] : [Buffer.of(DEFLATED), zlib.deflateRawSync(bytes)];
  const iv = randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", ring.current.sealKey, iv);
  cipher.setAAD(Buffer.from(`${purpose}\0${ring.current.id}`));
  const body = Buffer.concat([iv, ...content.map((part) => cipher.update(part)), cipher.final(), cipher.getAuthTag()]);
  return `s1:${ring.current.id}:${body.toString("base64url")}`;
}

/** A value as stored: sealed (and under which key id), or not. */
export function sealedKeyId(stored: string): string | null {
  return SEALED.exec(stored)?.[1] ?? null;
}

/**
 * The plaintext of a stored value. A value that is not sealed is returned as it is; one sealed
 * under a key this process does not have, or altered, throws (never a wrong value).
 */
export function open(stored: string, purpose: SealPurpose, ring: Keyring = keyring()): string {
  const match = SEALED.exec(stored);
  if (!match) return stored;
  const [, id, encoded] = match;
  const key = ring.all.find((k) => k.id === id);
  if (!key) throw new Error(`a value is sealed under data key ${id}, which is neither DATA_KEY nor in DATA_KEY_PREVIOUS`);
  const body = Buffer.from(encoded!, "base64url");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key.sealKey, body.subarray(0, 12));
  decipher.setAAD(Buffer.from(`${purpose}\0${id}`));
  decipher.setAuthTag(body.subarray(body.length - 16));
  const plain = Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]);
  if (plain[0] === DEFLATED) return zlib.inflateRawSync(plain.subarray(1), { maxOutputLength: MAX_INFLATED }).toString("utf8");
  return plain.toString("utf8");
}

/** open() for a nullable column. */
export function openNullable(stored: string | null, purpose: SealPurpose, ring: Keyring = keyring()): string | null {
  return stored === null ? null : open(stored, purpose, ring);
}

function lookup(address: string, key: DataKey): string {
  return crypto.createHmac("sha256", key.lookupKey).update(emailKey(address)).digest("base64url");
}

/** The keyed hash an address is found and counted once by (signatures.email_key), under the current key. */
export function emailLookup(address: string, ring: Keyring = keyring()): string {
  if (plaintextAtRest()) return emailKey(address);
  return lookup(address, ring.current);
}

/** The address's keyed hash under every key, the current one first: a look-up during a rotation. */
export function emailLookups(address: string, ring: Keyring = keyring()): string[] {
  if (plaintextAtRest()) return [emailKey(address)];
  return ring.all.map((k) => lookup(address, k));
}
