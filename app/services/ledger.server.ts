import { sql } from "kysely";
import { getDb } from "../../db/client";
import { HASH_SIZE, verifyConsistency } from "../ledger/merkle";

/**
 * The signatory ledger's public facts about one letter, for /verify/<code> and its JSON: the tree
 * the letter holds (size, root), the earlier letters of the appeal it provably extends (their
 * stored consistency proofs, computed and checked at generation, checked again here: O(log n)),
 * the revocation list (leaves of this letter whose signature was withdrawn or removed after it was
 * generated: index and day, never a name) and the net count. Nothing here identifies a signer.
 */

/** At most this many revocation entries are listed (the total is always given). */
export const REVOCATIONS_SHOWN = 1000;

export interface LedgerFacts {
  size: number;
  /** 64 lower-case hex digits. */
  root: string;
  extends: Array<{ code: string; size: number; root: string; proof: string[]; checked: boolean }>;
  revoked: { total: number; entries: Array<{ index: number; day: string }> };
  /** The signatories the letter printed, minus those withdrawn since. */
  net: number;
}

/**
 * The ledger facts of a ready letter, or null for a letter made before the ledger (no tree).
 * Withdrawals are counted after the letter's generation started (its snapshot is taken then).
 */
export async function ledgerFacts(
  letter: { id: number; appealId: number; count: number },
  /** How many revocation entries to list (the signed list, app/services/revocations.server.ts, asks for all it signs). */
  revokedLimit = REVOCATIONS_SHOWN,
): Promise<LedgerFacts | null> {
  const db = getDb();
  const head = await db.selectFrom("letters").select(["tree_size", "tree_root", "created_at", "started_at"]).where("id", "=", letter.id).executeTakeFirst();
  if (!head || head.tree_size === null || !head.tree_root) return null;
  const size = head.tree_size;
  const root = new Uint8Array(head.tree_root);
  const since = head.started_at ?? head.created_at;
  const [earlier, revoked, total] = await Promise.all([
    db
      .selectFrom("letter_consistency as c")
      .innerJoin("letters as e", "e.id", "c.earlier_letter_id")
      .select(["e.code", "e.tree_size", "e.tree_root", "c.proof"])
      .where("c.letter_id", "=", letter.id)
      .where("e.status", "=", "ready")
      .orderBy("e.tree_size")
      .orderBy("e.id")
      .execute(),
    db
      .selectFrom("ledger_leaves")
      .select(["leaf_index", sql<string>`to_char(withdrawn_at at time zone 'UTC', 'YYYY-MM-DD')`.as("day")])
      .where("appeal_id", "=", letter.appealId)
      .where("leaf_index", "<", size)
      .where("withdrawn_at", ">", since)
      .orderBy("leaf_index")
      .limit(revokedLimit)
      .execute(),
    db
      .selectFrom("ledger_leaves")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("appeal_id", "=", letter.appealId)
      .where("leaf_index", "<", size)
      .where("withdrawn_at", ">", since)
      .executeTakeFirstOrThrow(),
  ]);
  const revokedTotal = Number(total.n);
  return {
    size,
    root: hex(root),
    extends: earlier.flatMap((e) => {
      if (e.tree_size === null || !e.tree_root) return [];
      const proof = splitHashes(e.proof);
      const checked = proof !== null && verifyConsistency(e.tree_size, size, new Uint8Array(e.tree_root), root, proof);
      return [{ code: e.code, size: e.tree_size, root: hex(e.tree_root), proof: (proof ?? []).map(hex), checked }];
    }),
    revoked: { total: revokedTotal, entries: revoked.map((r) => ({ index: r.leaf_index, day: r.day })) },
    net: Math.max(0, letter.count - revokedTotal),
  };
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

function splitHashes(bytes: Uint8Array): Uint8Array[] | null {
  if (bytes.length % HASH_SIZE !== 0) return null;
  return Array.from({ length: bytes.length / HASH_SIZE }, (_, i) => new Uint8Array(bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
}

/** What the signed statement says besides the ledger facts (app/services/revocations.server.ts). */
export interface StatementContext {
  /** The SHA-256 fingerprint of the certificate that signed the letter's PDF ("AB:CD:…"), or null for an unsigned letter. */
  letterSigner: string | null;
  /** The fingerprint of the certificate that signs this statement: the organization's active one. */
  signer: string;
  /** When the statement was made (UTC, to the second). */
  asOf: Date;
}

/**
 * The revocation list of a letter as the text the organization signs (docs/verification.md §5):
 * UTF-8, LF after every line, in this order —
 * `appeals-revocations:1`, `letter <code>`, `tree <size> <root>`, `letter-signer <fingerprint|none>`,
 * `signer <fingerprint>`, `as-of <YYYY-MM-DDTHH:MM:SSZ>`, then `revoked <index> <YYYY-MM-DD>` per
 * entry in index order, `revoked-total <n>` and `net <count>`. It must be given every entry
 * (`facts.revoked.entries.length === facts.revoked.total`), never the page's first 1000.
 */
export function revocationStatement(code: string, facts: LedgerFacts, context: StatementContext): string {
  if (facts.revoked.entries.length !== facts.revoked.total) throw new Error("revocationStatement: every revoked entry must be listed");
  return [
    "appeals-revocations:1",
    `letter ${code}`,
    `tree ${facts.size} ${facts.root}`,
    `letter-signer ${context.letterSigner ?? "none"}`,
    `signer ${context.signer}`,
    `as-of ${context.asOf.toISOString().slice(0, 19)}Z`,
    ...facts.revoked.entries.map((r) => `revoked ${r.index} ${r.day}`),
    `revoked-total ${facts.revoked.total}`,
    `net ${facts.net}`,
    "",
  ].join("\n");
}
