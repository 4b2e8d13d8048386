import { sql } from "kysely";
import { getDb } from "../../db/client";
import { letterByCode } from "../../db/queries/letters";
import { enqueueMail } from "../../db/queries/outbox";
import { neutralSender } from "../../emails/neutral";
import { receiptEmail } from "../../emails/receipt";
import { decodeReceipt, encodeReceipt, ReceiptError } from "../ledger/receipt";
import { encodeLeaf, leafFieldsOf } from "../ledger/leaf";
import { equalBytes, hashLeaf, HASH_SIZE, inclusionProof, verifyInclusion, type LeafHashList } from "../ledger/merkle";
import { normaliseCode } from "../utils/codes";
import { hashToken, isWellFormedToken } from "../utils/tokens.server";
import { open, openNullable } from "./data-key.server";

/**
 * Signer receipts (issue 13 point 4, docs/verification.md §3).
 *
 * Confirming issues a single-use 'receipt' token (confirmSignature), carried only in the
 * confirming browser's thanks cookie. The thanks page offers the receipt when that token is still
 * unused; asking for it (a POST) uses the token up, rebuilds the leaf from the row and its salt,
 * checks it against the stored leaf hash, and hands the text back — it is not stored or logged
 * anywhere (the e-mail, when asked for, goes through the outbox like every mail).
 *
 * /verify/<code> checks a pasted receipt against the letter: the inclusion proof over the letter's
 * leaves, verified against the letter's root before answering.
 */

/** Whether this browser's receipt token can still be used (the thanks page offers the button). */
export async function receiptOffered(token: string | null): Promise<boolean> {
  if (!token || !isWellFormedToken(token)) return false;
  const row = await getDb()
    .selectFrom("signature_tokens")
    .select("signature_id")
    .where("token_hash", "=", hashToken(token))
    .where("purpose", "=", "receipt")
    .where("used_at", "is", null)
    .where("expires_at", ">=", sql<Date>`now()`)
    .executeTakeFirst();
  return !!row;
}

/**
 * Whether the receipt could also be e-mailed: the signature still has an address (a minimal-data
 * appeal erases it at confirmation unless the signer asked to be kept informed).
 */
export async function receiptMailable(token: string | null): Promise<boolean> {
  if (!token || !isWellFormedToken(token)) return false;
  const row = await getDb()
    .selectFrom("signature_tokens as t")
    .innerJoin("signatures as s", "s.id", "t.signature_id")
    .select("s.id")
    .where("t.token_hash", "=", hashToken(token))
    .where("t.purpose", "=", "receipt")
    .where("s.email", "is not", null)
    .executeTakeFirst();
  return !!row;
}

export type TakenReceipt = { ok: true; receipt: string; index: number; mailed: boolean } | { ok: false };

/** Uses the token up and returns the receipt of its signature on `slug` (and queues it by e-mail when asked). */
export async function takeReceipt(
  token: string | null,
  slug: string,
  options: { email: boolean; lang: "en" | "ru" | "kk"; appUrl: string; title: string },
): Promise<TakenReceipt> {
  if (!token || !isWellFormedToken(token)) return { ok: false };
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const row = (
        await sql<{
          email: string | null;
          slug: string;
          minimal_data: boolean;
          name: string;
          city: string | null;
          country: string | null;
          organization: string | null;
          position: string | null;
          revision: number;
          confirmed_at: Date;
          ledger_index: number | null;
          ledger_salt: Buffer | null;
          leaf_hash: Buffer | null;
        }>`
          WITH t AS (
            UPDATE signature_tokens SET used_at = now()
            WHERE token_hash = ${hashToken(token)} AND purpose = 'receipt' AND used_at IS NULL AND expires_at >= now()
            RETURNING signature_id
          )
          SELECT s.email, a.slug, a.minimal_data, s.name, s.city, s.country, s.organization, s.position, s.revision, s.confirmed_at,
                 s.ledger_index, s.ledger_salt, l.leaf_hash
          FROM t JOIN signatures s ON s.id = t.signature_id
          JOIN appeals a ON a.id = s.appeal_id
          LEFT JOIN ledger_leaves l ON l.appeal_id = s.appeal_id AND l.leaf_index = s.ledger_index
          WHERE s.status = 'confirmed'`.execute(trx)
      ).rows[0];
      if (!row || row.slug !== slug || row.ledger_index === null || !row.ledger_salt || !row.leaf_hash) return { ok: false as const };
      // A hidden signer's name is sealed at rest; the leaf holds it as the letter prints it.
      const leaf = encodeLeaf(leafFieldsOf({ ...row, name: open(row.name, "name"), confirmedAt: new Date(row.confirmed_at) }), new Uint8Array(row.ledger_salt));
      // Never hand out a receipt that would not verify: the row must still be the leaf it was confirmed as.
      if (!equalBytes(hashLeaf(leaf), new Uint8Array(row.leaf_hash))) return { ok: false as const };
      const receipt = encodeReceipt({ slug: row.slug, index: row.ledger_index, leaf });
      const address = openNullable(row.email, "email");
      const mailed = options.email && !!address;
      if (mailed && address) {
        const neutral = row.minimal_data;
        const content = receiptEmail(options.lang, { title: options.title, receipt, verifyUrl: `${options.appUrl}/verify`, neutral });
        await enqueueMail(trx, { kind: "receipt", to: address, ...content, headers: neutral ? neutralSender(options.lang) : undefined });
      }
      return { ok: true as const, receipt, index: row.ledger_index, mailed };
    });
}

