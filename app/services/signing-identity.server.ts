import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import type pg from "pg";
import { getDb } from "../../db/client";
import type { Database } from "../../db/schema";
import { importPkcs12, Pkcs12Error } from "../pdf/pkcs12.server";
import { certificateFingerprint, createSigningIdentity, parseCertificate, type SigningIdentity } from "../pdf/signing-identity.server";
import { env } from "../utils/env.server";
import { AppError } from "../utils/errors";
import { requireRole } from "./access.server";

/**
 * Each organization's signing identity (the key and certificate its letters are PAdES-signed
 * with, app/pdf/sign.server.ts): made on first use (an ECDSA P-256 key and a self-signed
 * certificate naming the organization), replaced by an owner (rotate, or upload a PKCS#12 from a
 * certification authority). A replaced identity is retired, never deleted: each letter records
 * the fingerprint (and id) of the one it was signed with, and each PDF embeds its certificate, so
 * old letters keep verifying.
 *
 * The private key is encrypted at rest: AES-256-GCM under a key derived (HKDF-SHA256) from
 * SIGNING_KEY_SECRET (app/utils/env.server.ts), which lives outside the database; the row's
 * organization and certificate fingerprint are the GCM associated data, so a key copied to
 * another row does not decrypt. A copy of the database alone cannot sign. The key never appears
 * in a page, a log line, a job row or an error message.
 */

type Db = Kysely<Database>;

/** The upper bound of an uploaded PKCS#12 file (a certificate chain and a key are a few KB). */
export const MAX_PKCS12_BYTES = 64 * 1024;

const FORMAT_V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function aesKey(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", secret, "appeals", "signing-identity private key v1 (aes-256-gcm)", 32));
}

function associatedData(organizationId: number, fingerprint: string): Buffer {
  return Buffer.from(`appeals signing identity|${organizationId}|${fingerprint}`, "utf8");
}

/** `1 | iv (12) | tag (16) | AES-256-GCM(PKCS#8 DER)`. */
export function encryptPrivateKey(key: crypto.KeyObject, secret: string, organizationId: number, fingerprint: string): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", aesKey(secret), iv);
  cipher.setAAD(associatedData(organizationId, fingerprint));
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const sealed = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  pkcs8.fill(0);
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, cipher.getAuthTag(), sealed]);
}

export class SigningKeyError extends Error {}

/** The key back; throws SigningKeyError (naming no secret) when the secret or the row is not the one it was sealed with. */
export function decryptPrivateKey(stored: Uint8Array, secret: string, organizationId: number, fingerprint: string): crypto.KeyObject {
  const blob = Buffer.from(stored);
  if (blob.length <= 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT_V1) throw new SigningKeyError("the stored signing key is not in a known format");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", aesKey(secret), blob.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(associatedData(organizationId, fingerprint));
    decipher.setAuthTag(blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    const pkcs8 = Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    const key = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    pkcs8.fill(0);
    return key;
  } catch {
    throw new SigningKeyError(
      `the signing key of organization ${organizationId} cannot be decrypted: SIGNING_KEY_SECRET is not the secret it was stored with (rotate the organization's certificate, or restore the secret)`,
    );
  }
}

interface IdentityRow {
  id: number;
  organization_id: number;
  certificate: Buffer;
  chain: Buffer[];
  fingerprint: string;
  private_key_encrypted: Buffer;
  source: "generated" | "uploaded";
  created_at: Date;
}

/** A stored identity, its key decrypted. */
export interface ActiveIdentity {
  id: number;
  fingerprint: string;
  source: "generated" | "uploaded";
  createdAt: Date;
  identity: SigningIdentity;
}

function opened(row: IdentityRow, secret: string): ActiveIdentity {
  const organizationId = Number(row.organization_id);
  return {
    id: Number(row.id),
    fingerprint: row.fingerprint,
    source: row.source,
    createdAt: new Date(row.created_at),
    identity: {
      privateKey: decryptPrivateKey(row.private_key_encrypted, secret, organizationId, row.fingerprint),
      certificate: Buffer.from(row.certificate),
      chain: (row.chain ?? []).map((c) => Buffer.from(c)),
    },
  };
}

