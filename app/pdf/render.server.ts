import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import PDFDocument from "pdfkit";
import { isRtlLang, NATIVE_NAMES } from "../i18n/languages";
import { LetterFormat } from "./format";
import {
  CONTENT_LEFT,
  CONTENT_RIGHT,
  CONTENT_WIDTH,
  FOOTER,
  MARGIN,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  ROWS_PER_FULL_PAGE,
  TABLE,
  planList,
  type ListPlan,
} from "./layout";
import { BODY, drawMarkdown, drawPlain, ensureSpace, lineHeight, useScriptBody, type BodyContext, type FontName } from "./markdown.server";
import { PdfSink } from "./output.server";
import { embedAttachments, makePdfA } from "./pdfa.server";
import {
  clearLayoutCache,
  embeddedFont,
  loadedFont,
  registerFont,
  releaseWrittenPage,
  setFileId,
  usedFonts,
  type FontkitFont,
} from "./pdfkit-internals.server";
import { ListCells } from "./list-cells.server";
import { PrintableText } from "./printable.server";
import { RawFont, RawPage, RawStyle } from "./raw-text.server";
import type { Weight } from "./script-fonts.server";
import { drawShapedParagraph, drawStyledParagraph } from "./shaped-paragraph.server";
import { ScriptFonts, type ShapedLine } from "./shaped-text.server";
import { addSignaturePlaceholder, type SignaturePlaceholder } from "./signature-placeholder.server";
import { ARTIFACT, StructureTree, type RawMark, type StructElement } from "./tagging.server";
import { letterLanguage } from "./strings";

/**
 * The pure drawing step of the delivery letter: data in, PDF bytes out, nothing else.
 *
 * Layout: heading (organization, date, addressees, title, revision, translation note), the body
 * from Markdown, then the signatory list as a table of fixed-height rows. Every page has a footer
 * with "page X of Y", the appeal address, the count and the verification code.
 *
 * How Y is known before page 1 is written (pages are streamed, never buffered): the front matter
 * (heading + body + list title) is first drawn into a throwaway document — a dry run, a few ms —
 * which gives its page count and the y where the table starts. Every list row has the same
 * height, so the rest is arithmetic (layout.ts, `planList`). The real run asserts it lands on the
 * same page and y.
 *
 * Memory stays nearly flat with the row count: pages are written as soon as the next one starts
 * (no bufferPages) and then released (releaseWrittenPage), rows are drawn with raw text operators
 * that bypass pdfkit's unbounded per-word layout cache (which is also emptied on every page),
 * per-row Intl results are memoised in capped maps, and output waits for the destination to
 * drain (output.server.ts). What still grows is pdfkit's bookkeeping: one empty page reference
 * per page, 4 bytes per PDF object (its offset; compactObjectTable in pdfkit-internals), and at
 * most FLAGGED_LIMIT flagged names.
 *
 * Archival and accessible (PDF/A-3u, Tagged PDF): pdfa.server.ts writes the XMP, the sRGB output
 * intent, the ESIC extension and the attached files (streamed from disk at the end); the
 * structure tree (tagging.server.ts) is written as the pages go — headings, paragraphs, lists,
 * the signatory list as a Table whose rows are TR/TD elements in a TBody per page, each part of a
 * combined letter a Part with its /Lang — its elements in compressed object streams and the file
 * ending with a cross-reference stream, so a million-row letter's ~5 million structure elements
 * cost ~125 MB of file rather than ~570 MB. Footers and repeated table headers are artifacts.
 * With `input.ledger`, every footer has a third line with the ledger's size and root, and the
 * Info dictionary and the XMP carry it (/AppealsLedger "v1 <size> <root>", /AppealsLetterCode).
 *
 * A letter in a right-to-left language (isRtlLang: Arabic, Persian) is laid out mirrored: every
 * paragraph, the heading's fields and the letter's own words are drawn by the shaped engine with
 * a right-to-left base direction and aligned right; the organization is on the right and the
 * date on the left, the addressees in the left half; the table's columns are mirrored
 * (x' = PAGE_WIDTH − x − width: the number on the right, the date on the left) with cells aligned
 * right; the footer's page number and count on the left. Left-to-right letters take the code
 * paths they always took (every mirrored branch is behind `rtl`).
 *
 * Same input, same bytes: CreationDate/ModDate are `generatedAt`, the trailer /ID is an md5 of
 * the snapshot id and language, fonts are subset in first-use order, nothing reads the clock.
 */

export interface LetterAddressee {
  name: string;
  position: string;
  institution: string;
}

export interface LetterSignatory {
  name: string;
  city: string | null;
  country: string | null;
  organization: string | null;
  position: string | null;
  confirmedAt: Date;
  /** Revision the signer signed. */
  revision: number;
  /** Collected on a paper sheet and entered by the organizers: printed "on paper" under the date. */
  paper?: boolean;
}

export interface LetterInput {
  /** Letter language: en, ru, kk, uk, pl, de, fr, es, ky, uz, tg (others fall back to English strings). */
  lang: string;
  /** If lang !== originalLanguage the letter is a translation and says so. */
  originalLanguage: string;
  organization: string;
  /** Snapshot time; also the PDF's CreationDate/ModDate. */
  generatedAt: Date;
  /** Pins the PDF file ID (deterministic bytes). */
  snapshotId: string;
  title: string;
  bodyMarkdown: string;
  addressees: LetterAddressee[];
  /** Current revision number of the text. */
  revision: number;
  /** Printed on every page. */
  appealUrl: string;
  /** Printed on every page, e.g. "7K3Q-9XWD-M2PA". */
  verificationCode: string;
  /** Printed in every footer after the code. */
  verifyUrl: string;
  /** Number of signatories `rows` will yield (the page count depends on it). */
  count: number;
  /**
   * The appeal's signatory ledger as this letter holds it (app/ledger/, docs/verification.md): the
   * tree size and root (64 hex digits), printed on every page and in the metadata. Size and root go
   * together: a proof does not bind the size on its own.
   */
  ledger?: LedgerHead;
}

