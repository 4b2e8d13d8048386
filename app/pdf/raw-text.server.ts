import { useFontOnPage, type EmbeddedFont } from "./pdfkit-internals.server";
import type { RawMark } from "./tagging.server";

/**
 * Fast single-line text for the signatory list and the page footers.
 *
 * Glyphs come straight from the font's cmap: no OpenType shaping, so no kerning or ligatures.
 * That is fine for names, places and dates in Latin, Cyrillic, Greek, Armenian and Georgian
 * (text in scripts that need shaping or right-to-left ordering goes through shaped-text.server.ts,
 * whose runs this writer places with showRuns), and it
 * is far cheaper than `doc.text`. Each glyph is registered in pdfkit's subset, /W widths and
 * ToUnicode map exactly as pdfkit's own EmbeddedFont.encode does, so the result is ordinary,
 * extractable PDF text. A page's operators are collected and written with one `addContent`.
 *
 * Memory: a lookup table per font (code point → glyph) that never outgrows the font itself.
 */

const BMP = 0x10000;

export class RawFont {
  /** Per BMP code point: subset glyph id + 1 (0 = not looked up yet). */
  private readonly gidOf = new Int32Array(BMP);
  /** Per BMP code point: advance in 1/1000 em. */
  private readonly advanceOf = new Float64Array(BMP);
  /** Astral code points (rare in names): same data in a map. */
  private readonly astral = new Map<number, { gid: number; advance: number }>();
  /** Per subset glyph id: its two-byte code as Latin-1 characters, escaped for a (...) string. */
  private readonly codeOf: string[] = [];
  private readonly scale: number;
  /** Distance from the top of a line box to the baseline, per point of font size. */
  readonly ascent: number;
  private readonly ellipsisAdvance: number;

  constructor(readonly embedded: EmbeddedFont) {
    this.scale = 1000 / embedded.font.unitsPerEm;
    this.ascent = embedded.font.ascent / embedded.font.unitsPerEm;
    this.ellipsisAdvance = this.advance(0x2026);
  }

  /** Looks a code point up in the font and registers its glyph in pdfkit's subset. */
  private load(codePoint: number): { gid: number; advance: number } {
    const { embedded } = this;
    const glyph = embedded.font.glyphForCodePoint(codePoint);
    const gid = embedded.subset.includeGlyph(glyph.id);
    const advance = glyph.advanceWidth * this.scale;
    if (embedded.widths[gid] == null) embedded.widths[gid] = advance;
    if (embedded.unicode[gid] == null) embedded.unicode[gid] = [codePoint];
    if (this.codeOf[gid] === undefined) this.codeOf[gid] = escapeByte(gid >> 8) + escapeByte(gid & 0xff);
    if (codePoint < BMP) {
      this.gidOf[codePoint] = gid + 1;
      this.advanceOf[codePoint] = advance;
    } else {
      this.astral.set(codePoint, { gid, advance });
    }
    return { gid, advance };
  }

  private advance(codePoint: number): number {
    if (codePoint < BMP) {
      if (this.gidOf[codePoint] === 0) this.load(codePoint);
      return this.advanceOf[codePoint];
    }
    return (this.astral.get(codePoint) ?? this.load(codePoint)).advance;
  }

  private codeFor(codePoint: number): string {
    let gid: number;
    if (codePoint < BMP) {
      if (this.gidOf[codePoint] === 0) this.load(codePoint);
      gid = this.gidOf[codePoint] - 1;
    } else {
      gid = (this.astral.get(codePoint) ?? this.load(codePoint)).gid;
    }
    return this.codeOf[gid] ?? "\\000\\000";
  }

  /** Width of `text` at `size` points. */
  width(text: string, size: number): number {
    let units = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        units += this.advance(text.codePointAt(i) ?? 0);
        i++;
      } else {
        units += this.advance(c);
      }
    }
    return (units * size) / 1000;
  }

  /**
   * Encodes `text` for a Tj operator, cut with "…" so it is at most `maxWidth` points wide at
   * `size`. Returns the glyph codes (the inside of a PDF literal string: two bytes per glyph,
   * Identity-H, as Latin-1 characters) and the width it will take. Binary codes are half the
   * size of hex, which matters: at a million rows, compressing the content streams is a
   * large share of the time.
   */
  encode(text: string, size: number, maxWidth = Infinity): Encoded {
    const limit = (maxWidth * 1000) / size;
    let units = 0;
    let codes = "";
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        cp = text.codePointAt(i) ?? 0;
        i++;
      }
      units += this.advance(cp);
      if (units > limit) return this.truncated(text, size, limit);
      codes += this.codeFor(cp);
    }
    return { codes, width: (units * size) / 1000 };
  }

  private truncated(text: string, size: number, limit: number): Encoded {
    const room = limit - this.ellipsisAdvance;
    let units = 0;
    let end = 0;
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i) ?? 0;
      const next = i + (cp > 0xffff ? 2 : 1);
      units += this.advance(cp);
      if (units > room) break;
      i = next;
      end = next;
    }
    const cut = `${text.slice(0, end).trimEnd()}…`;
    return this.encode(cut, size);
  }
}

