import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import type { LetterAttachment } from "./render.server";

/**
 * The two files a letter embeds (docs/verification.md, the contract of issue 13), written while
 * the letter's first part streams its rows, to a temporary directory the caller removes:
 *
 * - `ledger.csv`: every leaf of the tree, in index order, `index,salt,name,city,country,
 *   organization,position,confirmed,revision,leaf_hash`: a leaf the letter prints with its salt and
 *   its seven fields as the leaf encodes them (leaf_hash empty); any other leaf (withdrawn, removed)
 *   with its index and stored hash only. A verifier rebuilds every leaf and the root from it.
 * - `signatories.csv`: the printed signatories, in the letter's order, for the addressee's staff to
 *   import: `number,name,city,country,organization,position,confirmed`; a cell a spreadsheet would
 *   run as a formula is prefixed with `'`. Not used to verify.
 *
 * Both UTF-8 without BOM, LF line ends, RFC 4180 quoting (only fields holding `"` `,` CR or LF).
 */

export const LEDGER_CSV = "ledger.csv";
export const SIGNATORIES_CSV = "signatories.csv";
const LEDGER_HEADER = "index,salt,name,city,country,organization,position,confirmed,revision,leaf_hash";
const SIGNATORIES_HEADER = "number,name,city,country,organization,position,confirmed";

/** RFC 4180: a field holding `"` `,` CR or LF is quoted, `"` doubled; no other field is. */
export function csvField(value: string): string {
  return /[",\r\n]/u.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A cell beginning with = + - @ TAB or CR is prefixed with ' (spreadsheet formula injection). */
export function guardFormula(value: string): string {
  return /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** Resolves on 'drain', rejects on 'error', and leaves no listener behind. */
function drained(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    stream.on("drain", onDrain);
    stream.on("error", done);
  });
}

/** One CSV file written line by line, in 64 KB chunks, waiting when the disk is slower. */
class CsvFile {
  private readonly stream: WriteStream;
  private chunk = "";
  private failed: Error | null = null;

  constructor(
    readonly file: string,
    header: string,
  ) {
    this.stream = createWriteStream(file, { flush: true });
    this.stream.on("error", (error) => {
      this.failed = error;
    });
    this.chunk = `${header}\n`;
  }

  async line(fields: string[]) {
    this.chunk += `${fields.map(csvField).join(",")}\n`;
    if (this.chunk.length >= 65536) await this.flush();
  }

  private async flush() {
    if (this.failed) throw this.failed;
    const data = this.chunk;
    this.chunk = "";
    if (!this.stream.write(data)) await drained(this.stream);
    if (this.failed) throw this.failed;
  }

  async close() {
    await this.flush();
    this.stream.end();
    await once(this.stream, "close");
    if (this.failed) throw this.failed;
  }

  destroy() {
    this.stream.destroy();
  }
}

export interface PrintedLeaf {
  index: number;
  salt: Uint8Array;
  /** The seven leaf fields as encoded (app/ledger/leaf.ts canonicalLeaf). */
  fields: string[];
}

/** Writes both files into `dir` (which exists); `attachments` describes them for the renderer. */
export class LedgerFiles {
  private readonly ledger: CsvFile;
  private readonly signatories: CsvFile;
  private printed = 0;

  constructor(readonly dir: string) {
    this.ledger = new CsvFile(path.join(dir, LEDGER_CSV), LEDGER_HEADER);
    this.signatories = new CsvFile(path.join(dir, SIGNATORIES_CSV), SIGNATORIES_HEADER);
  }

  async printedLeaf(leaf: PrintedLeaf) {
    const [name = "", city = "", country = "", organization = "", position = "", confirmed = "", revision = ""] = leaf.fields;
    await this.ledger.line([String(leaf.index), hex(leaf.salt), name, city, country, organization, position, confirmed, revision, ""]);
    this.printed++;
    await this.signatories.line([String(this.printed), ...[name, city, country, organization, position, confirmed].map(guardFormula)]);
  }

  async hashOnlyLeaf(index: number, leafHash: Uint8Array) {
    await this.ledger.line([String(index), "", "", "", "", "", "", "", "", hex(leafHash)]);
  }

  async close() {
    await Promise.all([this.ledger.close(), this.signatories.close()]);
  }

  destroy() {
    this.ledger.destroy();
    this.signatories.destroy();
  }

  get attachments(): LetterAttachment[] {
    return ledgerAttachments(this.dir);
  }
}

export function ledgerAttachments(dir: string): LetterAttachment[] {
  return [
    {
      name: LEDGER_CSV,
      path: path.join(dir, LEDGER_CSV),
      mimeType: "text/csv",
      description: "Signatory ledger: every leaf of the tree in index order (salt and fields, or the hash of a withdrawn leaf); see docs/verification.md",
    },
    {
      name: SIGNATORIES_CSV,
      path: path.join(dir, SIGNATORIES_CSV),
      mimeType: "text/csv",
      description: "Signatories as printed in this letter, for import",
    },
  ];
}
