import crypto from "node:crypto";
import { getDb } from "../../db/client";
import { cadesDetachedSignature } from "../pdf/cades.server";
import { normaliseCode } from "../utils/codes";
import { requestTranslator } from "../utils/lang.server";
import { ledgerFacts, revocationStatement } from "./ledger.server";
import { activeSigningIdentity } from "./signing-identity.server";

/**
 * The signed revocation list of a letter (/verify/<code>/revocations and …/revocations.p7s): the
 * statement of app/services/ledger.server.ts `revocationStatement` over EVERY revoked leaf, and a
 * detached CMS (CAdES) signature over its bytes.
 *
 * Which certificate signs: the organization's ACTIVE signing identity at the time of signing —
 * after a rotation, the new one, not the one that signed the letter's PDF (a retired key is not
 * used again). The statement names both (`letter-signer`, `signer`), so a reader sees whether
 * they differ and can compare each with the organization's published fingerprints.
 *
 * Signing decrypts the organization's key, so each signed statement is kept in memory per
 * (letter, number of revocations, signing certificate): a flood of requests signs once, and the
 * text and the signature served for one entry are the same bytes, with one `as-of` (the moment
 * that entry was signed). A new revocation or a rotation makes a new entry. The cache is bounded
 * (entries and bytes; the oldest go first). If an entry is dropped between fetching the text and
 * the signature, the two carry different `as-of` lines and do not verify together: fetch both again.
 */

/** Above this many revoked entries the list is not signed (refused with a clear answer): ~30 bytes a line, ~3 MB. */
export const REVOCATIONS_SIGNED_MAX = 100_000;
const CACHE_ENTRIES = 256;
const CACHE_BYTES = 64 * 1024 * 1024;

export interface SignedRevocations {
  statement: Buffer;
  signature: Buffer;
  signer: string;
  asOf: Date;
}

export type RevocationsResult =
  { ok: true; signed: SignedRevocations } | { ok: false; reason: "not_found" } | { ok: false; reason: "too_many"; total: number; max: number };

class TooManyRevocations extends Error {
  constructor(readonly total: number) {
    super(`too many revocations (${total})`);
  }
}

const cache = new Map<string, Promise<SignedRevocations>>();
const sizes = new Map<string, number>();
let cachedBytes = 0;

/** For tests: forget every signed statement. */
export function resetRevocationsCache() {
  cache.clear();
  sizes.clear();
  cachedBytes = 0;
}

function drop(key: string) {
  cache.delete(key);
  cachedBytes -= sizes.get(key) ?? 0;
  sizes.delete(key);
}

function remember(key: string, signed: SignedRevocations) {
  if (!cache.has(key)) return;
  const bytes = signed.statement.length + signed.signature.length;
  sizes.set(key, bytes);
  cachedBytes += bytes;
  for (const oldest of cache.keys()) {
    if (cache.size <= CACHE_ENTRIES && cachedBytes <= CACHE_BYTES) break;
    if (oldest === key) continue;
    drop(oldest);
  }
}