export interface Encoded {
  /** Glyph codes, escaped for a literal string. */
  codes: string;
  width: number;
}

/** A shaped run (shaped-text.server.ts): its font and its text-showing operators. */
export interface GlyphRun {
  font: EmbeddedFont;
  ops: string;
  width: number;
}

/**
 * One byte of a glyph code inside a PDF literal string: backslash and parentheses are escaped,
 * and so are CR and LF (an unescaped CR would be read as LF).
 */
export function escapeByte(b: number): string {
  switch (b) {
    case 0x5c:
      return "\\\\";
    case 0x28:
      return "\\(";
    case 0x29:
      return "\\)";
    case 0x0d:
      return "\\r";
    case 0x0a:
      return "\\n";
    default:
      return String.fromCharCode(b);
  }
}

const coords = new Map<number, string>();

/**
 * A coordinate the way PDF likes it: at most two decimals, no exponent. List rows sit at the
 * same positions on every page, so the strings are memoised (capped).
 */
export function num(n: number): string {
  let s = coords.get(n);
  if (s === undefined) {
    s = (Math.round(n * 100) / 100).toString();
    if (coords.size >= 8192) coords.clear();
    coords.set(n, s);
  }
  return s;
}

/** A coordinate in hundredths of a point, as PDF wants it ("789.21", "-22", "0"). */
function hundredths(n: number): string {
  return n === 0 ? "0" : String(n / 100);
}

/** What a style needs of its font: pdfkit's embedded font, and where the baseline sits. */
export interface StyleFont {
  embedded: EmbeddedFont;
  /** Distance from the top of a line box to the baseline, per point of font size. */
  ascent: number;
}

/** A colour of the raw writer: a gray level, or red, green and blue (each 0–1). */
export type RawColor = number | readonly [number, number, number];

/** The operator that sets `color` for filling (text: "0.35 g", "0.1 0.31 0.55 rg") or, with `stroke`, for lines. */
function colorOperator(color: RawColor, stroke = false): string {
  if (typeof color === "number") return `${num(color)} ${stroke ? "G" : "g"}`;
  return `${color.map(num).join(" ")} ${stroke ? "RG" : "rg"}`;
}

/** A text style of the raw writer: created once, used for many cells. */
export class RawStyle<F extends StyleFont = RawFont> {
  /** The operators that select it, e.g. "/F1 8.5 Tf 0.35 g". */
  readonly operators: string;
  private variants: Map<EmbeddedFont, RawStyle<StyleFont>> | null = null;
  constructor(
    readonly font: F,
    readonly size: number,
    readonly color: RawColor,
    /** A synthetic oblique (italic in a font that has none): the text leans by this much per unit of height. */
    readonly slant = 0,
  ) {
    this.operators = `/${font.embedded.id} ${num(size)} Tf ${colorOperator(color)}`;
  }

  /** The same size and colour in another font, on this style's baseline (a run of shaped text). */
  inFont(font: EmbeddedFont): RawStyle<StyleFont> {
    if (font === this.font.embedded) return this;
    this.variants ??= new Map();
    let style = this.variants.get(font);
    if (!style) {
      style = new RawStyle({ embedded: font, ascent: this.font.ascent }, this.size, this.color, this.slant);
      this.variants.set(font, style);
    }
    return style;
  }
}

interface Group {
  ops: string;
  /** Last line start, in hundredths of a point. */
  x: number;
  y: number;
}

/**
 * Collects the operators of one page's raw drawing, in pdfkit's top-down coordinates, and
 * writes them as one block. Text is grouped by style, so the font and colour are set once per
 * group, and within a group each cell moves relative to the previous one ("0 -22 Td"), which
 * is short and compresses well — at a million rows, deflating the content streams is a large
 * share of the time. pdfkit's page content starts with a y-flip; the block undoes it inside
 * q/Q so nothing leaks into pdfkit's own graphics state.
 */
export class RawPage {
  private readonly groups = new Map<RawStyle<StyleFont>, Group>();
  private rules = "";
  private ruleStyle = "";