export interface LedgerHead {
  size: number;
  /** SHA-256 root, lower-case hex. */
  root: string;
}

/** A file the letter carries (PDF/A-3 associated file), read from `path` when the letter ends. */
export interface LetterAttachment {
  /** File name shown by PDF readers, e.g. "signatories.csv". */
  name: string;
  path: string;
  /** e.g. "text/csv". */
  mimeType: string;
  description: string;
}

export interface RenderResult {
  pages: number;
  /**
   * Signatories (as given) whose row shows a transliteration, marked † in the letter: the name or
   * another field of theirs is in a script the letter cannot print (see printable.server.ts).
   * At most FLAGGED_LIMIT names are listed; `flaggedTotal` counts them all.
   */
  flaggedNames: string[];
  flaggedTotal: number;
}

export interface LetterPart {
  input: LetterInput;
  rows: () => AsyncIterable<LetterSignatory>;
}

export const FLAGGED_LIMIT = 10_000;

const TEXT = "#111111";
const MUTED = "#4a4a4a";
const RAW_MUTED = 0.35;
const RAW_LIGHT = 0.45;
const FOOTER_ARTIFACT: RawMark = { open: "/Artifact <</Type /Pagination /Subtype /Footer>> BDC" };
const COLUMN_HEADER = "/A<</O/Table/Scope/Column>>";
/** A right-to-left letter's row numbers end here: the number column's outer edge, mirrored (LTR: it starts at CONTENT_LEFT + 2). */
const RTL_NUMBER_RIGHT = PAGE_WIDTH - (CONTENT_LEFT + 2);
/** Mirrors a column of the left-to-right table: its left end in a right-to-left letter. */
const mirrored = (x: number, width: number): number => PAGE_WIDTH - x - width;

const FONT_FILES: Record<FontName, string> = {
  regular: "DejaVuSans.ttf",
  bold: "DejaVuSans-Bold.ttf",
  italic: "DejaVuSans-Oblique.ttf",
  boldItalic: "DejaVuSans-BoldOblique.ttf",
  mono: "DejaVuSansMono.ttf",
};
const FONT_NAMES: FontName[] = ["regular", "bold", "italic", "boldItalic", "mono"];

let fontBytes: Record<FontName, Buffer> | null = null;

/** The DejaVu TTF files, read once per process. Never pdfkit's built-in Helvetica (no Cyrillic). */
export function fontFiles(): Record<FontName, Buffer> {
  if (!fontBytes) {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
    const read = (name: FontName) => fs.readFileSync(path.join(dir, FONT_FILES[name]));
    fontBytes = { regular: read("regular"), bold: read("bold"), italic: read("italic"), boldItalic: read("boldItalic"), mono: read("mono") };
  }
  return fontBytes;
}

/** The raw-text styles of one document (footer, table header, rows). */
interface RawStyles {
  footer: RawStyle;
  footerBold: RawStyle;
  legend: RawStyle;
  header: RawStyle;
  headerDetail: RawStyle;
  number: RawStyle;
  line1: RawStyle;
  line2: RawStyle;
}

/** The fonts of one pdfkit document, for raw text and for the printable check. */
interface DocFonts {
  regular: RawFont;
  bold: RawFont;
  styles: RawStyles;
  /** Text in other scripts (Arabic, Hebrew, CJK, Korean, Devanagari, Thai), shaped and in bidi order. */
  scripts: ScriptFonts;
  /** The fonts user text must be printable in: names and headings use regular and bold. */
  letterFonts: FontkitFont[];
}

function rawStyles(regular: RawFont, bold: RawFont): RawStyles {
  return {
    footer: new RawStyle(regular, FOOTER.size, RAW_MUTED),
    footerBold: new RawStyle(bold, FOOTER.size, RAW_MUTED),
    legend: new RawStyle(regular, 7, RAW_MUTED),
    header: new RawStyle(bold, TABLE.headerSize, 0.15),
    headerDetail: new RawStyle(regular, TABLE.headerSize, RAW_MUTED),
    number: new RawStyle(regular, 8, RAW_LIGHT),
    line1: new RawStyle(regular, TABLE.line1Size, 0),
    line2: new RawStyle(regular, TABLE.line2Size, RAW_MUTED),
  };
}

/**
 * The fontkit fonts parsed for one render, handed from the dry run to the real document so
 * they are parsed once per render (see registerFont for why not once per process).
 */
type FontSet = Map<string, FontkitFont>;

interface DocumentMeta {
  title: string;
  author: string;
  date: Date;
  lang: string;
  keywords: string;
  /** The first part's ledger head and code, for the Info dictionary and the XMP (real run only). */
  ledger?: LedgerHead;
  letterCode?: string;
}

const CREATOR = "Appeals";
const PRODUCER = "Appeals (PDFKit)";

/** "v1 <size> <root hex>": the Info dictionary's /AppealsLedger (docs/verification.md). */
function ledgerText(ledger: LedgerHead): string {
  return `v1 ${ledger.size} ${ledger.root}`;
}

