import { openOnePager } from "./one-page.server";
import QRCode from "qrcode";
import { drawShapedParagraph } from "./shaped-paragraph.server";
import { hasRtl } from "./shaped-text.server";
import { scriptFamilyOf, type Weight } from "./script-fonts.server";

/**
 * A4 poster of an appeal for noticeboards and rallies (issue 17): organization, title, summary,
 * and a QR code to the sign page with its address printed below. Load the data, then draw: this
 * step is pure, and pins the PDF's dates (the publication date) so one input gives the same bytes.
 *
 * Text is drawn as the letters draw it (DejaVu Sans; text in other scripts, and right-to-left
 * text, shaped and in bidi order by shaped-paragraph.server.ts with the Noto fonts). The QR code
 * is vector rectangles, one per run of dark modules in a row, from `qrcode`'s own module matrix.
 */

export const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 56;
const WIDTH = PAGE.width - 2 * MARGIN;
const BRAND = "#1d4e89";
const INK = "#1b1f24";
const MUTED = "#505a66";
/** The QR code's place: centred, above the caption at the bottom (exported for tests that read it back). */
export const QR = { size: 250, x: (PAGE.width - 250) / 2, y: PAGE.height - MARGIN - 90 - 250 };

export interface PosterInput {
  lang: string;
  rtl: boolean;
  organization: string;
  title: string;
  summary: string;
  /** The sign page in this version (APP_URL/appeals/slug?lang=xx): the QR code's content. */
  signUrl: string;
  /** The words around it, in the interface language closest to the version. */
  scan: string;
  orOpen: string;
  /** The publication date: the PDF's dates, for the same bytes from the same input. */
  date: Date;
}

/** The QR code's modules for `url` (error correction M: a poster may get scratched, the URL stays short). */
export function qrModules(url: string): { size: number; dark: (row: number, col: number) => boolean } {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: "M" });
  return { size: modules.size, dark: (row, col) => Boolean(modules.get(row, col)) };
}

/** Text needing the letters' shaping path: right to left, or a script DejaVu does not draw. */
export function needsShaping(text: string): boolean {
  if (hasRtl(text)) return true;
  for (const ch of text) if (scriptFamilyOf(ch.codePointAt(0) ?? 0) !== null) return true;
  return false;
}

export function renderPoster(input: PosterInput, out: NodeJS.WritableStream): Promise<void> {
  const { doc, done, raw, scripts } = openOnePager(
    { lang: input.lang, title: input.title, organization: input.organization, date: input.date, margin: MARGIN },
    out,
  );
  const align = input.rtl ? "right" : "left";

  /**
   * One paragraph from doc.y, in `weight` and `size`. A right-to-left version's paragraphs sit on
   * the right; each reads in the direction of its first strong letter (an organization named in
   * Russian on an Arabic poster keeps its guillemets in place).
   */
  const paragraph = (text: string, weight: Weight, size: number, color: string, gap = 0) => {
    doc.font(weight).fontSize(size);
    const lineHeight = doc.currentLineHeight(true) + gap;
    if (input.rtl || needsShaping(text)) {
      drawShapedParagraph(doc, scripts, raw, weight, text, MARGIN, WIDTH, size, color, lineHeight, input.rtl ? { align: "right" } : {});
      doc.x = MARGIN;
    } else {
      doc.fillColor(color).text(text, MARGIN, doc.y, { width: WIDTH, align, lineGap: gap });
    }
  };

  doc.y = MARGIN;
  paragraph(input.organization, "regular", 14, MUTED);
  doc.y += 18;
  // The title as large as fits in five lines.
  const titleSize =
    [40, 34, 28, 24].find((size) => doc.font("bold").fontSize(size).heightOfString(input.title, { width: WIDTH, lineGap: 2 }) <= size * 1.2 * 5) ?? 24;
  paragraph(input.title, "bold", titleSize, BRAND, 2);
  doc.y += 18;
  // The summary, in the room left above the code.
  const room = QR.y - 32 - doc.y; // 32 pt: the code's quiet zone (4 modules) stays clear
  doc.font("regular").fontSize(16);
  const summary = fitToHeight(doc, input.summary, WIDTH, room, 4);
  if (summary) paragraph(summary, "regular", 16, INK, 4);

  drawQr(doc, qrModules(input.signUrl));

  doc.y = QR.y + QR.size + 14;
  // The interface's words (English, Russian, Kazakh): never right to left, drawn by pdfkit.
  doc.font("bold").fontSize(16).fillColor(INK).text(input.scan, MARGIN, doc.y, { width: WIDTH, align: "center" });
  doc.y += 4;
  const line = `${input.orOpen} ${input.signUrl.replace(/^https?:\/\//, "")}`;
  doc.font("regular").fontSize(12);
  const lineWidth = Math.min(WIDTH, doc.widthOfString(line));
  const top = doc.y;
  doc.fillColor(MUTED).text(line, MARGIN, top, { width: WIDTH, align: "center" });
  doc.link((PAGE.width - lineWidth) / 2, top, lineWidth, doc.y - top, input.signUrl);
  doc.end();
  return done;
}

/** `text` cut at a word (with an ellipsis) so that it takes at most `height` points at the current font. */
function fitToHeight(doc: PDFKit.PDFDocument, text: string, width: number, height: number, lineGap: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (height <= 0 || clean === "") return "";
  if (doc.heightOfString(clean, { width, lineGap }) <= height) return clean;
  const words = clean.split(" ");
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.heightOfString(`${words.slice(0, mid).join(" ")}…`, { width, lineGap }) <= height) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : `${words.slice(0, lo).join(" ")}…`;
}

const SEAM = 0.25;

/** The QR code as filled rectangles: one per horizontal run of dark modules, a 4-module quiet zone left white. */
function drawQr(doc: PDFKit.PDFDocument, qr: ReturnType<typeof qrModules>): void {
  const module = QR.size / qr.size;
  for (let row = 0; row < qr.size; row++) {
    let col = 0;
    while (col < qr.size) {
      if (!qr.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < qr.size && qr.dark(row, col)) col++;
      // A hair wider and taller than the modules: neighbouring rectangles overlap, so no renderer
      // leaves an anti-aliased seam between them for a scanner to trip on.
      doc.rect(QR.x + start * module, QR.y + row * module, (col - start) * module + SEAM, module + SEAM);
    }
  }
  doc.fill("#000000");
}
