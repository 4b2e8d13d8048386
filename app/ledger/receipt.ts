import { decodeLeaf, type LeafFields } from "./leaf";

/**
 * A signer's receipt (docs/verification.md §3): the appeal, the leaf's index and the leaf's bytes
 * (encodeLeaf: the salt and the printed fields), as one line of text
 *
 *   appeals-receipt:1:<slug>:<leaf index>:<base64url of the leaf bytes, no padding>
 *
 * With it, its holder can prove that their row is in any letter whose tree covers that index
 * (an inclusion proof against the letter's size and root), and nobody else learns anything from
 * the letter's root. Pure: the receipts page, /verify and `npm run verify` share it.
 */

export const RECEIPT_PREFIX = "appeals-receipt";
export const RECEIPT_VERSION = 1;

export interface Receipt {
  slug: string;
  index: number;
  /** The leaf's bytes (version 1, app/ledger/leaf.ts). */
  leaf: Uint8Array;
}

export interface DecodedReceipt extends Receipt {
  fields: LeafFields;
  salt: Uint8Array;
}

export class ReceiptError extends Error {}

/** An appeal's slug as app/schemas/appeal.ts allows it. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeReceipt({ slug, index, leaf }: Receipt): string {
  if (!SLUG.test(slug) || slug.includes("--")) throw new ReceiptError("not an appeal's slug");
  if (!Number.isSafeInteger(index) || index < 0) throw new ReceiptError("a leaf index is a non-negative integer");
  decodeLeaf(leaf); // only canonical leaves
  return `${RECEIPT_PREFIX}:${RECEIPT_VERSION}:${slug}:${index}:${Buffer.from(leaf).toString("base64url")}`;
}

/** Reads a receipt; refuses (ReceiptError, one sentence) anything that is not exactly what encodeReceipt writes. */
export function decodeReceipt(text: string): DecodedReceipt {
  const parts = text.split(":");
  if (parts.length !== 5 || parts[0] !== RECEIPT_PREFIX)
    throw new ReceiptError(`not a receipt (it starts "${RECEIPT_PREFIX}:${RECEIPT_VERSION}:" and has five parts)`);
  const [, version = "", slug = "", index = "", data = ""] = parts;
  if (version !== String(RECEIPT_VERSION)) throw new ReceiptError(`a receipt of version ${version.slice(0, 8)}, not ${RECEIPT_VERSION}`);
  if (!SLUG.test(slug) || slug.includes("--")) throw new ReceiptError("the receipt's appeal is not a valid slug");
  if (!/^(0|[1-9]\d{0,14})$/.test(index) || !Number.isSafeInteger(Number(index))) throw new ReceiptError("the receipt's leaf index is not a number");
  if (!BASE64URL.test(data)) throw new ReceiptError("the receipt's leaf is not base64url (without padding)");
  const leaf = new Uint8Array(Buffer.from(data, "base64url"));
  if (Buffer.from(leaf).toString("base64url") !== data) throw new ReceiptError("the receipt's leaf is not canonical base64url");
  let decoded: { fields: LeafFields; salt: Uint8Array };
  try {
    decoded = decodeLeaf(leaf);
  } catch (error) {
    throw new ReceiptError(`the receipt's leaf is not a valid leaf (${error instanceof Error ? error.message : String(error)})`);
  }
  return { slug, index: Number(index), leaf, ...decoded };
}