function createDocument(meta: DocumentMeta, fontSet: FontSet): { doc: PDFKit.PDFDocument; fonts: DocFonts } {
  const doc = new PDFDocument({
    pdfVersion: "1.7",
    size: "A4",
    margins: { ...MARGIN },
    autoFirstPage: false,
    bufferPages: false,
    compress: true,
    lang: meta.lang,
    displayTitle: true,
    info: {
      Title: meta.title,
      Author: meta.author,
      Keywords: meta.keywords,
      Creator: CREATOR,
      Producer: PRODUCER,
      CreationDate: meta.date,
      ModDate: meta.date,
      ...(meta.ledger ? { AppealsLedger: ledgerText(meta.ledger) } : {}),
      ...(meta.letterCode !== undefined ? { AppealsLetterCode: meta.letterCode } : {}),
    },
  });
  if (meta.letterCode !== undefined) {
    makePdfA(doc, {
      title: meta.title,
      author: meta.author,
      creator: CREATOR,
      producer: PRODUCER,
      keywords: meta.keywords,
      date: meta.date,
      ledger: meta.ledger ? ledgerText(meta.ledger) : null,
      letterCode: meta.letterCode,
    });
  }
  const files = fontFiles();
  for (const name of FONT_NAMES) registerFont(doc, name, fontSet.get(name) ?? files[name]);
  // Regular and bold are selected first, so they are always F1 and F2; the other fonts get
  // their resource names in first-use order, which depends only on the input.
  const regular = embeddedFont(doc, "regular");
  const bold = embeddedFont(doc, "bold");
  fontSet.set("regular", regular.font);
  fontSet.set("bold", bold.font);
  doc.font("regular");
  const rawRegular = new RawFont(regular);
  const rawBold = new RawFont(bold);
  return {
    doc,
    fonts: {
      regular: rawRegular,
      bold: rawBold,
      styles: rawStyles(rawRegular, rawBold),
      scripts: new ScriptFonts(doc, { regular, bold }, fontSet),
      letterFonts: [regular.font, bold.font],
    },
  };
}

/** Keeps the fonts a document has parsed, for the next document of the same render. */
function harvestFonts(doc: PDFKit.PDFDocument, fontSet: FontSet): void {
  for (const name of FONT_NAMES) {
    const font = loadedFont(doc, name);
    if (font && !fontSet.has(name)) fontSet.set(name, font);
  }
}

/** "kk-KZ" → "kk": a letter is a translation when the base languages differ. */
function baseLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0];
}

/** Collects flagged names across parts, capped. */
class Flags {
  names: string[] = [];
  private seen = new Set<string>();
  total = 0;
  add(name: string): void {
    this.total++;
    if (this.names.length < FLAGGED_LIMIT && !this.seen.has(name)) {
      this.seen.add(name);
      this.names.push(name);
    }
  }
}

/** Empties pdfkit's per-word layout cache of every font the document has used. */
function clearLayoutCaches(doc: PDFKit.PDFDocument): void {
  for (const font of usedFonts(doc)) clearLayoutCache(font);
}

interface FrontMatterEnd {
  pages: number;
  tableTop: number;
}

