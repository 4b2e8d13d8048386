import bidiFactory, { type EmbeddingLevels } from "bidi-js";
import { embeddedFont, registerFont, type EmbeddedFont, type FontkitFont } from "./pdfkit-internals.server";
import { escapeByte, num } from "./raw-text.server";
import { familyCovers, fontBytes, scriptFamilyOf, SCRIPT_FAMILIES, type ScriptFamily, type Weight } from "./script-fonts.server";

/**
 * Text in scripts DejaVu Sans cannot draw properly (script-fonts.server.ts): Arabic script,
 * Hebrew, Chinese, Japanese, Korean, Devanagari, Thai — and any line mixing them with others.
 *
 * A line is drawn the way a browser would:
 *  1. Each character gets a font: its script's family (arabic, cjk, …) or DejaVu; spaces,
 *     digits, punctuation and combining marks (Unicode Common and Inherited) take the font of
 *     the letter before them (after, at the start) when that font has them.
 *  2. Embedding levels by the Unicode bidi algorithm (bidi-js), the base direction from the
 *     first strong letter (as HTML's dir="auto") or given (an RTL letter's paragraphs); mirrored
 *     characters swapped in right-to-left runs.
 *  3. The line is cut into runs of one font and one level; each run is shaped by fontkit's
 *     OpenType engine (pdfkit's own: GSUB joins Arabic letters and forms Devanagari conjuncts,
 *     GPOS places marks), word by word with a cache (names repeat their words: a million-row
 *     list shapes each distinct word once per font and size), and comes out in visual order.
 *  4. Runs are put in visual order (rule L2: from the highest level down, reverse every
 *     sequence at that level or above), and each becomes a TJ array of two-byte glyph codes
 *     with the shaping's advances and offsets (marks raised with Ts).
 *
 * Glyphs go into pdfkit's subset, /W widths and ToUnicode map like raw-text.server.ts's, with the
 * code points fontkit reports for each glyph (a lam-alef ligature maps to both letters), so
 * pdftotext extracts the text in logical order: poppler reorders right-to-left glyphs itself
 * (checked: an /ActualText span would be reversed by it a second time, so none is written).
 */

const bidi = bidiFactory();

/**
 * Text only OpenType shaping draws right: Arabic and Hebrew (joining, marks), the Indic and
 * South-East Asian scripts (reordering, conjuncts), conjoining Hangul jamo, combining marks,
 * joiners. Other words (Han, Kana, Hangul syllables, digits…) are drawn from the cmap.
 */
const NEEDS_SHAPING =
  /[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\ua960-\ua97f\ud7b0-\ud7ff\ufb1d-\ufdff\ufe70-\ufeff\u200c\u200d\p{M}]/u;

/** What a code point's font is decided by. */
const UNKNOWN = 0;
const BASE = 1;
/** Common or Inherited: follows its neighbour. */
const FOLLOW = 2;
/** 3 + index in SCRIPT_FAMILIES. */
const FAMILY0 = 3;

const classes = new Uint8Array(0x110000);

function classOf(cp: number): number {
  let c = classes[cp];
  if (c === UNKNOWN) {
    const family = scriptFamilyOf(cp);
    if (family) c = FAMILY0 + SCRIPT_FAMILIES.indexOf(family);
    else c = /[\p{Script=Common}\p{Script=Inherited}]/u.test(String.fromCodePoint(cp)) ? FOLLOW : BASE;
    classes[cp] = c;
  }
  return c;
}

/** Right-to-left letters (bidi classes R and AL): a line without any needs no bidi pass. */
const RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]|\ud802[\udc00-\udfff]|\ud83a[\udc00-\udfff]/;

export function hasRtl(text: string): boolean {
  return RTL_LETTER.test(text);
}

/**
 * The characters a right-to-left run draws mirrored ("(" as ")"), by index: bidi-js wants the
 * levels array here, not the result object (given that, it found nothing and brackets around
 * right-to-left text came out backwards).
 */
export function mirroredCharacters(text: string, levels: EmbeddingLevels): Map<number, string> {
  return bidi.getMirroredCharactersMap(text, levels.levels);
}

/** A paragraph's direction by its first strong letter (the bidi algorithm's rules P2–P3). */
export function baseDirection(text: string): "ltr" | "rtl" {
  if (!hasRtl(text)) return "ltr";
  return (bidi.getEmbeddingLevels(text).paragraphs[0]?.level ?? 0) % 2 === 1 ? "rtl" : "ltr";
}

