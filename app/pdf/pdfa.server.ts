import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import zlib from "node:zlib";
import type { PdfSink } from "./output.server";
import { catalog, namesDictionary, rawObjects, referenceTo, replaceMetadataWriter } from "./pdfkit-internals.server";

/**
 * What makes a letter PDF/A-3u (ISO 19005-3, level U) beyond pdfkit's defaults, and its
 * associated files. pdfkit 0.20's own `subset` option knows only PDF/A-3, 3a and 3b, writes its
 * XMP without escaping (a title with "&" or "<" breaks the packet) and has no extension schema,
 * and `doc.file()` keeps the whole file in memory; so the letter does these parts itself:
 *
 *   - the XMP packet (pdfaid 3/U, dc:title, dc:creator, xmp dates = generatedAt, pdf:Producer and
 *     pdf:Keywords equal to the Info dictionary's, and the ledger head and letter code in a
 *     described extension schema) — installed in place of pdfkit's, uncompressed;
 *   - an sRGB output intent, with the ICC profile pdfkit ships (js/data/sRGB_IEC61966_2_1.icc);
 *   - the catalog's /Extensions /ESIC (PAdES, ETSI EN 319 142-1: BaseVersion 1.7, level 2);
 *   - associated files (PDF/A-3 §6.8): an EmbeddedFile stream per attachment, deflated while it
 *     is read from disk in 64 KB chunks (a million-row ledger.csv is ~130 MB) with an indirect
 *     /Length written after it; a Filespec with /AFRelationship /Data; the catalog's
 *     /Names /EmbeddedFiles and /AF.
 * Nothing here reads the clock: every date is the letter's generatedAt.
 */

export interface PdfaMetadata {
  title: string;
  author: string;
  creator: string;
  producer: string;
  keywords: string;
  date: Date;
  /** `v1 <size> <root hex>` (the Info dictionary's /AppealsLedger), when the letter has a ledger. */
  ledger: string | null;
  /** The letter's verification code (/AppealsLetterCode). */
  letterCode: string;
}

/** The namespace of the letter's own XMP properties (described by the extension schema below). */
export const APPEALS_XMP_NAMESPACE = "urn:appeals:letter:1#";

function xml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

/** "2025-03-01T12:00:00Z": the Info dictionary's dates have no milliseconds either. */
function xmpDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function property(name: string, description: string): string {
  return (
    `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>${name}</pdfaProperty:name>` +
    `<pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>` +
    `<pdfaProperty:description>${xml(description)}</pdfaProperty:description></rdf:li>`
  );
}

/** The XMP packet of a letter. */
export function xmpPacket(meta: PdfaMetadata): string {
  const date = xmpDate(meta.date);
  const appeals = [
    meta.ledger === null ? "" : `<appeals:Ledger>${xml(meta.ledger)}</appeals:Ledger>`,
    `<appeals:LetterCode>${xml(meta.letterCode)}</appeals:LetterCode>`,
  ].join("");
  return [
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>`,
    `<x:xmpmeta xmlns:x="adobe:ns:meta/">`,
    `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`,
    `<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance></rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format>` +
      `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xml(meta.title)}</rdf:li></rdf:Alt></dc:title>` +
      `<dc:creator><rdf:Seq><rdf:li>${xml(meta.author)}</rdf:li></rdf:Seq></dc:creator></rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreateDate>${date}</xmp:CreateDate>` +
      `<xmp:ModifyDate>${date}</xmp:ModifyDate><xmp:MetadataDate>${date}</xmp:MetadataDate><xmp:CreatorTool>${xml(meta.creator)}</xmp:CreatorTool></rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>${xml(meta.producer)}</pdf:Producer>` +
      (meta.keywords ? `<pdf:Keywords>${xml(meta.keywords)}</pdf:Keywords>` : "") +
      `</rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:appeals="${APPEALS_XMP_NAMESPACE}">${appeals}</rdf:Description>`,
    `<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">` +
      `<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">` +
      `<pdfaSchema:schema>Appeals delivery letter</pdfaSchema:schema><pdfaSchema:namespaceURI>${APPEALS_XMP_NAMESPACE}</pdfaSchema:namespaceURI>` +
      `<pdfaSchema:prefix>appeals</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>` +
      property("Ledger", "The signatory ledger this letter holds: v1, the tree size and the SHA-256 root in hex (docs/verification.md)") +
      property("LetterCode", "The letter's verification code") +
      `</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>`,
    `</rdf:RDF>`,
    `</x:xmpmeta>`,
    `<?xpacket end="w"?>`,
  ].join("\n");
}

let iccProfile: Buffer | null = null;

/** pdfkit's bundled sRGB IEC61966-2.1 profile (the ICC's freely distributable v2 profile). */
function srgbProfile(): Buffer {
  if (!iccProfile) {
    const require = createRequire(import.meta.url);
    iccProfile = fs.readFileSync(path.join(path.dirname(require.resolve("pdfkit")), "data", "sRGB_IEC61966_2_1.icc"));
  }
  return iccProfile;
}

/**
 * Makes `doc` a PDF/A-3u document when it ends: its XMP replaces pdfkit's, the output intent and
 * the ESIC extension are added to the catalog. Call right after creating the document (which
 * must have pdfVersion "1.7").
 */