/** What /verify/<code> answers about a pasted receipt. */
export type ReceiptCheck =
  | { outcome: "included"; index: number; entry: number; size: number; root: string; leafHash: string; proof: string[] }
  | { outcome: "later"; index: number; size: number }
  | { outcome: "malformed" | "otherAppeal" | "altered" | "noLedger" | "busy" };

/** At most this many inclusion proofs (O(n) hashing each) are computed at once in this process; a few more may wait. */
const MAX_PROOFS = 2;
const MAX_WAITING = 8;
let running = 0;
const waiting: Array<() => void> = [];

async function withProofSlot<T>(work: () => Promise<T>): Promise<T | "busy"> {
  if (running >= MAX_PROOFS) {
    if (waiting.length >= MAX_WAITING) return "busy";
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** A letter's leaf hashes as one packed buffer (one bytea from the database, not a row per leaf). */
class BufferLeafHashes implements LeafHashList {
  constructor(
    private readonly bytes: Uint8Array,
    readonly length: number,
  ) {}
  at(index: number): Uint8Array | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    return this.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

export async function checkReceipt(codeInput: string, text: string): Promise<ReceiptCheck | null> {
  const code = normaliseCode(codeInput);
  if (!code) return null;
  const letter = await letterByCode(getDb(), code);
  if (!letter) return null;
  let receipt;
  try {
    receipt = decodeReceipt(text.trim());
  } catch (error) {
    if (error instanceof ReceiptError) return { outcome: "malformed" };
    throw error;
  }
  if (receipt.slug !== letter.slug) return { outcome: "otherAppeal" };
  const tree = await getDb().selectFrom("letters").select(["tree_size", "tree_root"]).where("id", "=", letter.id).executeTakeFirst();
  if (!tree || tree.tree_size === null || !tree.tree_root) return { outcome: "noLedger" };
  const size = tree.tree_size;
  if (receipt.index >= size) return { outcome: "later", index: receipt.index, size };
  const leafHash = hashLeaf(receipt.leaf);
  const stored = await getDb()
    .selectFrom("ledger_leaves")
    .select("leaf_hash")
    .where("appeal_id", "=", letter.appealId)
    .where("leaf_index", "=", receipt.index)
    .executeTakeFirst();
  if (!stored || !equalBytes(new Uint8Array(stored.leaf_hash), leafHash)) return { outcome: "altered" };
  const root = new Uint8Array(tree.tree_root);
  const answer = await withProofSlot(async () => {
    const all = await sql<{ hashes: Buffer | null }>`
      SELECT string_agg(leaf_hash, ''::bytea ORDER BY leaf_index) AS hashes
      FROM ledger_leaves WHERE appeal_id = ${letter.appealId} AND leaf_index < ${size}`.execute(getDb());
    const bytes = all.rows[0]?.hashes;
    if (!bytes || bytes.length !== size * HASH_SIZE) return null;
    const proof = inclusionProof(receipt.index, new BufferLeafHashes(new Uint8Array(bytes), size));
    return verifyInclusion(leafHash, receipt.index, size, proof, root) ? proof : null;
  });
  if (answer === "busy") return { outcome: "busy" };
  // The stored leaves no longer give the letter's root: the ledger was tampered with; never say "included".
  if (!answer) return { outcome: "altered" };
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return { outcome: "included", index: receipt.index, entry: receipt.index + 1, size, root: hex(root), leafHash: hex(leafHash), proof: answer.map(hex) };
}