/** Base direction of a line: from its first strong letter ("auto"), or as given. */
export type Direction = "auto" | "ltr" | "rtl";

export interface ShapedRun {
  /** The font and the code operators for this run. */
  font: EmbeddedFont;
  /** Its style (an index into LineStyles.weights; 0 without styles). */
  style: number;
  /** Text-showing operators (TJ arrays, Ts for raised marks) at the size asked. */
  ops: string;
  /** Width in points at the size asked. */
  width: number;
}

/** A line in visual order: runs drawn left to right, one after the other. */
export interface ShapedLine {
  runs: ShapedRun[];
  width: number;
  /** The paragraph level: 1 when the line reads right to left. */
  rtl: boolean;
}

interface ShapedWord {
  /** TJ array items ("(xy) -12 (zw)"), and the raised-mark segments already split out. */
  ops: string;
  /** In 1/1000 em. */
  advance: number;
}

/** Cap on each document's word cache (distinct word + font + size + direction). */
const WORD_CACHE_LIMIT = 50_000;

/** One document's fonts for complex text: DejaVu (given) and the script families (embedded on first use). */
export class ScriptFonts {
  private readonly families = new Map<string, EmbeddedFont>();
  private readonly words = new Map<string, ShapedWord>();
  private readonly codes = new Map<EmbeddedFont, string[]>();
  /** Subset copies of glyphs that stand for several letters (glyphFor), per font, glyph and letters. */
  private readonly copies = new Map<string, number>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly base: Record<Weight, EmbeddedFont>,
    /** Parsed fontkit fonts shared between the dry run and the real document of one render. */
    private readonly parsed: Map<string, FontkitFont>,
  ) {}

  /** The embedded font of `family` (null: DejaVu) in `weight`, registered with the document on first use. */
  font(family: ScriptFamily | null, weight: Weight): EmbeddedFont {
    if (family === null) return this.base[weight];
    const name = `${family}-${weight}`;
    let font = this.families.get(name);
    if (!font) {
      registerFont(this.doc, name, this.parsed.get(name) ?? fontBytes(family, weight));
      font = embedQuietly(this.doc, name);
      this.parsed.set(name, font.font);
      this.families.set(name, font);
    }
    return font;
  }

  /**
   * Lays `text` out as one line (no wrapping) at `size` points: fonts chosen, bidi applied,
   * shaped, in visual order.
   */
  line(text: string, weight: Weight, size: number, direction: Direction = "auto", styles?: LineStyles): ShapedLine {
    const runs = this.itemize(text, direction, styles?.at);
    const shaped: ShapedRun[] = [];
    let width = 0;
    for (const run of visualOrder(runs.items)) {
      const font = this.font(run.family, styles ? styles.weights[run.style]! : weight);
      const piece = this.shapeRun(font, text.slice(run.start, run.end), run.level % 2 === 1, size, runs.mirrored, run.start);
      shaped.push({ ...piece, style: run.style });
      width += piece.width;
    }
    return { runs: shaped, width, rtl: runs.paragraphLevel === 1 };
  }

  /** Width of `text` as one line, in points. */
  width(text: string, weight: Weight, size: number, direction: Direction = "auto"): number {
    return this.line(text, weight, size, direction).width;
  }

  /** Splits the text into runs of one font family and one bidi level, in logical order. */
  private itemize(text: string, direction: Direction, style?: Uint8Array): { items: Item[]; mirrored: Map<number, string> | null; paragraphLevel: number } {
    const n = text.length;
    // Per UTF-16 index: its font class (the low surrogate repeats the high one's).
    const cls = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const cp = text.codePointAt(i) ?? 0;
      cls[i] = classOf(cp);
      if (cp > 0xffff) cls[++i] = cls[i - 1]!;
    }
    // Common/Inherited follow the letter before them (or after, at the start) when its font has them.
    let previous = UNKNOWN;
    for (let i = 0; i < n; i++) {
      if (cls[i] === FOLLOW) {
        cls[i] = previous === UNKNOWN ? UNKNOWN : previous;
      } else {
        previous = cls[i]!;
      }
    }
    let next = BASE;
    for (let i = n - 1; i >= 0; i--) {
      if (cls[i] === UNKNOWN) cls[i] = next;
      else next = cls[i]!;
    }
    // A family that lacks the character (e.g. "№" in Noto Sans Arabic) hands it to DejaVu.
    for (let i = 0; i < n; i++) {
      const c = cls[i]!;
      const cp = text.codePointAt(i) ?? 0;
      if (c >= FAMILY0 && scriptFamilyOf(cp) === null && !familyCovers(SCRIPT_FAMILIES[c - FAMILY0]!, cp)) {
        cls[i] = BASE;
        if (cp > 0xffff) cls[i + 1] = BASE;
      }
      if (cp > 0xffff) i++;
    }
    let levels: EmbeddingLevels | null = null;
    let paragraphLevel = direction === "rtl" ? 1 : 0;
    if (direction === "rtl" || hasRtl(text)) {
      levels = bidi.getEmbeddingLevels(text, direction === "auto" ? undefined : direction);
      paragraphLevel = levels.paragraphs[0]?.level ?? paragraphLevel;
    }
    const items: Item[] = [];
    let start = 0;
    const levelAt = (i: number) => (levels ? levels.levels[i]! : 0);
    const styleAt = (i: number) => (style ? style[i]! : 0);
    for (let i = 1; i <= n; i++) {
      if (i === n || cls[i] !== cls[start] || levelAt(i) !== levelAt(start) || styleAt(i) !== styleAt(start)) {
        if (!(text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff && i < n)) {
          const c = cls[start]!;
          items.push({ start, end: i, level: levelAt(start), family: c >= FAMILY0 ? SCRIPT_FAMILIES[c - FAMILY0]! : null, style: styleAt(start) });
          start = i;
        }
      }
    }
    return { items, mirrored: levels ? mirroredCharacters(text, levels) : null, paragraphLevel };
  }

  /** Shapes one run word by word (cached), in visual order. */
  private shapeRun(
    font: EmbeddedFont,
    raw: string,
    rtl: boolean,
    size: number,
    mirrored: Map<number, string> | null,
    offset: number,
  ): Omit<ShapedRun, "style"> {
    let text = raw;
    if (rtl && mirrored && mirrored.size) {
      let swapped = "";
      for (let i = 0; i < raw.length; i++) swapped += mirrored.get(offset + i) ?? raw[i];
      text = swapped;
    }
    // Words and the spaces between them, in logical order; visual order reverses them in RTL.
    const parts = text.split(/( +)/).filter((p) => p !== "");
    if (rtl) parts.reverse();
    let ops = "";
    let advance = 0;
    for (const part of parts) {
      const word = this.word(font, part, rtl, size);
      ops += word.ops;
      advance += word.advance;
    }
    return { font, ops: `${ops}`, width: (advance * size) / 1000 };
  }

  private word(font: EmbeddedFont, text: string, rtl: boolean, size: number): ShapedWord {
    const key = `${font.id}\u0000${size}\u0000${rtl ? "r" : "l"}\u0000${text}`;
    let word = this.words.get(key);
    if (!word) {
      if (this.words.size >= WORD_CACHE_LIMIT) this.words.clear();
      word = NEEDS_SHAPING.test(text) ? this.shapeWord(font, text, rtl, size) : this.cmapWord(font, text, rtl);
      this.words.set(key, word);
    }
    return word;
  }

  /**
   * A word with nothing to shape (Han, Kana, Hangul syllables, digits, Latin or Cyrillic in a
   * script font): glyphs straight from the cmap, as raw-text.server.ts draws DejaVu — fontkit's
   * layout costs ~100 µs a word even when it changes nothing, and every row's number is a new word.
   */
  private cmapWord(embedded: EmbeddedFont, text: string, rtl: boolean): ShapedWord {
    const scale = 1000 / embedded.font.unitsPerEm;
    const codes = this.codesOf(embedded);
    const cps = Array.from(text, (ch) => ch.codePointAt(0)!);
    if (rtl) cps.reverse();
    let tj = "";
    let advance = 0;
    for (const cp of cps) {
      const glyph = embedded.font.glyphForCodePoint(cp);
      const gid = this.glyphFor(embedded, glyph.id, [cp]);
      const width = glyph.advanceWidth * scale;
      if (embedded.widths[gid] == null) embedded.widths[gid] = width;
      if (embedded.unicode[gid] == null) embedded.unicode[gid] = [cp];
      if (codes[gid] === undefined) codes[gid] = escapeByte(gid >> 8) + escapeByte(gid & 0xff);
      tj += `(${codes[gid]})`;
      advance += width;
    }
    return { ops: tj === "" ? "" : `[${tj}] TJ `, advance };
  }

  private shapeWord(embedded: EmbeddedFont, text: string, rtl: boolean, size: number): ShapedWord {
    const run = layoutWithCodePoints(embedded.font, text, rtl);
    const font = embedded.font;
    const scale = 1000 / font.unitsPerEm;
    const codes = this.codesOf(embedded);
    // Where each glyph goes (1/1000 em from the word's start), in visual order.
    const placed: { gid: number; x: number; y: number; width: number; invisible?: boolean }[] = [];
    let advance = 0;
    for (let i = 0; i < run.glyphs.length; i++) {
      const glyph = run.glyphs[i]!;
      const pos = run.positions[i]!;
      const width = glyph.advanceWidth * scale;
      const register = (codePoints: number[]) => {
        const gid = this.glyphFor(embedded, glyph.id, codePoints);
        if (embedded.widths[gid] == null) embedded.widths[gid] = width;
        if (embedded.unicode[gid] == null) embedded.unicode[gid] = codePoints;
        if (codes[gid] === undefined) codes[gid] = escapeByte(gid >> 8) + escapeByte(gid & 0xff);
        return gid;
      };
      const x = advance + pos.xOffset * scale;
      const y = pos.yOffset * scale;
      if (rtl && pos.xAdvance === 0 && glyph.codePoints.length > 0 && (x !== advance || y !== 0)) {
        // A mark placed off its pen position, right to left (ّ over م): poppler takes it for a
        // word of its own. It is drawn where it belongs without a meaning, and its letter is
        // given by an invisible copy (Tr 3, as OCR text layers do) at the pen position.
        placed.push({ gid: register(glyph.codePoints), x: advance, y: 0, width, invisible: true });
        placed.push({ gid: register([]), x, y, width });
      } else {
        placed.push({ gid: register(glyph.codePoints), x, y, width });
      }
      advance += pos.xAdvance * scale;
    }
    let tj = "";
    let ops = "";
    let at = 0; // the text position after the last glyph written, 1/1000 em
    const flush = () => {
      if (tj !== "") ops += `[${tj}] TJ `;
      tj = "";
    };
    const move = (to: number) => {
      const shift = at - to;
      if (Math.abs(shift) >= 0.01) tj += `${tj === "" ? "" : " "}${num(shift)} `;
    };
    for (const g of placed) {
      if (g.invisible) {
        move(g.x);
        flush();
        ops += `3 Tr [(${codes[g.gid]})] TJ 0 Tr `;
      } else if (g.y !== 0) {
        // A raised (or lowered) mark: its own TJ between two Ts.
        move(g.x);
        flush();
        ops += `${num((g.y * size) / 1000)} Ts [(${codes[g.gid]})] TJ 0 Ts `;
      } else {
        move(g.x);
        tj += `(${codes[g.gid]})`;
      }
      at = g.x + g.width;
    }
    move(advance);
    flush();
    // Left to right, a shaper may draw glyphs in another order than the letters are read
    // (Devanagari's i-matra before its consonant, a reph after the syllable): text extraction
    // follows the drawing, so such a word carries its letters as /ActualText. Not right to left:
    // poppler reverses a right-to-left word itself, /ActualText included.
    if (!rtl) {
      let drawn = "";
      for (const glyph of run.glyphs) drawn += String.fromCodePoint(...glyph.codePoints);
      if (drawn !== text) ops = `/Span <</ActualText <${utf16Hex(text)}>>> BDC ${ops}EMC `;
    }
    return { ops, advance };
  }

  /**
   * The subset glyph for a font glyph standing for `codePoints`. The ToUnicode map gives each
   * subset glyph one meaning, but a font may draw different letters with one glyph — Noto Sans
   * Arabic draws ز as the glyph of ر plus a dot, ی and ى alike — so a glyph that stands for other
   * letters than its first use gets a copy of its own in the subset (same outline, its own code).
   */
  private glyphFor(embedded: EmbeddedFont, glyphId: number, codePoints: number[]): number {
    const gid = embedded.subset.includeGlyph(glyphId);
    const mapped = embedded.unicode[gid];
    if (mapped == null || sameCodePoints(mapped, codePoints)) return gid;
    const key = `${embedded.id}:${glyphId}:${codePoints.join(",")}`;
    let copy = this.copies.get(key);
    if (copy === undefined) {
      copy = copyGlyph(embedded, glyphId);
      this.copies.set(key, copy);
    }
    return copy;
  }

  private codesOf(font: EmbeddedFont): string[] {
    let codes = this.codes.get(font);
    if (!codes) {
      codes = [];
      this.codes.set(font, codes);
    }
    return codes;
  }
}