/** Draws one letter (one language) into a document. */
class LetterWriter {
  pageNo = 0;
  /** Pages of the document before this part (0 but in a combined letter's later parts). */
  private readonly pageOffset: number;
  private readonly fmt: LetterFormat;
  private readonly footer: { countText: string; codeText: string; appealUrl: string; verifyUrl: string; ledgerText: string | null };
  private readonly cells: ListCells;
  /** The letter's language is written right to left: everything is laid out mirrored. */
  private readonly rtl: boolean;
  /** rtlText's shaped lines, by weight, size and text. */
  private readonly rtlLines = new Map<string, ShapedLine>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly fonts: DocFonts,
    private readonly input: LetterInput,
    private readonly printable: PrintableText,
    /**
     * The document's page count and this part's first page (1-based), printed as "page X of Y":
     * a combined letter is numbered across all its parts. null in the dry run: no footers.
     */
    private readonly numbering: { total: number; first: number } | null,
    private readonly flags: Flags | null,
    /** The document's structure tree (null in the dry run). */
    private readonly tags: StructureTree | null = null,
  ) {
    this.pageOffset = numbering ? numbering.first - 1 : 0;
    this.fmt = new LetterFormat(input.lang);
    this.rtl = isRtlLang(this.fmt.lang);
    this.cells = new ListCells(printable, fonts.scripts, this.rtl);
    if (this.rtl) {
      // Every paragraph right to left (an English quote too), by the shaped engine.
      useScriptBody(doc, {
        needed: () => true,
        draw: (runs, options) =>
          drawStyledParagraph(doc, fonts.scripts, { regular: fonts.regular, bold: fonts.bold }, runs, {
            ...options,
            newPage: () => doc.addPage(),
            direction: "rtl",
          }),
      });
    } else {
      useScriptBody(doc, {
        needed: (text) => printable.hasScripts(text),
        draw: (runs, options) =>
          drawStyledParagraph(doc, fonts.scripts, { regular: fonts.regular, bold: fonts.bold }, runs, { ...options, newPage: () => doc.addPage() }),
      });
    }
    this.footer = {
      countText: this.fmt.signatories(input.count),
      codeText: `${this.fmt.strings.verificationCode(this.clean(input.verificationCode))} · `,
      appealUrl: this.clean(input.appealUrl),
      verifyUrl: this.clean(input.verifyUrl),
      ledgerText: input.ledger ? this.fmt.strings.ledger(this.fmt.number(input.ledger.size), input.ledger.root) : null,
    };
  }

  private clean(text: string, trim = true): string {
    return this.printable.clean(text, trim).text;
  }

  /**
   * pdfkit 'pageAdded': count the page, bound the caches, draw the footer, and open the page's
   * marked content in the part's language (`/Span <</Lang (en)>> BDC`, PDF 1.4 §10.8.1): the
   * catalog's /Lang is the document's, so each part of a combined letter says its own. pdfkit
   * closes it at the end of the page (endPageMarkings) and the footer sits inside it too.
   */
  onPageAdded(): void {
    this.pageNo++;
    clearLayoutCaches(this.doc);
    this.doc.markContent("Span", { lang: this.input.lang });
    if (this.numbering !== null) this.drawFooter();
  }

  /**
   * The letter's own words (column headings, dates, countries, footer) in a right-to-left letter:
   * shaped right to left on a raw page, ending at `at.right` or starting at `at.left`. Returns the width.
   */
  private rtlText(
    page: RawPage,
    style: RawStyle,
    text: string,
    at: { right: number } | { left: number },
    top: number,
    mark?: () => RawMark | undefined,
  ): number {
    const weight: Weight = style.font === this.fonts.bold ? "bold" : "regular";
    // Rows repeat these words (a day, a country, "revision 1"): each is laid out once, in a capped map.
    const key = `${weight}|${style.size}|${text}`;
    let line = this.rtlLines.get(key);
    if (!line) {
      line = this.fonts.scripts.line(text, weight, style.size, "rtl");
      if (this.rtlLines.size >= 4096) this.rtlLines.clear();
      this.rtlLines.set(key, line);
    }
    page.showRuns(style, "right" in at ? at.right - line.width : at.left, top, line.runs, mark);
    return line.width;
  }

  /** drawFooter mirrored: page number and count on the left, the addresses and code on the right. */
  private drawFooterRtl(): void {
    const { doc, input, fmt } = this;
    const { footer, footerBold } = this.fonts.styles;
    const gap = 12;
    const page = new RawPage(PAGE_HEIGHT);
    page.rule(CONTENT_LEFT, CONTENT_RIGHT, FOOTER.ruleY, 0.5, 0.55);
    const pageText = fmt.strings.page(fmt.number(this.pageOffset + this.pageNo), fmt.number(this.numbering?.total ?? 0));
    const pageNo = this.rtlText(page, footerBold, pageText, { left: CONTENT_LEFT }, FOOTER.line1Top);
    const count = this.rtlText(page, footer, this.footer.countText, { left: CONTENT_LEFT }, FOOTER.line2Top);
    const appealUrl = page.drawRight(footer, CONTENT_RIGHT, FOOTER.line1Top, this.footer.appealUrl, CONTENT_WIDTH - pageNo - gap);
    const room = CONTENT_WIDTH - count - gap;
    const lead = this.rtlText(page, footer, this.footer.codeText, { right: CONTENT_RIGHT }, FOOTER.line2Top);
    const verifyRight = CONTENT_RIGHT - lead;
    const verifyUrl = page.drawRight(footer, verifyRight, FOOTER.line2Top, this.footer.verifyUrl, Math.max(0, room - lead));
    if (this.footer.ledgerText !== null) this.rtlText(page, footer, this.footer.ledgerText, { right: CONTENT_RIGHT }, FOOTER.line3Top);
    page.flush(doc, FOOTER_ARTIFACT);

    const box = FOOTER.size * 1.2;
    if (/^https?:\/\//i.test(input.appealUrl)) doc.link(CONTENT_RIGHT - appealUrl.width, FOOTER.line1Top, appealUrl.width, box, input.appealUrl);
    if (/^https?:\/\//i.test(input.verifyUrl)) doc.link(verifyRight - verifyUrl.width, FOOTER.line2Top, verifyUrl.width, box, input.verifyUrl);
  }

  private drawFooter(): void {
    if (this.rtl) return this.drawFooterRtl();
    const { doc, input, fmt } = this;
    const { footer, footerBold } = this.fonts.styles;
    const gap = 12;
    const page = new RawPage(PAGE_HEIGHT);
    page.rule(CONTENT_LEFT, CONTENT_RIGHT, FOOTER.ruleY, 0.5, 0.55);

    // Right column first (page number, count); the addresses on the left get the rest.
    const pageText = fmt.strings.page(fmt.number(this.pageOffset + this.pageNo), fmt.number(this.numbering?.total ?? 0));
    const pageNo = page.drawRight(footerBold, CONTENT_RIGHT, FOOTER.line1Top, pageText, FOOTER.rightWidth);
    const count = page.drawRight(footer, CONTENT_RIGHT, FOOTER.line2Top, this.footer.countText, FOOTER.rightWidth);

    const appealUrl = page.draw(footer, CONTENT_LEFT, FOOTER.line1Top, this.footer.appealUrl, CONTENT_WIDTH - pageNo.width - gap);
    const room = CONTENT_WIDTH - count.width - gap;
    const lead = page.draw(footer, CONTENT_LEFT, FOOTER.line2Top, this.footer.codeText, room);
    const verifyX = CONTENT_LEFT + lead.width;
    const verifyUrl = page.draw(footer, verifyX, FOOTER.line2Top, this.footer.verifyUrl, Math.max(0, room - lead.width));
    // The ledger head in full (never cut: the root is what a reader compares), on its own line.
    if (this.footer.ledgerText !== null) page.draw(footer, CONTENT_LEFT, FOOTER.line3Top, this.footer.ledgerText);
    page.flush(doc, FOOTER_ARTIFACT);

    const box = FOOTER.size * 1.2;
    if (/^https?:\/\//i.test(input.appealUrl)) doc.link(CONTENT_LEFT, FOOTER.line1Top, appealUrl.width, box, input.appealUrl);
    if (/^https?:\/\//i.test(input.verifyUrl)) doc.link(verifyX, FOOTER.line2Top, verifyUrl.width, box, input.verifyUrl);
  }

  /**
   * User text of the heading (organization, addressees, title) as one paragraph: in its own
   * script when a script font draws it (shaped-paragraph.server.ts), else by pdfkit as before.
   */
  private plain(raw: string, font: "regular" | "bold", x: number, width: number, size: number, color: string, lineGap: number, align?: "left"): void {
    const p = this.printable.clean(raw, true, true);
    if (this.rtl) {
      const fonts = { regular: this.fonts.regular, bold: this.fonts.bold };
      const height = lineHeight(this.doc, font, size, lineGap);
      drawShapedParagraph(this.doc, this.fonts.scripts, fonts, font, p.text, x, width, size, color, height, { direction: "rtl", align });
      this.doc.x = CONTENT_LEFT;
      return;
    }
    if (!p.shaped) {
      drawPlain(this.doc, p.text, font, x, width, size, color, lineGap);
      return;
    }
    const fonts = { regular: this.fonts.regular, bold: this.fonts.bold };
    drawShapedParagraph(this.doc, this.fonts.scripts, fonts, font, p.text, x, width, size, color, lineHeight(this.doc, font, size, lineGap));
    this.doc.x = CONTENT_LEFT;
  }

  private bodyContext(): BodyContext {
    return {
      doc: this.doc,
      clean: (s) => this.printable.clean(s, false, true).text,
      newPage: () => this.doc.addPage(),
      tags: this.tags ?? undefined,
      rtl: this.rtl,
    };
  }

  /** Draws one block of pdfkit text as a structure element of `type` (untagged in the dry run). */
  private block(type: string, draw: () => void): void {
    if (this.tags) this.tags.content(type, draw);
    else draw();
  }

  /** Ends the part's structure element (after its list). */
  endPart(): void {
    this.tags?.end();
  }

  /** Heading, body and the list's title; returns where the table starts. */
  drawFrontMatter(outlineTitle: string | null): FrontMatterEnd {
    const { doc, input, fmt } = this;
    const s = fmt.strings;
    const ctx = this.bodyContext();
    doc.addPage();
    if (outlineTitle !== null) doc.outline.addItem(outlineTitle);
    this.tags?.begin("Part", input.lang);

    // Organization (left) and date (right).
    const top = MARGIN.top;
    const orgWidth = CONTENT_WIDTH * 0.62;
    doc.y = top;
    if (this.rtl) {
      // Mirrored: the organization on the right, the date on the left.
      this.block("P", () => this.plain(input.organization, "bold", CONTENT_RIGHT - orgWidth, orgWidth, 12, TEXT, 1));
    } else {
      this.block("P", () => this.plain(input.organization, "bold", CONTENT_LEFT, orgWidth, 12, TEXT, 1));
    }
    const afterOrg = doc.y;
    if (this.rtl) {
      doc.y = top + 1.5;
      this.block("P", () => this.plain(fmt.date(input.generatedAt), "regular", CONTENT_LEFT, CONTENT_WIDTH - orgWidth, 10, MUTED, 0, "left"));
    } else {
      this.block("P", () => {
        doc.font("regular").fontSize(10).fillColor(MUTED);
        doc.text(fmt.date(input.generatedAt), CONTENT_LEFT + orgWidth, top + 1.5, { width: CONTENT_WIDTH - orgWidth, align: "right" });
      });
    }
    doc.x = CONTENT_LEFT;
    doc.y = Math.max(afterOrg, doc.y) + 6;
    const rule = () => doc.save().moveTo(CONTENT_LEFT, doc.y).lineTo(CONTENT_RIGHT, doc.y).lineWidth(0.6).strokeColor("#777777").stroke().restore();
    if (this.tags) this.tags.artifact(rule);
    else rule();
    doc.y += 16;

    // Addressees, in the right half, as official letters do (the left half, right to left).
    if (input.addressees.length > 0) {
      const x = this.rtl ? CONTENT_LEFT : CONTENT_LEFT + CONTENT_WIDTH * 0.46;
      const width = this.rtl ? CONTENT_WIDTH - CONTENT_WIDTH * 0.46 : CONTENT_RIGHT - x;
      this.block("P", () => drawPlain(doc, s.to, "regular", x, width, 8.5, MUTED, 1));
      doc.y += 3;
      input.addressees.forEach((a, i) => {
        if (i > 0) doc.y += 7;
        ensureSpace(ctx, 40);
        this.block("P", () => {
          this.plain(a.name, "bold", x, width, 10.5, TEXT, 1);
          if (a.position.trim()) this.plain(a.position, "regular", x, width, 9.5, TEXT, 1);
          if (a.institution.trim()) this.plain(a.institution, "regular", x, width, 9.5, TEXT, 1);
        });
      });
      doc.y += 22;
    }

    // Title, revision, translation note.
    ensureSpace(ctx, 80);
    this.block("H1", () => this.plain(input.title, "bold", CONTENT_LEFT, CONTENT_WIDTH, 15, TEXT, 2));
    doc.y += 5;
    this.block("P", () => drawPlain(doc, s.revision(fmt.number(input.revision)), "regular", CONTENT_LEFT, CONTENT_WIDTH, 8.5, MUTED, 1));
    if (baseLanguage(input.lang) !== baseLanguage(input.originalLanguage)) {
      const note = s.translationNote(fmt.languageName(input.originalLanguage));
      this.block("P", () => drawPlain(doc, note, "italic", CONTENT_LEFT, CONTENT_WIDTH, 8.5, MUTED, 1));
    }
    doc.y += 14;

    drawMarkdown(ctx, input.bodyMarkdown);

    // The signatory section title, kept with the table header and a few rows.
    doc.font("bold").fontSize(13);
    const titleHeight = doc.currentLineHeight(true) + 4;
    const legend = input.revision > 1 && input.count > 0;
    const needed =
      input.count > 0
        ? titleHeight + 14 + (legend ? 22 : 0) + TABLE.gapBefore + TABLE.headerHeight + TABLE.minRowsWithTitle * TABLE.rowHeight
        : titleHeight + 40;
    if (doc.y > MARGIN.top) doc.y += 12;
    ensureSpace(ctx, needed);
    this.block("H2", () => drawPlain(doc, s.signatoriesTitle, "bold", CONTENT_LEFT, CONTENT_WIDTH, 13, TEXT, 2));
    doc.y += 2;
    if (input.count > 0) {
      const intro = `${fmt.signatories(input.count)} · ${s.asOf(fmt.date(input.generatedAt))}`;
      this.block("P", () => drawPlain(doc, intro, "regular", CONTENT_LEFT, CONTENT_WIDTH, 9, MUTED, 1));
      if (legend) this.block("P", () => drawPlain(doc, s.revisionLegend, "italic", CONTENT_LEFT, CONTENT_WIDTH, 8, MUTED, 1));
      doc.y += TABLE.gapBefore;
    } else {
      doc.y += 4;
      this.block("P", () => drawPlain(doc, s.noSignatures, "regular", CONTENT_LEFT, CONTENT_WIDTH, BODY.size, TEXT));
    }
    return { pages: this.pageNo, tableTop: doc.y };
  }

  /**
   * The table header. Tagged (`table` given) the first time: a THead row of TH cells, one per
   * column; repeated on later pages it is a pagination artifact.
   */
  private drawTableHeader(page: RawPage, top: number, table: StructElement | null): void {
    const { header, headerDetail } = this.fonts.styles;
    const c = TABLE.columns;
    const s = this.fmt.strings.columns;
    const line1 = top + 2;
    const line2 = top + 11.5;
    const tags = this.tags;
    let cells: StructElement[] = [];
    let mark = (_column: number): RawMark | undefined => (tags ? ARTIFACT : undefined);
    let write = () => {};
    if (tags && table) {
      const thead = tags.element("THead", table);
      const row = tags.element("TR", thead);
      cells = [0, 1, 2, 3].map(() => tags.element("TH", row, COLUMN_HEADER));
      mark = (column) => tags.mark(cells[column]!);
      write = () => [...cells, row, thead].forEach((e) => tags.write(e));
    }
    if (this.rtl) {
      // Mirrored columns, each heading aligned right.
      const at = (x: number, width: number) => ({ right: mirrored(x, width) + width });
      this.rtlText(page, header, s.number, { right: RTL_NUMBER_RIGHT }, line1, () => mark(0));
      this.rtlText(page, header, s.name, at(c.name, c.nameWidth), line1, () => mark(1));
      this.rtlText(page, headerDetail, s.nameDetail, at(c.name, c.nameWidth), line2, () => mark(1));
      this.rtlText(page, header, s.city, at(c.place, c.placeWidth), line1, () => mark(2));
      this.rtlText(page, headerDetail, s.country, at(c.place, c.placeWidth), line2, () => mark(2));
      this.rtlText(page, header, s.confirmed, at(c.date, c.dateWidth), line1, () => mark(3));
      this.rtlText(page, headerDetail, s.confirmedDetail, at(c.date, c.dateWidth), line2, () => mark(3));
      page.rule(CONTENT_LEFT, CONTENT_RIGHT, top + TABLE.headerHeight - 3, 0.8, 0.25);
      write();
      return;
    }
    page.drawRight(header, c.numberRight, line1, s.number, 34, mark(0));
    page.draw(header, c.name, line1, s.name, c.nameWidth, mark(1));
    page.draw(headerDetail, c.name, line2, s.nameDetail, c.nameWidth, mark(1));
    page.draw(header, c.place, line1, s.city, c.placeWidth, mark(2));
    page.draw(headerDetail, c.place, line2, s.country, c.placeWidth, mark(2));
    page.draw(header, c.date, line1, s.confirmed, c.dateWidth, mark(3));
    page.draw(headerDetail, c.date, line2, s.confirmedDetail, c.dateWidth, mark(3));
    page.rule(CONTENT_LEFT, CONTENT_RIGHT, top + TABLE.headerHeight - 3, 0.8, 0.25);
    write();
  }

  /** A mark for raw text of `element` (a new MCID), or none when untagged. */
  private mark(element: StructElement | null): RawMark | undefined {
    return this.tags && element ? this.tags.mark(element) : undefined;
  }

  /** drawRow mirrored: the number on the right, then name, place and date leftwards, each cell aligned right. */
  private drawRowRtl(page: RawPage, index: number, row: LetterSignatory, top: number, body: StructElement | null): boolean {
    const { number, line1, line2 } = this.fonts.styles;
    const { fmt, tags } = this;
    const c = TABLE.columns;
    const top1 = top + 2.5;
    const top2 = top + 12;
    const nameX = mirrored(c.name, c.nameWidth);
    const placeX = mirrored(c.place, c.placeWidth);
    const dateRight = mirrored(c.date, c.dateWidth) + c.dateWidth;
    const tr = tags && body ? tags.element("TR", body) : null;
    const td = tags && tr ? [0, 1, 2, 3].map(() => tags.element("TD", tr)) : [null, null, null, null];

    page.drawRight(number, RTL_NUMBER_RIGHT, top1 + 0.4, String(index + 1), Infinity, this.mark(td[0]!));
    const cells = this.cells;
    const name = cells.name(page, row.name, line1, nameX, top1, TABLE.rowHeight - 2.5, c.nameWidth, () => this.mark(td[1]!));
    let flagged = name.flagged;
    if (cells.line(page, row.city, line1, placeX, top1, c.placeWidth, () => this.mark(td[2]!)).flagged) flagged = true;
    this.rtlText(page, line1, fmt.day(row.confirmedAt), { right: dateRight }, top1, () => this.mark(td[3]!));

    const org = row.organization || null;
    const position = row.position || null;
    const detail = org && position ? `${org}، ${position}` : (org ?? position);
    const detailFlagged =
      name.lastLine === null
        ? cells.line(page, detail, line2, nameX, top2, c.nameWidth, () => this.mark(td[1]!)).flagged
        : cells.detailAfterName(page, detail, line2, name.lastLine, nameX, () => this.mark(td[1]!));
    if (detailFlagged) flagged = true;
    if (row.country) this.rtlText(page, line2, fmt.country(row.country), { right: placeX + c.placeWidth }, top2, () => this.mark(td[2]!));
    const dateDetail = this.dateDetail(row);
    if (dateDetail) this.rtlText(page, line2, dateDetail, { right: dateRight }, top2, () => this.mark(td[3]!));
    page.rule(CONTENT_LEFT, CONTENT_RIGHT, top + TABLE.rowHeight, 0.3, 0.82);
    if (tags && tr) {
      for (const cell of td) if (cell) tags.write(cell);
      tags.write(tr);
    }
    if (flagged) this.flags?.add(row.name);
    return flagged;
  }

  /** Under a row's date: "on paper" for a paper signature, the revision signed when not the letter's. */
  private dateDetail(row: LetterSignatory): string | null {
    const { strings } = this.fmt;
    const parts = [row.paper ? strings.onPaper : null, row.revision !== this.input.revision ? strings.signedRevision(this.fmt.number(row.revision)) : null];
    const shown = parts.filter((p): p is string => p !== null);
    return shown.length ? shown.join(", ") : null;
  }

  /** Draws row `index` with its top at `top`; returns whether it shows a transliteration. */
  private drawRow(page: RawPage, index: number, row: LetterSignatory, top: number, body: StructElement | null): boolean {
    if (this.rtl) return this.drawRowRtl(page, index, row, top, body);
    const { number, line1, line2 } = this.fonts.styles;
    const { fmt, tags } = this;
    const c = TABLE.columns;
    const top1 = top + 2.5;
    const top2 = top + 12;
    // Tagged: a TR of four TD cells (number; name and organization; place; date and revision).
    const tr = tags && body ? tags.element("TR", body) : null;
    const td = tags && tr ? [0, 1, 2, 3].map(() => tags.element("TD", tr)) : [null, null, null, null];

    page.drawRight(number, c.numberRight, top1 + 0.4, String(index + 1), Infinity, this.mark(td[0]!));
    const cells = this.cells;
    const name = cells.name(page, row.name, line1, c.name, top1, TABLE.rowHeight - 2.5, c.nameWidth, () => this.mark(td[1]!));
    let flagged = name.flagged;
    if (cells.line(page, row.city, line1, c.place, top1, c.placeWidth, () => this.mark(td[2]!)).flagged) flagged = true;
    page.draw(line1, c.date, top1, fmt.day(row.confirmedAt), c.dateWidth, this.mark(td[3]!));

    const org = row.organization || null;
    const position = row.position || null;
    const detail = org && position ? `${org}, ${position}` : (org ?? position);
    const detailFlagged =
      name.lastLine === null
        ? cells.line(page, detail, line2, c.name, top2, c.nameWidth, () => this.mark(td[1]!)).flagged
        : cells.detailAfterName(page, detail, line2, name.lastLine, c.name + c.nameWidth, () => this.mark(td[1]!));
    if (detailFlagged) flagged = true;
    if (row.country) page.draw(line2, c.place, top2, fmt.country(row.country), c.placeWidth, this.mark(td[2]!));
    const dateDetail = this.dateDetail(row);
    if (dateDetail) page.draw(line2, c.date, top2, dateDetail, c.dateWidth, this.mark(td[3]!));
    page.rule(CONTENT_LEFT, CONTENT_RIGHT, top + TABLE.rowHeight, 0.3, 0.82);
    if (tags && tr) {
      for (const cell of td) if (cell) tags.write(cell);
      tags.write(tr);
    }
    if (flagged) this.flags?.add(row.name);
    return flagged;
  }

  private drawLegend(page: RawPage): void {
    const note = this.tags ? this.tags.element("P") : null;
    if (this.rtl) {
      this.rtlText(page, this.fonts.styles.legend, this.fmt.strings.transliterated, { right: CONTENT_RIGHT }, FOOTER.legendTop, () => this.mark(note));
      if (this.tags && note) this.tags.write(note);
      return;
    }
    page.draw(this.fonts.styles.legend, CONTENT_LEFT, FOOTER.legendTop, this.fmt.strings.transliterated, CONTENT_WIDTH, this.mark(note));
    if (this.tags && note) this.tags.write(note);
  }

  /** The signatory table, streamed page by page. */
  async drawList(rows: AsyncIterable<LetterSignatory>, plan: ListPlan, tableTop: number, sink: PdfSink): Promise<void> {
    const { doc, input } = this;
    let capacity = plan.firstPageRows;
    let tableY = tableTop;
    let onPage = 0;
    let index = 0;
    let headerDrawn = false;
    let flaggedOnPage = false;
    let page = new RawPage(PAGE_HEIGHT);
    const tags = this.tags;
    // Tagged: one Table per part, its rows in a TBody per page (written when the page ends).
    const table = tags ? tags.element("Table") : null;
    let body: StructElement | null = null;
    let headerTagged = false;
    const finishPage = () => {
      if (flaggedOnPage) this.drawLegend(page);
      page.flush(doc);
      flaggedOnPage = false;
      if (tags && body) tags.write(body);
      body = null;
    };
    for await (const row of rows) {
      if (index >= input.count) throw new Error(`the signatory rows yielded more than count (${input.count})`);
      if (onPage >= capacity) {
        finishPage();
        await sink.ready();
        doc.addPage();
        page = new RawPage(PAGE_HEIGHT);
        tableY = MARGIN.top;
        capacity = ROWS_PER_FULL_PAGE;
        onPage = 0;
        headerDrawn = false;
      }
      if (!headerDrawn) {
        this.drawTableHeader(page, tableY, headerTagged ? null : table);
        headerTagged = true;
        headerDrawn = true;
      }
      if (tags && table && !body) body = tags.element("TBody", table);
      if (this.drawRow(page, index, row, tableY + TABLE.headerHeight + onPage * TABLE.rowHeight, body)) flaggedOnPage = true;
      onPage++;
      index++;
    }
    finishPage();
    if (tags && table) tags.write(table);
    if (index !== input.count) throw new Error(`the signatory rows yielded ${index} rows, count said ${input.count}`);
  }
}

interface PartPlan {
  front: FrontMatterEnd;
  list: ListPlan;
  total: number;
}

/** Lays out the front matter in a throwaway document to learn its page count and end. */
function dryRun(input: LetterInput, printable: PrintableText | null, fontSet: FontSet): { plan: PartPlan; printable: PrintableText } {
  const { doc, fonts } = createDocument({ title: input.title, author: input.organization, date: input.generatedAt, lang: input.lang, keywords: "" }, fontSet);
  const text = printable ?? new PrintableText(fonts.letterFonts);
  const writer = new LetterWriter(doc, fonts, input, text, null, null);
  doc.on("pageAdded", () => writer.onPageAdded());
  const front = writer.drawFrontMatter(null);
  const list = input.count > 0 ? planList(front.tableTop, input.count) : { firstPageRows: 0, extraPages: 0 };
  harvestFonts(doc, fontSet);
  // The document is dropped unread; it holds only the front matter.
  return { plan: { front, list, total: front.pages + list.extraPages }, printable: text };
}

function fileId(parts: LetterInput[]): Uint8Array {
  const hash = createHash("md5");
  hash.update("appeals-delivery-letter\n");
  for (const p of parts) hash.update(`${p.snapshotId}\n${p.lang}\n`);
  return new Uint8Array(hash.digest());
}

function assertInput(input: LetterInput): void {
  if (!Number.isSafeInteger(input.count) || input.count < 0) throw new Error(`count must be a non-negative integer, got ${input.count}`);
  if (Number.isNaN(input.generatedAt.getTime())) throw new Error("generatedAt is not a valid date");
  if (input.ledger) {
    const { size, root } = input.ledger;
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`ledger size must be a non-negative integer, got ${size}`);
    if (!/^[0-9a-f]{64}$/.test(root)) throw new Error("ledger root must be 64 lower-case hex digits");
  }
}

export interface RenderOptions {
  /** Reserve an empty PAdES signature for sign.server.ts to fill (see signature-placeholder.server.ts). */
  signature?: SignaturePlaceholder;
  /** Files embedded in the letter (the signatory list and the ledger), once per document. */
  attachments?: LetterAttachment[];
}

async function renderParts(parts: LetterPart[], out: NodeJS.WritableStream, outline: boolean, options: RenderOptions): Promise<RenderResult> {
  const first = parts[0];
  if (!first) throw new Error("renderCombined needs at least one part");
  parts.forEach((p) => assertInput(p.input));

  let printable: PrintableText | null = null;
  const fontSet: FontSet = new Map();
  const plans: PartPlan[] = [];
  for (const part of parts) {
    const dry = dryRun(part.input, printable, fontSet);
    printable = dry.printable;
    plans.push(dry.plan);
  }
  if (!printable) throw new Error("unreachable: no part planned");

  const { doc, fonts } = createDocument(
    {
      title: first.input.title,
      author: first.input.organization,
      date: first.input.generatedAt,
      lang: first.input.lang,
      keywords: first.input.verificationCode,
      ledger: first.input.ledger,
      letterCode: first.input.verificationCode,
    },
    fontSet,
  );
  setFileId(doc, fileId(parts.map((p) => p.input)));
  const tags = new StructureTree(doc);
  const sink = new PdfSink(doc, out);
  const flags = new Flags();
  let current: LetterWriter | null = null;
  let previousPage: PDFKit.PDFPage | null = null;
  doc.on("pageAdded", () => {
    if (previousPage) releaseWrittenPage(previousPage);
    previousPage = doc.page;
    tags.onPageAdded();
    current?.onPageAdded();
  });
  // Let the stream start flowing so pdfkit's pushes reach the sink synchronously.
  await new Promise<void>((resolve) => setImmediate(resolve));

  const total = plans.reduce((sum, p) => sum + p.total, 0);
  let pages = 0;
  for (const [i, part] of parts.entries()) {
    const plan = plans[i];
    const writer = new LetterWriter(doc, fonts, part.input, printable, { total, first: pages + 1 }, flags, tags);
    current = writer;
    const label = outline ? `${NATIVE_NAMES[letterLanguage(part.input.lang)]} — ${printable.clean(part.input.title, true, true).text}` : null;
    const front = writer.drawFrontMatter(label);
    if (front.pages !== plan.front.pages || Math.abs(front.tableTop - plan.front.tableTop) > 0.001) {
      throw new Error("letter layout differs between the dry run and the real run");
    }
    if (part.input.count > 0) await writer.drawList(part.rows(), plan.list, front.tableTop, sink);
    writer.endPart();
    if (writer.pageNo !== plan.total) throw new Error(`page count ${writer.pageNo} differs from the planned ${plan.total}`);
    pages += writer.pageNo;
    await sink.ready();
  }
  tags.finish();
  if (options.attachments) await embedAttachments(doc, sink, options.attachments, first.input.generatedAt);
  if (options.signature) addSignaturePlaceholder(doc, options.signature);
  doc.end();
  await sink.finished;
  return { pages, flaggedNames: flags.names, flaggedTotal: flags.total };
}

/**
 * Renders one delivery letter to `out` and ends `out`. Resolves when `out` has finished.
 * Throws (and leaves `out` incomplete — the caller destroys it) if `rows` yields a different
 * number of rows than `input.count`, or if `out` fails or closes early.
 */
export function renderLetter(
  input: LetterInput,
  rows: AsyncIterable<LetterSignatory>,
  out: NodeJS.WritableStream,
  options: RenderOptions = {},
): Promise<RenderResult> {
  return renderParts([{ input, rows: () => rows }], out, false, options);
}

/**
 * One PDF with several letters: pass the original first, then translations. Each part starts on
 * a new page, in its own language (marked content /Lang, its own words and formats); pages are
 * numbered across the whole document ("page X of Y" counts every part's pages, as a reader of
 * the one file expects); each part gets a bookmark. `rows` is called once per part. CreationDate comes from the first part,
 * the file ID from all parts' snapshot ids.
 */
export function renderCombined(parts: LetterPart[], out: NodeJS.WritableStream, options: RenderOptions = {}): Promise<RenderResult> {
  return renderParts(parts, out, true, options);
}
