import { useFontOnPage, type EmbeddedFont } from "./pdfkit-internals.server";

/**
 * Fast single-line text for the signatory list and the page footers.
 *
 * Glyphs come straight from the font's cmap: no OpenType shaping, so no kerning or ligatures.
 * That is fine for names, places and dates in Latin, Cyrillic, Greek, Armenian and Georgian
 * (PrintableText has already removed scripts that need shaping or right-to-left ordering), and it
 * is ~50× cheaper than `doc.text`. Each glyph is registered in pdfkit's subset, /W widths and
 * ToUnicode map exactly as pdfkit's own EmbeddedFont.encode does, so the result is ordinary,
 * extractable PDF text. Operators are returned as strings; the caller batches a page's worth
 * into one `doc.addContent`.
 *
 * Memory: one small record per distinct glyph used (bounded by the font's ~6,000 glyphs).
 */

interface GlyphInfo {
  /** Subset glyph id as 4 hex digits, ready for a <...> Tj string. */
  hex: string;
  /** Advance in 1/1000 em. */
  advance: number;
}

export class RawFont {
  private readonly glyphs = new Map<number, GlyphInfo>();
  private readonly scale: number;
  /** Distance from the top of a line box to the baseline, per point of font size. */
  readonly ascent: number;

  constructor(readonly embedded: EmbeddedFont) {
    this.scale = 1000 / embedded.font.unitsPerEm;
    this.ascent = embedded.font.ascent / embedded.font.unitsPerEm;
  }

  private glyph(codePoint: number): GlyphInfo {
    let info = this.glyphs.get(codePoint);
    if (info === undefined) {
      const { embedded } = this;
      const glyph = embedded.font.glyphForCodePoint(codePoint);
      const gid = embedded.subset.includeGlyph(glyph.id);
      const advance = glyph.advanceWidth * this.scale;
      if (embedded.widths[gid] == null) embedded.widths[gid] = advance;
      if (embedded.unicode[gid] == null) embedded.unicode[gid] = [codePoint];
      info = { hex: gid.toString(16).padStart(4, "0"), advance };
      this.glyphs.set(codePoint, info);
    }
    return info;
  }

  /** Width of `text` at `size` points. */
  width(text: string, size: number): number {
    let units = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      units += this.glyph(cp).advance;
    }
    return (units * size) / 1000;
  }

  /** Hex glyph string for `text`. */
  hex(text: string): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      out += this.glyph(cp).hex;
    }
    return out;
  }

  /**
   * `text` cut to at most `maxWidth` points at `size`, ending in "…" when cut. Cuts on code
   * points (after NFC, combining marks are rare in names; a cut mark would just be dropped).
   */
  fit(text: string, size: number, maxWidth: number): string {
    const limit = (maxWidth * 1000) / size;
    let units = 0;
    for (let i = 0; i < text.length; i++) {
      units += this.glyph(text.codePointAt(i) ?? 0).advance;
      if (text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff) i++;
    }
    if (units <= limit) return text;
    const room = limit - this.glyph(0x2026).advance;
    units = 0;
    let end = 0;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) ?? 0;
      const step = cp > 0xffff ? 2 : 1;
      units += this.glyph(cp).advance;
      if (units > room) break;
      i += step;
      end = i;
    }
    return `${text.slice(0, end).trimEnd()}…`;
  }
}

/** Formats a coordinate the way PDF likes: short, no exponent. */
export function num(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

/**
 * Collects the operators of one page's raw drawing, in pdfkit's top-down coordinates, and
 * writes them as one block. pdfkit's page content starts with a y-flip; the block undoes it
 * inside q/Q so nothing leaks into pdfkit's own graphics state.
 */
export class RawPage {
  private ops: string[] = [];
  private readonly fontsUsed = new Set<RawFont>();
  private currentFont: RawFont | null = null;
  private currentSize = 0;
  private currentGray = -1;

  constructor(private readonly pageHeight: number) {}

  /** Draws `text` (already fitted) with its line box top at `top`. */
  text(font: RawFont, size: number, x: number, top: number, text: string, gray = 0): void {
    if (!text) return;
    this.fontsUsed.add(font);
    let op = "";
    if (font !== this.currentFont || size !== this.currentSize) {
      op += `/${font.embedded.id} ${num(size)} Tf `;
      this.currentFont = font;
      this.currentSize = size;
    }
    if (gray !== this.currentGray) {
      op += `${num(gray)} g `;
      this.currentGray = gray;
    }
    const baseline = this.pageHeight - top - font.ascent * size;
    this.ops.push(`${op}1 0 0 1 ${num(x)} ${num(baseline)} Tm <${font.hex(text)}> Tj`);
  }

  /** Right-aligned variant: `right` is the x where the text ends. */
  textRight(font: RawFont, size: number, right: number, top: number, text: string, gray = 0): void {
    this.text(font, size, right - font.width(text, size), top, text, gray);
  }

  /** A horizontal rule. Rules are drawn before any text of the block (order inside a page is irrelevant). */
  private rules: string[] = [];
  rule(x1: number, x2: number, y: number, width: number, gray: number): void {
    const py = num(this.pageHeight - y);
    this.rules.push(`${num(gray)} G ${num(width)} w ${num(x1)} ${py} m ${num(x2)} ${py} l S`);
  }

  /** Writes the collected operators into the current page and resets. */
  flush(doc: PDFKit.PDFDocument): void {
    if (this.ops.length === 0 && this.rules.length === 0) return;
    for (const font of this.fontsUsed) useFontOnPage(doc, font.embedded);
    let block = `q 1 0 0 -1 0 ${num(this.pageHeight)} cm\n`;
    if (this.rules.length) block += `${this.rules.join("\n")}\n`;
    if (this.ops.length) block += `BT\n${this.ops.join("\n")}\nET\n`;
    block += "Q";
    doc.addContent(block);
    this.ops = [];
    this.rules = [];
    this.fontsUsed.clear();
    this.currentFont = null;
    this.currentSize = 0;
    this.currentGray = -1;
  }
}
