import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import PDFDocument from "pdfkit";
import { encodeLeaf, type LeafFields } from "../ledger/leaf";
import { TreeBuilder, hashLeaf } from "../ledger/merkle";
import { addSignaturePlaceholder } from "../pdf/signature-placeholder.server";
import { signPdfFile, type SignOptions } from "../pdf/sign.server";
import type { SigningIdentity } from "../pdf/signing-identity.server";
import { LEDGER_HEADER, SIGNATORIES_HEADER, guardCell } from "./ledger-files";

/**
 * Letters made for the verifier's tests exactly as the contract of issue 13 says a delivered letter
 * is (docs/verification.md §1.6, §2): pdfkit, the two CSV files embedded (doc.file, FlateDecode,
 * /AFRelationship /Data), /AppealsLedger and /AppealsLetterCode in the Info dictionary, the tree on
 * every page's footer, a PAdES signature by app/pdf/sign.server.ts. Each file can be tampered with
 * on the way (`tamper`), to test that the verifier notices. Test code only.
 */

export type Entry = { fields: LeafFields; salt: Uint8Array } | { hidden: Uint8Array };

export interface LetterSpec {
  lang: "en" | "ru" | "kk";
  code: string;
  entries: Entry[];
  identity: SigningIdentity;
  sign?: SignOptions;
  /** Draw at most this many rows on the pages (large letters; the embedded files hold them all). */
  drawRows?: number;
  tamper?: {
    ledgerCsv?: (text: string) => string;
    signatoriesCsv?: (text: string) => string;
    /** The stated "v1 <size> <root>". */
    stated?: (text: string) => string;
    /** No signature placeholder (an unsigned letter). */
    unsigned?: boolean;
    /** Leave out an embedded file. */
    omit?: "ledger.csv" | "signatories.csv";
  };
}

const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const line = (cells: string[]) => `${cells.map(cell).join(",")}\n`;

export const isPrinted = (e: Entry): e is { fields: LeafFields; salt: Uint8Array } => "fields" in e;

export function leafHashOf(e: Entry): Uint8Array {
  return isPrinted(e) ? hashLeaf(encodeLeaf(e.fields, e.salt)) : e.hidden;
}

export function treeOf(entries: Entry[]): { size: number; root: string } {
  const b = new TreeBuilder();
  for (const e of entries) b.push(leafHashOf(e));
  return { size: b.size, root: Buffer.from(b.root()).toString("hex") };
}

export function ledgerCsv(entries: Entry[]): string {
  let out = `${LEDGER_HEADER}\n`;
  entries.forEach((e, index) => {
    if (!isPrinted(e)) out += line([String(index), "", "", "", "", "", "", "", "", Buffer.from(e.hidden).toString("hex")]);
    else {
      const f = e.fields;
      out += line([
        String(index),
        Buffer.from(e.salt).toString("hex"),
        f.name,
        f.city ?? "",
        f.country ?? "",
        f.organization ?? "",
        f.position ?? "",
        f.confirmed,
        String(f.revision),
        "",
      ]);
    }
  });
  return out;
}

export function signatoriesCsv(entries: Entry[]): string {
  let out = `${SIGNATORIES_HEADER}\n`;
  let n = 0;
  for (const e of entries) {
    if (!isPrinted(e)) continue;
    const f = e.fields;
    out += line([String(++n), ...[f.name, f.city ?? "", f.country ?? "", f.organization ?? "", f.position ?? "", f.confirmed].map(guardCell)]);
  }
  return out;
}

const TITLES = { en: "Open letter", ru: "Открытое письмо", kk: "Ашық хат" };
const FOOTER = { en: "Signatory ledger", ru: "Реестр подписей", kk: "Қол қоюшылар тізілімі" };

function fontPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", "DejaVuSans.ttf");
}

/** Writes the letter to `file` (signed unless tamper.unsigned) and returns its tree. */
export async function makeLetter(file: string, spec: LetterSpec): Promise<{ size: number; root: string }> {
  const tree = treeOf(spec.entries);
  const generatedAt = new Date("2026-12-01T10:00:00Z");
  const doc = new PDFDocument({ size: "A4", margin: 50, compress: true, info: { Title: TITLES[spec.lang], CreationDate: generatedAt, ModDate: generatedAt } });
  // @types/pdfkit knows only the standard Info keys.
  Reflect.set(doc.info, "AppealsLedger", (spec.tamper?.stated ?? ((s: string) => s))(`v1 ${tree.size} ${tree.root}`));
  Reflect.set(doc.info, "AppealsLetterCode", spec.code);
  doc.registerFont("body", fontPath());
  doc.font("body");
  const footer = () => doc.fontSize(6).text(`${FOOTER[spec.lang]}: ${tree.size} · ${tree.root}`, 50, 800, { lineBreak: false });
  doc.fontSize(16).text(TITLES[spec.lang], 50, 50);
  doc.fontSize(9);
  let y = 90;
  let n = 0;
  for (const e of spec.entries) {
    if (!isPrinted(e)) continue;
    if (n >= (spec.drawRows ?? Infinity)) break;
    if (y > 760) {
      footer();
      doc.addPage();
      doc.font("body").fontSize(9);
      y = 50;
    }
    doc.fontSize(9).text(`${++n}. ${e.fields.name}, ${e.fields.city ?? ""} ${e.fields.country ?? ""} ${e.fields.confirmed}`, 50, y, { lineBreak: false });
    y += 12;
  }
  footer();
  const attach = (name: string, text: string) => {
    // pdfkit writes /AFRelationship from `relationship`, which @types/pdfkit does not know yet.
    const options = { name, type: "text/csv", relationship: "Data", description: name, creationDate: generatedAt, modifiedDate: generatedAt };
    doc.file(Buffer.from(text, "utf8"), options);
  };
  if (spec.tamper?.omit !== "ledger.csv") attach("ledger.csv", (spec.tamper?.ledgerCsv ?? ((s: string) => s))(ledgerCsv(spec.entries)));
  if (spec.tamper?.omit !== "signatories.csv") attach("signatories.csv", (spec.tamper?.signatoriesCsv ?? ((s: string) => s))(signatoriesCsv(spec.entries)));
  if (!spec.tamper?.unsigned) addSignaturePlaceholder(doc, { signedAt: generatedAt, name: "Test organization", reason: spec.code });
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  doc.pipe(out);
  doc.end();
  await done;
  if (!spec.tamper?.unsigned) await signPdfFile(file, spec.identity, spec.sign);
  return tree;
}
