import crypto from "node:crypto";

/**
 * The signatory ledger's Merkle tree: RFC 9162 (Certificate Transparency v2) §2.1 over SHA-256,
 * which is RFC 6962's tree. Pure (node:crypto only, no I/O), so the letter generator, /verify and
 * `npm run verify` compute the same thing. docs/verification.md specifies it for other
 * implementations, with test vectors.
 *
 *   leaf hash   H(0x00 ‖ leaf)
 *   node hash   H(0x01 ‖ left ‖ right)
 *   MTH({})     H()                       (the empty tree)
 *   MTH(D[n])   H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n
 *
 * Sizes and indexes are plain numbers (safe integers); shifts are written as halvings so they do
 * not wrap at 2^31 as `>>` would.
 *
 * Costs: `TreeBuilder` takes O(1) amortised hashing per leaf and keeps O(log n) hashes. A proof for
 * a tree of n leaves hashes every leaf outside the proven one once (O(n) node hashes, O(log n)
 * memory beyond the leaf list); the leaf list itself is the caller's (`PackedLeafHashes` holds a
 * million leaf hashes in 32 MB). Verifying a proof is O(log n).
 */

export const HASH_SIZE = 32;

/*
 * One-shot crypto.hash is about 1.5× faster than createHash for these short inputs; it arrived in
 * Node 20.12, and package.json allows 20.9, hence the fallback (a default import, since a named
 * import of a missing export would fail at load).
 */
const sha256: (data: Uint8Array) => Uint8Array =
  typeof crypto.hash === "function" ? (data) => crypto.hash("sha256", data, "buffer") : (data) => crypto.createHash("sha256").update(data).digest();

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** H(0x00 ‖ leaf): the hash of one leaf's bytes. */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + leaf.length);
  input[0] = 0x00;
  input.set(leaf, 1);
  return sha256(input);
}

// Node hashes are computed synchronously, one at a time: one scratch buffer serves them all.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** H(0x01 ‖ left ‖ right): an interior node. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256(nodeInput);
}

/** The leaf hashes of a tree, read by index: an array (arrays have `at`) or `PackedLeafHashes`. */
export interface LeafHashList {
  readonly length: number;
  at(index: number): Uint8Array | undefined;
}

/** Leaf hashes packed end to end in one buffer (32 bytes each): a million take 32 MB, not ~100 MB of objects. */
export class PackedLeafHashes implements LeafHashList {
  readonly bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity * HASH_SIZE);
  }

  push(leafHash: Uint8Array): void {
    checkHash(leafHash, "leaf hash");
    this.bytes.set(leafHash, this.length * HASH_SIZE);
    this.length++;
  }

  at(index: number): Uint8Array | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    return this.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

/**
 * The root of a tree fed one leaf hash at a time, in order (a letter streams its signatories by
 * cursor): a stack of the roots of complete subtrees, largest first, sizes strictly decreasing
 * powers of two (the binary digits of `size`). O(log n) memory.
 */
export class TreeBuilder {
  private readonly hashes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leafHash: Uint8Array): void {
    checkHash(leafHash, "leaf hash");
    let h = leafHash;
    let s = 1;
    // Merge equal-sized complete subtrees, as a binary counter carries.
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === s) {
      this.sizes.pop();
      h = hashChildren(this.hashes.pop() ?? h, h);
      s *= 2;
    }
    this.hashes.push(h);
    this.sizes.push(s);
    this.count++;
  }

  /** MTH of the leaves pushed so far: the stack folded from the right (RFC 9162's split k is the largest entry). */
  root(): Uint8Array {
    const n = this.hashes.length;
    if (n === 0) return EMPTY_ROOT;
    let r = this.hashes[n - 1] ?? EMPTY_ROOT;
    for (let i = n - 2; i >= 0; i--) r = hashChildren(this.hashes[i] ?? r, r);
    return r;
  }
}

/** MTH of a whole list of leaf hashes. */
export function treeRoot(leafHashes: LeafHashList): Uint8Array {
  return rangeRoot(leafHashes, 0, leafHashes.length);
}

