import { encodeLeaf, type LeafFields } from "../ledger/leaf";
import { HASH_SIZE, TreeBuilder, hashLeaf, type LeafHashList } from "../ledger/merkle";
import { CsvError, csvRecords } from "./csv";

/**
 * The two files a letter embeds (docs/verification.md §1.6, the contract of issue 13): ledger.csv,
 * from which a verifier rebuilds every leaf hash and the root, and signatories.csv, which must list
 * exactly the printed rows of ledger.csv, in order. Both are read as streams, side by side, so a
 * letter of a million signatories is checked in bounded memory (the leaf hashes are kept, 32 bytes
 * each, only when a receipt or an earlier letter needs proofs).
 */

export const LEDGER_HEADER = "index,salt,name,city,country,organization,position,confirmed,revision,leaf_hash";
export const SIGNATORIES_HEADER = "number,name,city,country,organization,position,confirmed";

const HEX64 = /^[0-9a-f]{64}$/;

/** Leaf hashes kept in 2 MB blocks as they are read (the final count is not trusted in advance). */
export class GrowingLeafHashes implements LeafHashList {
  private readonly blocks: Uint8Array[] = [];
  private static readonly PER_BLOCK = 65536;
  length = 0;

  push(hash: Uint8Array): void {
    const at = this.length % GrowingLeafHashes.PER_BLOCK;
    if (at === 0) this.blocks.push(new Uint8Array(GrowingLeafHashes.PER_BLOCK * HASH_SIZE));
    this.blocks[this.blocks.length - 1]?.set(hash, at * HASH_SIZE);
    this.length++;
  }

  at(index: number): Uint8Array | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    const block = this.blocks[Math.floor(index / GrowingLeafHashes.PER_BLOCK)];
    const at = (index % GrowingLeafHashes.PER_BLOCK) * HASH_SIZE;
    return block?.subarray(at, at + HASH_SIZE);
  }
}

/** A spreadsheet formula guard, as signatories.csv applies it to a cell. */
export function guardCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface LedgerResult {
  /** Null when the file could not be read to its end (see failures). */
  size: number | null;
  root: Uint8Array | null;
  printed: number;
  leaves: GrowingLeafHashes | null;
  failures: string[];
}

function fieldsOf(cells: string[]): LeafFields {
  const [, , name = "", city = "", country = "", organization = "", position = "", confirmed = "", revision = ""] = cells;
  if (!/^[1-9]\d{0,14}$/.test(revision)) throw new TypeError(`the revision "${revision.slice(0, 20)}" is not a positive decimal`);
  return {
    name,
    city: city || null,
    country: country || null,
    organization: organization || null,
    position: position || null,
    confirmed,
    revision: Number(revision),
  };
}

/** The CSV values of a leaf's fields (empty for null), as both files write them. */
function cellsOf(fields: LeafFields): string[] {
  return [fields.name, fields.city ?? "", fields.country ?? "", fields.organization ?? "", fields.position ?? "", fields.confirmed];
}

const FIELD_NAMES = ["name", "city", "country", "organization", "position", "confirmed"];

/**
 * Reads ledger.csv (and, beside it, signatories.csv when given): rebuilds every leaf hash and the
 * root. Stops at the first problem in ledger.csv (the root means nothing after it) and at the
 * first difference between the two files.
 */