export function makePdfA(doc: PDFKit.PDFDocument, meta: PdfaMetadata): void {
  const root = catalog(doc);
  root.Extensions = { ESIC: { BaseVersion: "1.7", ExtensionLevel: 2 } };
  replaceMetadataWriter(doc, () => {
    const profile = doc.ref({ N: 3 });
    profile.end(srgbProfile());
    const intent = doc.ref({
      Type: "OutputIntent",
      S: "GTS_PDFA1",
      OutputConditionIdentifier: new String("sRGB IEC61966-2.1"),
      Info: new String("sRGB IEC61966-2.1"),
      RegistryName: new String("http://www.color.org"),
      DestOutputProfile: profile,
    });
    intent.end(undefined);
    root.OutputIntents = [intent];

    const packet = Buffer.from(xmpPacket(meta), "utf8");
    const metadata = doc.ref({ Type: "Metadata", Subtype: "XML" });
    metadata.compress = false;
    metadata.end(packet);
    root.Metadata = metadata;
  });
}

/** A file the letter carries (the same shape as render.server.ts's LetterAttachment). */
export interface Attachment {
  name: string;
  path: string;
  mimeType: string;
  description: string;
}

/** A PDF date string, "D:20250301120000Z". */
function pdfDate(date: Date): string {
  return `D:${date.toISOString().slice(0, 19).replace(/[-:T]/g, "")}Z`;
}

/** A PDF literal string of ASCII text, or a hex UTF-16BE string otherwise. */
function pdfString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  const bytes = Buffer.from(`\ufeff${text}`, "utf16le").swap16();
  return `<${bytes.toString("hex")}>`;
}

/** "text/csv" → "/text#2Fcsv" (a name: "/" and other delimiters as #xx). */
function pdfName(text: string): string {
  return `/${text.replace(/[^A-Za-z0-9.\-_+]/g, (c) => `#${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`)}`;
}

const CHUNK = 64 * 1024;

/**
 * Streams one file into the PDF as an EmbeddedFile stream and returns its object number. The
 * file is read in CHUNK pieces and deflated as it goes; the output waits for the sink between
 * chunks, so memory stays at a few chunks whatever the file's size. Throws if the file changes
 * size while it is read.
 */
async function embedFile(doc: PDFKit.PDFDocument, sink: PdfSink, file: Attachment, date: Date): Promise<number> {
  const raw = rawObjects(doc);
  const handle = await fs.promises.open(file.path, "r");
  try {
    const { size } = await handle.stat();
    const id = raw.reserve();
    const lengthId = raw.reserve();
    raw.begin(id);
    raw.write(
      `${id} 0 obj\n<< /Type /EmbeddedFile /Subtype ${pdfName(file.mimeType)} /Filter /FlateDecode /Length ${lengthId} 0 R ` +
        `/Params << /Size ${size} /ModDate ${pdfString(pdfDate(date))} >> >>\nstream\n`,
    );
    let length = 0;
    const deflate = zlib.createDeflate({ level: 6 });
    const out: Buffer[] = [];
    deflate.on("data", (chunk: Buffer) => out.push(chunk));
    const drain = async () => {
      for (const chunk of out.splice(0)) {
        raw.write(chunk);
        length += chunk.length;
      }
      await sink.ready();
    };
    const buffer = Buffer.allocUnsafe(CHUNK);
    let read = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      // write() copies nothing: wait for zlib to take this chunk before the buffer is reused.
      await new Promise<void>((resolve, reject) => deflate.write(buffer.subarray(0, bytesRead), (e) => (e ? reject(e) : resolve())));
      await drain();
    }
    await new Promise<void>((resolve, reject) => {
      deflate.once("end", resolve);
      deflate.once("error", reject);
      deflate.end();
    });
    await drain();
    if (read !== size) throw new Error(`the attachment ${file.name} changed while it was embedded`);
    raw.write("\nendstream\nendobj\n");
    raw.begin(lengthId);
    raw.write(`${lengthId} 0 obj\n${length}\nendobj\n`);
    return id;
  } finally {
    await handle.close();
  }
}

/**
 * Embeds `files` as PDF/A-3 associated files of the document (catalog /AF and
 * /Names /EmbeddedFiles). Call once, after the last page's content and before doc.end().
 */
export async function embedAttachments(doc: PDFKit.PDFDocument, sink: PdfSink, files: Attachment[], date: Date): Promise<void> {
  if (files.length === 0) return;
  const names = new Set(files.map((f) => f.name));
  if (names.size !== files.length) throw new Error("two attachments have the same name");
  const raw = rawObjects(doc);
  const specs: Array<{ name: string; id: number }> = [];
  for (const file of files) {
    const stream = await embedFile(doc, sink, file, date);
    const id = raw.reserve();
    const name = pdfString(file.name);
    raw.begin(id);
    raw.write(
      `${id} 0 obj\n<< /Type /Filespec /F ${name} /UF ${name} /Desc ${pdfString(file.description)} ` +
        `/AFRelationship /Data /EF << /F ${stream} 0 R /UF ${stream} 0 R >> >>\nendobj\n`,
    );
    specs.push({ name: file.name, id });
    await sink.ready();
  }
  // The name tree's keys sorted as byte strings (PDF 32000 §7.9.6); names are ASCII file names.
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tree = doc.ref({ Names: sorted.flatMap((s) => [new String(s.name), referenceTo(doc, s.id)]) });
  tree.end(undefined);
  namesDictionary(doc).EmbeddedFiles = tree;
  catalog(doc).AF = specs.map((s) => referenceTo(doc, s.id));
}