const COLUMNS = ["id", "organization_id", "certificate", "chain", "fingerprint", "private_key_encrypted", "source", "created_at"] as const;

async function activeRow(db: Db, organizationId: number): Promise<IdentityRow | undefined> {
  return db.selectFrom("signing_identities").select(COLUMNS).where("organization_id", "=", organizationId).where("retired_at", "is", null).executeTakeFirst();
}

function sealedRow(organizationId: number, identity: SigningIdentity, source: "generated" | "uploaded", secret: string) {
  const fingerprint = certificateFingerprint(identity.certificate);
  return {
    organization_id: organizationId,
    certificate: identity.certificate,
    chain: identity.chain,
    fingerprint,
    private_key_encrypted: encryptPrivateKey(identity.privateKey, secret, organizationId, fingerprint),
    source,
  };
}

/** The organization's active identity row, made on first use (see activeSigningIdentity); the key stays sealed. */
async function ensureActiveRow(db: Db, organizationId: number, secret: string): Promise<IdentityRow> {
  const existing = await activeRow(db, organizationId);
  if (existing) return existing;
  const org = await db.selectFrom("organizations").select("name").where("id", "=", organizationId).executeTakeFirst();
  if (!org) throw new AppError("not_found");
  await db
    .insertInto("signing_identities")
    .values(sealedRow(organizationId, createSigningIdentity(org.name), "generated", secret))
    .onConflict((oc) => oc.column("organization_id").where("retired_at", "is", null).doNothing())
    .execute();
  const row = await activeRow(db, organizationId);
  if (!row) throw new Error(`no active signing identity for organization ${organizationId}`);
  return row;
}

/**
 * The organization's active identity, made on first use: a new P-256 key and a self-signed
 * certificate naming the organization. Safe when two processes ask at once (the partial unique
 * index keeps one active row: the loser's insert does nothing, and both read the winner's).
 */
export async function activeSigningIdentity(db: Db, organizationId: number, secret = env().SIGNING_KEY_SECRET): Promise<ActiveIdentity> {
  return opened(await ensureActiveRow(db, organizationId, secret), secret);
}

/** Makes sure the organization of a letter has an identity before the letter is generated (the generator only reads). */
export async function ensureSigningIdentityForLetter(letterId: number): Promise<void> {
  const db = getDb();
  const letter = await db
    .selectFrom("letters as l")
    .innerJoin("appeals as a", "a.id", "l.appeal_id")
    .select("a.organization_id")
    .where("l.id", "=", letterId)
    .executeTakeFirst();
  if (letter) await ensureActiveRow(db, Number(letter.organization_id), env().SIGNING_KEY_SECRET);
}

/**
 * The active identity of a letter's organization, read with the generator's own connection
 * (inside its snapshot) and decrypted where the letter is signed: the app's worker thread or the
 * CLI. The pipeline made it exist first (ensureSigningIdentityForLetter).
 */
export async function letterSigningIdentity(client: pg.ClientBase, letterId: number, secret: string): Promise<ActiveIdentity> {
  const { rows } = await client.query<IdentityRow>(
    `SELECT si.id, si.organization_id, si.certificate, si.chain, si.fingerprint, si.private_key_encrypted, si.source, si.created_at
       FROM letters l JOIN appeals a ON a.id = l.appeal_id
       JOIN signing_identities si ON si.organization_id = a.organization_id AND si.retired_at IS NULL
      WHERE l.id = $1`,
    [letterId],
  );
  const row = rows[0];
  if (!row) throw new Error(`letter ${letterId}: its organization has no signing identity`);
  return opened(row, secret);
}

/** Retires the active identity and makes `next` the active one, in one transaction (the organization's row locked). */
async function replaceIdentity(organizationId: number, next: (name: string) => SigningIdentity, source: "generated" | "uploaded"): Promise<string> {
  const secret = env().SIGNING_KEY_SECRET;
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const org = await trx.selectFrom("organizations").select("name").where("id", "=", organizationId).forUpdate().executeTakeFirst();
      if (!org) throw new AppError("not_found");
      await trx
        .updateTable("signing_identities")
        .set({ retired_at: sql`now()` })
        .where("organization_id", "=", organizationId)
        .where("retired_at", "is", null)
        .execute();
      const row = sealedRow(organizationId, next(org.name), source, secret);
      await trx.insertInto("signing_identities").values(row).execute();
      return row.fingerprint;
    });
}

