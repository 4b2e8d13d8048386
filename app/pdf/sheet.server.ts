import { openOnePager } from "./one-page.server";
import { needsShaping } from "./poster.server";
import { drawShapedParagraph } from "./shaped-paragraph.server";
import type { Weight } from "./script-fonts.server";

/**
 * A printable signature sheet (issue 17, item 3): A4 landscape, the organization, the appeal's
 * title and summary, the statement a signer agrees to, and a table with a column for each field
 * the appeal's sign form asks for (the name, then city, country, organization, position as the
 * appeal has them), a signature column and empty rows to fill in by hand. Signatures collected on
 * it are entered in the dashboard (app/services/paper.server.ts), in the same column order.
 *
 * Load the data, then draw: this step is pure and pins the PDF's dates (the appeal's publication
 * or revision date), so one input gives the same bytes. The appeal's own text is drawn as the
 * poster draws it (shaped when it needs a script font or is right to left); the interface's words
 * (English, Russian, Kazakh) by pdfkit with DejaVu Sans.
 */

export const SHEET_PAGE = { width: 841.89, height: 595.28 };
const MARGIN = 36;
const WIDTH = SHEET_PAGE.width - 2 * MARGIN;
const INK = "#1b1f24";
const MUTED = "#505a66";
const RULE = "#8a939c";
const HEADER_HEIGHT = 30;
/** An empty row: room for a handwritten name and a signature. */
export const SHEET_ROW_HEIGHT = 30;
const FOOTER_HEIGHT = 24;

export interface SheetColumn {
  /** The column's heading, in the interface language. */
  label: string;
  /** Its share of the table's width (the number column is fixed). */
  weight: number;
}

export interface SheetInput {
  lang: string;
  rtl: boolean;
  organization: string;
  title: string;
  summary: string;
  statement: string;
  numberLabel: string;
  /** The appeal's fields, then the signature column. */
  columns: SheetColumn[];
  /** Under the table: who collects and where the full text is. */
  footer: string;
  /** The publication (or last revision) date: the PDF's dates. */
  date: Date;
}

const NUMBER_WIDTH = 28;

export function renderSheet(input: SheetInput, out: NodeJS.WritableStream): Promise<void> {
  const { doc, done, raw, scripts } = openOnePager(
    { lang: input.lang, title: input.title, organization: input.organization, date: input.date, margin: MARGIN, layout: "landscape" },
    out,
  );

  /** The appeal's own text: shaped when it needs it, on the right in a right-to-left version. */
  const paragraph = (text: string, weight: Weight, size: number, color: string) => {
    doc.font(weight).fontSize(size);
    const lineHeight = doc.currentLineHeight(true) + 1;
    if (input.rtl || needsShaping(text)) {
      drawShapedParagraph(doc, scripts, raw, weight, text, MARGIN, WIDTH, size, color, lineHeight, input.rtl ? { align: "right" } : {});
      doc.x = MARGIN;
    } else {
      doc.fillColor(color).text(text, MARGIN, doc.y, { width: WIDTH, align: input.rtl ? "right" : "left", lineGap: 1 });
    }
  };

  doc.y = MARGIN;
  paragraph(input.organization, "regular", 10, MUTED);
  doc.y += 4;
  paragraph(cutToLines(doc, input.title, "bold", 16, 2), "bold", 16, INK);
  doc.y += 4;
  const summary = cutToLines(doc, input.summary.replace(/\s+/g, " ").trim(), "regular", 9.5, 3);
  if (summary) paragraph(summary, "regular", 9.5, INK);
  doc.y += 6;
  doc.font("bold").fontSize(9.5).fillColor(INK).text(input.statement, MARGIN, doc.y, { width: WIDTH, lineGap: 1 });
  doc.y += 10;

  // The table: a number column, then each field by its weight, then the signature.
  const totalWeight = input.columns.reduce((sum, c) => sum + c.weight, 0);
  const xs: number[] = [MARGIN, MARGIN + NUMBER_WIDTH];
  for (const c of input.columns) xs.push((xs.at(-1) ?? MARGIN) + ((WIDTH - NUMBER_WIDTH) * c.weight) / totalWeight);
  const top = doc.y;
  const bottom = SHEET_PAGE.height - MARGIN - FOOTER_HEIGHT;
  const rows = Math.max(1, Math.floor((bottom - top - HEADER_HEIGHT) / SHEET_ROW_HEIGHT));
  const tableBottom = top + HEADER_HEIGHT + rows * SHEET_ROW_HEIGHT;

  doc.rect(MARGIN, top, WIDTH, HEADER_HEIGHT).fill("#eef1f4");
  const labels = [input.numberLabel, ...input.columns.map((c) => c.label)];
  doc.font("bold").fontSize(9).fillColor(INK);
  labels.forEach((label, i) => {
    const left = xs[i] ?? MARGIN;
    const width = (xs[i + 1] ?? MARGIN + WIDTH) - left - 8;
    doc.text(label, left + 4, top + 6, { width, height: HEADER_HEIGHT - 8, ellipsis: true, lineBreak: true });
  });
  doc.font("regular").fontSize(8).fillColor(MUTED);
  for (let r = 0; r < rows; r++) {
    const y = top + HEADER_HEIGHT + r * SHEET_ROW_HEIGHT;
    doc.text(String(r + 1), MARGIN + 2, y + SHEET_ROW_HEIGHT - 12, { width: NUMBER_WIDTH - 6, align: "right", lineBreak: false });
  }
  doc.lineWidth(0.6).strokeColor(RULE);
  for (let r = 0; r <= rows; r++) {
    const y = top + HEADER_HEIGHT + r * SHEET_ROW_HEIGHT;
    doc.moveTo(MARGIN, y).lineTo(MARGIN + WIDTH, y);
  }
  doc.moveTo(MARGIN, top).lineTo(MARGIN + WIDTH, top);
  for (const x of xs) doc.moveTo(x, top).lineTo(x, tableBottom);
  doc.moveTo(MARGIN + WIDTH, top).lineTo(MARGIN + WIDTH, tableBottom);
  doc.stroke();

  doc
    .font("regular")
    .fontSize(8.5)
    .fillColor(MUTED)
    .text(input.footer, MARGIN, tableBottom + 8, { width: WIDTH, lineBreak: false, ellipsis: true });
  doc.end();
  return done;
}

/** `text` cut at a word (with "…") to at most `lines` lines of `WIDTH` at `size`. */
function cutToLines(doc: PDFKit.PDFDocument, text: string, weight: Weight, size: number, lines: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (!clean) return "";
  doc.font(weight).fontSize(size);
  const height = doc.currentLineHeight(true) * lines + 2;
  const fits = (s: string) => doc.heightOfString(s, { width: WIDTH, lineGap: 1 }) <= height;
  if (fits(clean)) return clean;
  const words = clean.split(" ");
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(`${words.slice(0, mid).join(" ")}…`)) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? `${Array.from(clean).slice(0, 60).join("")}…` : `${words.slice(0, lo).join(" ")}…`;
}
