import crypto from "node:crypto";
import { TreeBuilder, consistencyProof, equalBytes, hashLeaf, inclusionProof, verifyConsistency, verifyInclusion } from "../ledger/merkle";
import { ReceiptError, decodeReceipt } from "../ledger/receipt";
import { checkCms, type SignerFacts } from "./cms.server";
import { readLedger, type GrowingLeafHashes } from "./ledger-files";
import { PdfDocument, PdfError, PdfName, PdfString, isDict, isName, type ByteSource, type PdfDict, type PdfValue } from "./pdf-reader.server";

/**
 * Everything `npm run verify` checks in a letter, with no database and no network
 * (docs/verification.md §4): the PAdES signature over the whole file, the embedded ledger against
 * the size and root the letter states, the signatory list against the ledger, and optionally a
 * signer's receipt and an earlier letter's (size, root). Each failed check is one line in
 * `failures`; each check that held, one line in `held`. The letter is valid only when
 * `failures` is empty.
 */

export interface VerifyOptions {
  /** A receipt (app/ledger/receipt.ts) to find in the letter. */
  receipt?: string;
  /** An earlier letter of the same appeal that this one must extend. */
  earlier?: ByteSource;
  /** The signer certificate's SHA-256 fingerprint the reader expects (hex, colons and case ignored). */
  fingerprint?: string;
}

export interface LetterFacts {
  code: string | null;
  /** What /AppealsLedger states. */
  ledger: { size: number; root: string } | null;
  signer: SignerFacts | null;
  /** /M of the signature dictionary (the claimed time, not proven). */
  signedAt: string | null;
  timestamp: Date | null;
  /** SHA-256 of the whole file, hex, as /verify/<code> shows it. */
  fileSha256: string | null;
}

export interface VerifyReport {
  failures: string[];
  held: string[];
  facts: LetterFacts;
}

const LEDGER_KEY = /^v1 (0|[1-9]\d{0,14}) ([0-9a-f]{64})$/;

export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, "").toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex.replace(/(..)(?!$)/g, "$1:") : null;
}

/** One pass over the file: the SHA-256 of all of it, and of all but the bytes [holeStart, holeEnd). */
async function hashFile(source: ByteSource, holeStart: number, holeEnd: number): Promise<{ file: string; signed: Buffer }> {
  const file = crypto.createHash("sha256");
  const signed = crypto.createHash("sha256");
  let at = 0;
  for await (const chunk of source.stream(0, source.size)) {
    file.update(chunk);
    const end = at + chunk.length;
    if (end <= holeStart || at >= holeEnd) signed.update(chunk);
    else {
      if (at < holeStart) signed.update(chunk.subarray(0, holeStart - at));
      if (end > holeEnd) signed.update(chunk.subarray(holeEnd - at));
    }
    at = end;
  }
  return { file: file.digest("hex"), signed: signed.digest() };
}

/** The signature fields' values (/V) of the AcroForm, at most 1000 fields deep and wide. */
async function signatureDicts(doc: PdfDocument, catalog: PdfDict): Promise<PdfDict[]> {
  const form = await doc.resolve(catalog.get("AcroForm"));
  if (!isDict(form)) return [];
  const fields = await doc.resolve(form.get("Fields"));
  const queue: { value: PdfValue; depth: number }[] = Array.isArray(fields) ? fields.map((value) => ({ value, depth: 0 })) : [];
  const found: PdfDict[] = [];
  for (let seen = 0; queue.length && seen < 1000; seen++) {
    const next = queue.shift();
    if (!next) break;
    const field = await doc.resolve(next.value);
    if (!isDict(field)) continue;
    const kids = await doc.resolve(field.get("Kids"));
    if (Array.isArray(kids) && next.depth < 8) queue.push(...kids.map((value) => ({ value, depth: next.depth + 1 })));
    if (isName(field.get("FT"), "Sig")) {
      const v = await doc.resolve(field.get("V"));
      if (isDict(v)) found.push(v);
    }
  }
  return found;
}

/** A PDF date ("D:20261201100000Z", "D:20261201130000+03'00'") as ISO 8601, or as it is. */
export function pdfDate(value: string): string {
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}'?\d{2}'?)?/.exec(value);
  if (!m) return value;
  const zone = !m[7] || m[7] === "Z" ? "Z" : `${m[7].slice(0, 3)}:${m[7].replace(/'/g, "").slice(3, 5)}`;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
}

function text(value: PdfValue): string | null {
  return value instanceof PdfString ? value.text() : null;
}

