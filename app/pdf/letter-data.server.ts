import crypto from "node:crypto";
import type pg from "pg";
import Cursor from "pg-cursor";
import type { RevisionContent } from "../../db/schema";
import { canonicalLeaf, leafFieldsOf } from "../ledger/leaf";
import { keyring, open, type Keyring } from "../services/data-key.server";
import { consistencyProof, equalBytes, PackedLeafHashes, TreeBuilder, verifyConsistency } from "../ledger/merkle";
import { LedgerFiles } from "./ledger-files.server";
import type { LedgerHead, LetterAttachment, LetterInput, LetterPart, LetterSignatory } from "./render.server";

/**
 * The data step of a letter (the drawing step is render.server.ts): what one letter snapshot
 * prints — its row, the appeal's text at the letter's revision, the count, and the confirmed
 * signatories streamed by cursor, once per language — and its digest over the revision text and
 * the ordered signatory list. Read through the caller's client, inside its REPEATABLE READ
 * transaction, so the count and the rows agree (app/services/letter-generate.server.ts).
 *
 * The signatory ledger (app/ledger/, docs/verification.md): a first, cheap pass over the appeal's
 * leaf hashes gives the tree's size and root before anything is drawn (they print on every page);
 * the rows then stream in leaf order, and each printed row's leaf is recomputed from its fields and
 * salt and must equal the stored hash, so a database edited behind the ledger fails the letter.
 * While the first part streams, ledger.csv and signatories.csv are written for the letter to embed.
 */

export const DIGEST_VERSION = "appeals-letter-v1";

const BATCH = 2000;

export interface LetterData {
  kind: "single" | "combined";
  /** One part per language (one for a single letter); each streams the signatories when drawn. */
  parts: LetterPart[];
  /** The confirmed signatories the letter holds. */
  count: number;
  /** The letter's digest, hex; complete once the first part's rows have been read. */
  digest: () => string;
  /** The ledger the letter holds: every leaf of the appeal's tree at the snapshot. */
  ledger: LedgerHead;
  /** The files the letter embeds (ledger.csv, signatories.csv), complete once the first part's rows have been read. */
  attachments: LetterAttachment[];
  /** Consistency proofs from each earlier letter of the appeal with a smaller tree, checked. */
  consistency: LetterConsistency[];
  /** Releases the embedded files' handles (after a failure; the caller removes the directory). */
  close: () => void;
}

export interface LetterConsistency {
  earlierLetterId: number;
  earlierSize: number;
  /** RFC 9162 consistency proof, hashes in hex. */
  proof: string[];
}

/** The ledger does not hold what the signatures table says: the letter is refused. */
export class LedgerMismatchError extends Error {
  code = "LEDGER_MISMATCH";
}

type Row = {
  leaf_index: number;
  leaf_hash: Buffer;
  printed: boolean;
  ledger_salt: Buffer | null;
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  confirmed_at: Date;
  revision: number;
  source: string | null;
};

/** What the first part does with each leaf as it streams: recheck, digest, the embedded files. */
interface FirstPass {
  onPrinted: (row: LetterSignatory, leaf: Row) => Promise<void>;
  onHashOnly: (leaf: Row) => Promise<void>;
  done: (printed: number) => Promise<void>;
}