/** The signed revocation list of a ready letter with a ledger; not_found otherwise (unknown code, or a letter made before the ledger). */
export async function signedRevocations(codeInput: string, max = REVOCATIONS_SIGNED_MAX): Promise<RevocationsResult> {
  const code = normaliseCode(codeInput);
  if (!code) return { ok: false, reason: "not_found" };
  const db = getDb();
  const letter = await db
    .selectFrom("letters as l")
    .innerJoin("appeals as a", "a.id", "l.appeal_id")
    .leftJoin("signing_identities as si", (j) => j.onRef("si.organization_id", "=", "a.organization_id").on("si.retired_at", "is", null))
    .select([
      "l.id",
      "l.code",
      "l.count",
      "l.tree_size",
      "l.created_at",
      "l.started_at",
      "l.signer_fingerprint",
      "a.id as appealId",
      "a.organization_id",
      "si.fingerprint",
    ])
    .where("l.code", "=", code)
    .where("l.status", "=", "ready")
    .executeTakeFirst();
  if (!letter || letter.tree_size === null) return { ok: false, reason: "not_found" };
  // The same cut-off as ledgerFacts: leaves of the letter withdrawn after its generation started.
  const counted = await db
    .selectFrom("ledger_leaves")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("appeal_id", "=", letter.appealId)
    .where("leaf_index", "<", letter.tree_size)
    .where("withdrawn_at", ">", letter.started_at ?? letter.created_at)
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  if (total > max) return { ok: false, reason: "too_many", total, max };

  const key = `${letter.id}:${total}:${letter.fingerprint ?? "-"}`;
  let entry = cache.get(key);
  if (entry) {
    // Most recently used last: the oldest are dropped first.
    cache.delete(key);
    cache.set(key, entry);
  } else {
    entry = sign(
      letter.code,
      { id: letter.id, appealId: letter.appealId, count: letter.count },
      Number(letter.organization_id),
      letter.signer_fingerprint,
      max,
    );
    cache.set(key, entry);
    entry.then(
      (signed) => remember(key, signed),
      () => drop(key),
    );
  }
  try {
    return { ok: true, signed: await entry };
  } catch (error) {
    if (error instanceof TooManyRevocations) return { ok: false, reason: "too_many", total: error.total, max };
    throw error;
  }
}

async function sign(
  code: string,
  letter: { id: number; appealId: number; count: number },
  organizationId: number,
  letterSigner: string | null,
  max: number,
): Promise<SignedRevocations> {
  const facts = await ledgerFacts(letter, max + 1);
  if (!facts) throw new Error(`letter ${code}: no ledger`);
  // Grown past the bound since it was counted: refused, never signed cut short.
  if (facts.revoked.entries.length > max) throw new TooManyRevocations(facts.revoked.entries.length);
  // Listed and counted by two statements: a withdrawal in between must not make the count and the
  // list disagree in what is signed. The list is the truth (one statement read it); the count follows.
  if (facts.revoked.entries.length !== facts.revoked.total) {
    facts.revoked.total = facts.revoked.entries.length;
    facts.net = Math.max(0, letter.count - facts.revoked.total);
  }
  const active = await activeSigningIdentity(getDb(), organizationId);
  const asOf = new Date(Math.floor(Date.now() / 1000) * 1000);
  const statement = Buffer.from(revocationStatement(code, facts, { letterSigner, signer: active.fingerprint, asOf }), "utf8");
  const signature = await cadesDetachedSignature(crypto.createHash("sha256").update(statement).digest(), active.identity);
  return { statement, signature, signer: active.fingerprint, asOf };
}

/**
 * The answer of /verify/<code>/revocations (`part` "statement": the text, UTF-8) and of
 * /verify/<code>/revocations.p7s (`part` "signature": the detached CMS, DER). A refusal is a short
 * text in the reader's language, never cached.
 */
export function revocationsResponse(request: Request, result: RevocationsResult, part: "statement" | "signature"): Response {
  if (!result.ok) {
    const { t, number } = requestTranslator(request);
    const text =
      result.reason === "too_many" ? t("ledger.signedTooMany", { count: number(result.total), max: number(result.max) }) : t("ledger.signedNotFound");
    return new Response(`${text}\n`, {
      status: result.reason === "too_many" ? 422 : 404,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const { signed } = result;
  const statement = part === "statement";
  return new Response(new Uint8Array(statement ? signed.statement : signed.signature), {
    headers: {
      "Content-Type": statement ? "text/plain; charset=utf-8" : "application/pkcs7-signature",
      "Content-Disposition": `inline; filename="${statement ? "revocations.txt" : "revocations.p7s"}"`,
      // Short: a new revocation makes a new statement.
      "Cache-Control": "public, max-age=60",
      "Access-Control-Allow-Origin": "*",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
