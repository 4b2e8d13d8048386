import { PAGE_HEIGHT } from "./layout";
import { RawPage, RawStyle, type StyleFont } from "./raw-text.server";
import type { ScriptFonts } from "./shaped-text.server";
import type { Weight } from "./script-fonts.server";
import { wrapText } from "./wrap";

/**
 * A short paragraph of user text in other scripts (the organization, an addressee, the title when
 * they are written in Arabic, Chinese…), wrapped to `width` and drawn from (x, doc.y) with
 * shaped-text.server.ts, each line in its own bidi order, left-aligned as the letter is. Lines are
 * as far apart as pdfkit's own (`lineHeight`), so the dry run and the real run, and a paragraph
 * drawn by pdfkit, take the same room. Leaves doc.y below the paragraph.
 */
export function drawShapedParagraph(
  doc: PDFKit.PDFDocument,
  scripts: ScriptFonts,
  font: StyleFont,
  weight: Weight,
  text: string,
  x: number,
  width: number,
  size: number,
  color: string,
  lineHeight: number,
): void {
  const lines = wrapText(text, (s) => (s === "" ? 0 : scripts.width(s, weight, size)), width);
  const style = new RawStyle(font, size, grayOf(color));
  const page = new RawPage(PAGE_HEIGHT);
  let top = doc.y;
  for (const line of lines) {
    page.showRuns(style, x, top, scripts.line(line, weight, size).runs);
    top += lineHeight;
  }
  page.flush(doc);
  doc.y = top;
}

/** "#4a4a4a" → 0.29: the letter's text colours are greys. */
function grayOf(color: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return 0;
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16) / 255);
  return Math.round((0.299 * r! + 0.587 * g! + 0.114 * b!) * 1000) / 1000;
}