/** Every leaf of the appeal in index order, each with its confirmed signature if the letter prints it. */
async function* signatoryRows(
  client: pg.ClientBase,
  appealId: number,
  onRow: () => void,
  first: FirstPass | null,
  ring: Keyring,
): AsyncGenerator<LetterSignatory> {
  // A merge join of the two index scans (ledger_leaves' key, signatures_ledger_idx), both in leaf
  // order: it streams from the first row at any size. Left to the planner right after a bulk of
  // signatures arrived (statistics not yet updated: one row expected) it chose a nested loop that
  // rescans the appeal's signatures for every leaf — 107 s per 5,000 rows of a 60,000-row appeal,
  // measured, and the cause of a letter test that hung in CI. These settings last until the
  // letter's read-only transaction ends.
  await client.query("SET LOCAL enable_nestloop = off");
  await client.query("SET LOCAL enable_hashjoin = off");
  const cursor = client.query(
    new Cursor<Row>(
      `SELECT l.leaf_index, l.leaf_hash, s.id IS NOT NULL AS printed, s.ledger_salt,
              s.name, s.city, s.country, s.organization, s.position, s.confirmed_at, s.revision, s.source
       FROM ledger_leaves l
       LEFT JOIN signatures s ON s.appeal_id = l.appeal_id AND s.ledger_index = l.leaf_index AND s.status = 'confirmed'
       WHERE l.appeal_id = $1 ORDER BY l.leaf_index`,
      [appealId],
    ),
  );
  let printed = 0;
  try {
    for (;;) {
      const rows = await cursor.read(BATCH);
      if (rows.length === 0) break;
      for (const r of rows) {
        if (!r.printed) {
          await first?.onHashOnly(r);
          continue;
        }
        const row: LetterSignatory = {
          // A hidden signer's name is sealed at rest (issue 14): the letter prints it, and its leaf is over it, opened.
          name: open(r.name, "name", ring),
          city: r.city,
          country: r.country,
          organization: r.organization,
          position: r.position,
          confirmedAt: r.confirmed_at,
          revision: r.revision,
          paper: r.source === "paper",
        };
        printed++;
        await first?.onPrinted(row, r);
        onRow();
        yield row;
      }
    }
    await first?.done(printed);
  } finally {
    await cursor.close();
  }
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/**
 * The pre-pass: the tree's size and root from the stored leaf hashes (32 bytes a leaf, hashed as
 * they stream), and, when earlier letters of the appeal hold smaller trees, the consistency proof
 * from each (O(n) hashing, once, here at generation; the leaf hashes are kept packed for it, 32 MB
 * for a million leaves, and dropped before drawing). Each proof is verified before it is returned.
 */
async function ledgerPrePass(client: pg.ClientBase, appealId: number, letterId: number): Promise<{ head: LedgerHead; consistency: LetterConsistency[] }> {
  const expected = Number((await client.query<{ n: number }>("SELECT ledger_size AS n FROM appeals WHERE id = $1", [appealId])).rows[0]?.n ?? 0);
  const earlier = (
    await client.query<{ id: number; tree_size: number; tree_root: Buffer }>(
      `SELECT DISTINCT ON (tree_size) id, tree_size, tree_root FROM letters
       WHERE appeal_id = $1 AND id <> $2 AND status = 'ready' AND tree_size > 0 AND tree_size < $3 AND tree_root IS NOT NULL
       ORDER BY tree_size DESC, id DESC`,
      [appealId, letterId, expected],
    )
  ).rows.slice(0, MAX_CONSISTENCY_SIZES);
  const packed = earlier.length ? new PackedLeafHashes(expected) : null;
  const tree = new TreeBuilder();
  const cursor = client.query(
    new Cursor<{ leaf_index: number; leaf_hash: Buffer }>("SELECT leaf_index, leaf_hash FROM ledger_leaves WHERE appeal_id = $1 ORDER BY leaf_index", [
      appealId,
    ]),
  );
  try {
    for (;;) {
      const rows = await cursor.read(BATCH * 5);
      if (rows.length === 0) break;
      for (const r of rows) {
        if (r.leaf_index !== tree.size || tree.size >= expected)
          throw new LedgerMismatchError(`the ledger has no leaf ${tree.size} (found ${r.leaf_index} of ${expected})`);
        const h = new Uint8Array(r.leaf_hash.buffer, r.leaf_hash.byteOffset, r.leaf_hash.byteLength);
        tree.push(h);
        packed?.push(h);
      }
    }
  } finally {
    await cursor.close();
  }
  if (tree.size !== expected) throw new LedgerMismatchError(`the ledger holds ${tree.size} leaves, the appeal counts ${expected}`);
  const root = tree.root();
  const consistency: LetterConsistency[] = [];
  if (packed) {
    // Every earlier letter: the earlier size's row is one of them; others with the same size share its proof.
    const all = (
      await client.query<{ id: number; tree_size: number; tree_root: Buffer }>(
        `SELECT id, tree_size, tree_root FROM letters WHERE appeal_id = $1 AND id <> $2 AND status = 'ready' AND tree_size = ANY($3::int[]) ORDER BY id`,
        [appealId, letterId, earlier.map((e) => e.tree_size)],
      )
    ).rows;
    for (const size of new Set(earlier.map((e) => e.tree_size))) {
      const proof = consistencyProof(size, packed);
      for (const e of all.filter((l) => l.tree_size === size)) {
        if (!verifyConsistency(size, expected, new Uint8Array(e.tree_root), root, proof))
          throw new LedgerMismatchError(`the ledger no longer extends letter ${e.id}'s tree of ${size} leaves`);
        consistency.push({ earlierLetterId: e.id, earlierSize: size, proof: proof.map(hex) });
      }
    }
  }
  return { head: { size: tree.size, root: hex(root) }, consistency };
}

/** At most this many earlier tree sizes get a consistency proof at generation (the newest ones): each costs O(n) hashing. */
const MAX_CONSISTENCY_SIZES = 16;

export function verifyUrl(appUrl: string, code: string) {
  return `${appUrl}/verify/${code}`;
}

/** The text part of the digest: what the letter says and to whom, in the order printed. */
function digestHeader(hash: crypto.Hash, slug: string, revision: number, langs: string[], content: RevisionContent) {
  hash.update(`${DIGEST_VERSION}\n${slug}\n${revision}\n${langs.join(",")}\n`);
  for (const lang of langs) {
    hash.update(`${JSON.stringify(content.versions[lang] ?? null)}\n`);
    hash.update(`${JSON.stringify(content.addressees.map((a) => a.translations[lang] ?? null))}\n`);
  }
}

function digestRow(hash: crypto.Hash, r: LetterSignatory) {
  hash.update(`${JSON.stringify([r.name, r.city, r.country, r.organization, r.position, r.confirmedAt.toISOString(), r.revision])}\n`);
}

/**
 * Loads letter `letterId` for drawing. `onRow` is called for every signatory row streamed (once
 * per part), for progress. With `filesDir` (an existing, empty directory), the first part writes
 * the embedded files there.
 */
export async function loadLetterData(
  client: pg.ClientBase,
  letterId: number,
  appUrl: string,
  onRow: () => void = () => undefined,
  options: { filesDir?: string; ring?: Keyring } = {},
): Promise<LetterData> {
  const ring = options.ring ?? keyring();
  const letter = (
    await client.query<{ appeal_id: number; code: string; lang: string; kind: "single" | "combined"; revision: number; created_at: Date }>(
      "SELECT appeal_id, code, lang, kind, revision, created_at FROM letters WHERE id = $1",
      [letterId],
    )
  ).rows[0];
  if (!letter) throw new Error(`letter ${letterId} does not exist`);
  const appeal = (
    await client.query<{ slug: string; original_language: string; organization: string; content: RevisionContent }>(
      `SELECT a.slug, a.original_language, o.name AS organization, r.content
       FROM appeals a JOIN organizations o ON o.id = a.organization_id
       JOIN appeal_revisions r ON r.appeal_id = a.id AND r.number = $2 WHERE a.id = $1`,
      [letter.appeal_id, letter.revision],
    )
  ).rows[0];
  if (!appeal) throw new Error("the appeal or its revision is gone");
  const count = Number(
    (await client.query<{ n: string }>("SELECT count(*) AS n FROM signatures WHERE appeal_id = $1 AND status = 'confirmed'", [letter.appeal_id])).rows[0]?.n ??
      0,
  );
  const langs =
    letter.kind === "combined"
      ? [
          appeal.original_language,
          ...Object.keys(appeal.content.versions)
            .filter((l) => l !== appeal.original_language)
            .sort(),
        ]
      : [letter.lang];
  const digest = crypto.createHash("sha256");
  digestHeader(digest, appeal.slug, letter.revision, langs, appeal.content);
  const { head: ledger, consistency } = await ledgerPrePass(client, letter.appeal_id, letterId);

  const inputFor = (lang: string): LetterInput => {
    const version = appeal.content.versions[lang] ?? { title: "", summary: "", body: "" };
    return {
      lang,
      originalLanguage: appeal.original_language,
      organization: appeal.organization,
      generatedAt: new Date(letter.created_at),
      snapshotId: letter.code,
      title: version.title,
      bodyMarkdown: version.body,
      addressees: appeal.content.addressees.map((a) => {
        const t = a.translations[lang] ?? a.translations[appeal.original_language];
        return { name: t?.name ?? "", position: t?.position ?? "", institution: t?.institution ?? "" };
      }),
      revision: letter.revision,
      appealUrl: `${appUrl}/appeals/${appeal.slug}?lang=${lang}`,
      verificationCode: letter.code,
      verifyUrl: verifyUrl(appUrl, letter.code),
      count,
      ledger,
    };
  };

  // Rows are streamed once per language; the first pass alone rechecks the leaves, feeds the
  // digest and writes the embedded files.
  const files = options.filesDir ? new LedgerFiles(options.filesDir) : null;
  const first: FirstPass = {
    async onPrinted(row, leaf) {
      if (!leaf.ledger_salt) throw new LedgerMismatchError(`the confirmed signature at leaf ${leaf.leaf_index} has no salt`);
      const salt = new Uint8Array(leaf.ledger_salt.buffer, leaf.ledger_salt.byteOffset, leaf.ledger_salt.byteLength);
      const { values, hash } = canonicalLeaf(leafFieldsOf(row), salt);
      if (!equalBytes(hash, leaf.leaf_hash))
        throw new LedgerMismatchError(`the signature at leaf ${leaf.leaf_index} differs from the ledger: its row was changed after it was confirmed`);
      digestRow(digest, row);
      await files?.printedLeaf({ index: leaf.leaf_index, salt, fields: values });
    },
    async onHashOnly(leaf) {
      await files?.hashOnlyLeaf(leaf.leaf_index, leaf.leaf_hash);
    },
    async done(printed) {
      if (printed !== count) throw new LedgerMismatchError(`${count - printed} confirmed signatures are not in the ledger`);
      await files?.close();
    },
  };
  let firstStarted = false;
  // The renderer draws no list (and so streams no rows) for a letter with no signatory: its
  // leaves (all withdrawn, if any) go to the embedded files now, before anything is drawn.
  if (count === 0) {
    firstStarted = true;
    for await (const _ of signatoryRows(client, letter.appeal_id, onRow, first, ring))
      throw new LedgerMismatchError("a printed row in a letter of no signatory");
  }
  const parts: LetterPart[] = langs.map((lang, index) => ({
    input: inputFor(lang),
    rows: () => {
      const isFirst = index === 0 && !firstStarted;
      if (index === 0) firstStarted = true;
      return signatoryRows(client, letter.appeal_id, onRow, isFirst ? first : null, ring);
    },
  }));
  return {
    kind: letter.kind,
    parts,
    count,
    digest: () => digest.digest("hex"),
    ledger,
    attachments: files?.attachments ?? [],
    consistency,
    close: () => files?.destroy(),
  };
}