/** The embedded files by name: the EmbeddedFiles name tree, and the catalog's /AF (PDF/A-3). */
async function embeddedFiles(doc: PdfDocument, catalog: PdfDict): Promise<Map<string, PdfDict[]>> {
  const specs: PdfValue[] = [];
  const names = await doc.resolve(catalog.get("Names"));
  if (isDict(names)) {
    const queue: { node: PdfValue; depth: number }[] = [{ node: names.get("EmbeddedFiles") ?? null, depth: 0 }];
    for (let seen = 0; queue.length && seen < 1000; seen++) {
      const next = queue.shift();
      if (!next) break;
      const node = await doc.resolve(next.node);
      if (!isDict(node)) continue;
      const pairs = await doc.resolve(node.get("Names"));
      if (Array.isArray(pairs)) for (let i = 1; i < pairs.length; i += 2) specs.push(pairs[i] ?? null);
      const kids = await doc.resolve(node.get("Kids"));
      if (Array.isArray(kids) && next.depth < 8) queue.push(...kids.map((node) => ({ node, depth: next.depth + 1 })));
    }
  }
  const af = await doc.resolve(catalog.get("AF"));
  if (Array.isArray(af)) specs.push(...af);
  const byName = new Map<string, PdfDict[]>();
  const seenStreams = new Set<string>();
  for (const ref of specs.slice(0, 1000)) {
    const spec = await doc.resolve(ref);
    if (!isDict(spec)) continue;
    const name = text(await doc.resolve(spec.get("UF"))) ?? text(await doc.resolve(spec.get("F")));
    const ef = await doc.resolve(spec.get("EF"));
    if (!name || !isDict(ef)) continue;
    const streamRef = ef.get("UF") ?? ef.get("F");
    const key = streamRef && "num" in Object(streamRef) ? JSON.stringify(streamRef) : null;
    // The same file listed in the name tree and in /AF counts once.
    if (key && seenStreams.has(`${name}\0${key}`)) continue;
    if (key) seenStreams.add(`${name}\0${key}`);
    byName.set(name, [...(byName.get(name) ?? []), spec]);
  }
  return byName;
}

interface FileStream {
  chunks: AsyncIterable<Uint8Array>;
}

async function fileStream(doc: PdfDocument, spec: PdfDict): Promise<FileStream> {
  const ef = await doc.dict(spec.get("EF"), "an embedded file's /EF");
  const ref = ef.get("UF") ?? ef.get("F");
  if (!ref || !("num" in Object(ref))) throw new PdfError("an embedded file's /EF is not a reference to a stream");
  const obj = await doc.object((ref as { num: number }).num);
  if (!obj || !isDict(obj.value) || obj.streamStart === undefined) throw new PdfError("an embedded file is not a stream");
  return { chunks: doc.streamChunks(obj.value, obj.streamStart) };
}

interface Letter {
  report: VerifyReport;
  size: number | null;
  root: Uint8Array | null;
  leaves: GrowingLeafHashes | null;
}

async function checkSignature(doc: PdfDocument, source: ByteSource, catalog: PdfDict, options: VerifyOptions, report: VerifyReport): Promise<void> {
  const { failures, held, facts } = report;
  const sigs = await signatureDicts(doc, catalog);
  if (sigs.length === 0) {
    failures.push("signature: the letter carries no signature");
    return;
  }
  if (sigs.length > 1) failures.push(`signature: the letter carries ${sigs.length} signatures, not one`);
  const sig = sigs[sigs.length - 1];
  if (!sig) return;
  const subFilter = sig.get("SubFilter");
  if (!isName(subFilter, "ETSI.CAdES.detached"))
    failures.push(`signature: /SubFilter is ${subFilter instanceof PdfName ? subFilter.name : "missing"}, not ETSI.CAdES.detached`);
  const claimed = text(sig.get("M") ?? null);
  facts.signedAt = claimed === null ? null : pdfDate(claimed);
  const range = sig.get("ByteRange");
  const contents = sig.get("Contents");
  if (!Array.isArray(range) || range.length !== 4 || !range.every((n): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)) {
    failures.push("signature: /ByteRange is not four non-negative integers");
    return;
  }
  if (!(contents instanceof PdfString) || !contents.hex) {
    failures.push("signature: /Contents is not a hex string");
    return;
  }
  // [0 a b d]: the bytes [0, a) and [b, b + d), where [a, b) is exactly the <hex> of /Contents.
  const [a0 = -1, a = -1, b = -1, d = -1] = range;
  if (b + d !== source.size) {
    failures.push(
      `signature: the signature does not cover the whole file (it ends at byte ${b + d} of ${source.size}: bytes were added or removed after signing)`,
    );
    return;
  }
  if (a0 !== 0 || a !== contents.start || b !== contents.end) {
    failures.push("signature: /ByteRange does not leave out exactly the signature's /Contents");
    return;
  }
  const hashes = await hashFile(source, a, b);
  facts.fileSha256 = hashes.file;
  const digest = hashes.signed;
  held.push(`the signature covers the whole file but its /Contents (ByteRange [0 ${a} ${b} ${d}])`);
  const cms = await checkCms(contents.bytes, digest);
  failures.push(...cms.failures);
  held.push(...cms.held);
  facts.signer = cms.signer;
  facts.timestamp = cms.timestamp;
  if (cms.signer && options.fingerprint !== undefined) {
    const expected = normalizeFingerprint(options.fingerprint);
    if (!expected) failures.push("signature: --fingerprint is not a SHA-256 fingerprint (64 hex digits)");
    else if (expected !== cms.signer.fingerprint)
      failures.push(`signature: signed by another certificate (${cms.signer.fingerprint}) than the expected ${expected}`);
    else held.push("the signer's certificate is the expected one (--fingerprint)");
  }
}