function sameCodePoints(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((cp, i) => cp === b[i]);
}

/** A second subset entry for `glyphId` (fontkit's TTFSubset writes each entry's outline). */
function copyGlyph(embedded: EmbeddedFont, glyphId: number): number {
  const glyphs: unknown = Reflect.get(embedded.subset, "glyphs");
  if (!Array.isArray(glyphs)) throw new Error("fontkit internals changed (subset.glyphs); check app/pdf/shaped-text.server.ts");
  glyphs.push(glyphId);
  return glyphs.length - 1;
}

type FontWithGlyphs = FontkitFont & {
  layout(text: string, features?: unknown, script?: string, language?: string, direction?: string): GlyphRun;
  getGlyph(id: number, codePoints?: number[]): GlyphRun["glyphs"][number];
};

/**
 * fontkit's layout with each glyph's own code points. fontkit caches one glyph object per glyph
 * id, carrying the code points of its first use; a glyph drawing other letters later (ز drawn as
 * ر plus a dot) would report the first ones. During this layout, getGlyph hands out a view of the
 * cached glyph with the code points of this use.
 */
function layoutWithCodePoints(fontkitFont: FontkitFont, text: string, rtl: boolean): GlyphRun {
  const font = fontkitFont as FontWithGlyphs;
  const cached = font.getGlyph;
  const own = Object.prototype.hasOwnProperty.call(font, "getGlyph");
  font.getGlyph = function getGlyph(id: number, codePoints: number[] = []) {
    const glyph = cached.call(this, id, codePoints);
    return glyph && codePoints.length > 0 && !sameCodePoints(glyph.codePoints, codePoints)
      ? Object.create(glyph, { codePoints: { value: codePoints } })
      : glyph;
  };
  try {
    return font.layout(text, undefined, undefined, undefined, rtl ? "rtl" : "ltr");
  } finally {
    if (own) font.getGlyph = cached;
    else Reflect.deleteProperty(font, "getGlyph");
  }
}