/** An owner replaces the organization's identity with a newly made one; letters already made keep theirs. Returns the new fingerprint. */
export async function rotateSigningIdentity(organizationId: number, userId: number): Promise<string> {
  await requireRole(organizationId, userId, "owner");
  return replaceIdentity(organizationId, (name) => createSigningIdentity(name), "generated");
}

const PKCS12_PROBLEM = { unreadable: "certificate.badFile", legacy: "certificate.legacy", key: "certificate.noKey" } as const;

/** keyUsage bits (RFC 5280): digitalSignature is bit 0, nonRepudiation (contentCommitment) bit 1. */
function allowsSigning(certificate: Buffer): boolean {
  const extension = parseCertificate(certificate).extensions?.find((e) => e.extnID === "2.5.29.15");
  if (!extension) return true; // no keyUsage: not restricted
  const bits = extension.parsedValue;
  const first = bits && typeof bits === "object" && "valueBlock" in bits ? new Uint8Array(bits.valueBlock.valueHexView)[0] : undefined;
  return first !== undefined && (first & 0xc0) !== 0;
}

/**
 * An owner's PKCS#12 (a CA-issued certificate and its key) becomes the organization's identity.
 * Refused, in the owner's language and without a trace of the passphrase: a file that is not
 * PKCS#12 or a wrong passphrase, an old encryption, no key or no certificate for it, a
 * certificate not valid today or whose key usage does not allow signing, a key that is neither
 * RSA nor ECDSA. Returns the new fingerprint.
 */
export async function uploadPkcs12(organizationId: number, userId: number, file: Uint8Array, passphrase: string, now = new Date()): Promise<string> {
  await requireRole(organizationId, userId, "owner");
  if (file.length === 0) throw new AppError("empty", "certificate.noFile", { field: "file" });
  if (file.length > MAX_PKCS12_BYTES) throw new AppError("too_large", "certificate.tooLarge", { field: "file" });
  let identity: SigningIdentity;
  try {
    identity = await importPkcs12(file, passphrase);
  } catch (error) {
    if (error instanceof Pkcs12Error) throw new AppError("bad_request", PKCS12_PROBLEM[error.problem], { field: "file" });
    throw new AppError("bad_request", "certificate.badFile", { field: "file" });
  }
  const type = identity.privateKey.asymmetricKeyType;
  if (type !== "ec" && type !== "rsa") throw new AppError("bad_request", "certificate.keyType", { field: "file" });
  const certificate = parseCertificate(identity.certificate);
  if (certificate.notBefore.value > now || certificate.notAfter.value < now) throw new AppError("bad_request", "certificate.notValid", { field: "file" });
  if (!allowsSigning(identity.certificate)) throw new AppError("bad_request", "certificate.noSigning", { field: "file" });
  return replaceIdentity(organizationId, () => identity, "uploaded");
}

const NAME_PARTS: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.6": "C" };

/** "CN=…, O=…" (no e-mail address: a page never shows one). */
function nameText(name: ReturnType<typeof parseCertificate>["subject"]): string {
  return name.typesAndValues
    .flatMap((tv) => {
      const label = NAME_PARTS[tv.type];
      const value: unknown = tv.value.valueBlock.value;
      return label && typeof value === "string" ? [`${label}=${value}`] : [];
    })
    .join(", ");
}

/** What the organization page shows an owner of the active certificate (made now if there is none yet). */
export async function signingCertificatePage(organizationId: number, userId: number) {
  await requireRole(organizationId, userId, "owner");
  const active = await ensureActiveRow(getDb(), organizationId, env().SIGNING_KEY_SECRET);
  const certificate = parseCertificate(active.certificate);
  return {
    fingerprint: active.fingerprint,
    subject: nameText(certificate.subject),
    issuer: nameText(certificate.issuer),
    notBefore: certificate.notBefore.value.toISOString(),
    notAfter: certificate.notAfter.value.toISOString(),
    source: active.source,
    since: new Date(active.created_at).toISOString(),
  };
}