async function readLetter(source: ByteSource, options: VerifyOptions, keepLeaves: boolean): Promise<Letter> {
  const report: VerifyReport = { failures: [], held: [], facts: { code: null, ledger: null, signer: null, signedAt: null, timestamp: null, fileSha256: null } };
  const letter: Letter = { report, size: null, root: null, leaves: null };
  const { failures, held, facts } = report;
  let doc: PdfDocument;
  let catalog: PdfDict;
  try {
    doc = await PdfDocument.open(source);
    catalog = await doc.dict(doc.trailer.get("Root"), "the catalog (/Root)");
  } catch (error) {
    failures.push(`pdf: not a readable PDF: ${error instanceof PdfError ? error.message : "unexpected structure"}`);
    return letter;
  }
  const guard = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      failures.push(`${what}: ${error instanceof PdfError ? error.message : `cannot be read (${error instanceof Error ? error.message : String(error)})`}`);
    }
  };
  await guard("signature", () => checkSignature(doc, source, catalog, options, report));
  if (facts.fileSha256 === null) await guard("pdf", async () => void (facts.fileSha256 = (await hashFile(source, 0, 0)).file));
  await guard("metadata", async () => {
    const info = await doc.resolve(doc.trailer.get("Info"));
    const dict = isDict(info) ? info : new Map<string, PdfValue>();
    facts.code = text(await doc.resolve(dict.get("AppealsLetterCode")));
    if (facts.code === null) failures.push("metadata: no /AppealsLetterCode in the document information");
    const stated = text(await doc.resolve(dict.get("AppealsLedger")));
    const m = stated === null ? null : LEDGER_KEY.exec(stated);
    if (!m?.[1] || !m[2])
      failures.push(stated === null ? "metadata: no /AppealsLedger in the document information" : 'metadata: /AppealsLedger is not "v1 <size> <root>"');
    else facts.ledger = { size: Number(m[1]), root: m[2] };
  });
  await guard("ledger", async () => {
    const files = await embeddedFiles(doc, catalog);
    const one = (name: string) => {
      const specs = files.get(name) ?? [];
      if (specs.length > 1) failures.push(`ledger: the letter embeds ${specs.length} files named ${name}`);
      if (specs.length === 0) failures.push(`ledger: the letter embeds no ${name}`);
      return specs.length === 1 ? specs[0] : undefined;
    };
    const ledgerSpec = one("ledger.csv");
    const listSpec = one("signatories.csv");
    if (!ledgerSpec) return;
    const ledger = await fileStream(doc, ledgerSpec);
    const list = listSpec ? await fileStream(doc, listSpec) : null;
    const result = await readLedger(ledger.chunks, list?.chunks ?? null, keepLeaves);
    failures.push(...result.failures.map((f) => `ledger: ${f}`));
    if (result.size === null || !result.root) return;
    letter.size = result.size;
    letter.root = result.root;
    letter.leaves = result.leaves;
    const root = Buffer.from(result.root).toString("hex");
    if (facts.ledger) {
      if (facts.ledger.size !== result.size || facts.ledger.root !== root) {
        failures.push(
          `ledger: the embedded ledger.csv gives ${result.size} entries with root ${root}, but the letter states ${facts.ledger.size} entries with root ${facts.ledger.root}`,
        );
      } else held.push(`the embedded ledger.csv rebuilds the stated tree: ${result.size} entries, root ${root}`);
    }
    if (list && !result.failures.some((f) => f.startsWith("signatories.csv")))
      held.push(`signatories.csv lists exactly the ${result.printed} signatories ledger.csv prints, in order`);
  });
  return letter;
}