/** A text string as PDF wants it in hex: UTF-16BE with a byte order mark. */
function utf16Hex(text: string): string {
  const bytes = Buffer.from(`\ufeff${text}`, "utf16le");
  bytes.swap16();
  return bytes.toString("hex").toUpperCase();
}

interface GlyphRun {
  glyphs: { id: number; advanceWidth: number; codePoints: number[] }[];
  positions: { xAdvance: number; xOffset: number; yOffset: number }[];
}

interface Item {
  start: number;
  end: number;
  level: number;
  family: ScriptFamily | null;
  style: number;
}

/** Styles within one line: a style index per UTF-16 unit, and each style's weight. */
export interface LineStyles {
  at: Uint8Array;
  weights: readonly Weight[];
}

/** Rule L2 of the bidi algorithm on runs: from the highest level down to the lowest odd one, reverse every sequence at that level or above. */
function visualOrder(items: Item[]): Item[] {
  let max = 0;
  let minOdd = Infinity;
  for (const it of items) {
    if (it.level > max) max = it.level;
    if (it.level % 2 === 1 && it.level < minOdd) minOdd = it.level;
  }
  if (max === 0) return items;
  const out = [...items];
  for (let level = max; level >= minOdd; level--) {
    for (let i = 0; i < out.length;) {
      if (out[i]!.level >= level) {
        let j = i;
        while (j < out.length && out[j]!.level >= level) j++;
        const reversed = out.slice(i, j).reverse();
        out.splice(i, j - i, ...reversed);
        i = j;
      } else {
        i++;
      }
    }
  }
  return out;
}

/** pdfkit's font() changes the document's current font; this embeds one without doing so. */
function embedQuietly(doc: PDFKit.PDFDocument, name: string): EmbeddedFont {
  const saved = ["_font", "_fontSource", "_fontFamily"].map((k) => [k, Reflect.get(doc, k)] as const);
  const font = embeddedFont(doc, name);
  for (const [k, v] of saved) Reflect.set(doc, k, v);
  return font;
}