/** MTH(D[start:end]), streamed through a TreeBuilder. */
function rangeRoot(leaves: LeafHashList, start: number, end: number): Uint8Array {
  const builder = new TreeBuilder();
  for (let i = start; i < end; i++) builder.push(leafAt(leaves, i));
  return builder.root();
}

function leafAt(leaves: LeafHashList, index: number): Uint8Array {
  const h = leaves.at(index);
  if (!h) throw new RangeError(`no leaf hash at index ${index}`);
  return h;
}

/** The largest power of two smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * RFC 9162 §2.1.3.1: the inclusion proof (audit path) of leaf `index` in the tree of all
 * `leafHashes`, deepest sibling first. O(n) hashing.
 */
export function inclusionProof(index: number, leafHashes: LeafHashList): Uint8Array[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new RangeError(`leaf index ${index} is outside a tree of ${n}`);
  const path: Uint8Array[] = [];
  // PATH(m, D[lo:hi]) unrolled: descend towards the leaf, noting each sibling subtree's root.
  const siblings: Array<[number, number]> = [];
  let lo = 0;
  let hi = n;
  let m = index;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m < k) {
      siblings.push([lo + k, hi]);
      hi = lo + k;
    } else {
      siblings.push([lo, lo + k]);
      lo += k;
      m -= k;
    }
  }
  // The RFC's recursion appends the outermost sibling last.
  for (let i = siblings.length - 1; i >= 0; i--) {
    const s = siblings[i];
    if (s) path.push(rangeRoot(leafHashes, s[0], s[1]));
  }
  return path;
}

/**
 * RFC 9162 §2.1.4.1: the consistency proof between the tree of the first `m` leaf hashes and the
 * tree of all `leafHashes` (n). Empty when m = n or m = 0 (every tree extends the empty tree).
 * O(n) hashing.
 */
export function consistencyProof(m: number, leafHashes: LeafHashList): Uint8Array[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new RangeError(`tree size ${m} is not within 0..${n}`);
  if (m === 0 || m === n) return [];
  // SUBPROOF(m, D[lo:hi], b) unrolled; the RFC appends the outer nodes after the inner ones.
  const outer: Array<[number, number]> = [];
  let lo = 0;
  let hi = n;
  let first = true;
  let size = m;
  while (size !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (size <= k) {
      outer.push([lo + k, hi]);
      hi = lo + k;
    } else {
      outer.push([lo, lo + k]);
      lo += k;
      size -= k;
      first = false;
    }
  }
  const proof: Uint8Array[] = [];
  if (!first) proof.push(rangeRoot(leafHashes, lo, hi));
  for (let i = outer.length - 1; i >= 0; i--) {
    const r = outer[i];
    if (r) proof.push(rangeRoot(leafHashes, r[0], r[1]));
  }
  return proof;
}

/**
 * RFC 9162 §2.1.3.2: whether `proof` shows the leaf with hash `leafHash` at `index` in the tree of
 * `treeSize` leaves with root `root`.
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `n` leaves with root `rootN` extends
 * the tree of its first `m` leaves with root `rootM`. For m = n the proof is empty and the roots
 * equal; for m = 0 the proof is empty and `rootM` is the empty tree's.
 */
export function verifyConsistency(m: number, n: number, rootM: Uint8Array, rootN: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isSize(m) || !isSize(n) || m > n) return false;
  if (!isHash(rootM) || !isHash(rootN) || !proof.every(isHash)) return false;
  if (m === 0) return proof.length === 0 && equalBytes(rootM, EMPTY_ROOT);
  if (m === n) return proof.length === 0 && equalBytes(rootM, rootN);
  // 1. An empty path fails.
  if (proof.length === 0) return false;
  // 2. If m is an exact power of two, the path starts with rootM.
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : [...proof];
  // 3., 4.
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5.
  const [start, ...rest] = path;
  if (!start) return false;
  let fr = start;
  let sr = start;
  // 6.
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7.
  return equalBytes(fr, rootM) && equalBytes(sr, rootN) && sn === 0;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  if (x < 1) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

function isSize(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function isHash(h: Uint8Array): boolean {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function checkHash(h: Uint8Array, what: string): void {
  if (!isHash(h)) throw new TypeError(`a ${what} is ${HASH_SIZE} bytes`);
}

/** Byte equality (not constant-time: every value compared here is public). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