export async function readLedger(ledger: AsyncIterable<Uint8Array>, signatories: AsyncIterable<Uint8Array> | null, keepLeaves: boolean): Promise<LedgerResult> {
  const result: LedgerResult = { size: null, root: null, printed: 0, leaves: keepLeaves ? new GrowingLeafHashes() : null, failures: [] };
  const builder = new TreeBuilder();
  const list = signatories ? csvRecords(signatories)[Symbol.asyncIterator]() : null;
  let listBroken = false;
  const listFail = (line: string) => {
    result.failures.push(`signatories.csv: ${line}`);
    listBroken = true;
  };
  const nextListRecord = async () => {
    if (!list || listBroken) return null;
    try {
      const r = await list.next();
      return r.done ? null : r.value;
    } catch (error) {
      listFail(error instanceof Error ? error.message : String(error));
      return null;
    }
  };
  if (list) {
    const header = await nextListRecord();
    if (!listBroken && header?.fields.join(",") !== SIGNATORIES_HEADER) listFail(`line 1: the header is not "${SIGNATORIES_HEADER}"`);
  }
  let expectHeader = true;
  try {
    for await (const { fields: cells, line } of csvRecords(ledger)) {
      if (expectHeader) {
        if (cells.join(",") !== LEDGER_HEADER) throw new CsvError(`line ${line}: the header is not "${LEDGER_HEADER}"`);
        expectHeader = false;
        continue;
      }
      if (cells.length !== 10) throw new CsvError(`line ${line}: ${cells.length} fields, not 10`);
      const index = builder.size;
      if (cells[0] !== String(index))
        throw new CsvError(`line ${line}: the index is "${(cells[0] ?? "").slice(0, 20)}", expected ${index} (entries in index order from 0)`);
      const [, salt = "", , , , , , , , given = ""] = cells;
      let hash: Uint8Array;
      if (given === "") {
        if (!HEX64.test(salt)) throw new CsvError(`line ${line} (entry ${index}): the salt is not 64 lower-case hex digits`);
        let fields: LeafFields;
        try {
          fields = fieldsOf(cells);
          const bytes = encodeLeaf(fields, Buffer.from(salt, "hex"));
          // The file must hold the canonical values themselves (what the leaf encodes), not
          // values that merely normalise to them. (decodeLeaf would say the same, at twice the cost.)
          const differs = cells.slice(2, 7).findIndex((v, i) => v.normalize("NFC") !== v || (i === 2 && v.trim().toUpperCase() !== v));
          if (differs >= 0) throw new TypeError(`the ${FIELD_NAMES[differs] ?? "field"} is not in canonical form`);
          hash = hashLeaf(bytes);
        } catch (error) {
          throw new CsvError(`line ${line} (entry ${index}): ${error instanceof Error ? error.message : String(error)}`);
        }
        result.printed++;
        if (list && !listBroken) {
          const row = await nextListRecord();
          if (!listBroken) {
            if (!row) listFail(`ends after ${result.printed - 1} signatories; ledger.csv prints entry ${index} as signatory ${result.printed}`);
            else {
              const expected = [String(result.printed), ...cellsOf(fields).map(guardCell)];
              if (row.fields.length !== expected.length) listFail(`line ${row.line}: ${row.fields.length} fields, not ${expected.length}`);
              else {
                const at = expected.findIndex((v, i) => v !== row.fields[i]);
                if (at === 0) listFail(`line ${row.line}: numbered "${(row.fields[0] ?? "").slice(0, 20)}", expected ${result.printed}`);
                else if (at > 0)
                  listFail(`line ${row.line}: signatory ${result.printed}'s ${FIELD_NAMES[at - 1] ?? "field"} differs from ledger.csv entry ${index}`);
              }
            }
          }
        }
      } else {
        if (!HEX64.test(given)) throw new CsvError(`line ${line} (entry ${index}): the leaf_hash is not 64 lower-case hex digits`);
        if (cells.slice(1, 9).some((c) => c !== ""))
          throw new CsvError(`line ${line} (entry ${index}): an entry with a leaf_hash must have its other fields empty`);
        hash = Buffer.from(given, "hex");
      }
      builder.push(hash);
      result.leaves?.push(hash);
    }
    if (expectHeader) throw new CsvError("the file is empty (no header)");
  } catch (error) {
    result.failures.push(`ledger.csv: ${error instanceof Error ? error.message : String(error)}`);
    result.leaves = null;
    await list?.return(undefined);
    return result;
  }
  if (list && !listBroken) {
    const extra = await nextListRecord();
    if (extra && !listBroken) listFail(`line ${extra.line}: more signatories than the ${result.printed} entries ledger.csv prints`);
  }
  await list?.return(undefined);
  result.size = builder.size;
  result.root = builder.root();
  return result;
}