function checkReceipt(text: string, letter: Letter, report: VerifyReport): void {
  let receipt;
  try {
    receipt = decodeReceipt(text.trim());
  } catch (error) {
    report.failures.push(`receipt: refused: ${error instanceof ReceiptError ? error.message : "unreadable"}`);
    return;
  }
  const stated = report.facts.ledger;
  if (!stated) {
    report.failures.push("receipt: cannot be checked: the letter states no ledger");
    return;
  }
  if (receipt.index >= stated.size) {
    report.failures.push(`receipt: not in this letter: entry ${receipt.index} is beyond its ${stated.size} entries (a later letter may hold it)`);
    return;
  }
  const leaves = letter.leaves;
  const mine = hashLeaf(receipt.leaf);
  const theirs = leaves?.at(receipt.index);
  if (!leaves || !theirs) {
    report.failures.push("receipt: cannot be checked: the letter's ledger could not be read");
    return;
  }
  if (!equalBytes(mine, theirs)) {
    report.failures.push(`receipt: refused: entry ${receipt.index} of the letter is another leaf (an altered or forged receipt, or another appeal's)`);
    return;
  }
  const proof = inclusionProof(receipt.index, leaves);
  if (!verifyInclusion(mine, receipt.index, stated.size, proof, Buffer.from(stated.root, "hex"))) {
    report.failures.push("receipt: the inclusion proof does not verify against the letter's root");
    return;
  }
  report.held.push(
    `receipt: included in letter ${report.facts.code ?? "(no code)"} as entry ${receipt.index + 1} of ${stated.size} (index ${receipt.index}, an inclusion proof of ${proof.length} hashes verifies against the root)`,
  );
}

async function checkEarlier(source: ByteSource, letter: Letter, report: VerifyReport): Promise<void> {
  const earlier = await readLetter(source, {}, false);
  report.failures.push(...earlier.report.failures.map((f) => `earlier letter: ${f}`));
  const m = earlier.report.facts.ledger;
  const n = report.facts.ledger;
  const code = earlier.report.facts.code ?? "(no code)";
  if (!m) {
    report.failures.push("consistency: the earlier letter states no ledger");
    return;
  }
  if (!n) {
    report.failures.push("consistency: this letter states no ledger");
    return;
  }
  if (earlier.report.facts.code !== null && earlier.report.facts.code === report.facts.code) {
    report.failures.push("consistency: the earlier letter has this letter's own code");
  }
  if (m.size > n.size) {
    report.failures.push(`consistency: the earlier letter ${code} has more entries (${m.size}) than this one (${n.size}): it is not earlier`);
    return;
  }
  const leaves = letter.leaves;
  if (!leaves || letter.size !== n.size) {
    report.failures.push("consistency: cannot be checked: this letter's ledger could not be read");
    return;
  }
  const builder = new TreeBuilder();
  for (let i = 0; i < m.size; i++) builder.push(leaves.at(i) ?? new Uint8Array(32));
  const rootM = Buffer.from(m.root, "hex");
  if (!equalBytes(builder.root(), rootM)) {
    report.failures.push(
      `consistency: this letter does not extend the earlier letter ${code}: its first ${m.size} entries do not give the earlier root (a signatory removed or changed, or another appeal's letter)`,
    );
    return;
  }
  const proof = consistencyProof(m.size, leaves);
  if (!verifyConsistency(m.size, n.size, rootM, Buffer.from(n.root, "hex"), proof)) {
    report.failures.push("consistency: the consistency proof does not verify");
    return;
  }
  report.held.push(
    `consistency: this letter (${n.size} entries) extends the earlier letter ${code} (${m.size} entries); a consistency proof of ${proof.length} hashes verifies`,
  );
}

export async function verifyLetter(source: ByteSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const letter = await readLetter(source, options, options.receipt !== undefined || options.earlier !== undefined);
  if (options.receipt !== undefined) checkReceipt(options.receipt, letter, letter.report);
  if (options.earlier) await checkEarlier(options.earlier, letter, letter.report);
  return letter.report;
}