  constructor(private readonly pageHeight: number) {}

  /**
   * Draws encoded text with its line box top at `top`. With `mark`, the text is its own
   * marked-content sequence (a table cell's MCID, or an artifact), inside the text object.
   */
  show(style: RawStyle, x: number, top: number, encoded: Encoded, mark?: RawMark): void {
    if (encoded.codes === "") return;
    this.showOps(style, x, top, `(${encoded.codes}) Tj`, mark);
  }

  /**
   * Draws shaped runs (a line of shaped-text.server.ts, in visual order) from `x`, each in its
   * own font on `style`'s baseline; each run is its own marked-content sequence when `mark` gives one.
   */
  showRuns(style: RawStyle<StyleFont>, x: number, top: number, runs: readonly GlyphRun[], mark?: () => RawMark | undefined): void {
    let at = x;
    for (const run of runs) {
      if (run.ops !== "") this.showOps(style.inFont(run.font), at, top, run.ops, mark?.());
      at += run.width;
    }
  }

  private showOps(style: RawStyle<StyleFont>, x: number, top: number, ops: string, mark?: RawMark): void {
    const open = mark ? `${mark.open} ` : "";
    const close = mark ? " EMC" : "";
    const ix = Math.round(x * 100);
    const iy = Math.round((this.pageHeight - top - style.font.ascent * style.size) * 100);
    const group = this.groups.get(style);
    if (style.slant !== 0) {
      // A relative move would be skewed by the slanted text matrix: each cell places itself.
      const ops2 = `${open}1 0 ${num(style.slant)} 1 ${hundredths(ix)} ${hundredths(iy)} Tm ${ops}${close}\n`;
      if (group === undefined) this.groups.set(style, { ops: ops2, x: ix, y: iy });
      else group.ops += ops2;
    } else if (group === undefined) {
      this.groups.set(style, { ops: `${open}1 0 0 1 ${hundredths(ix)} ${hundredths(iy)} Tm ${ops}${close}\n`, x: ix, y: iy });
    } else {
      group.ops += `${open}${hundredths(ix - group.x)} ${hundredths(iy - group.y)} Td ${ops}${close}\n`;
      group.x = ix;
      group.y = iy;
    }
  }

  /** Draws `text` cut to `maxWidth`, left-aligned at `x`. */
  draw(style: RawStyle, x: number, top: number, text: string, maxWidth = Infinity, mark?: RawMark): Encoded {
    const encoded = style.font.encode(text, style.size, maxWidth);
    this.show(style, x, top, encoded, mark);
    return encoded;
  }

  /** Draws `text` cut to `maxWidth`, ending at `right`. */
  drawRight(style: RawStyle, right: number, top: number, text: string, maxWidth = Infinity, mark?: RawMark): Encoded {
    const encoded = style.font.encode(text, style.size, maxWidth);
    this.show(style, right - encoded.width, top, encoded, mark);
    return encoded;
  }

  /** A horizontal rule; consecutive rules of the same style share one path. */
  rule(x1: number, x2: number, y: number, width: number, color: RawColor): void {
    const style = `${colorOperator(color, true)} ${num(width)} w`;
    if (style !== this.ruleStyle) {
      if (this.ruleStyle) this.rules += "S\n";
      this.rules += `${style}\n`;
      this.ruleStyle = style;
    }
    const py = num(this.pageHeight - y);
    this.rules += `${num(x1)} ${py} m ${num(x2)} ${py} l\n`;
  }

  /**
   * Writes the collected operators into the current page and resets. Rules are always artifacts
   * (in a tagged letter, lines are decoration); with `artifact`, the whole block is one (a footer).
   */
  flush(doc: PDFKit.PDFDocument, artifact?: RawMark): void {
    if (this.groups.size === 0 && this.rules === "") return;
    let block = artifact ? `${artifact.open}\n` : "";
    block += `q 1 0 0 -1 0 ${num(this.pageHeight)} cm\n`;
    if (this.rules) block += artifact ? `${this.rules}S\n` : `/Artifact BMC\n${this.rules}S\nEMC\n`;
    if (this.groups.size) {
      block += "BT\n";
      for (const [style, group] of this.groups) {
        useFontOnPage(doc, style.font.embedded);
        block += `${style.operators}\n${group.ops}`;
      }
      block += "ET\n";
    }
    block += "Q\n";
    if (artifact) block += "EMC\n";
    // Latin-1 bytes straight into the content stream (pdfkit would convert a string char by char).
    doc.addContent(Buffer.from(block, "latin1"));
    this.groups.clear();
    this.rules = "";
    this.ruleStyle = "";
  }
}
